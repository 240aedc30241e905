import type { MappingPlan } from '../mapping/plan.js';
import type { IactSegmentStore, WeightTileStore } from '../mapping/tiles.js';
import type { Packet, PacketProgram } from './channel.js';
import type { ChannelSpec } from './noc/noc.js';

/**
 * What each channel sends, in order. The order is the dataflow's loop nest: pass, row iteration, segment,
 * key (an iact channel interleaves its input rows so that every PE's window slides in step), filter row (a PE
 * holding R0 > 1 filter rows gets segment k of each of its R0 input rows in turn), and for weights pass, key.
 * A key's packet goes to the key's PEs that compute in that pass and row.
 */
export class IactProgram implements PacketProgram {
  private pass = 0;
  private row = 0;
  private seg = 0;
  private key = 0;
  private filterRow = 0;
  private prepared = false;
  private readonly dests: number[][];
  private readonly base: Int32Array;

  constructor(
    private readonly spec: ChannelSpec,
    private readonly plan: MappingPlan,
    private readonly store: IactSegmentStore,
    private readonly bitsOf: (seg: number) => number,
  ) {
    this.dests = spec.keys.map(() => []);
    this.base = new Int32Array(spec.keys.length);
  }

  next(pk: Packet): boolean {
    const { plan, store } = this;
    for (;;) {
      if (this.pass >= plan.passCount) return false;
      if (!this.prepared) this.prepare();
      if (this.seg < store.segmentsPerRow) {
        while (this.key < this.dests.length) {
          const j = this.key;
          const dests = this.dests[j]!;
          const r = this.filterRow;
          if (++this.filterRow === plan.tile.R) {
            this.filterRow = 0;
            this.key++;
          }
          if (dests.length === 0) continue;
          // Input rows follow each other in the store: row h + r is segmentsPerRow segments on.
          const seg = this.base[j]! + r * store.segmentsPerRow + this.seg;
          pk.payload = seg;
          pk.pass = this.pass;
          pk.bits = this.bitsOf(seg);
          pk.entries = store.entries(seg);
          pk.rows = 0;
          pk.dests = dests;
          return true;
        }
        this.key = 0;
        this.seg++;
        continue;
      }
      this.seg = 0;
      this.prepared = false;
      if (++this.row === plan.rowItersPerPass) {
        this.row = 0;
        this.pass++;
      }
    }
  }

  /** Which of each key's PEs compute in this (pass, row), and which input row they share. */
  private prepare(): void {
    const { plan, store, spec } = this;
    const U = plan.problem.U;
    for (let j = 0; j < spec.keys.length; j++) {
      const dests: number[] = [];
      let base = -1;
      for (const pe of spec.keys[j]!) {
        const slice = plan.passSlice(pe, this.pass);
        if (!slice) continue;
        const job = plan.rowJob(pe, this.pass, this.row);
        if (!job) continue;
        dests.push(pe);
        if (base < 0) base = store.index(job.n, slice.g, slice.cTile, job.e * U + slice.r, 0);
      }
      this.dests[j] = dests;
      this.base[j] = base;
    }
    this.prepared = true;
  }
}

export class WeightProgram implements PacketProgram {
  private pass = 0;
  private key = 0;

  constructor(
    private readonly spec: ChannelSpec,
    private readonly plan: MappingPlan,
    private readonly store: WeightTileStore,
    private readonly bitsOf: (tile: number, mCount: number) => number,
  ) {}

  next(pk: Packet): boolean {
    const { plan, store, spec } = this;
    while (this.pass < plan.passCount) {
      while (this.key < spec.keys.length) {
        const pes = spec.keys[this.key++]!;
        const dests: number[] = [];
        let tile = -1;
        let mCount = 0;
        for (const pe of pes) {
          const s = plan.passSlice(pe, this.pass);
          if (!s) continue;
          dests.push(pe);
          if (tile < 0) {
            tile = store.index(s.g, s.mTile, s.cTile, s.r);
            mCount = s.mCount;
          }
        }
        if (dests.length === 0) continue;
        pk.payload = tile;
        pk.pass = this.pass;
        pk.bits = this.bitsOf(tile, mCount);
        pk.entries = 0;
        pk.rows = mCount;
        pk.dests = dests;
        return true;
      }
      this.key = 0;
      this.pass++;
    }
    return false;
  }
}
