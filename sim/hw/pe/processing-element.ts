import { SimulationError } from '../../errors.js';
import type { MappingPlan, PassSlice } from '../../mapping/plan.js';
import type { IactSegmentStore, WeightTileStore } from '../../mapping/tiles.js';
import { type AccessCounts, counterIndex } from '../../stats/access-counts.js';
import { Credits } from '../credits.js';
import { computeWindow, type WindowGeometry } from './datapath.js';
import type { GroupMember, PeWaker } from './pe-group.js';
import type { PipelineTiming } from './pipeline.js';
import { PeSpads } from './spads.js';

/** A PE's part in its psum chain in one pass. */
export interface PsumRole {
  /** compute: MACs, then add the psum input if any; forward: pass the psum input up unchanged; off: idle. */
  kind: 'compute' | 'forward' | 'off';
  /** Whether a psum vector arrives for each window (from the PE below, or from the GLB at the bottom). */
  psumIn: boolean;
}

/** Which window a psum vector belongs to. Receivers copy what they need: senders reuse the object. */
export interface WindowMeta {
  pass: number;
  row: number;
  f: number;
  /** Output coordinates (for final outputs): image, group, first output channel, output row. */
  n: number;
  g: number;
  mBase: number;
  e: number;
}

/** Copies a window's coordinates (into a receiver's own record: senders reuse theirs). */
export function copyWindowMeta(to: WindowMeta, from: WindowMeta): void {
  to.pass = from.pass;
  to.row = from.row;
  to.f = from.f;
  to.n = from.n;
  to.g = from.g;
  to.mBase = from.mBase;
  to.e = from.e;
}

/** Receives psum vectors: the PE above, a psum GLB bank, or the off-chip output. */
export interface PsumReceiver {
  /** Whether a sender must hold a credit per vector (false: the receiver always has room). */
  readonly needsCredits: boolean;
  /** A vector sent at cycle `sent`, usable from `arrival`; `src` is only valid during the call. */
  receivePsums(sent: number, arrival: number, src: Int32Array, from: number, mCount: number, meta: WindowMeta): void;
}

/** A sender that receives credits back from this PE (iact channel, weight channel, psum sender below). */
export interface CreditSink {
  returnCredit(pe: number, time: number, entries: number, slots: number): void;
}

/** Everything a PE needs that is fixed for the layer. */
export interface PeStatic {
  plan: MappingPlan;
  iacts: IactSegmentStore;
  weights: WeightTileStore;
  /** Weights in CSC (the compressed mode). */
  compressed: boolean;
  /** Iacts in CSC (raw in the uncompressed mode, and in the compressed mode with `iacts=raw`). */
  iactsCompressed: boolean;
  windowSegments: number;
  /** Whether a window's oldest iacts free their SPad entries once read (else when its fetch ends). */
  iactsFreedAsRead: boolean;
  simdWidth: number;
  psumBits: number;
  psumLinkBits: number;
  psumSlots: number;
  iactEntries: number;
  iactSegments: number;
  weightAddrEntries: number;
  weightEntries: number;
  psumEntries: number;
}

/** The chain-level view a PE needs (sim/hw/psum-chain/column.ts implements it). */
export interface ChainView {
  roleOf(member: number, pass: number): PsumRole;
  rowJob(pass: number, row: number): { n: number; e: number } | null;
  /** Group and output channels the chain produces in a pass (shared by all its members). */
  outputOf(pass: number): { g: number; mBase: number } | null;
  /** Last row iteration of the pass with work, or -1. */
  lastRow(pass: number): number;
  receiverOf(member: number, pass: number): PsumReceiver;
}

// Fields of a window's record in the ring of windows to send (seq is -1 for a forwarded window).
const O_SEQ = 0;
const O_SLOT = 1;
const O_MCOUNT = 2;
const O_PSUMIN = 3;
const O_PASS = 4;
const O_ROW = 5;
const O_F = 6;
const O_N = 7;
const O_E = 8;
const O_G = 9;
const O_MBASE = 10;
const OUT_FIELDS = 11;

/** Windows a PE keeps between start and send: its psum slots and a few forwarded ones, as a power of two. */
export function ringSize(psumSlots: number): number {
  let n = 8;
  while (n < psumSlots + 4) n *= 2;
  return n;
}
// What a PE waits for that only a delivery can bring. Anything whose time is already known is not waited
// for: the PE acts at once, at the latest of the known times (see step()).
const WAIT_SEGMENT = 1;
const WAIT_WEIGHTS = 2;
const WAIT_PSUM_IN = 4;
const WAIT_CREDIT = 8;
const WAIT_TIMING = 16; // the stepped pipeline has not told a window's times yet
const C_IACT_DATA_WRITE = counterIndex('iactDataSpad', 'iact', 'write');
const C_IACT_ADDR_WRITE = counterIndex('iactAddrSpad', 'iact', 'write');
const C_W_DATA_WRITE = counterIndex('weightDataSpad', 'weight', 'write');
const C_W_ADDR_WRITE = counterIndex('weightAddrSpad', 'weight', 'write');
const C_PSUM_OUT_READ = counterIndex('psumSpad', 'psum', 'read');

/**
 * One processing element: its SPads, its pipeline, and its handshakes with the iact and weight networks
 * (credits for SPad space) and with its psum chain (a one-vector psum input FIFO filled by exactly one
 * sender, credits for the receiver above). The data path and the timing model are plugged in; this class
 * only sequences the work.
 *
 * Work order: passes; in each pass the chain's active row iterations; in each row the F windows (output
 * positions). A window starts when its iact segments have arrived, the pass's weights are in, a psum slot is
 * free and the front end is free. It leaves the PE (its psums added to the incoming vector and sent up)
 * when it is done, its psum input has arrived, the output link is free and the receiver has room.
 *
 * Each of those conditions becomes true at a cycle that, once known, never changes (deliveries carry their
 * arrival, the pipeline its end times, credit returns their time). So the PE acts as soon as all the times
 * are known, at the latest of them: the same cycle the hardware would act at, whichever engine steps it and
 * whenever. It only ever waits for a delivery whose time is not yet known.
 */
export class ProcessingElement implements GroupMember, PsumReceiver, CreditSink {
  readonly spads: PeSpads;
  // Wired by the builder.
  /** What steps this PE (sim/hw/pe/pe-group.ts: the PEs of a psum chain are stepped together). */
  waker: PeWaker | null = null;
  chain: ChainView | null = null;
  member = 0;
  iactSender: CreditSink | null = null;
  weightSender: CreditSink | null = null;
  psumInSender: CreditSink | null = null;
  /** Credits this PE holds for the receiver above it that needs them (the PE above, or a psum bank). */
  readonly upCredits = new Credits(0);
  readonly needsCredits = true;
  // Statistics.
  windowsComputed = 0;
  lastSend = 0;

  private readonly psumIn: Int32Array;
  private psumInCount = 0;
  private psumInArrival = Infinity;
  private psumInFull = false;
  // Cursor over (pass, row, window) for starting windows.
  private pass = -1;
  private role: PsumRole = { kind: 'off', psumIn: false };
  private slice: PassSlice | null = null;
  private passG = 0;
  private passMBase = 0;
  private lastRow = -1;
  private row = 0;
  private f = 0;
  private jobN = 0;
  private jobE = 0;
  private hasJob = false;
  private done = false;
  private weightsFor = -1; // pass whose weights are in use
  private weightsArrival = Infinity;
  // Passes whose weights arrived and wait to be used, oldest first (at most two, see PeSpads.loadWeights).
  private readonly loadedFor = new Int32Array(2);
  private readonly loadedArrival = new Float64Array(2);
  private loadedCount = 0;
  private releaseWeightsOnArrival = false;
  private seq = 0; // windows started
  private readonly tokens = new Int32Array(64);
  private readonly geometry: WindowGeometry;
  // Windows started and not yet sent, as a ring of parallel arrays.
  // One record of OUT_FIELDS per window, side by side: a window's fields share a cache line.
  // Sized to the windows that can be in flight (psum slots, plus a few forwarded ones), a power of two: a ring
  // much larger than that would bring a cold cache line with every window.
  private readonly ringMask: number;
  private readonly out: Int32Array;
  private outHead = 0;
  private outCount = 0;
  private outFree = 0;
  // The receiver of the pass whose windows are being sent (fixed for a pass).
  private receiver: PsumReceiver | null = null;
  private receiverPass = -1;
  private readonly meta: WindowMeta = { pass: 0, row: 0, f: 0, n: 0, g: 0, mBase: 0, e: 0 };
  private readonly slotFree: Float64Array;
  private slotsInUse = 0;
  private waiting = WAIT_SEGMENT | WAIT_WEIGHTS | WAIT_PSUM_IN | WAIT_CREDIT; // before its first step, anything wakes it
  private readonly relMask: number;
  private readonly relSeq: Int32Array;
  private readonly relSegments: Int32Array;
  private readonly relAtMark: Uint8Array; // 1: free once the FE has read them (feMark), 0: at feEnd
  private relHead = 0;
  private relCount = 0;
  // Weight tiles to give back (the last window of their pass), apart from the iact releases: with two tiles
  // in the SPad the next pass's windows start before this one's last window completes.
  private readonly wRelSeq = new Int32Array(4);
  private wRelHead = 0;
  private wRelCount = 0;

  constructor(
    readonly name: string,
    readonly pe: number,
    private readonly st: PeStatic,
    private readonly counts: AccessCounts,
    readonly timing: PipelineTiming,
  ) {
    this.spads = new PeSpads(st.iactEntries, st.iactSegments, st.weightAddrEntries, st.weightEntries, st.psumEntries);
    this.psumIn = new Int32Array(st.psumEntries);
    this.slotFree = new Float64Array(st.psumSlots);
    const ring = ringSize(st.psumSlots);
    this.ringMask = ring - 1;
    this.out = new Int32Array(ring * OUT_FIELDS);
    this.relMask = 2 * ring - 1; // a window queues at most two releases
    this.relSeq = new Int32Array(2 * ring);
    this.relSegments = new Int32Array(2 * ring);
    this.relAtMark = new Uint8Array(2 * ring);
    timing.notify = (time) => {
      if (this.waiting & WAIT_TIMING) this.wakeAt(time);
    };
    const p = st.plan.problem;
    this.geometry = {
      compressed: st.iactsCompressed, issueByWeights: st.compressed && !st.iactsCompressed, windowSegments: st.windowSegments,
      filterRows: st.plan.tile.R, markTokens: 0, V: p.V, S: p.S, cCount: 0, mCount: 0,
      simdWidth: st.simdWidth,
    };
  }

  get finished(): boolean {
    return this.done && this.outCount === 0;
  }

  /** Where the PE stands, for deadlock reports. */
  describe(): string {
    return `${this.name}: pass ${this.pass} ${this.role.kind} row ${this.row} window ${this.f}, weights for pass ${this.weightsFor}, ` +
      `${this.spads.segCount} segments, ${this.outCount} windows to send, psum input ${this.psumInFull ? `full from ${this.psumInArrival}` : 'empty'}, waiting for ${this.waiting}`;
  }

  /** An iact segment arrives (copied into the SPad now; usable from `arrival`). */
  receiveSegment(seg: number, arrival: number): void {
    const { iacts } = this.st;
    const from = iacts.start[seg]!;
    const len = iacts.start[seg + 1]! - from;
    this.spads.pushSegment(iacts.count, iacts.data, from, len, arrival);
    this.counts.c[C_IACT_DATA_WRITE] += len;
    this.counts.c[C_IACT_ADDR_WRITE] += 1;
    if (this.waiting & WAIT_SEGMENT) this.wakeAt(arrival);
  }

  /** A weight tile for pass `pass` arrives. */
  receiveWeights(tile: number, pass: number, mCount: number, arrival: number): void {
    const w = this.st.weights;
    const cols = w.columns(tile);
    const len = w.entries(tile);
    this.spads.loadWeights(w.addr, w.colStart[tile]!, cols, w.count, w.data, w.entryStart[tile]!, len, this.st.compressed, mCount);
    this.counts.c[C_W_DATA_WRITE] += Math.ceil(len / this.st.simdWidth);
    this.counts.c[C_W_ADDR_WRITE] += cols;
    this.loadedFor[this.loadedCount] = pass;
    this.loadedArrival[this.loadedCount++] = arrival;
    if (this.waiting & WAIT_WEIGHTS) this.wakeAt(arrival);
  }

  /** Whether the current pass's weights are in use, switching to them if they have arrived. */
  private haveWeights(): boolean {
    if (this.weightsFor === this.pass) return true;
    if (this.loadedCount === 0 || this.loadedFor[0] !== this.pass) return false;
    this.spads.useLoadedWeights();
    this.weightsFor = this.pass;
    this.weightsArrival = this.loadedArrival[0]!;
    this.loadedFor[0] = this.loadedFor[1]!;
    this.loadedArrival[0] = this.loadedArrival[1]!;
    this.loadedCount--;
    return true;
  }

  /** A psum vector arrives into the input FIFO (PsumReceiver). */
  receivePsums(_sent: number, arrival: number, src: Int32Array, from: number, mCount: number, _meta?: WindowMeta): void {
    if (this.psumInFull) throw new SimulationError(`${this.name}: psum input FIFO overrun`);
    const psumIn = this.psumIn;
    for (let m = 0; m < mCount; m++) psumIn[m] = src[from + m]!;
    this.psumInCount = mCount;
    this.psumInFull = true;
    this.psumInArrival = arrival;
    if (this.waiting & WAIT_PSUM_IN) this.wakeAt(arrival);
  }

  /** The receiver above frees room for a vector (CreditSink). */
  returnCredit(_pe: number, time: number, _entries: number, slots: number): void {
    this.upCredits.give(time, slots);
    if (this.waiting & WAIT_CREDIT) this.wakeAt(time);
  }

  private wakeAt(time: number): void {
    this.waker!.wakeAt(time);
  }

  act(now: number): void {
    this.waiting = 0;
    if (this.pass < 0) this.enterPass(0);
    this.settleReleases();
    this.settleWeightReleases();
    // A send frees a psum slot for a start, a start queues a window to send: go round until neither moves.
    for (let n = 1; n > 0; ) n = this.sendOutputs(now) + this.startWindows(now);
  }

  endCycle(now: number): boolean {
    this.timing.advance(now);
    // Under the tick engine the pipeline's times become known only by stepping: keep the engine going.
    return this.timing.stepping;
  }

  /** Gives SPad space back once the pipeline knows when it frees. */
  private settleReleases(): void {
    while (this.relCount > 0) {
      const i = this.relHead;
      const seq = this.relSeq[i]!;
      if (this.relSegments[i]! > 0) {
        const free = this.relAtMark[i] ? this.timing.feMark(seq) : this.timing.feEnd(seq);
        if (free === Infinity) return void this.wait(WAIT_TIMING);
        const segments = this.relSegments[i]!;
        const entries = this.spads.popSegments(segments);
        // Registered ready: the sender sees the space one cycle after it frees.
        this.iactSender!.returnCredit(this.pe, free + 1, entries, segments);
        this.relSegments[i] = 0;
      }
      this.relHead = (i + 1) & this.relMask;
      this.relCount--;
    }
  }

  /** Gives a pass's weight tile back once its last window's psums are complete (its last weight read). */
  private settleWeightReleases(): void {
    while (this.wRelCount > 0) {
      const done = this.timing.done(this.wRelSeq[this.wRelHead]!);
      if (done === Infinity) return void this.wait(WAIT_TIMING);
      this.weightSender!.returnCredit(this.pe, done + 1, 0, 1);
      this.wRelHead = (this.wRelHead + 1) % this.wRelSeq.length;
      this.wRelCount--;
    }
  }

  /** Notes a delivery the PE now waits for; passes `result` through for the caller to return. */
  private wait(what: number, result = 0): number {
    this.waiting |= what;
    return result;
  }

  private enterPass(p: number): void {
    const plan = this.st.plan;
    this.pass = p;
    this.row = 0;
    this.f = 0;
    this.hasJob = false;
    if (p >= plan.passCount) {
      this.done = true;
      return;
    }
    const chain = this.chain!;
    this.role = chain.roleOf(this.member, p);
    this.slice = this.role.kind === 'compute' ? plan.passSlice(this.pe, p) : null;
    this.lastRow = this.role.kind === 'off' ? -1 : chain.lastRow(p);
    const out = this.role.kind === 'off' ? null : chain.outputOf(p);
    this.passG = out?.g ?? 0;
    this.passMBase = out?.mBase ?? 0;
    // A compute pass without rows still received weights; they go back as soon as they are in.
    this.releaseWeightsOnArrival = this.role.kind === 'compute' && this.lastRow < 0;
  }

  /** Moves the cursor to the next window this PE takes part in; false when it has none left (or must wait). */
  private seekWindow(): boolean {
    const F = this.st.plan.problem.F;
    for (;;) {
      if (this.done) return false;
      if (this.releaseWeightsOnArrival) {
        if (!this.haveWeights()) {
          this.wait(WAIT_WEIGHTS);
          return false;
        }
        // Its weights can only have been sent after the previous pass freed the SPad, so they arrive after
        // this PE moved on to this pass: the release is never in the past.
        this.weightSender!.returnCredit(this.pe, this.weightsArrival + 1, 0, 1);
        this.releaseWeightsOnArrival = false;
      }
      if (this.hasJob && this.f < F) return true;
      if (this.hasJob) {
        this.row++;
        this.f = 0;
        this.hasJob = false;
      }
      while (!this.hasJob && this.row <= this.lastRow) {
        const job = this.chain!.rowJob(this.pass, this.row);
        if (job) {
          this.hasJob = true;
          this.jobN = job.n;
          this.jobE = job.e;
        } else {
          this.row++;
        }
      }
      if (this.hasJob) return true;
      this.enterPass(this.pass + 1);
    }
  }

  /** Starts every window it can; returns how many. */
  private startWindows(now: number): number {
    const st = this.st;
    const F = st.plan.problem.F;
    let started = 0;
    for (; this.outCount <= this.ringMask && this.seekWindow(); started++) {
      if (this.role.kind === 'forward') {
        this.pushOut(-1, -1, 0, true);
        this.f++;
        continue;
      }
      // Compute: the pass's weights in, the window's segments delivered, a psum slot free (its window
      // sent), the front end free; the window starts at the latest of those times.
      if (!this.haveWeights()) return this.wait(WAIT_WEIGHTS, started);
      const w = st.windowSegments * st.plan.tile.R;
      if (this.spads.segCount < w) return this.wait(WAIT_SEGMENT, started);
      if (this.slotsInUse === st.psumSlots) return started; // a send frees one
      const slot = this.seq % st.psumSlots;
      let start = Math.max(now, this.weightsArrival, this.spads.segmentArrival(w - 1), this.slotFree[slot]!);
      if (this.seq > 0) {
        const feEnd = this.timing.feEnd(this.seq - 1);
        if (feEnd === Infinity) return this.wait(WAIT_TIMING, started);
        if (feEnd > start) start = feEnd;
      }
      const s = this.slice!;
      this.geometry.cCount = s.cCount;
      this.geometry.mCount = s.mCount;
      const n = computeWindow(this.spads, this.geometry, slot * st.plan.tile.M, this.tokens, this.counts);
      const seq = this.seq++;
      this.timing.start(seq, start, this.tokens, n, st.iactsFreedAsRead ? this.geometry.markTokens : n);
      this.windowsComputed++;
      this.slotsInUse++;
      this.pushOut(seq, slot, s.mCount, this.role.psumIn);
      // The window's oldest segments (its first of each input row) leave the SPad once the front end has
      // read them; at a row's end, the rest of the window once the FE is done with it. After the pass's
      // last window, the weights.
      const rowEnd = this.f === F - 1;
      const first = st.plan.tile.R;
      const lastOfPass = rowEnd && this.row === this.lastRow;
      this.pushRelease(seq, first, true, lastOfPass && w === first);
      if (rowEnd && w > first) this.pushRelease(seq, w - first, false, lastOfPass);
      this.settleReleases();
      this.settleWeightReleases();
      this.f++;
    }
    return started;
  }

  private pushRelease(seq: number, segments: number, atMark: boolean, weights: boolean): void {
    if (this.relCount > this.relMask) throw new SimulationError(`${this.name}: more than ${this.relMask + 1} SPad releases pending`);
    const r = (this.relHead + this.relCount++) & this.relMask;
    this.relSeq[r] = seq;
    this.relSegments[r] = segments;
    this.relAtMark[r] = atMark ? 1 : 0;
    if (weights) {
      if (this.wRelCount === this.wRelSeq.length) throw new SimulationError(`${this.name}: too many weight releases pending`);
      this.wRelSeq[(this.wRelHead + this.wRelCount++) % this.wRelSeq.length] = seq;
    }
  }

  private pushOut(seq: number, slot: number, mCount: number, psumIn: boolean): void {
    const i = ((this.outHead + this.outCount) & this.ringMask) * OUT_FIELDS;
    const out = this.out;
    out[i + O_SEQ] = seq;
    out[i + O_SLOT] = slot;
    out[i + O_MCOUNT] = mCount;
    out[i + O_PSUMIN] = psumIn ? 1 : 0;
    out[i + O_PASS] = this.pass;
    out[i + O_ROW] = this.row;
    out[i + O_F] = this.f;
    out[i + O_N] = this.jobN;
    out[i + O_E] = this.jobE;
    out[i + O_G] = this.passG;
    out[i + O_MBASE] = this.passMBase;
    this.outCount++;
  }

  /** Sends every window it can; returns how many. */
  private sendOutputs(now: number): number {
    const st = this.st;
    let sent = 0;
    for (; this.outCount > 0; sent++) {
      const i = this.outHead * OUT_FIELDS;
      const out = this.out;
      const seq = out[i + O_SEQ]!;
      const forward = seq < 0;
      let t = Math.max(now, this.outFree);
      if (!forward) {
        const done = this.timing.done(seq);
        if (done === Infinity) return this.wait(WAIT_TIMING, sent);
        if (done > t) t = done;
      }
      const needIn = out[i + O_PSUMIN] === 1;
      if (needIn) {
        if (!this.psumInFull) return this.wait(WAIT_PSUM_IN, sent);
        if (this.psumInArrival > t) t = this.psumInArrival;
      }
      const pass = out[i + O_PASS]!;
      if (pass !== this.receiverPass) {
        this.receiver = this.chain!.receiverOf(this.member, pass);
        this.receiverPass = pass;
      }
      const receiver = this.receiver!;
      const credits = receiver.needsCredits ? this.upCredits : null;
      if (credits) {
        t = credits.earliest(t, 1);
        if (t === Infinity) return this.wait(WAIT_CREDIT, sent);
        credits.take(1);
      }
      // Send at t: own psums (plus the incoming vector), or the incoming vector alone when forwarding.
      let mCount: number;
      let src: Int32Array;
      let from: number;
      if (forward) {
        mCount = this.psumInCount;
        src = this.psumIn;
        from = 0;
      } else {
        // Wrapped to the psum width: two's complement, as a 20-bit adder wraps (JETCAS19 §II).
        mCount = out[i + O_MCOUNT]!;
        from = out[i + O_SLOT]! * st.plan.tile.M;
        src = this.spads.psum;
        const shift = 32 - st.psumBits;
        if (needIn) for (let m = 0; m < mCount; m++) src[from + m] = ((src[from + m]! + this.psumIn[m]!) << shift) >> shift;
        else for (let m = 0; m < mCount; m++) src[from + m] = (src[from + m]! << shift) >> shift;
        this.counts.c[C_PSUM_OUT_READ] += mCount;
      }
      const duration = Math.ceil((mCount * st.psumBits) / st.psumLinkBits);
      const meta = this.meta;
      meta.pass = pass;
      meta.row = out[i + O_ROW]!;
      meta.f = out[i + O_F]!;
      meta.n = out[i + O_N]!;
      meta.e = out[i + O_E]!;
      meta.g = out[i + O_G]!;
      meta.mBase = out[i + O_MBASE]!;
      receiver.receivePsums(t, t + duration, src, from, mCount, meta);
      this.outFree = t + duration;
      this.lastSend = t + duration;
      if (needIn) {
        this.psumInFull = false;
        this.psumInArrival = Infinity;
        this.psumInSender!.returnCredit(this.pe, t + duration + 1, 0, 1);
      }
      if (!forward) {
        this.slotFree[out[i + O_SLOT]!] = t + duration;
        this.slotsInUse--;
      }
      this.outHead = (this.outHead + 1) & this.ringMask;
      this.outCount--;
    }
    return sent;
  }
}
