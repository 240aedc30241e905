import type { HwConfig } from '../config/hw-config.js';
import { arrayShape } from '../mapping/constraints.js';
import { AXES, type Axis, DIMS, type Dim, type Mapping, REDUCTION_DIMS, axisDims, axisSize, spatialProduct, temporalCounts } from '../mapping/mapping.js';
import { type Problem, problemMacs } from '../mapping/problem.js';

/*
 * Eyexam steps 1-5 (Sze, Chen, Yang, Emer, "How to Evaluate Deep Neural Network Processors", IEEE SSC Magazine
 * 2020): upper bounds of a layer's throughput in nominal MACs per cycle, from the layer's shape and the config
 * only. Each bound counts the cycles of the busiest MAC lane when nothing but the step's constraints hold, for
 * the row-stationary dataflow as this simulator generalises it (sim/mapping/mapping.ts): a PE runs one filter
 * row (S) along one output row (F) in sequence, for M0 output channels (simdWidth of them per cycle) and C0
 * input channels; N, G, M, C, E and R may be spread over the array's axes.
 */

const ceilDiv = (a: number, b: number): number => Math.ceil(a / b);

/** Parallel work units of the row-stationary dataflow: everything but the S x F row convolution inside a PE. */
export function dataflowUnits(p: Problem): number {
  return p.N * p.G * p.M * p.C * p.E * p.R;
}

/** Step 1, layer shape and size: every MAC in parallel, so the whole layer in one cycle. */
export function layerBound(p: Problem): number {
  return problemMacs(p);
}

/** Step 2, dataflow: each unit is a PE's S x F row convolution, S*F MACs in sequence. */
export function dataflowBound(p: Problem): number {
  return problemMacs(p) / (p.S * p.F);
}

/** MAC lanes of the array: PEs x simdWidth (the peak in MACs per cycle). */
export function peakMacsPerCycle(hw: HwConfig): number {
  const a = hw.array;
  return a.clusterRows * a.clusterCols * a.peRowsPerCluster * a.peColsPerCluster * hw.pe.simdWidth;
}

/** Step 3, number of PEs: the units dealt to the lanes in rounds; a last, partial round leaves lanes idle. */
export function peCountBound(p: Problem, hw: HwConfig): number {
  const units = dataflowUnits(p);
  return units / ceilDiv(units, peakMacsPerCycle(hw));
}

/** Spatial factors per dim (capped at the dim's size) and whether the cluster rows carry a reduction. */
interface Placement {
  s: number[];
  clusterRowReduces: boolean;
}

/** Every way of spreading dims over one axis: factors of its allowed dims whose product fits the axis. */
function axisFactorings(axis: Axis, size: number, p: Problem, hw: HwConfig): number[][] {
  const allowed = axisDims(axis, hw.noc.type).filter((d) => p[d] > 1);
  const out: number[][] = [];
  const f = DIMS.map(() => 1);
  const walk = (k: number, room: number): void => {
    if (k === allowed.length) {
      out.push([...f]);
      return;
    }
    const i = DIMS.indexOf(allowed[k]!);
    for (let x = 1; x <= Math.min(room, p[allowed[k]!]); x++) {
      f[i] = x;
      walk(k + 1, Math.floor(room / x));
    }
    f[i] = 1;
  };
  walk(0, size);
  return out;
}

/** All distinct placements of the dims on the array's four axes (any number of dims per axis, in any amounts). */
function placements(p: Problem, hw: HwConfig): Placement[] {
  const shape = arrayShape(hw);
  let acc = new Map<string, Placement>([['', { s: DIMS.map(() => 1), clusterRowReduces: false }]]);
  for (const axis of AXES) {
    const next = new Map<string, Placement>();
    for (const factors of axisFactorings(axis, axisSize(shape, axis), p, hw)) {
      const reduces = axis === 'clusterRow' && REDUCTION_DIMS.some((d) => factors[DIMS.indexOf(d)]! > 1);
      for (const prev of acc.values()) {
        const s = prev.s.map((x, i) => Math.min(x * factors[i]!, p[DIMS[i]!]));
        const placement = { s, clusterRowReduces: prev.clusterRowReduces || reduces };
        const key = `${s.join(',')}/${placement.clusterRowReduces}`;
        if (!next.has(key)) next.set(key, placement);
      }
    }
    acc = next;
  }
  return [...acc.values()];
}

/** The storage limits of step 5 on the in-PE tiles (M0, C0), or null when no tile fits at all. */
export interface TileLimits {
  maxM0: number;
  maxC0: number;
  /** Most output channels a psum-bank row holds, when partial sums wait in the GLB between passes. */
  maxM0WithGlbReduction: number;
}

/**
 * Step 5's limits, the capacities every mapping the mapper may choose obeys (sim/mapping/constraints.ts): the
 * iact data and address SPads hold a dense window of C0 channels, the weight address SPad S*C0 columns, the psum
 * SPad M0 sums; a PE without a compressed mode holds a dense S*C0 x M0 weight tile; a psum GLB bank one output
 * row of M0 channels when reductions continue across passes. A sparse PE's compressed weight tile depends on the
 * weights, so it is not limited here (the bound stays an upper bound).
 */
export function tileLimits(p: Problem, hw: HwConfig): TileLimits | null {
  const pe = hw.pe;
  const segments = ceilDiv(p.S, p.V);
  if (segments > pe.iactAddrSpadEntries) return null;
  const maxC0 = Math.min(Math.floor(pe.iactDataSpadEntries / (segments * p.V)), Math.floor(pe.weightAddrSpadEntries / p.S));
  if (maxC0 < 1) return null;
  let maxM0 = pe.psumSpadEntries;
  if (pe.type === 'dense-gating') maxM0 = Math.min(maxM0, Math.floor(pe.weightDataSpadWords / p.S) * pe.simdWidth);
  const glbRow = hw.glb.sharedIactPsumBanks ? Infinity : Math.floor((hw.glb.psumBankBytes * 8) / (p.F * hw.precision.psumBits));
  if (maxM0 < 1) return null;
  return { maxM0, maxC0, maxM0WithGlbReduction: Math.min(maxM0, glbRow) };
}

/** Cycles of the busiest lane for a placement: rounds of every dim, S*F per row, M in SIMD words. */
function laneCycles(p: Problem, hw: HwConfig, pl: Placement, limits: TileLimits | null): number {
  const [sN, sG, sM, sC, sE, sR] = pl.s as [number, number, number, number, number, number];
  const simd = hw.pe.simdWidth;
  const rest = p.S * p.F * ceilDiv(p.N, sN) * ceilDiv(p.G, sG) * ceilDiv(p.E, sE);
  if (!limits) {
    // Step 4: tiles of any size; a reduction across cluster rows needs all of R spread (C0 can take the rest of C).
    if (pl.clusterRowReduces && sR < p.R) return Infinity;
    return rest * ceilDiv(p.R, sR) * ceilDiv(p.C, sC) * ceilDiv(p.M, sM * simd);
  }
  // M's cost depends on the C0 choice only through the M0 limit (with or without reductions across passes).
  const mWords = (limit: number): number => {
    let best = Infinity;
    for (let M0 = 1; M0 <= Math.min(p.M, limit); M0++) best = Math.min(best, ceilDiv(p.M, M0 * sM) * ceilDiv(M0, simd));
    return best;
  };
  const mOnePass = mWords(limits.maxM0);
  const mAcrossPasses = mWords(limits.maxM0WithGlbReduction);
  let best = Infinity;
  for (let C0 = 1; C0 <= Math.min(limits.maxC0, p.C); C0++) {
    const tC = ceilDiv(p.C, C0 * sC);
    const reductionPasses = tC * ceilDiv(p.R, sR);
    if (pl.clusterRowReduces && reductionPasses > 1) continue;
    best = Math.min(best, rest * ceilDiv(p.R, sR) * tC * C0 * (reductionPasses > 1 ? mAcrossPasses : mOnePass));
  }
  return best;
}

/** Lowest busiest-lane cycles over every placement (limits: with step 5's storage, null: without). */
function bestCycles(p: Problem, hw: HwConfig, limits: TileLimits | null): number {
  let best = Infinity;
  for (const pl of placements(p, hw)) best = Math.min(best, laneCycles(p, hw, pl, limits));
  return best;
}

/** Step 4, physical dimensions: the best placement on the real axes (and the dims each axis may carry). */
export function physicalBound(p: Problem, hw: HwConfig): number {
  return problemMacs(p) / bestCycles(p, hw, null);
}

/** Step 5, fixed storage capacity: the best placement whose tiles fit the SPads and GLB banks; 0 if none does. */
export function storageBound(p: Problem, hw: HwConfig): number {
  const limits = tileLimits(p, hw);
  return limits ? problemMacs(p) / bestCycles(p, hw, limits) : 0;
}

/**
 * The busiest lane's cycles under one given mapping, dense (every MAC takes its lane-cycle): per dim, the sum
 * over its temporal iterations of the largest extent any PE holds (partial tiles at the edges count what they
 * hold), M in SIMD words.
 */
export function mappingLaneCycles(p: Problem, m: Mapping, hw: HwConfig): number {
  const t = temporalCounts(p, m);
  const sum = (d: Dim, tile: number, cost: (extent: number) => number): number => {
    const step = tile * spatialProduct(m, d);
    let total = 0;
    for (let k = 0; k < t[d]; k++) total += cost(Math.min(tile, p[d] - k * step));
    return total;
  };
  const mWords = sum('M', m.M0, (x) => ceilDiv(x, hw.pe.simdWidth));
  const cRows = sum('C', m.C0, (x) => x);
  return p.S * p.F * t.N * t.G * t.E * t.R * mWords * cRows;
}

/** PEs a mapping uses: the product of its spatial factors. */
export function mappingPes(m: Mapping): number {
  return AXES.reduce((a, axis) => a * m.spatial[axis].reduce((b, [, f]) => b * f, 1), 1);
}

/** Cycles a PE's psum output link needs under a mapping: every window's M0 sums leave at psumLinkBits a cycle. */
export function mappingPsumLinkCycles(p: Problem, m: Mapping, hw: HwConfig): number {
  const t = temporalCounts(p, m);
  const step = m.M0 * spatialProduct(m, 'M');
  let perRound = 0;
  for (let k = 0; k < t.M; k++) perRound += ceilDiv(Math.min(m.M0, p.M - k * step) * hw.precision.psumBits, hw.pe.psumLinkBits);
  return p.F * t.N * t.G * t.E * t.C * t.R * perRound;
}
