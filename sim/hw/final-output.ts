import type { MappingPlan } from '../mapping/plan.js';
import type { OffChipInterface } from './off-chip.js';
import type { WindowMeta } from './pe/processing-element.js';

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
    this.store(sent, mCount);
  }

  /** mCount final outputs sent off-chip at `time` (from the router, or from a GLB that holds them). */
  store(time: number, mCount: number): void {
    this.offChip.request(time, mCount * this.outputBits, 'psum', true, -1);
  }
}
