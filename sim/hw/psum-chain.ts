import type { Component, Simulator } from '../engine/simulator.js';
import { SimulationError } from '../errors.js';
import type { MappingPlan } from '../mapping/plan.js';
import { type AccessCounts, counterIndex } from '../stats/access-counts.js';
import { Credits } from './credits.js';
import type { OffChipInterface } from './off-chip.js';
import type { ChainView, CreditSink, ProcessingElement, PsumReceiver, PsumRole, WindowMeta } from './pe/processing-element.js';

/**
 * Final outputs leave the array for off-chip: psums are converted to 8-bit activations at the GLB cluster's
 * off-chip port (JETCAS19 §II: "final output activations skip the GLB"). The 20-bit values are kept in
 * `psums` so the run can be checked bit for bit against the reference; `written` counts writes per output.
 */
export class FinalOutput implements PsumReceiver {
  readonly needsCredits = false;
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

  receivePsums(sent: number, arrival: number, src: Int32Array, from: number, mCount: number, meta: WindowMeta): void {
    const { G, M, E, F } = this.plan.problem;
    for (let m = 0; m < mCount; m++) {
      const idx = (((meta.n * G + meta.g) * M + meta.mBase + m) * E + meta.e) * F + meta.f;
      this.psums[idx] = src[from + m]!;
      this.written[idx]++;
    }
    this.offChip.request(sent, mCount * this.outputBits, 'psum', true, -1);
    if (arrival > this.lastArrival) this.lastArrival = arrival;
  }
}

const WRITE_QUEUE = 2; // psum vectors buffered at a psum bank's write side; our choice

/**
 * A psum GLB bank with its one port (JETCAS19 §II: each router is paired with one GLB port): the top of a
 * PE column writes the partial sums of a pass into it, and it streams them back into the bottom of the
 * column in the next reduction pass. Reads wait until the previous pass wrote the vector. Writes win the
 * port over reads, so the column above never stalls on its own input.
 */
export class PsumBank implements Component, PsumReceiver, CreditSink {
  id = -1;
  readonly needsCredits = true;
  private store: Int32Array | null = null;
  private storeCount: Int32Array | null = null;
  private writtenCode: Float64Array | null = null;
  private portFree = 0;
  // Posted writes, at most WRITE_QUEUE (credits), each with its own buffer.
  private readonly wq: { arrival: number; data: Int32Array; mCount: number; pass: number; vector: number }[];
  private wqHead = 0;
  private wqCount = 0;
  // Read cursor: next (pass, row, f) the bottom PE takes from the bank.
  private rPass = 0;
  private rRow = 0;
  private rF = 0;
  private rLastRow = -2;
  private readDone = false;
  private readonly readCredits = new Credits(1);
  private waitingForCredit = false;
  private readonly cRead: number;
  private readonly cWrite: number;
  private chain: PsumChain | null = null;

  constructor(
    readonly name: string,
    private readonly sim: Simulator,
    private readonly plan: MappingPlan,
    private readonly psumBits: number,
    private readonly portBits: number,
    private readonly latency: number,
    private readonly counts: AccessCounts,
  ) {
    this.cRead = counterIndex('glb', 'psum', 'read');
    this.cWrite = counterIndex('glb', 'psum', 'write');
    this.wq = Array.from({ length: WRITE_QUEUE }, () => ({ arrival: 0, data: new Int32Array(plan.tile.M), mCount: 0, pass: 0, vector: 0 }));
  }

  attach(chain: PsumChain): void {
    this.chain = chain;
    chain.members[chain.members.length - 1]!.upCredits.give(0, WRITE_QUEUE);
  }

  /** Vectors stored per pass: one per window of the pass's row iterations. */
  private ensureStore(): void {
    if (this.store) return;
    const vectors = this.plan.rowItersPerPass * this.plan.problem.F;
    this.store = new Int32Array(vectors * this.plan.tile.M);
    this.storeCount = new Int32Array(vectors);
    this.writtenCode = new Float64Array(vectors).fill(-1);
  }

  receivePsums(_sent: number, arrival: number, src: Int32Array, from: number, mCount: number, meta: WindowMeta): void {
    if (this.wqCount === WRITE_QUEUE) throw new SimulationError(`${this.name}: write queue overrun`);
    const w = this.wq[(this.wqHead + this.wqCount++) % WRITE_QUEUE]!;
    for (let m = 0; m < mCount; m++) w.data[m] = src[from + m]!;
    w.arrival = arrival;
    w.mCount = mCount;
    w.pass = meta.pass;
    w.vector = meta.row * this.plan.problem.F + meta.f;
    this.sim.wake(this.id, arrival);
  }

  returnCredit(_pe: number, time: number): void {
    this.readCredits.give(time, 1);
    if (this.waitingForCredit) {
      this.waitingForCredit = false;
      this.sim.wake(this.id, time);
    }
  }

  get finished(): boolean {
    return this.wqCount === 0;
  }

  step(now: number): void {
    const chain = this.chain!;
    const F = this.plan.problem.F;
    for (;;) {
      if (this.portFree > now) {
        this.sim.wake(this.id, this.portFree);
        return;
      }
      const w = this.wqCount > 0 ? this.wq[this.wqHead]! : null;
      if (w && w.arrival <= now) {
        this.ensureStore();
        const v = w.vector;
        this.store!.set(w.data.subarray(0, w.mCount), v * this.plan.tile.M);
        this.storeCount![v] = w.mCount;
        this.writtenCode![v] = w.pass;
        const d = Math.ceil((w.mCount * this.psumBits) / this.portBits);
        this.counts.c[this.cWrite] += d;
        this.portFree = now + d;
        this.wqHead = (this.wqHead + 1) % WRITE_QUEUE;
        this.wqCount--;
        chain.members[chain.members.length - 1]!.returnCredit(-1, now + d + 1, 0, 1);
        continue;
      }
      if (!this.seekRead()) return;
      const v = this.rRow * F + this.rF;
      // The vector must hold the previous reduction pass's sums for this window.
      if (this.writtenCode === null || this.writtenCode[v] !== this.rPass - 1) return; // the write wakes us
      if (this.readCredits.available(now) < 1) {
        const next = this.readCredits.nextTime();
        if (next === Infinity) this.waitingForCredit = true;
        else this.sim.wake(this.id, next);
        return;
      }
      const mCount = this.storeCount![v]!;
      const d = Math.ceil((mCount * this.psumBits) / this.portBits);
      this.readCredits.take(1);
      this.counts.c[this.cRead] += d;
      this.portFree = now + d;
      const meta: WindowMeta = { pass: this.rPass, row: this.rRow, f: this.rF, n: 0, g: 0, mBase: 0, e: 0 };
      chain.members[0]!.receivePsums(now, now + d + this.latency, this.store!, v * this.plan.tile.M, mCount, meta);
      this.rF++;
    }
  }

  /** Advances the read cursor to the next window whose bottom PE takes its psums from this bank. */
  private seekRead(): boolean {
    const chain = this.chain!;
    const F = this.plan.problem.F;
    for (;;) {
      if (this.readDone) return false;
      if (this.rPass >= this.plan.passCount) {
        this.readDone = true;
        return false;
      }
      if (this.rLastRow === -2) {
        const fromBank = chain.roleOf(0, this.rPass).psumIn;
        this.rLastRow = fromBank ? chain.lastRow(this.rPass) : -1;
        this.rRow = 0;
        this.rF = 0;
      }
      if (this.rRow <= this.rLastRow && this.rF < F && chain.rowJob(this.rPass, this.rRow)) return true;
      if (this.rRow <= this.rLastRow && this.rF >= F) {
        this.rRow++;
        this.rF = 0;
        continue;
      }
      if (this.rRow <= this.rLastRow) {
        this.rRow++; // a row without work
        continue;
      }
      this.rPass++;
      this.rLastRow = -2;
    }
  }
}

/**
 * A psum accumulation chain: the PEs of one PE column bottom to top (and, when a reduction spans cluster
 * rows, on through the psum routers into the next cluster south, JETCAS19 §III-C), ending in the column's
 * psum bank for partial sums and in the off-chip output for final ones.
 */
export class PsumChain implements ChainView {
  private cachedPass = -1;
  private cachedRoles: PsumRole[] = [];
  private cachedLastRow = -1;
  private readonly refPe: number;

  constructor(
    readonly members: ProcessingElement[],
    private readonly plan: MappingPlan,
    readonly bank: PsumBank | null,
    readonly final: FinalOutput,
  ) {
    const used = members.find((m) => plan.isUsed(m.pe));
    this.refPe = used ? used.pe : -1;
    if (!bank && plan.reductionIters > 1) {
      throw new SimulationError('a psum chain without a bank cannot carry a reduction across passes');
    }
  }

  private load(pass: number): void {
    if (this.cachedPass === pass) return;
    this.cachedPass = pass;
    const active = this.members.map((m) => this.plan.passSlice(m.pe, pass) !== null);
    const first = active.indexOf(true);
    const fromBank = this.bank !== null && this.plan.reductionIndex(pass) > 0;
    this.cachedRoles = this.members.map((_, i): PsumRole => {
      if (first < 0) return { kind: 'off', psumIn: false };
      if (i < first) return fromBank ? { kind: 'forward', psumIn: true } : { kind: 'off', psumIn: false };
      if (i === first) return { kind: 'compute', psumIn: fromBank };
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

  receiverOf(member: number, pass: number): PsumReceiver {
    if (member + 1 < this.members.length) return this.members[member + 1]!;
    const final = this.plan.reductionIndex(pass) === this.plan.reductionIters - 1;
    if (final) return this.final;
    if (!this.bank) throw new SimulationError('partial sums with no psum bank to hold them');
    return this.bank;
  }
}
