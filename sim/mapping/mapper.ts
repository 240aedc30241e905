import type { HwConfig } from '../config/hw-config.js';
import { AXES, type Axis, type Dim, type Mapping, REDUCTION_DIMS, axisDims, axisSize, temporalCounts } from './mapping.js';
import { arrayShape, mappingProblem, peGeometry, peModes } from './constraints.js';
import type { Problem } from './problem.js';

/**
 * The mapper: enumerates row-stationary mappings within the SPad and GLB capacities and ranks them by an
 * analytic estimate of their cycles (compute per window, psum drain, iact and weight delivery, weight
 * reloads per pass). Ties keep the enumeration order, so the choice is deterministic. The estimate only
 * ranks; the chosen mapping's cycles come from simulating it. Candidates whose weight tiles turn out not
 * to fit the weight SPad (known only from the actual weights) are dropped by the caller, which then takes
 * the next one.
 */
export interface Densities {
  iact: number;
  weight: number;
}

export interface RankedMapping {
  mapping: Mapping;
  estimatedCycles: number;
}

const ceilDiv = (a: number, b: number): number => Math.ceil(a / b);

/** Factor options for one axis: nothing, one dim, or two dims, using factors that fit the axis. */
function axisOptions(axis: Axis, size: number, p: Problem, noc: HwConfig['noc']['type']): [Dim, number][][] {
  const dims = axisDims(axis, noc).filter((d) => p[d] > 1);
  const factorsFor = (d: Dim, limit: number): number[] => {
    const out = new Set<number>();
    for (let f = 2; f <= Math.min(limit, p[d]); f++) if (limit % f === 0 || f === Math.min(limit, p[d])) out.add(f);
    return [...out];
  };
  const options: [Dim, number][][] = [[]];
  for (const d of dims) for (const f of factorsFor(d, size)) options.push([[d, f]]);
  for (let i = 0; i < dims.length; i++) {
    for (let j = 0; j < dims.length; j++) {
      if (i === j) continue;
      const [a, b] = [dims[i]!, dims[j]!];
      // Reductions innermost on the vertical axes; otherwise only one order of each pair.
      const vertical = axis === 'clusterRow' || axis === 'peRow';
      if (vertical && REDUCTION_DIMS.includes(a) && !REDUCTION_DIMS.includes(b)) continue;
      if (!(vertical && REDUCTION_DIMS.includes(b) !== REDUCTION_DIMS.includes(a)) && i > j) continue;
      for (const fa of factorsFor(a, size)) for (const fb of factorsFor(b, Math.floor(size / fa))) options.push([[a, fa], [b, fb]]);
    }
  }
  return options;
}

/** Balanced tile: the smallest tile giving the same number of tiles as the largest allowed. */
const balanced = (total: number, max: number): number => ceilDiv(total, ceilDiv(total, Math.max(1, Math.min(max, total))));

/** Expected SPad words of a weight column of m rows at density d (SIMD-2 pairs, odd columns padded). */
function columnWords(m: number, d: number, simd: number): number {
  return (m * d) / simd + (simd > 1 ? 0.5 * (1 - Math.pow(1 - d, m)) : 0);
}

export function estimateCycles(p: Problem, m: Mapping, hw: HwConfig, dens: Densities): number {
  const t = temporalCounts(p, m);
  const geo = peGeometry(p, m, hw);
  const compressed = m.peMode === 'compressed';
  const di = compressed ? dens.iact : 1;
  const M0 = Math.min(m.M0, p.M);
  const C0 = Math.min(m.C0, p.C);
  const simd = hw.pe.simdWidth;
  const bus = hw.noc.type === 'flat-multicast'; // one bus per data type for the whole array
  const nInner = Math.min(m.rowsPerPass.N, t.N);
  const eInner = Math.min(m.rowsPerPass.E, t.E);
  const mBlock = Math.min(m.mBlock, t.M);
  const passes = t.G * ceilDiv(t.N, nInner) * ceilDiv(t.E, eInner) * ceilDiv(t.M, mBlock) * mBlock * t.C * t.R;
  const windows = nInner * eInner * p.F;
  const f = (axis: Axis, d: Dim): number => m.spatial[axis].filter(([x]) => x === d).reduce((a, [, v]) => a * v, 1);
  const sp = (d: Dim): number => AXES.reduce((a, axis) => a * f(axis, d), 1);
  // Compute per window: FE one token per stored iact, BE words per iact inside the filter.
  const fe = geo.windowSegments * p.V * C0 * di + geo.windowSegments * (compressed ? Math.pow(1 - dens.iact, p.V * C0) : 0);
  const wordsPerIact = compressed ? columnWords(M0, dens.weight, simd) : Math.ceil(M0 / simd);
  const be = C0 * p.S * di * wordsPerIact;
  const compute = Math.max(fe, be) + 1;
  const drain = Math.ceil((M0 * hw.precision.psumBits) / hw.pe.psumLinkBits);
  let window = geo.psumSlots === 2 ? Math.max(compute, drain) : compute + drain;
  // Psums to and from the GLB: per column bank, or all chains on one write bus and one read bus.
  const psumFlits = Math.ceil((M0 * hw.precision.psumBits) / hw.noc.psum.portBits);
  const chains = sp('N') * sp('G') * sp('M') * sp('E');
  if (bus) window = Math.max(window, chains * psumFlits);
  else if (t.C * t.R > 1) window = Math.max(window, 2 * psumFlits);
  // iact delivery: distinct input rows, spread over the iact routers of a cluster (or one bus).
  const ePc = bus ? sp('E') : f('peCol', 'E');
  const rPr = bus ? f('peRow', 'R') : f('peRow', 'R');
  const rowsDistinct = p.U <= rPr ? (ePc - 1) * p.U + rPr : ePc * rPr;
  const keys = bus
    ? rowsDistinct * sp('C') * sp('N') * sp('G')
    : rowsDistinct * f('peRow', 'C') * f('peCol', 'N') * f('peCol', 'G');
  const segBits = compressed ? hw.pe.iactAddrBits + p.V * C0 * dens.iact * hw.pe.iactDataEntryBits : p.V * C0 * hw.precision.iactBits;
  const iactPerWindow = Math.ceil(keys / hw.noc.iact.routersPerCluster) * Math.max(1, segBits / hw.noc.iact.portBits);
  window = Math.max(window, iactPerWindow);
  // Weights per pass: each router (or the one filter bus) sends its distinct tiles.
  const tileBits = compressed
    ? geo.weightColumns * (hw.pe.weightAddrBits + columnWords(M0, dens.weight, simd) * hw.pe.weightDataWordBits)
    : geo.weightColumns * M0 * hw.precision.weightBits;
  const tilesPerRouter = bus ? sp('M') * sp('G') * sp('C') * sp('R') : f('peCol', 'M') * f('peCol', 'G');
  const weightLoad = tilesPerRouter * Math.ceil(tileBits / hw.noc.weight.portBits);
  let cycles = passes * (weightLoad + windows * window + hw.pe.pipelineStages);
  // Off-chip: with finite bandwidth the link bounds the layer; with v1's blocking passes, the ifmap loads and
  // output stores add to it (the filters load while the array works).
  if (hw.offChip.bandwidthGBps !== null) {
    const bitsPerCycle = (hw.offChip.bandwidthGBps * 8e9) / (hw.clockMHz * 1e6);
    const rlc = hw.offChip.rlc;
    const valueBits = (density: number): number => (rlc ? (density * rlc.wordBits) / rlc.pairsPerWord : hw.precision.iactBits);
    const inputRows = (sp('E') * eInner - 1) * p.U + sp('R');
    const blockValues = inputRows * p.Wp * C0 * sp('C') * sp('N') * nInner;
    const iactBits = (passes / mBlock) * blockValues * valueBits(dens.iact);
    const weightBits = passes * sp('M') * sp('G') * sp('C') * sp('R') * tileBits;
    const outputBits = p.N * p.G * p.M * p.E * p.F * valueBits(0.5);
    if (hw.offChip.blocksProcessing) cycles = Math.max(cycles, weightBits / bitsPerCycle) + (iactBits + outputBits) / bitsPerCycle;
    else cycles = Math.max(cycles, (iactBits + weightBits + outputBits) / bitsPerCycle);
  }
  return cycles;
}

const rankCache = new Map<string, RankedMapping[]>();

/** All candidate mappings, best first (memoised: networks repeat layer shapes, sweeps repeat networks). */
export function rankMappings(p: Problem, hw: HwConfig, dens: Densities): RankedMapping[] {
  const { name: _name, ...shape } = p;
  const key = JSON.stringify([shape, hw, dens]);
  let ranked = rankCache.get(key);
  if (!ranked) {
    if (rankCache.size > 256) rankCache.clear();
    ranked = rankUncached(p, hw, dens);
    rankCache.set(key, ranked);
  }
  return ranked;
}

function rankUncached(p: Problem, hw: HwConfig, dens: Densities): RankedMapping[] {
  const shape = arrayShape(hw);
  const g = { windowSegments: Math.ceil(p.S / p.V) };
  const maxC0 = Math.min(
    Math.floor(hw.pe.iactDataSpadEntries / (g.windowSegments * p.V)),
    Math.floor(hw.pe.weightAddrSpadEntries / p.S),
  );
  if (maxC0 < 1) return [];
  const C0 = balanced(p.C, maxC0);
  const m0Options = [...new Set([32, 16, 8, 4, 2, 1].filter((x) => x <= hw.pe.psumSpadEntries).map((x) => balanced(p.M, x)))];
  // M tiles per GLB block: v1's shared GLB holds the psums of several, reusing each ifmap block for all.
  const mBlockOptions = hw.glb.sharedIactPsumBanks ? [1, 2, 3, 4, 6, 8] : [1];
  const options: Record<Axis, [Dim, number][][]> = {} as Record<Axis, [Dim, number][][]>;
  for (const axis of AXES) options[axis] = axisOptions(axis, axisSize(shape, axis), p, hw.noc.type);
  const ranked: RankedMapping[] = [];
  for (const peMode of peModes(hw)) {
    for (const M0 of m0Options) {
      for (const peRow of options.peRow) {
        for (const peCol of options.peCol) {
          for (const clusterCol of options.clusterCol) {
            for (const clusterRow of options.clusterRow) {
              for (const mBlock of mBlockOptions) {
              for (const images of hw.glb.sharedIactPsumBanks ? [1, p.N] : [1]) {
              const mapping: Mapping = {
                peMode, M0, C0, spatial: { clusterRow, clusterCol, peRow, peCol }, rowsPerPass: { N: 1, E: 1 }, mBlock,
              };
              if (!needsAllReplicas(p, mapping)) continue;
              const t = temporalCounts(p, mapping);
              // Rows per pass: all of them unless partial sums must wait in the GLB between passes; then as
              // many output rows as a psum bank holds, or (one shared GLB) one, with one image or all.
              if (t.C * t.R > 1 && !hw.glb.sharedIactPsumBanks) {
                const perRow = p.F * Math.min(M0, p.M) * hw.precision.psumBits;
                const rows = Math.floor((hw.glb.psumBankBytes * 8) / perRow);
                if (rows < 1) continue;
                mapping.rowsPerPass = { N: 1, E: Math.min(t.E, rows) };
              } else if (t.C * t.R > 1) {
                mapping.rowsPerPass = { N: images, E: 1 };
              } else {
                mapping.rowsPerPass = { N: t.N, E: t.E };
              }
              if (mBlock > 1 && mBlock > temporalCounts(p, mapping).M) continue;
              if (mappingProblem(p, mapping, hw)) continue;
              ranked.push({ mapping, estimatedCycles: estimateCycles(p, mapping, hw, dens) });
              }
              }
            }
          }
        }
      }
    }
  }
  // A stable sort: equal estimates keep the (deterministic) enumeration order.
  ranked.sort((a, b) => a.estimatedCycles - b.estimatedCycles);
  return ranked;
}

/** Rejects spreading a dim over more positions than it has tiles: those PEs would always idle. */
function needsAllReplicas(p: Problem, m: Mapping): boolean {
  const spread = new Map<Dim, number>();
  for (const axis of AXES) for (const [d, f] of m.spatial[axis]) spread.set(d, (spread.get(d) ?? 1) * f);
  for (const [d, f] of spread) {
    const tile = d === 'M' ? m.M0 : d === 'C' ? m.C0 : 1;
    if (f > ceilDiv(p[d], tile)) return false;
  }
  return true;
}
