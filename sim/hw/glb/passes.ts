import type { Component, Simulator } from '../../engine/simulator.js';
import type { MappingPlan } from '../../mapping/plan.js';
import type { IactSegmentStore } from '../../mapping/tiles.js';
import { RlcPairCounter, type RlcFormat, rlcBits, rlcPairs } from '../../sparse/rlc.js';
import { type AccessCounts, counterIndex } from '../../stats/access-counts.js';
import type { Packet, PacketProgram } from '../channel.js';
import type { OffChipInterface } from '../off-chip.js';
import type { LoadGate } from './source-bank.js';

/** What the controller needs to know of the psum chains: how many vectors each pass writes to the GLB. */
export interface PassWrites {
  vectorsWritten(pass: number): number;
}

/**
 * Eyeriss v1's GLB passes (JSSC17 §IV-B, §V-B): "no processing while DRAM loads or stores a pass". Passes
 * are grouped in blocks that share their ifmaps (the mBlock M tiles of one channel group); before a block
 * runs, its ifmaps are loaded from off-chip into the GLB (run-length coded, except the network's first
 * input), and once the last reduction block of an output tile is done, its outputs go from the GLB off-chip
 * (run-length coded, after ReLU). Loads and stores share the off-chip link with the filters, which are loaded
 * into the filter GLB as the passes need them. The controller gates the ifmap channel on the block loads and
 * counts the cycles the array waits for them.
 */
export class GlbPassController implements Component, LoadGate {
  id = -1;
  readonly name = 'GLB pass controller';
  /** Cycles during which the array waited for off-chip loads and stores. */
  stallCycles = 0;
  private readonly blocks: number;
  private readonly loadReady: Float64Array;
  private readonly loadTicket: Int32Array;
  private readonly writesLeft: Int32Array;
  private readonly doneAt: Float64Array;
  private next = 0; // next block to load
  private storeTicket = -1; // the last outputs' store (-2: nothing to store)
  private readonly waiting = new Set<number>();
  private outputs: number[] = [];
  private readonly cIactWrite: number;
  private readonly cPsumRead: number;

  constructor(
    private readonly sim: Simulator,
    private readonly plan: MappingPlan,
    private readonly offChip: OffChipInterface,
    private readonly counts: AccessCounts,
    private readonly segments: IactSegmentStore,
    /** A fresh copy of the ifmap channel's program, to find each block's distinct segments. */
    private readonly program: PacketProgram,
    private readonly rlc: RlcFormat | null,
    /** Whether this layer's input is the network input (stored raw off-chip). */
    private readonly rawInput: boolean,
    private readonly iactBits: number,
    private readonly outputBits: number,
    private readonly glbPortBits: { iact: number; psum: number },
    writes: PassWrites,
    /** Fraction of outputs the layer's ReLU keeps, when the trace gives it (it stands in for the bias). */
    private readonly outputDensity: number | undefined,
  ) {
    this.blocks = plan.passCount / plan.mInner;
    this.loadReady = new Float64Array(this.blocks).fill(Infinity);
    this.loadTicket = new Int32Array(this.blocks).fill(-1);
    this.writesLeft = new Int32Array(this.blocks);
    this.doneAt = new Float64Array(this.blocks).fill(0);
    for (let p = 0; p < plan.passCount; p++) this.writesLeft[this.blockOf(p)]! += writes.vectorsWritten(p);
    this.cIactWrite = counterIndex('glb', 'iact', 'write');
    this.cPsumRead = counterIndex('glb', 'psum', 'read');
  }

  private blockOf(pass: number): number {
    return Math.floor(pass / this.plan.mInner);
  }

  readyAt(pass: number): number {
    return this.loadReady[this.blockOf(pass)]!;
  }

  notify(component: number): void {
    this.waiting.add(component);
  }

  get finished(): boolean {
    return this.next === this.blocks && this.storedLast;
  }

  /** A vector reached the GLB at `time` (from the psum store); final ones are kept for the output store. */
  vectorWritten(pass: number, time: number, finalValues: Int32Array | null, mCount: number): void {
    const b = this.blockOf(pass);
    if (time > this.doneAt[b]!) this.doneAt[b] = time;
    if (finalValues) for (let m = 0; m < mCount; m++) this.outputs.push(finalValues[m]!);
    if (--this.writesLeft[b]! === 0) this.sim.wake(this.id, Math.max(time, this.sim.now));
  }

  step(now: number): void {
    while (this.next < this.blocks) {
      // Block `next` loads once the previous one is done and, if final, its outputs are on their way out.
      const prev = this.next - 1;
      if (prev >= 0 && this.writesLeft[prev]! > 0) return; // its last write wakes us
      const start = prev >= 0 ? this.doneAt[prev]! : 0;
      if (this.loadTicket[this.next]! < 0) {
        if (prev >= 0 && this.isOutputBlockEnd(prev)) this.storeOutputs(start, false);
        this.loadTicket[this.next] = this.offChip.request(start, this.loadBits(this.next), 'iact', false, this.id);
      }
      const ready = this.offChip.readyAt(this.loadTicket[this.next]!);
      if (ready === Infinity) return; // the off-chip interface wakes us
      this.offChip.release(this.loadTicket[this.next]!);
      this.stallCycles += Math.max(0, ready - start);
      this.loadReady[this.next] = ready;
      for (const id of this.waiting) this.sim.wake(id, Math.max(now, ready));
      this.waiting.clear();
      this.next++;
    }
    // After the last block, its outputs go off-chip; the layer ends when they are there.
    const last = this.blocks - 1;
    if (this.storedLast || this.writesLeft[last]! > 0) return;
    if (this.storeTicket < 0) this.storeTicket = this.storeOutputs(this.doneAt[last]!);
    const ready = this.storeTicket === -2 ? this.doneAt[last]! : this.offChip.readyAt(this.storeTicket);
    if (ready === Infinity) return;
    if (this.storeTicket >= 0) this.offChip.release(this.storeTicket);
    this.stallCycles += Math.max(0, ready - this.doneAt[last]!);
    this.storedLast = true;
  }

  private storedLast = false;

  private isOutputBlockEnd(block: number): boolean {
    return this.plan.reductionIndex(block * this.plan.mInner) === this.plan.reductionIters - 1;
  }

  /**
   * Writes the finished outputs off-chip, run-length coded after ReLU; returns the off-chip ticket (-2: none),
   * if `ticketed` (the last store, which the layer waits for).
   */
  private storeOutputs(at: number, ticketed = true): number {
    if (this.outputs.length === 0) return -2;
    const relu = this.relu(this.outputs);
    const bits = this.rlc ? rlcBits(rlcPairs(relu, this.rlc.runBits), this.rlc) : relu.length * this.outputBits;
    this.counts.c[this.cPsumRead] += Math.ceil((relu.length * this.outputBits) / this.glbPortBits.psum);
    this.outputs = [];
    return this.offChip.request(at, bits, 'psum', true, this.id, ticketed);
  }

  /**
   * The ReLU before the store: zero below 0, or, when the trace gives the layer's output density, below the
   * threshold that keeps that fraction (the synthetic weights have no bias to set it).
   */
  private relu(values: number[]): number[] {
    let threshold = 0;
    if (this.outputDensity !== undefined) {
      const sorted = Float64Array.from(values).sort();
      const keep = Math.round(this.outputDensity * sorted.length);
      threshold = keep >= sorted.length ? -Infinity : sorted[sorted.length - keep - 1]!;
    }
    return values.map((v) => (v > threshold ? v : 0));
  }

  /** Bits of block b's distinct ifmap segments off-chip (run-length coded unless raw), and their GLB writes. */
  private loadBits(block: number): number {
    const seen = new Set<number>();
    const pk: Packet = { payload: 0, pass: 0, bits: 0, entries: 0, rows: 0, dests: [] };
    const end = (block + 1) * this.plan.mInner;
    while (this.pendingPacket || this.program.next(pk)) {
      if (this.pendingPacket) {
        Object.assign(pk, this.pendingPacket);
        this.pendingPacket = null;
      }
      if (pk.pass >= end) {
        this.pendingPacket = { ...pk };
        break;
      }
      seen.add(pk.payload);
    }
    // The block's values as one stream off-chip (in the order the array asks for them).
    const s = this.segments;
    const stream = this.rlc ? new RlcPairCounter(this.rlc.runBits) : null;
    let values = 0;
    for (const seg of seen) {
      values += s.start[seg + 1]! - s.start[seg]!;
      stream?.add(s.data, s.start[seg]!, s.start[seg + 1]!);
    }
    this.counts.c[this.cIactWrite] += Math.ceil((values * this.iactBits) / this.glbPortBits.iact);
    return this.rlc && !this.rawInput ? rlcBits(stream!.total(), this.rlc) : values * this.iactBits;
  }

  private pendingPacket: Packet | null = null;
}
