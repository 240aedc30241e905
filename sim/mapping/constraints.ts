import type { HwConfig } from '../config/hw-config.js';
import { AXES, type ArrayShape, type Mapping, REDUCTION_DIMS, axisDims, axisSize, iactFormat, spatialProduct, temporalCounts } from './mapping.js';
import type { Problem } from './problem.js';

export function arrayShape(hw: HwConfig): ArrayShape {
  return {
    clusterRows: hw.array.clusterRows,
    clusterCols: hw.array.clusterCols,
    peRows: hw.array.peRowsPerCluster,
    peCols: hw.array.peColsPerCluster,
  };
}

/** Most windows a PE keeps in flight: the PE's rings of window state are this long. */
export const MAX_PSUM_SLOTS = 32;

/**
 * Windows whose psums the psum SPad holds at once: as many M0-entry vectors as fit (JETCAS19 §IV: 32 x 20 b,
 * so 32 windows in flight at M0 = 1, one at M0 = 32). Our choice (the papers do not say how the psum SPad is
 * shared between windows): one window computes into a free vector while the others wait to leave the PE,
 * which hides the 7-stage pipeline's latency when windows are short (depth-wise: a few MACs each). The dense
 * PE (Eyeriss v1, JSSC17; v1.5) keeps two vectors at most, the v1 validation's calibration point.
 */
export function psumSlots(M0: number, hw: HwConfig): number {
  const fit = Math.floor(hw.pe.psumSpadEntries / M0);
  return Math.max(1, Math.min(hw.pe.type === 'sparse-csc' ? MAX_PSUM_SLOTS : 2, fit));
}

/**
 * Weight tiles a PE's weight SPads hold at once: two when two of the layer's largest tiles fit (words and
 * address entries), else one. With two, the next pass's tile loads while the current one is in use. Our
 * choice: JETCAS19 §IV sizes the weight SPad for the densest tile (192 weights) and fixes tiles at compile
 * time, but does not say whether a tile may load beside the one in use; a PE that cannot (one tile) stops
 * for every load, which the v2 PE ground truth (no load cost visible) rules out.
 */
export function weightTileSlots(maxWords: number, maxColumns: number, hw: HwConfig): number {
  if (hw.pe.type !== 'sparse-csc') return 1; // the dense PE (v1, v1.5) as published: one tile
  return 2 * maxWords <= hw.pe.weightDataSpadWords && 2 * maxColumns <= hw.pe.weightAddrSpadEntries ? 2 : 1;
}

/** SPad geometry a mapping implies. */
export function peGeometry(p: Problem, m: Mapping, hw: HwConfig) {
  const windowSegments = Math.ceil(p.S / p.V);
  const R0 = m.R0 ?? 1;
  return {
    /** Segments of one input row in a window. */
    windowSegments,
    /** Filter rows in the PE: a window holds windowSegments segments of each of R0 input rows. */
    filterRows: R0,
    /** Dense worst case of a window's iacts: iacts are data, unknown when the layer is configured. */
    iactWindowEntries: R0 * windowSegments * p.V * m.C0,
    weightColumns: R0 * p.S * m.C0,
    /**
     * Segments the iact SPads hold: one address entry each in CSC; with raw iacts the address SPad is
     * clock-gated (JETCAS19 §IV-C dense mode: segments are fixed-size, their starts implicit), so only the
     * data SPad's entries bound them.
     */
    iactSlots: iactFormat(m) === 'csc' ? hw.pe.iactAddrSpadEntries : hw.pe.iactDataSpadEntries,
    psumSlots: psumSlots(m.M0, hw),
    /**
     * Whether a window's oldest iacts leave the SPad as soon as the front end has read them (the v2 PE, our
     * choice: its SPads are written only after being read), or when the window's fetch ends (the dense PE).
     */
    iactsFreedAsRead: hw.pe.type === 'sparse-csc',
  };
}

/** PE modes each PE implementation supports. */
export function peModes(hw: HwConfig): Mapping['peMode'][] {
  return hw.pe.type === 'sparse-csc' ? ['compressed', 'uncompressed'] : ['uncompressed'];
}

/**
 * Why a mapping cannot run on this hardware, or null if it can (as far as shapes and capacities go; the
 * weight SPad's fit depends on the weights' sparsity and is checked when the tiles are encoded, and
 * routability when the NoC is built).
 */
export function mappingProblem(p: Problem, m: Mapping, hw: HwConfig): string | null {
  const shape = arrayShape(hw);
  if (!peModes(hw).includes(m.peMode)) return `PE type ${hw.pe.type} has no ${m.peMode} mode`;
  if (m.M0 < 1 || m.C0 < 1) return 'M0 and C0 must be >= 1';
  for (const axis of AXES) {
    let product = 1;
    let seenReduction = false;
    const allowed = axisDims(axis, hw.noc.type);
    for (const [d, f] of m.spatial[axis]) {
      if (!allowed.includes(d)) return `${axis} cannot carry ${d} (allowed: ${allowed.join(', ')})`;
      if (!Number.isInteger(f) || f < 1) return `${axis} factor ${d}${f} must be a positive integer`;
      const reduction = REDUCTION_DIMS.includes(d);
      if ((axis === 'clusterRow' || axis === 'peRow') && seenReduction && !reduction) {
        return `on ${axis}, reduction factors (C, R) must be innermost so psum chains are contiguous`;
      }
      seenReduction ||= reduction;
      product *= f;
    }
    if (product > axisSize(shape, axis)) return `${axis} factors multiply to ${product} > ${axisSize(shape, axis)} ${axis}s`;
  }
  const t = temporalCounts(p, m);
  const clusterReduction = m.spatial.clusterRow.some(([d]) => REDUCTION_DIMS.includes(d));
  if (clusterReduction && t.C * t.R > 1) {
    return 'a reduction across cluster rows must finish in one pass (psums cannot return north)';
  }
  if (m.rowsPerPass.N < 1 || m.rowsPerPass.E < 1) return 'rows per pass must be >= 1';
  const g = peGeometry(p, m, hw);
  const pe = hw.pe;
  if (g.filterRows !== 1 && g.filterRows !== p.R) return `R0=${g.filterRows}: a PE holds one filter row or all ${p.R}`;
  if (g.filterRows > 1 && hw.offChip.blocksProcessing) {
    return 'whole filters per PE (R0 > 1) are not modelled with blocking GLB passes (Eyeriss v1)';
  }
  if (g.windowSegments * g.filterRows > g.iactSlots) {
    return `an iact window of ${g.windowSegments * g.filterRows} segments exceeds the ${g.iactSlots} segments the iact SPads hold`;
  }
  if (g.iactWindowEntries > pe.iactDataSpadEntries) {
    return `an iact window of ${g.iactWindowEntries} values (C0=${m.C0} x ${g.filterRows * g.windowSegments * p.V} columns) exceeds the ${pe.iactDataSpadEntries}-entry iact data SPad`;
  }
  if (g.weightColumns > pe.weightAddrSpadEntries) {
    return `${g.weightColumns} weight columns (C0=${m.C0} x S=${p.S} x R0=${g.filterRows}) exceed the ${pe.weightAddrSpadEntries}-entry weight address SPad`;
  }
  if (m.M0 > pe.psumSpadEntries) return `M0=${m.M0} exceeds the ${pe.psumSpadEntries}-entry psum SPad`;
  if (m.peMode === 'uncompressed' && g.weightColumns * Math.ceil(Math.min(m.M0, p.M) / pe.simdWidth) > pe.weightDataSpadWords) {
    return `a dense weight tile of ${g.weightColumns} x ${m.M0} exceeds the ${pe.weightDataSpadWords}-word weight data SPad`;
  }
  const { held, rows, vectorBits } = heldPsums(p, m, hw, t);
  if (hw.glb.sharedIactPsumBanks) {
    // One pool for ifmaps and psums (Eyeriss v1): a block's ifmap rows plus every chain's held psums.
    const pool = sharedGlbBytes(hw);
    const sp = (d: 'N' | 'G' | 'M' | 'E' | 'C' | 'R'): number => spatialProduct(m, d);
    const psumBytes = sharedGlbPsumBytes(p, m, hw, t);
    const inputRows = (sp('E') * Math.min(m.rowsPerPass.E, t.E) - 1) * p.U + sp('R');
    const ifmapBytes = (inputRows * p.Wp * m.C0 * sp('C') * sp('N') * Math.min(m.rowsPerPass.N, t.N) * hw.precision.iactBits) / 8;
    if (psumBytes + ifmapBytes > pool) {
      return `a GLB block needs ${Math.ceil(ifmapBytes)} B of ifmaps and ${Math.ceil(psumBytes)} B of psums > the ${pool} B GLB`;
    }
  } else if (t.C * t.R > 1 && held * rows * vectorBits > hw.glb.psumBankBytes * 8) {
    return `partial sums of a pass (${held} x ${rows} rows x ${p.F} x M0) need ${Math.ceil((held * rows * vectorBits) / 8)} B > the ${hw.glb.psumBankBytes} B psum bank`;
  }
  return null;
}

/** The bytes of a shared GLB's pool (Eyeriss v1: ifmaps and psums share its banks). */
export function sharedGlbBytes(hw: HwConfig): number {
  const shape = arrayShape(hw);
  return hw.glb.iactBanksPerCluster * hw.glb.iactBankBytes * shape.clusterRows * shape.clusterCols;
}

/** The psums a chain holds in the GLB between passes: `held` M tiles of `rows` output rows, vectors of `vectorBits`. */
function heldPsums(p: Problem, m: Mapping, hw: HwConfig, t: ReturnType<typeof temporalCounts>) {
  return {
    held: Math.min(m.mBlock, t.M),
    rows: Math.min(m.rowsPerPass.N, t.N) * Math.min(m.rowsPerPass.E, t.E),
    vectorBits: p.F * Math.min(m.M0, p.M) * hw.precision.psumBits,
  };
}

/** The bytes of psums a mapping holds in a shared GLB's pool: every chain's psum rows of its M tiles held. */
export function sharedGlbPsumBytes(p: Problem, m: Mapping, hw: HwConfig, t = temporalCounts(p, m)): number {
  const chains = spatialProduct(m, 'N') * spatialProduct(m, 'G') * spatialProduct(m, 'M') * spatialProduct(m, 'E');
  const { held, rows, vectorBits } = heldPsums(p, m, hw, t);
  return (chains * held * rows * vectorBits) / 8;
}
