import { AXES, type ArrayShape, type Axis, DIMS, type Dim, type Mapping, axisSize, peTile, spatialProduct, temporalCounts } from './mapping.js';
import type { Problem } from './problem.js';

const PASS_FIELDS = 6;
const DIM_INDEX: Record<Dim, number> = { N: 0, G: 1, M: 2, C: 3, E: 4, R: 5 };

/**
 * A mapping laid onto a concrete array: which slice of the layer every PE holds in every pass. Derived once
 * per layer; the components read it, they never re-derive loop bounds themselves.
 */
export class MappingPlan {
  readonly numPes: number;
  /** Per dim: in-PE tile, spatial product, temporal count. */
  readonly tile: Record<Dim, number>;
  readonly spatial: Record<Dim, number>;
  readonly temporal: Record<Dim, number>;
  /** Rows per pass (inner temporal) and pass blocks (outer temporal) for N and E. */
  readonly nInner: number;
  readonly nOuter: number;
  readonly eInner: number;
  readonly eOuter: number;
  /** Passes in the order g2, n2o, e2o, m2o, c2, r2, m2i (m2 = m2o * mInner + m2i). */
  readonly passCount: number;
  readonly rowItersPerPass: number;
  /** M tiles inside the reduction loops (mBlock, at most the temporal M) and blocks of them outside. */
  readonly mInner: number;
  readonly mOuter: number;
  readonly reductionIters: number;
  /** Per PE and dim: the PE's spatial index (-1 for all dims when the PE holds nothing). */
  private readonly coords: Int32Array;
  /** Per pass, its temporal indices g2, n2o, e2o, m2, c2, r2 (PASS_FIELDS entries), computed once. */
  private readonly passTable: Int32Array;

  constructor(readonly problem: Problem, readonly mapping: Mapping, readonly shape: ArrayShape) {
    this.numPes = shape.clusterRows * shape.clusterCols * shape.peRows * shape.peCols;
    this.tile = {} as Record<Dim, number>;
    this.spatial = {} as Record<Dim, number>;
    for (const d of DIMS) {
      this.tile[d] = peTile(mapping, d);
      this.spatial[d] = spatialProduct(mapping, d);
    }
    this.temporal = temporalCounts(problem, mapping);
    this.nInner = Math.min(mapping.rowsPerPass.N, this.temporal.N);
    this.nOuter = Math.ceil(this.temporal.N / this.nInner);
    this.eInner = Math.min(mapping.rowsPerPass.E, this.temporal.E);
    this.eOuter = Math.ceil(this.temporal.E / this.eInner);
    this.reductionIters = this.temporal.C * this.temporal.R;
    this.mInner = Math.min(mapping.mBlock, this.temporal.M);
    this.mOuter = Math.ceil(this.temporal.M / this.mInner);
    this.passCount = this.temporal.G * this.nOuter * this.eOuter * this.mOuter * this.reductionIters * this.mInner;
    this.rowItersPerPass = this.nInner * this.eInner;
    this.coords = new Int32Array(this.numPes * DIMS.length).fill(-1);
    for (let pe = 0; pe < this.numPes; pe++) this.placePe(pe);
    this.passTable = new Int32Array(this.passCount * PASS_FIELDS);
    const t = this.temporal;
    for (let p = 0; p < this.passCount; p++) {
      let rest = p;
      const m2i = rest % this.mInner; rest = Math.floor(rest / this.mInner);
      const r2 = rest % t.R; rest = Math.floor(rest / t.R);
      const c2 = rest % t.C; rest = Math.floor(rest / t.C);
      const m2o = rest % this.mOuter; rest = Math.floor(rest / this.mOuter);
      const e2o = rest % this.eOuter; rest = Math.floor(rest / this.eOuter);
      const n2o = rest % this.nOuter; rest = Math.floor(rest / this.nOuter);
      const at = p * PASS_FIELDS;
      this.passTable[at] = rest;
      this.passTable[at + 1] = n2o;
      this.passTable[at + 2] = e2o;
      this.passTable[at + 3] = m2o * this.mInner + m2i;
      this.passTable[at + 4] = c2;
      this.passTable[at + 5] = r2;
    }
  }

  /** Cluster row/col and PE row/col of a PE id (PE ids run PE column fastest, then PE row, cluster col, row). */
  position(pe: number): Record<Axis, number> {
    const { peCols, peRows, clusterCols } = this.shape;
    return {
      peCol: pe % peCols,
      peRow: Math.floor(pe / peCols) % peRows,
      clusterCol: Math.floor(pe / (peCols * peRows)) % clusterCols,
      clusterRow: Math.floor(pe / (peCols * peRows * clusterCols)),
    };
  }

  peId(clusterRow: number, clusterCol: number, peRow: number, peCol: number): number {
    const { peCols, peRows, clusterCols } = this.shape;
    return ((clusterRow * clusterCols + clusterCol) * peRows + peRow) * peCols + peCol;
  }

  private placePe(pe: number): void {
    const pos = this.position(pe);
    const part = {} as Record<Axis, Map<Dim, [number, number]>>; // axis -> dim -> [index, size]
    for (const axis of AXES) {
      const factors = this.mapping.spatial[axis];
      let idx = pos[axis];
      const used = factors.reduce((a, [, f]) => a * f, 1);
      if (idx >= used) return; // beyond the factors on this axis: the PE holds nothing
      if (used > axisSize(this.shape, axis)) return;
      const dims = new Map<Dim, [number, number]>();
      // Innermost factor varies fastest.
      for (let k = factors.length - 1; k >= 0; k--) {
        const [d, f] = factors[k]!;
        const i = idx % f;
        idx = Math.floor(idx / f);
        const prev = dims.get(d) ?? [0, 1];
        dims.set(d, [i * prev[1] + prev[0], prev[1] * f]);
      }
      part[axis] = dims;
    }
    for (let di = 0; di < DIMS.length; di++) {
      const d = DIMS[di]!;
      let coord = 0;
      for (const axis of AXES) {
        const [i, size] = part[axis].get(d) ?? [0, 1];
        coord = coord * size + i;
      }
      this.coords[pe * DIMS.length + di] = coord;
    }
  }

  /** The PE's spatial index along a dim, or -1 when the PE is unused by this mapping. */
  coord(pe: number, d: Dim): number {
    return this.coords[pe * DIMS.length + DIM_INDEX[d]]!;
  }

  isUsed(pe: number): boolean {
    return this.coords[pe * DIMS.length]! >= 0;
  }

  /** Index of pass p's reduction iteration inside its output block (0 = first, reductionIters-1 = last). */
  reductionIndex(p: number): number {
    return Math.floor(p / this.mInner) % this.reductionIters;
  }

  /** The pass whose partial sums pass p continues (the previous reduction iteration of the same outputs). */
  previousReductionPass(p: number): number {
    return p - this.mInner;
  }

  /** M tiles whose partial sums wait in the GLB at once. */
  get mTilesHeld(): number {
    return this.mInner;
  }

  /** Slot of a window's psum vector in a psum store (distinct for every vector held across passes). */
  psumVector(p: number, row: number, f: number): number {
    const held = p % this.mInner;
    return (held * this.rowItersPerPass + row) * this.problem.F + f;
  }

  /**
   * The slice a PE holds in pass p, or null when it holds nothing (out of range at a partial tile).
   * Channel ranges are [mBase, mBase + mCount) and [cBase, cBase + cCount) within group g.
   */
  passSlice(pe: number, p: number): PassSlice | null {
    if (!this.isUsed(pe)) return null;
    const pr = this.problem;
    const i = p * PASS_FIELDS;
    const g2 = this.passTable[i]!, m2 = this.passTable[i + 3]!, c2 = this.passTable[i + 4]!, r2 = this.passTable[i + 5]!;
    const g = g2 * this.spatial.G + this.coord(pe, 'G');
    const mTile = m2 * this.spatial.M + this.coord(pe, 'M');
    const cTile = c2 * this.spatial.C + this.coord(pe, 'C');
    const r = (r2 * this.spatial.R + this.coord(pe, 'R')) * this.tile.R;
    const mBase = mTile * this.tile.M;
    const cBase = cTile * this.tile.C;
    if (g >= pr.G || mBase >= pr.M || cBase >= pr.C || r >= pr.R) return null;
    return {
      g, r, mTile, cTile, mBase, cBase,
      mCount: Math.min(this.tile.M, pr.M - mBase),
      cCount: Math.min(this.tile.C, pr.C - cBase),
    };
  }

  /** Group and first output channel of a PE's psums in pass p (whatever its input channels and filter row). */
  outputSlice(pe: number, p: number): { g: number; mBase: number } | null {
    if (!this.isUsed(pe)) return null;
    const g2 = this.passTable[p * PASS_FIELDS]!, m2 = this.passTable[p * PASS_FIELDS + 3]!;
    const g = g2 * this.spatial.G + this.coord(pe, 'G');
    const mBase = (m2 * this.spatial.M + this.coord(pe, 'M')) * this.tile.M;
    return g < this.problem.G && mBase < this.problem.M ? { g, mBase } : null;
  }

  /** Image and output row a PE works on in row iteration i of pass p, or null when out of range. */
  rowJob(pe: number, p: number, i: number): { n: number; e: number } | null {
    const n2o = this.passTable[p * PASS_FIELDS + 1]!, e2o = this.passTable[p * PASS_FIELDS + 2]!;
    const n2i = Math.floor(i / this.eInner);
    const e2i = i % this.eInner;
    const n = (n2o * this.nInner + n2i) * this.spatial.N + this.coord(pe, 'N');
    const e = (e2o * this.eInner + e2i) * this.spatial.E + this.coord(pe, 'E');
    if (n >= this.problem.N || e >= this.problem.E) return null;
    if (n2o * this.nInner + n2i >= this.temporal.N || e2o * this.eInner + e2i >= this.temporal.E) return null;
    return { n, e };
  }
}

export interface PassSlice {
  g: number;
  /** First filter row (the PE holds tile.R rows from it). */
  r: number;
  mTile: number;
  cTile: number;
  mBase: number;
  cBase: number;
  mCount: number;
  cCount: number;
}
