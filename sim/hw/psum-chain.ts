import type { Component, Simulator } from '../engine/simulator.js';
import { SimulationError } from '../errors.js';
import type { MappingPlan } from '../mapping/plan.js';
import { type AccessCounts, counterIndex } from '../stats/access-counts.js';
import { Credits } from './credits.js';
import type { OffChipInterface } from './off-chip.js';
import type { ChainView, CreditSink, ProcessingElement, PsumReceiver, PsumRole, WindowMeta } from './pe/processing-element.js';

const C_SOURCE = counterIndex('nocSource', 'psum', 'transfer');
const C_HOP = counterIndex('nocHop', 'psum', 'transfer');
const C_DELIVERY = counterIndex('nocDelivery', 'psum', 'transfer');

/**
 * Counts psum flits on every link they cross, each at its own width (JETCAS19 §III-C: 40-b psum router
 * ports; the PE-to-PE link of a column is `pe.psumLinkBits`). A flit injected into the psum network by a PE
 * output or a bank read is a source flit; one crossing a link between clusters' psum routers a hop; one
 * entering a PE (from the PE below over the local link, or from a bank) a delivery.
 */
export class PsumTraffic {
  constructor(
    private readonly counts: AccessCounts,
    readonly psumBits: number,
    /** Bits per cycle of the local link between vertically adjacent PEs. */
    private readonly linkBits: number,
    /** Bits per cycle of a psum router port. */
    readonly portBits: number,
  ) {}

  /** A vector from one PE to the next up its chain: the local link, or through the routers `hops` links. */
  up(mCount: number, hops: number): void {
    if (hops === 0) {
      this.counts.c[C_DELIVERY] += Math.ceil((mCount * this.psumBits) / this.linkBits);
      return;
    }
    const flits = Math.ceil((mCount * this.psumBits) / this.portBits);
    this.counts.c[C_SOURCE] += flits;
    this.counts.c[C_HOP] += flits * hops;
    this.counts.c[C_DELIVERY] += flits;
  }

  /** A vector the top PE sends into its psum router (to a bank, a GLB bus, or off-chip), at `bits` a flit. */
  out(mCount: number, bits = this.portBits): void {
    this.counts.c[C_SOURCE] += Math.ceil((mCount * this.psumBits) / bits);
  }

  /** A vector a bank reads back into the bottom PE of its chain. */
  back(flits: number): void {
    this.counts.c[C_SOURCE] += flits;
    this.counts.c[C_DELIVERY] += flits;
  }
}

/** The psum link from a chain member to the one above it: counts the traffic and hands the vector on. */
class PsumLink implements PsumReceiver {
  readonly needsCredits = true;

  constructor(private readonly to: ProcessingElement, private readonly hops: number, private readonly traffic: PsumTraffic) {}

  receivePsums(sent: number, arrival: number, src: Int32Array, from: number, mCount: number, meta: WindowMeta): void {
    this.traffic.up(mCount, this.hops);
    this.to.receivePsums(sent, arrival, src, from, mCount, meta);
  }
}

/**
 * The layer's final outputs. The 20-bit (psumBits) values are kept in `psums` so the run can be checked bit
 * for bit against the reference; `written` counts writes per output, for the every-output-once check.
 * On Eyeriss v2 final outputs leave the psum routers straight for off-chip, converted to 8-bit activations
 * (JETCAS19 §II: "final output activations skip the GLB"), so each vector is an off-chip write as it comes;
 * a config that stores outputs in the GLB first (Eyeriss v1) records them through its psum store instead.
 */
export class FinalOutput {
  readonly psums: Int32Array;
  readonly written: Uint8Array;
  lastArrival = 0;

  constructor(
    private readonly plan: MappingPlan,
    private readonly offChip: OffChipInterface,
    private readonly outputBits: number,
  ) {
    const p = plan.problem;
    const size = p.N * p.G * p.M * p.E * p.F;
    this.psums = new Int32Array(size);
    this.written = new Uint8Array(size);
  }

  /** A vector of final outputs in place at `done` (in the GLB, from where the pass controller stores it: v1). */
  record(src: Int32Array, from: number, mCount: number, meta: WindowMeta, done: number): void {
    if (done > this.lastArrival) this.lastArrival = done;
    const { G, M, E, F } = this.plan.problem;
    for (let m = 0; m < mCount; m++) {
      const idx = (((meta.n * G + meta.g) * M + meta.mBase + m) * E + meta.e) * F + meta.f;
      this.psums[idx] = src[from + m]!;
      this.written[idx]++;
    }
  }

  /** A vector of final outputs sent off-chip at `sent`, out of the chip's psum router at `done`. */
  leave(sent: number, done: number, src: Int32Array, from: number, mCount: number, meta: WindowMeta): void {
    this.record(src, from, mCount, meta, done);
    this.offChip.request(sent, mCount * this.outputBits, 'psum', true, -1);
  }
}

const FINAL_QUEUE = 2; // psum vectors a psum router buffers on their way off-chip, per chain; our choice (= WRITE_QUEUE)

/**
 * A chain's way out for final outputs when they skip the GLB (v2): the top PE's vectors cross its column's
 * psum router port (JETCAS19 §III-C, noc.psum.portBits a cycle) on their way off-chip. The port is
 * cut-through: it streams a vector while the PE's link delivers it, so a vector is out at the later of the
 * link's end and the port's own pace; the router holds FINAL_QUEUE vectors and frees a credit as one leaves,
 * so a port narrower than the PE's link holds the column back.
 */
class FinalPort implements PsumReceiver {
  readonly needsCredits = true;
  private free = 0;

  constructor(
    private readonly out: FinalOutput,
    private readonly top: ProcessingElement,
    private readonly traffic: PsumTraffic,
    /** Whether the top PE's credits are this port's alone (no store shares the router's buffer). */
    ownCredits: boolean,
  ) {
    if (ownCredits) top.upCredits.give(0, FINAL_QUEUE);
  }

  receivePsums(sent: number, arrival: number, src: Int32Array, from: number, mCount: number, meta: WindowMeta): void {
    const start = sent > this.free ? sent : this.free;
    const paced = start + Math.ceil((mCount * this.traffic.psumBits) / this.traffic.portBits);
    const done = paced > arrival ? paced : arrival;
    this.free = done;
    this.traffic.out(mCount);
    this.out.leave(sent, done, src, from, mCount, meta);
    this.top.returnCredit(-1, done + 1, 0, 1);
  }
}

const WRITE_QUEUE = 2; // psum vectors buffered at a store's write side per chain; our choice

/** Ports of a psum store: one port for reads and writes (a v2 psum bank), or a write bus and a read bus. */
export interface StorePorts {
  shared: boolean;
  writeBits: number;
  readBits: number;
  /** Cycles from a read leaving the store to the vector being in the bottom PE. */
  readLatency: number;
}

interface PendingWrite {
  arrival: number;
  data: Int32Array;
  mCount: number;
  pass: number;
  row: number;
  f: number;
  final: boolean;
  meta: WindowMeta;
}

/** One chain's side of a store: its write queue, its vectors, and the cursor of what it reads back. */
class ChainPort implements PsumReceiver, CreditSink {
  readonly needsCredits = true;
  readonly wq: PendingWrite[];
  wqHead = 0;
  wqCount = 0;
  store: Int32Array | null = null;
  storeCount: Int32Array | null = null;
  writtenPass: Float64Array | null = null;
  readonly readCredits = new Credits(1);
  waitingForCredit = false;
  rPass = 0;
  rRow = 0;
  rF = 0;
  rLastRow = -2;
  readDone = false;

  constructor(readonly owner: PsumStore, readonly chain: PsumChain, mTile: number) {
    this.wq = Array.from({ length: WRITE_QUEUE }, () => ({
      arrival: 0, data: new Int32Array(mTile), mCount: 0, pass: 0, row: 0, f: 0, final: false,
      meta: { pass: 0, row: 0, f: 0, n: 0, g: 0, mBase: 0, e: 0 },
    }));
    chain.members[chain.members.length - 1]!.upCredits.give(0, WRITE_QUEUE);
  }

  /** The top PE's psums arrive at the store's write side (posted, within the chain's credits). */
  receivePsums(_sent: number, arrival: number, src: Int32Array, from: number, mCount: number, meta: WindowMeta): void {
    if (this.wqCount === WRITE_QUEUE) throw new SimulationError(`${this.owner.name}: write queue overrun`);
    this.owner.traffic.out(mCount, this.owner.ports.writeBits);
    const w = this.wq[(this.wqHead + this.wqCount++) % WRITE_QUEUE]!;
    for (let m = 0; m < mCount; m++) w.data[m] = src[from + m]!;
    w.arrival = arrival;
    w.mCount = mCount;
    w.pass = meta.pass;
    w.row = meta.row;
    w.f = meta.f;
    w.final = this.chain.isFinal(meta.pass);
    Object.assign(w.meta, meta);
    this.owner.wakeAt(arrival);
  }

  /** The bottom PE frees its psum input FIFO. */
  returnCredit(_pe: number, time: number): void {
    this.readCredits.give(time, 1);
    if (this.waitingForCredit) {
      this.waitingForCredit = false;
      this.owner.wakeAt(time);
    }
  }
}

/**
 * Psum GLB storage with its port(s): the tops of PE columns write the partial sums of a pass into it, and it
 * streams them back into the bottoms of the columns in the next reduction pass. On v2 every PE column has its
 * own bank with one port (JETCAS19 §II: each router is paired with one GLB port); on v1 all columns share
 * the GLB through the GON (writes) and the psum GIN (reads) (JSSC17 §III-C). A read waits until the
 * previous reduction pass wrote its vector. On a shared port writes win, so a column never stalls on its own
 * input; among chains, the earliest write goes first and reads take turns.
 */
export class PsumStore implements Component {
  id = -1;
  private readonly chains: ChainPort[] = [];
  private writeFree = 0;
  private readFree = 0;
  private nextReader = 0;
  private wokenFor = -1;
  private readonly cRead: number;
  private readonly cWrite: number;
  /** Told of every vector written (Eyeriss v1's pass controller counts them to know when a block is done). */
  onWrite: ((pass: number, time: number, finalValues: Int32Array | null, mCount: number) => void) | null = null;

  constructor(
    readonly name: string,
    private readonly sim: Simulator,
    private readonly plan: MappingPlan,
    private readonly psumBits: number,
    readonly ports: StorePorts,
    private readonly counts: AccessCounts,
    readonly traffic: PsumTraffic,
    /** Where final outputs go when they pass through this store (v1), or null when they bypass it (v2). */
    private readonly finals: FinalOutput | null,
  ) {
    this.cRead = counterIndex('glb', 'psum', 'read');
    this.cWrite = counterIndex('glb', 'psum', 'write');
  }

  /** Connects a chain: its top PE writes here, its bottom PE reads from here. */
  attach(chain: PsumChain): ChainPort {
    const port = new ChainPort(this, chain, this.plan.tile.M);
    this.chains.push(port);
    return port;
  }

  get finished(): boolean {
    return this.chains.every((c) => c.wqCount === 0);
  }

  wakeAt(time: number): void {
    if (time === this.wokenFor) return;
    this.wokenFor = time;
    this.sim.wake(this.id, time);
  }

  step(now: number): void {
    for (;;) {
      const wrote = this.writeFree <= now && this.write(now);
      if (this.ports.shared && wrote) continue;
      const read = this.readFree <= now && this.read(now);
      if (!wrote && !read) break;
    }
    const pending = this.chains.some((c) => c.wqCount > 0 || !c.readDone);
    const next = Math.min(this.writeFree > now ? this.writeFree : Infinity, this.readFree > now ? this.readFree : Infinity);
    if (pending && next !== Infinity) this.wakeAt(next);
  }

  /** Performs the earliest arrived write, if any. */
  private write(now: number): boolean {
    let best: ChainPort | null = null;
    for (const c of this.chains) {
      if (c.wqCount === 0) continue;
      const w = c.wq[c.wqHead]!;
      if (w.arrival <= now && (!best || w.arrival < best.wq[best.wqHead]!.arrival)) best = c;
    }
    if (!best) return false;
    const w = best.wq[best.wqHead]!;
    const d = Math.ceil((w.mCount * this.psumBits) / this.ports.writeBits);
    this.counts.c[this.cWrite] += d;
    this.occupy('write', now + d);
    if (w.final) {
      this.finals!.record(w.data, 0, w.mCount, w.meta, now + d);
    } else {
      this.ensureStore(best);
      const v = this.plan.psumVector(w.pass, w.row, w.f);
      best.store!.set(w.data.subarray(0, w.mCount), v * this.plan.tile.M);
      best.storeCount![v] = w.mCount;
      best.writtenPass![v] = w.pass;
    }
    this.onWrite?.(w.pass, now + d, w.final ? w.data : null, w.mCount);
    best.wqHead = (best.wqHead + 1) % WRITE_QUEUE;
    best.wqCount--;
    best.chain.members[best.chain.members.length - 1]!.returnCredit(-1, now + d + 1, 0, 1);
    return true;
  }

  /** Streams one vector back to a chain whose next read is ready, taking chains in turn. */
  private read(now: number): boolean {
    const n = this.chains.length;
    for (let k = 0; k < n; k++) {
      const c = this.chains[(this.nextReader + k) % n]!;
      if (!this.seekRead(c)) continue;
      const v = this.plan.psumVector(c.rPass, c.rRow, c.rF);
      // The vector must hold the previous reduction pass's sums for this window: its write wakes us.
      if (c.writtenPass === null || c.writtenPass[v] !== this.plan.previousReductionPass(c.rPass)) continue;
      if (c.readCredits.available(now) < 1) {
        const next = c.readCredits.nextTime();
        if (next === Infinity) c.waitingForCredit = true;
        else this.wakeAt(next);
        continue;
      }
      const mCount = c.storeCount![v]!;
      const d = Math.ceil((mCount * this.psumBits) / this.ports.readBits);
      c.readCredits.take(1);
      this.counts.c[this.cRead] += d;
      this.traffic.back(d);
      this.occupy('read', now + d);
      const meta: WindowMeta = { pass: c.rPass, row: c.rRow, f: c.rF, n: 0, g: 0, mBase: 0, e: 0 };
      c.chain.members[0]!.receivePsums(now, now + d + this.ports.readLatency, c.store!, v * this.plan.tile.M, mCount, meta);
      c.rF++;
      this.nextReader = (this.nextReader + k + 1) % n;
      return true;
    }
    return false;
  }

  private occupy(side: 'read' | 'write', until: number): void {
    if (this.ports.shared || side === 'write') this.writeFree = until;
    if (this.ports.shared || side === 'read') this.readFree = until;
  }

  /** Vectors a chain holds between passes: one per window of a pass's rows, for every M tile held. */
  private ensureStore(c: ChainPort): void {
    if (c.store) return;
    const vectors = this.plan.mTilesHeld * this.plan.rowItersPerPass * this.plan.problem.F;
    c.store = new Int32Array(vectors * this.plan.tile.M);
    c.storeCount = new Int32Array(vectors);
    c.writtenPass = new Float64Array(vectors).fill(-1);
  }

  /** Advances a chain's read cursor to the next window whose bottom PE takes its psums from the store. */
  private seekRead(c: ChainPort): boolean {
    const F = this.plan.problem.F;
    for (;;) {
      if (c.readDone) return false;
      if (c.rPass >= this.plan.passCount) {
        c.readDone = true;
        return false;
      }
      if (c.rLastRow === -2) {
        c.rLastRow = c.chain.roleOf(0, c.rPass).psumIn ? c.chain.lastRow(c.rPass) : -1;
        c.rRow = 0;
        c.rF = 0;
      }
      if (c.rRow <= c.rLastRow) {
        if (c.rF < F && c.chain.rowJob(c.rPass, c.rRow)) return true;
        c.rRow++;
        c.rF = 0;
        continue;
      }
      c.rPass++;
      c.rLastRow = -2;
    }
  }
}

/**
 * A psum accumulation chain: the PEs of one PE column bottom to top (and, when a reduction spans cluster
 * rows, on through the psum routers into the next cluster south, JETCAS19 §III-C), ending in a psum store
 * for partial sums and in the final outputs for the last reduction pass.
 */
export class PsumChain implements ChainView {
  private cachedPass = -1;
  private cachedRoles: PsumRole[] = [];
  private cachedLastRow = -1;
  private readonly refPe: number;
  /** The store side of this chain, once attached. */
  port: ChainPort | null = null;
  private readonly links: PsumLink[];
  private readonly exit: FinalPort | null;

  constructor(
    readonly members: ProcessingElement[],
    private readonly plan: MappingPlan,
    readonly store: PsumStore | null,
    final: FinalOutput,
    /** Whether final outputs go through the store (into the GLB) rather than straight off-chip. */
    finalsThroughStore: boolean,
    linkHops: readonly number[],
    traffic: PsumTraffic,
  ) {
    this.links = members.slice(1).map((m, k) => new PsumLink(m, linkHops[k]!, traffic));
    this.exit = finalsThroughStore ? null : new FinalPort(final, members[members.length - 1]!, traffic, store === null);
    const used = members.find((m) => plan.isUsed(m.pe));
    this.refPe = used ? used.pe : -1;
    if (!store && (plan.reductionIters > 1 || finalsThroughStore)) {
      throw new SimulationError('a psum chain without a store cannot carry a reduction across passes');
    }
    if (store) this.port = store.attach(this);
  }

  private load(pass: number): void {
    if (this.cachedPass === pass) return;
    this.cachedPass = pass;
    const active = this.members.map((m) => this.plan.passSlice(m.pe, pass) !== null);
    const first = active.indexOf(true);
    const fromStore = this.store !== null && this.plan.reductionIndex(pass) > 0;
    this.cachedRoles = this.members.map((_, i): PsumRole => {
      if (first < 0) return { kind: 'off', psumIn: false };
      if (i < first) return fromStore ? { kind: 'forward', psumIn: true } : { kind: 'off', psumIn: false };
      if (i === first) return { kind: 'compute', psumIn: fromStore };
      return active[i] ? { kind: 'compute', psumIn: true } : { kind: 'forward', psumIn: true };
    });
    let last = -1;
    if (first >= 0 && this.refPe >= 0) {
      for (let r = this.plan.rowItersPerPass - 1; r >= 0; r--) {
        if (this.plan.rowJob(this.refPe, pass, r)) {
          last = r;
          break;
        }
      }
    }
    this.cachedLastRow = last;
  }

  roleOf(member: number, pass: number): PsumRole {
    this.load(pass);
    return this.cachedRoles[member]!;
  }

  rowJob(pass: number, row: number): { n: number; e: number } | null {
    return this.refPe < 0 ? null : this.plan.rowJob(this.refPe, pass, row);
  }

  outputOf(pass: number): { g: number; mBase: number } | null {
    return this.refPe < 0 ? null : this.plan.outputSlice(this.refPe, pass);
  }

  lastRow(pass: number): number {
    this.load(pass);
    return this.cachedLastRow;
  }

  isFinal(pass: number): boolean {
    return this.plan.reductionIndex(pass) === this.plan.reductionIters - 1;
  }

  receiverOf(member: number, pass: number): PsumReceiver {
    if (member + 1 < this.members.length) return this.links[member]!;
    if (this.exit && this.isFinal(pass)) return this.exit;
    return this.port!;
  }
}
