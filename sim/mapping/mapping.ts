import { InputError } from '../errors.js';
import type { Problem } from './problem.js';

/*
 * The mapping spec (Timeloop's "mapping"): how one layer's loop nest is laid onto the array. This is the
 * row-stationary dataflow generalised as in JETCAS19 §II ("tiling the MAC operations spatially across PEs
 * through any layer dimension, including the channel group dimension"):
 *
 *   in each PE:        M0 output channels x C0 input channels x one filter row (all S columns), sliding along
 *                      the output row (all F positions), iacts and weights in the PE's SPads;
 *   across the array:  each of the four spatial axes (cluster rows/cols of the mesh, PE rows/cols inside a
 *                      cluster) takes a product of factors of N, G, M, C, E or R;
 *   in time:           for g2, n2o, e2o, m2, c2, r2 (one "pass": new weights in every PE)
 *                        for n2i, e2i     (rows processed with the weights stationary)
 *                      with `mBlock` > 1, M is split: for g2, n2o, e2o, m2o, c2, r2, m2i (m2i < mBlock), so
 *                      the iacts of a (c2, r2) step are reused by mBlock M tiles while the psums of all of
 *                      them wait in the GLB (Eyeriss v1's m = M0 x spatial M x mBlock, JSSC17 Table III).
 *
 * Reductions (C, R) accumulate psums up a PE column and, between passes, in the psum GLB; so C and R may only
 * sit on the vertical axes (peRow, clusterRow), and on clusterRow only when no reduction is left for time
 * (the psum routers pass psums north to south only, JETCAS19 §III-C, so a chain across clusters cannot read
 * back the partial sums it wrote at its far end).
 */

export const DIMS = ['N', 'G', 'M', 'C', 'E', 'R'] as const;
export type Dim = (typeof DIMS)[number];
export const AXES = ['clusterRow', 'clusterCol', 'peRow', 'peCol'] as const;
export type Axis = (typeof AXES)[number];
export const REDUCTION_DIMS: readonly Dim[] = ['C', 'R'];
/**
 * Which dims each axis may carry (psums only flow vertically). On the hierarchical mesh a PE column is one
 * psum chain up to its router, so PE rows carry reductions only; on Eyeriss v1's buses any PE can write psums
 * to the GLB, so PE rows may also stack independent sets (non-reductions outermost: r x t sets, JSSC17).
 */
export function axisDims(axis: Axis, noc: 'hierarchical-mesh' | 'flat-multicast'): readonly Dim[] {
  switch (axis) {
    case 'clusterRow': return ['N', 'G', 'M', 'E', 'C', 'R'];
    case 'clusterCol':
    case 'peCol': return ['N', 'G', 'M', 'E'];
    case 'peRow': return noc === 'flat-multicast' ? ['N', 'G', 'M', 'E', 'C', 'R'] : ['C', 'R'];
  }
}

export type PeMode = 'compressed' | 'uncompressed';

export interface Mapping {
  /** CSC data with zero skipping, or raw data with zero gating (JETCAS19 §IV-C "dense mode"). */
  peMode: PeMode;
  /** Output channels per PE (rows of the weight matrix in the SPad; psum SPad entries per window). */
  M0: number;
  /** Input channels per PE. */
  C0: number;
  /** Factors per spatial axis, outer to inner. */
  spatial: Record<Axis, [Dim, number][]>;
  /** Output rows (E) and images (N) processed per pass while weights stay in the PEs. */
  rowsPerPass: { N: number; E: number };
  /** M tiles processed inside the reduction loops, their psums held in the GLB together (1: none). */
  mBlock: number;
  /**
   * Compression per data type in the compressed mode: iacts in CSC (default) or raw, with the weights in CSC
   * either way. JETCAS19 §IV-C gives the dense mode (address SPads clock-gated, counts fixed at 0) for "iacts
   * and weights"; that each data type can take it on its own is our reading: they have separate address SPads.
   * Raw iacts pay for zero iacts and padding (gated, not skipped) but never for an empty weight column, which
   * suits depth-wise layers (M0 = 1: most zero weights empty a column); the v2 PE ground truth for depth-wise
   * layers counts exactly that (non-zero weights x E x F, zero iacts and padding not skipped).
   */
  iacts?: IactFormat;
  /**
   * Filter rows each PE holds (default 1, the row-stationary primitive): 1, or all R of them. With R, a PE's
   * window spans R input rows (R x ceil(S/V) iact segments) and its weight tile the whole R x S filter of its
   * C0 channels, so the filter's rows are reduced inside the PE instead of through the psum chain and the GLB.
   * JETCAS19 §IV sizes the SPads for it (a 3x3 depth-wise filter: 9 iact segments = the 9-entry iact address
   * SPad, 9 weight columns of the 16); the papers do not say whether the v2 mapper uses it: our choice, for
   * depth-wise layers, whose one-row windows are too short to keep the PE busy.
   */
  R0?: number;
}

export type IactFormat = 'csc' | 'raw';

/** How a mapping stores iacts: raw in the uncompressed mode, else as the mapping says (CSC by default). */
export function iactFormat(m: Mapping): IactFormat {
  return m.peMode === 'uncompressed' ? 'raw' : (m.iacts ?? 'csc');
}

export interface ArrayShape {
  clusterRows: number;
  clusterCols: number;
  peRows: number;
  peCols: number;
}

export function axisSize(shape: ArrayShape, axis: Axis): number {
  switch (axis) {
    case 'clusterRow': return shape.clusterRows;
    case 'clusterCol': return shape.clusterCols;
    case 'peRow': return shape.peRows;
    case 'peCol': return shape.peCols;
  }
}


const ceilDiv = (a: number, b: number): number => Math.ceil(a / b);

/** Product of the spatial factors of one dim over all axes. */
export function spatialProduct(m: Mapping, d: Dim): number {
  let prod = 1;
  for (const axis of AXES) for (const [dim, f] of m.spatial[axis]) if (dim === d) prod *= f;
  return prod;
}

/** The in-PE tile of a dim. */
export function peTile(m: Mapping, d: Dim): number {
  return d === 'M' ? m.M0 : d === 'C' ? m.C0 : d === 'R' ? (m.R0 ?? 1) : 1;
}

/** Temporal iterations of each dim (tiles at the edges may be partial: their PEs idle where out of range). */
export function temporalCounts(p: Problem, m: Mapping): Record<Dim, number> {
  // One walk over the factors (the mapper calls this for every candidate).
  let N = 1, G = 1, M = 1, C = 1, E = 1, R = 1;
  for (const axis of AXES) {
    for (const [d, f] of m.spatial[axis]) {
      if (d === 'N') N *= f;
      else if (d === 'G') G *= f;
      else if (d === 'M') M *= f;
      else if (d === 'C') C *= f;
      else if (d === 'E') E *= f;
      else R *= f;
    }
  }
  return {
    N: ceilDiv(p.N, N), G: ceilDiv(p.G, G), M: ceilDiv(p.M, m.M0 * M), C: ceilDiv(p.C, m.C0 * C), E: ceilDiv(p.E, E), R: ceilDiv(p.R, (m.R0 ?? 1) * R),
  };
}

/** A one-line description, also the form a user pins with (`parseMappingText`). */
export function formatMapping(m: Mapping): string {
  const axes = AXES.map((a) => `${a}=${m.spatial[a].map(([d, f]) => `${d}${f}`).join('.') || '-'}`);
  return `${axes.join(' ')} M0=${m.M0} C0=${m.C0} rows=N${m.rowsPerPass.N}.E${m.rowsPerPass.E} mode=${m.peMode}` +
    (m.mBlock > 1 ? ` mblock=${m.mBlock}` : '') + (m.peMode === 'compressed' && m.iacts === 'raw' ? ' iacts=raw' : '') +
    ((m.R0 ?? 1) > 1 ? ` R0=${m.R0}` : '');
}

/**
 * Parses the one-line form printed by `formatMapping`, e.g.
 * `clusterRow=E2.M4 clusterCol=M2 peRow=R3 peCol=E4 M0=32 C0=5 rows=N1.E1 mode=compressed`.
 * Axes left out carry nothing; `rows` defaults to N1.E1, `mode` to compressed, `mblock` to 1, `iacts` to csc
 * (`iacts=raw`: raw iacts with CSC weights, compressed mode only), `R0` (filter rows per PE) to 1.
 */
export function parseMappingText(text: string, where: string): Mapping {
  const m: Mapping = {
    peMode: 'compressed', M0: 0, C0: 0,
    spatial: { clusterRow: [], clusterCol: [], peRow: [], peCol: [] },
    rowsPerPass: { N: 1, E: 1 },
    mBlock: 1,
  };
  const bad = (token: string, expected: string): never => {
    throw new InputError(`${where}: mapping token ${JSON.stringify(token)}: expected ${expected}`);
  };
  for (const token of text.trim().split(/\s+/)) {
    const [key, value] = token.split('=') as [string, string | undefined];
    if (value === undefined) bad(token, 'key=value');
    if ((AXES as readonly string[]).includes(key)) {
      if (value === '-') continue;
      for (const part of value!.split('.')) {
        const match = /^([NGMCER])(\d+)$/.exec(part);
        if (!match) bad(token, 'factors like E4 or E2.M2 (dims N, G, M, C, E, R)');
        m.spatial[key as Axis].push([match![1] as Dim, Number(match![2])]);
      }
    } else if (key === 'M0' || key === 'C0' || key === 'R0') {
      if (!/^\d+$/.test(value!)) bad(token, 'a positive integer');
      m[key] = Number(value);
    } else if (key === 'rows') {
      const match = /^N(\d+)\.E(\d+)$/.exec(value!);
      if (!match) bad(token, 'rows=N<n>.E<e>');
      m.rowsPerPass = { N: Number(match![1]), E: Number(match![2]) };
    } else if (key === 'mblock') {
      if (!/^\d+$/.test(value!) || Number(value) < 1) bad(token, 'mblock=<n> with n >= 1');
      m.mBlock = Number(value);
    } else if (key === 'iacts') {
      if (value !== 'csc' && value !== 'raw') bad(token, 'iacts=csc or iacts=raw');
      if (value === 'raw') m.iacts = 'raw';
    } else if (key === 'mode') {
      if (value !== 'compressed' && value !== 'uncompressed') bad(token, 'mode=compressed or mode=uncompressed');
      m.peMode = value as PeMode;
    } else {
      bad(token, `one of ${[...AXES, 'M0', 'C0', 'R0', 'rows', 'mode', 'mblock', 'iacts'].join(', ')}`);
    }
  }
  if (m.iacts === 'raw' && m.peMode !== 'compressed') bad(text, 'iacts=raw only with mode=compressed (uncompressed iacts are always raw)');
  if (m.M0 < 1) bad(text, 'M0=<n> with n >= 1');
  if (m.C0 < 1) bad(text, 'C0=<n> with n >= 1');
  return m;
}
