import type { Component, Simulator } from '../../engine/simulator.js';
import { SimulationError } from '../../errors.js';
import type { MappingPlan, PassSlice } from '../../mapping/plan.js';
import type { IactSegmentStore, WeightTileStore } from '../../mapping/tiles.js';
import { type AccessCounts, counterIndex } from '../../stats/access-counts.js';
import { Credits } from '../credits.js';
import { computeWindow, type WindowGeometry } from './datapath.js';
import type { PipelineTiming } from './pipeline.js';
import { PeSpads } from './spads.js';

/** A PE's part in its psum chain in one pass. */
export interface PsumRole {
  /** compute: MACs, then add the psum input if any; forward: pass the psum input up unchanged; off: idle. */
  kind: 'compute' | 'forward' | 'off';
  /** Whether a psum vector arrives for each window (from the PE below, or from the GLB at the bottom). */
  psumIn: boolean;
}

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

/** Receives psum vectors: the PE above, a psum GLB bank, or the off-chip output. */
export interface PsumReceiver {
  /** Whether a sender must hold a credit per vector (false: the receiver always has room). */
  readonly needsCredits: boolean;
  receivePsums(now: number, arrival: number, src: Int32Array, from: number, mCount: number, meta: WindowMeta): void;
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
  compressed: boolean;
  windowSegments: number;
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

/** The chain-level view a PE needs (sim/hw/psum-chain.ts implements it). */
export interface ChainView {
  roleOf(member: number, pass: number): PsumRole;
  rowJob(pass: number, row: number): { n: number; e: number } | null;
  /** Group and output channels the chain produces in a pass (shared by all its members). */
  outputOf(pass: number): { g: number; mBase: number } | null;
  /** Last row iteration of the pass with work, or -1. */
  lastRow(pass: number): number;
  receiverOf(member: number, pass: number): PsumReceiver;
}

const RING = 8; // windows between start and send: psum slots (<= 2) plus forwarded ones
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
 */
export class ProcessingElement implements Component, PsumReceiver, CreditSink {
  id = -1;
  readonly spads: PeSpads;
  // Wired by the builder.
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
  private lastRow = -1;
  private row = 0;
  private f = 0;
  private job: { n: number; e: number } | null = null;
  private done = false;
  private weightsFor = -1; // pass whose weights are in the SPad
  private weightsArrival = Infinity;
  private releaseWeightsOnArrival = false;
  private seq = 0; // windows started
  private readonly tokens = new Int32Array(64);
  private readonly geometry: WindowGeometry;
  // Windows started and not yet sent, as a ring.
  private readonly outSeq = new Int32Array(RING);
  private readonly outSlot = new Int32Array(RING);
  private readonly outMCount = new Int32Array(RING);
  private readonly outPsumIn = new Uint8Array(RING);
  private readonly outMeta: WindowMeta[] = new Array(RING);
  private outHead = 0;
  private outCount = 0;
  private outFree = 0;
  private readonly slotFree: Float64Array;
  private slotsInUse = 0;
  // SPad space to give back once the pipeline says when it is free.
  private readonly releases: { seq: number; segments: number; weights: boolean }[] = [];

  constructor(
    readonly name: string,
    readonly pe: number,
    private readonly sim: Simulator,
    private readonly st: PeStatic,
    private readonly counts: AccessCounts,
    readonly timing: PipelineTiming,
  ) {
    this.spads = new PeSpads(st.iactEntries, st.iactSegments, st.weightAddrEntries, st.weightEntries, st.psumEntries);
    this.psumIn = new Int32Array(st.psumEntries);
    this.slotFree = new Float64Array(st.psumSlots);
    timing.notify = (time) => this.sim.wake(this.id, time);
    const p = st.plan.problem;
    this.geometry = {
      compressed: st.compressed, windowSegments: st.windowSegments, V: p.V, S: p.S, cCount: 0, mCount: 0,
      simdWidth: st.simdWidth,
    };
  }

  get finished(): boolean {
    return this.done && this.outCount === 0;
  }

  /** Where the PE stands, for deadlock reports. */
  describe(): string {
    return `${this.name}: pass ${this.pass} ${this.role.kind} row ${this.row} window ${this.f}, weights for pass ${this.weightsFor}, ` +
      `${this.spads.segCount} segments, ${this.outCount} windows to send, psum input ${this.psumInFull ? 'full' : 'empty'}`;
  }

  /** An iact segment arrives (copied into the SPad now; usable from `arrival`). */
  receiveSegment(seg: number, arrival: number): void {
    const { iacts } = this.st;
    const from = iacts.start[seg]!;
    const len = iacts.start[seg + 1]! - from;
    this.spads.pushSegment(iacts.count, iacts.data, from, len, arrival);
    this.counts.c[C_IACT_DATA_WRITE] += len;
    this.counts.c[C_IACT_ADDR_WRITE] += 1;
    this.sim.wake(this.id, arrival);
  }

  /** A weight tile for pass `pass` arrives. */
  receiveWeights(tile: number, pass: number, arrival: number): void {
    const w = this.st.weights;
    const cols = w.columns(tile);
    const len = w.entries(tile);
    this.spads.loadWeights(w.addr, w.colStart[tile]!, cols, w.count, w.data, w.entryStart[tile]!, len);
    this.counts.c[C_W_DATA_WRITE] += Math.ceil(len / this.st.simdWidth);
    this.counts.c[C_W_ADDR_WRITE] += cols;
    this.weightsFor = pass;
    this.weightsArrival = arrival;
    this.sim.wake(this.id, arrival);
  }

  /** A psum vector arrives into the input FIFO (PsumReceiver). */
  receivePsums(_now: number, arrival: number, src: Int32Array, from: number, mCount: number, _meta?: WindowMeta): void {
    if (this.psumInFull) throw new SimulationError(`${this.name}: psum input FIFO overrun`);
    this.psumIn.set(src.subarray(from, from + mCount));
    this.psumInCount = mCount;
    this.psumInFull = true;
    this.psumInArrival = arrival;
    this.sim.wake(this.id, arrival);
  }

  step(now: number): void {
    if (this.pass < 0) this.enterPass(0);
    this.settleReleases(now);
    this.sendOutputs(now);
    this.startWindows(now);
    this.sendOutputs(now); // forwarded windows queued just now can leave at once
    this.timing.advance(now);
    // Under the tick engine the pipeline's times become known only by stepping: keep the engine going.
    if (this.timing.stepping) this.sim.wake(this.id, now + 1);
  }

  /** Gives SPad space back once the pipeline knows when it frees. */
  private settleReleases(now: number): void {
    while (this.releases.length > 0) {
      const r = this.releases[0]!;
      if (r.segments > 0) {
        const feEnd = this.timing.feEnd(r.seq);
        if (feEnd === Infinity) return;
        const entries = this.spads.popSegments(r.segments);
        // Registered ready: the sender sees the space one cycle after it frees.
        this.iactSender!.returnCredit(this.pe, feEnd + 1, entries, r.segments);
        r.segments = 0;
        if (feEnd > now) this.sim.wake(this.id, feEnd); // the front end is free for the next window then
      }
      if (r.weights) {
        const done = this.timing.done(r.seq);
        if (done === Infinity) return;
        this.weightSender!.returnCredit(this.pe, done + 1, 0, 1);
      }
      this.releases.shift();
    }
  }

  private enterPass(p: number): void {
    const plan = this.st.plan;
    this.pass = p;
    this.row = 0;
    this.f = 0;
    this.job = null;
    if (p >= plan.passCount) {
      this.done = true;
      return;
    }
    this.role = this.chain!.roleOf(this.member, p);
    this.slice = this.role.kind === 'compute' ? plan.passSlice(this.pe, p) : null;
    this.lastRow = this.role.kind === 'off' ? -1 : this.chain!.lastRow(p);
    // A compute pass without rows still received weights; they go back as soon as they are in.
    this.releaseWeightsOnArrival = this.role.kind === 'compute' && this.lastRow < 0;
  }

  /** Moves the cursor to the next window this PE takes part in; false when it has none left. */
  private seekWindow(now: number): boolean {
    const F = this.st.plan.problem.F;
    for (;;) {
      if (this.done) return false;
      if (this.releaseWeightsOnArrival) {
        if (this.weightsFor !== this.pass || this.weightsArrival > now) return false;
        this.weightSender!.returnCredit(this.pe, now + 1, 0, 1);
        this.releaseWeightsOnArrival = false;
      }
      if (this.job && this.f < F) return true;
      if (this.job) {
        this.row++;
        this.f = 0;
        this.job = null;
      }
      while (!this.job && this.row <= this.lastRow) {
        this.job = this.chain!.rowJob(this.pass, this.row);
        if (!this.job) this.row++;
      }
      if (this.job) return true;
      this.enterPass(this.pass + 1);
    }
  }

  private startWindows(now: number): void {
    const st = this.st;
    const F = st.plan.problem.F;
    while (this.seekWindow(now) && this.outCount < RING) {
      const out = this.chain!.outputOf(this.pass)!;
      const meta: WindowMeta = { pass: this.pass, row: this.row, f: this.f, n: this.job!.n, g: out.g, mBase: out.mBase, e: this.job!.e };
      if (this.role.kind === 'forward') {
        this.pushOut(-1, -1, 0, meta, true);
        this.f++;
        continue;
      }
      // Compute: the pass's weights in, the window's segments arrived, a psum slot free, the front end free.
      if (this.weightsFor !== this.pass || this.weightsArrival > now) return;
      const w = st.windowSegments;
      if (this.spads.segCount < w || this.spads.segmentArrival(w - 1) > now) return;
      if (this.slotsInUse === st.psumSlots) return;
      const slot = this.seq % st.psumSlots;
      if (this.slotFree[slot]! > now) return;
      if (this.seq > 0 && this.timing.feEnd(this.seq - 1) > now) return;
      const s = this.slice!;
      this.geometry.cCount = s.cCount;
      this.geometry.mCount = s.mCount;
      const n = computeWindow(this.spads, this.geometry, slot * st.plan.tile.M, this.tokens, this.counts);
      const seq = this.seq++;
      this.timing.start(seq, now, this.tokens, n);
      this.windowsComputed++;
      this.slotsInUse++;
      this.pushOut(seq, slot, s.mCount, meta, this.role.psumIn);
      // The window's first segment leaves the SPad when the front end is done with it; at a row's end,
      // the rest of the row's window goes too. After the pass's last window, the weights.
      const rowEnd = this.f === F - 1;
      this.releases.push({ seq, segments: rowEnd ? w : 1, weights: rowEnd && this.row === this.lastRow });
      this.settleReleases(now);
      const done = this.timing.done(seq);
      if (done !== Infinity) this.sim.wake(this.id, done);
      this.f++;
    }
  }

  private pushOut(seq: number, slot: number, mCount: number, meta: WindowMeta, psumIn: boolean): void {
    const i = (this.outHead + this.outCount) % RING;
    this.outSeq[i] = seq;
    this.outSlot[i] = slot;
    this.outMCount[i] = mCount;
    this.outPsumIn[i] = psumIn ? 1 : 0;
    this.outMeta[i] = meta;
    this.outCount++;
  }

  private sendOutputs(now: number): void {
    const st = this.st;
    while (this.outCount > 0) {
      const i = this.outHead;
      const seq = this.outSeq[i]!;
      const forward = seq < 0;
      if (!forward && this.timing.done(seq) > now) return; // woken at `done` (event) or stepped there (tick)
      const needIn = this.outPsumIn[i] === 1;
      if (needIn && (!this.psumInFull || this.psumInArrival > now)) return;
      if (this.outFree > now) return;
      const meta = this.outMeta[i]!;
      const receiver = this.chain!.receiverOf(this.member, meta.pass);
      const credits = receiver.needsCredits ? this.upCredits : null;
      if (credits && credits.available(now) < 1) return;
      let mCount: number;
      let src: Int32Array;
      let from: number;
      if (forward) {
        mCount = this.psumInCount;
        src = this.psumIn;
        from = 0;
      } else {
        // Own psums, plus the incoming vector, wrapped to the psum width (two's complement, JETCAS19 §II).
        mCount = this.outMCount[i]!;
        from = this.outSlot[i]! * st.plan.tile.M;
        src = this.spads.psum;
        const shift = 32 - st.psumBits;
        if (needIn) for (let m = 0; m < mCount; m++) src[from + m] = ((src[from + m]! + this.psumIn[m]!) << shift) >> shift;
        else for (let m = 0; m < mCount; m++) src[from + m] = (src[from + m]! << shift) >> shift;
        this.counts.c[C_PSUM_OUT_READ] += mCount;
      }
      const duration = Math.ceil((mCount * st.psumBits) / st.psumLinkBits);
      credits?.take(1);
      receiver.receivePsums(now, now + duration, src, from, mCount, meta);
      this.outFree = now + duration;
      this.lastSend = now + duration;
      if (needIn) {
        this.psumInFull = false;
        this.psumInArrival = Infinity;
        this.psumInSender!.returnCredit(this.pe, now + duration + 1, 0, 1);
      }
      if (!forward) {
        this.slotFree[this.outSlot[i]!] = now + duration;
        this.slotsInUse--;
      }
      this.outHead = (this.outHead + 1) % RING;
      this.outCount--;
      this.sim.wake(this.id, now + duration);
    }
  }

  /** The receiver above frees room for a vector (CreditSink). */
  returnCredit(_pe: number, time: number, _entries: number, slots: number): void {
    this.upCredits.give(time, slots);
    this.sim.wake(this.id, time);
  }
}
