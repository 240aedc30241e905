import type { Component, Simulator } from '../../engine/simulator.js';
import { SimulationError } from '../../errors.js';
import type { MappingPlan } from '../../mapping/plan.js';
import { type AccessCounts, counterIndex } from '../../stats/access-counts.js';
import { Credits } from '../credits.js';
import type { FinalOutput } from '../final-output.js';
import type { StoreSpec } from '../noc/noc.js';
import type { PsumTraffic } from '../noc/psum-traffic.js';
import { type ChainView, type CreditSink, copyWindowMeta, type ProcessingElement, type PsumReceiver, type WindowMeta } from '../pe/processing-element.js';

/** A psum chain as its store sees it (sim/hw/psum-chain implements it): PEs bottom to top, and its passes. */
export interface StoredChain extends Pick<ChainView, 'roleOf' | 'rowJob' | 'lastRow'> {
  readonly members: readonly ProcessingElement[];
  /** Whether the pass is the last of its reduction (its vectors are final outputs). */
  isFinal(pass: number): boolean;
}

const WRITE_QUEUE = 2; // psum vectors buffered at a store's write side per chain; our choice

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
export class ChainPort implements PsumReceiver, CreditSink {
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
  rRowChecked = -1; // the row of the read cursor already known to have work (rowJob is asked once per row)
  readDone = false;

  constructor(readonly owner: PsumStore, readonly chain: StoredChain, mTile: number) {
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
    copyWindowMeta(w.meta, meta);
    this.owner.writeArrives(arrival);
  }

  /** The bottom PE frees its psum input FIFO. */
  returnCredit(_pe: number, time: number): void {
    this.readCredits.give(time, 1);
    if (this.waitingForCredit) {
      this.waitingForCredit = false;
      this.owner.readCanStart(time);
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
  // The window of the vector being read back (the bottom PE copies what it needs: reused).
  private readonly readMeta: WindowMeta = { pass: 0, row: 0, f: 0, n: 0, g: 0, mBase: 0, e: 0 };
  /** Told of every vector written (Eyeriss v1's pass controller counts them to know when a block is done). */
  onWrite: ((pass: number, time: number, finalValues: Int32Array | null, mCount: number) => void) | null = null;

  constructor(
    readonly name: string,
    private readonly sim: Simulator,
    private readonly plan: MappingPlan,
    private readonly psumBits: number,
    readonly ports: StoreSpec,
    private readonly counts: AccessCounts,
    readonly traffic: PsumTraffic,
    /** Where final outputs go when they pass through this store (v1), or null when they bypass it (v2). */
    private readonly finals: FinalOutput | null,
  ) {
    this.cRead = counterIndex('glb', 'psum', 'read');
    this.cWrite = counterIndex('glb', 'psum', 'write');
  }

  /** Connects a chain: its top PE writes here, its bottom PE reads from here. */
  attach(chain: StoredChain): ChainPort {
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
    // Woken again only when known work can start: a queued write once it is in and the port free, a read whose
    // vector is written once the port is free and the bottom PE has room. Whatever is not known yet wakes the
    // store when it comes (a write's arrival, a credit return).
    let next = Infinity;
    for (const c of this.chains) {
      if (c.wqCount > 0) next = Math.min(next, Math.max(this.writeFree, c.wq[c.wqHead]!.arrival));
      if (this.readReady(c)) {
        // Reads happen in time order at or after the port frees, so asking for that time keeps Credits' order.
        const t = c.readCredits.earliest(Math.max(now, this.readFree), 1);
        if (t === Infinity) c.waitingForCredit = true;
        else next = Math.min(next, t);
      }
    }
    if (next > now && next !== Infinity) this.wakeAt(next);
  }

  /** A write reaches the store at `arrival`: it can start then, or when the write port frees if that is later. */
  writeArrives(arrival: number): void {
    this.wakeAt(Math.max(arrival, this.writeFree));
  }

  /** A read waiting for a credit gets it at `time`: it can start then, or when the read port frees. */
  readCanStart(time: number): void {
    this.wakeAt(Math.max(time, this.readFree));
  }

  /** Whether a chain's next read has its vector in the store (the previous reduction pass wrote it). */
  private readReady(c: ChainPort): boolean {
    if (!this.seekRead(c) || c.writtenPass === null) return false;
    return c.writtenPass[this.plan.psumVector(c.rPass, c.rRow, c.rF)] === this.plan.previousReductionPass(c.rPass);
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
      const store = best.store!;
      const at = v * this.plan.tile.M;
      for (let m = 0; m < w.mCount; m++) store[at + m] = w.data[m]!;
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
      // The vector must hold the previous reduction pass's sums for this window: its write wakes us.
      if (!this.readReady(c)) continue;
      const v = this.plan.psumVector(c.rPass, c.rRow, c.rF);
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
      const meta = this.readMeta;
      meta.pass = c.rPass;
      meta.row = c.rRow;
      meta.f = c.rF;
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
        c.rRowChecked = -1;
        c.rF = 0;
      }
      if (c.rRow <= c.rLastRow) {
        if (c.rF < F && (c.rRowChecked === c.rRow || c.chain.rowJob(c.rPass, c.rRow))) {
          c.rRowChecked = c.rRow;
          return true;
        }
        c.rRow++;
        c.rF = 0;
        continue;
      }
      c.rPass++;
      c.rLastRow = -2;
    }
  }
}
