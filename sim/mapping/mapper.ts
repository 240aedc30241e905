import type { HwConfig } from '../config/hw-config.js';
import { AXES, type Axis, DIMS, type Dim, type IactFormat, type Mapping, REDUCTION_DIMS, axisDims, axisSize, iactFormat, temporalCounts } from './mapping.js';
import { arrayShape, mappingProblem, peGeometry, peModes, weightTileSlots } from './constraints.js';
import { type MappingObjective, objectiveScore, scoresCycles } from './objective.js';
import type { Problem } from './problem.js';

/**
 * The mapper: enumerates row-stationary mappings within the SPad and GLB capacities and ranks them by an
 * objective (sim/mapping/objective.ts; default: latency) of an analytic estimate of their cycles (compute per window, psum drain, iact and weight delivery, weight
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
  /** What candidates are ranked by: the cycles, or the objective's estimate (sim/mapping/objective.ts). */
  score: number;
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

/**
 * Mean and variance of g(k) for k ~ Binomial(n, d): the non-zeros of n values at density d. What the PE pays
 * is not linear in the non-zeros (whole SIMD words, whole flits), so the mean of the cost is taken, not the
 * cost of the mean.
 */
function binomialMoments(n: number, d: number, g: (k: number) => number): { mean: number; variance: number } {
  if (d >= 1 || d <= 0) {
    const v = g(d >= 1 ? n : 0);
    return { mean: v, variance: 0 };
  }
  let pmf = Math.pow(1 - d, n); // P(k = 0)
  let mean = 0;
  let square = 0;
  for (let k = 0; k <= n; k++) {
    const v = g(k);
    mean += pmf * v;
    square += pmf * v * v;
    pmf = (pmf * (n - k) * d) / ((k + 1) * (1 - d));
  }
  return { mean, variance: Math.max(0, square - mean * mean) };
}

/** SPad words of a weight column of m rows at density d: its non-zeros in SIMD words (odd columns padded). */
const columnWordsOf = (m: number, d: number, simd: number) => binomialMoments(m, d, (k) => Math.ceil(k / simd));
const columnWords = (m: number, d: number, simd: number): number => columnWordsOf(m, d, simd).mean;

/**
 * The binomial means of one ranking (one problem, hardware and densities), by kind and size: candidates share
 * a few M0, C0 and window sizes, so each is computed once.
 */
type Moments = Map<number, { mean: number; variance: number }>;

function memo(m: Moments, key: number, f: () => { mean: number; variance: number }): { mean: number; variance: number } {
  let v = m.get(key);
  if (!v) m.set(key, (v = f()));
  return v;
}

/**
 * Standard deviations of a weight tile's work per window added to the mean (see estimate): the one constant
 * of the estimate fitted to simulations, on sparse MobileNet-0.5-128 on eyeriss-v2 (0.5 to 2 in steps of 0.5:
 * the most layers within 10%; bench/mapper-estimate.ts, before the last two terms of the psum links and iact
 * SPads were added); other networks and configs are out of sample (README).
 */
const SPREAD = 1;

/** A dim's index in DIMS (the estimate looks factors up per candidate). */
const DIM_INDEX = Object.fromEntries(DIMS.map((d, i) => [d, i])) as Record<Dim, number>;

/** Per axis, the product of its factors per dim (in DIMS order). */
type AxisProducts = Record<Axis, readonly number[]>;

const productsOf = (opt: readonly [Dim, number][]): number[] => DIMS.map((d) => opt.reduce((a, [x, f]) => (x === d ? a * f : a), 1));

export function estimateCycles(p: Problem, m: Mapping, hw: HwConfig, dens: Densities): number {
  return estimate(p, m, hw, dens, {
    clusterRow: productsOf(m.spatial.clusterRow), clusterCol: productsOf(m.spatial.clusterCol),
    peRow: productsOf(m.spatial.peRow), peCol: productsOf(m.spatial.peCol),
  });
}

/** A window's work in the PE's two halves (see estimate): front-end tokens, back-end SIMD words, words per iact. */
interface WindowWork { fe: number; be: number; words: { mean: number; variance: number } }

function windowWork(p: Problem, hw: HwConfig, dens: Densities, moments: Moments, compressed: boolean, rawIacts: boolean, M0: number, C0: number, R0: number): WindowWork {
  const di = rawIacts ? 1 : dens.iact;
  const windowSegments = Math.ceil(p.S / p.V);
  const simd = hw.pe.simdWidth;
  // FE one token per stored iact (raw iacts with CSC weights: per filter position whose weight column holds
  // weights), BE words per iact inside the filter (sim/hw/pe/pipeline.ts).
  const fe = R0 * (compressed && rawIacts
    ? C0 * p.S * (1 - Math.pow(1 - dens.weight, M0))
    : windowSegments * p.V * C0 * di + windowSegments * (compressed ? Math.pow(1 - dens.iact, p.V * C0) : 0));
  const words = compressed ? memo(moments, M0, () => columnWordsOf(M0, dens.weight, simd)) : { mean: Math.ceil(M0 / simd), variance: 0 };
  return { fe, be: R0 * C0 * p.S * di * words.mean, words };
}

function estimate(p: Problem, m: Mapping, hw: HwConfig, dens: Densities, ap: AxisProducts, t = temporalCounts(p, m), moments: Moments = new Map()): number {
  const geo = peGeometry(p, m, hw);
  const compressed = m.peMode === 'compressed';
  const rawIacts = iactFormat(m) === 'raw';
  const di = rawIacts ? 1 : dens.iact;
  const M0 = Math.min(m.M0, p.M);
  const C0 = Math.min(m.C0, p.C);
  const bus = hw.noc.type === 'flat-multicast'; // one bus per data type for the whole array
  const nInner = Math.min(m.rowsPerPass.N, t.N);
  const eInner = Math.min(m.rowsPerPass.E, t.E);
  const mBlock = Math.min(m.mBlock, t.M);
  const passes = t.G * ceilDiv(t.N, nInner) * ceilDiv(t.E, eInner) * ceilDiv(t.M, mBlock) * mBlock * t.C * t.R;
  const windows = nInner * eInner * p.F;
  const f = (axis: Axis, d: Dim): number => ap[axis][DIM_INDEX[d]]!;
  const sp = (d: Dim): number => {
    const i = DIM_INDEX[d];
    return ap.clusterRow[i]! * ap.clusterCol[i]! * ap.peRow[i]! * ap.peCol[i]!;
  };
  const R0 = geo.filterRows;
  const { fe, be, words } = windowWork(p, hw, dens, moments, compressed, rawIacts, M0, C0, R0);
  const wordsPerIact = words.mean;
  // A window's latency, from its first FE cycle to its psums complete: the BE starts `lead` cycles after the FE
  // and the MAC and psum stages take `tail` more.
  const lead = hw.pe.weightReadStage - hw.pe.iactReadStage;
  const tail = hw.pe.pipelineStages - hw.pe.weightReadStage;
  const latency = Math.max(fe, lead + be) + tail;
  const drain = Math.ceil((M0 * hw.precision.psumBits) / hw.pe.psumLinkBits);
  // Psum chains: the PEs a reduction spans on the vertical axes (clusters' rows and PEs' rows), each adding its
  // psums to the vector from below and sending it up. A PE with a psum input (from the PE below, or from the
  // GLB in a reduction pass) frees its one-vector FIFO a cycle after its send: the sender below sends its next
  // vector no earlier, so a link carries one vector per 2 x drain + 1 cycles.
  const chainLength = f('clusterRow', 'C') * f('clusterRow', 'R') * f('peRow', 'C') * f('peRow', 'R');
  const reductionPasses = t.C * t.R > 1;
  const psumFlits = Math.ceil((M0 * hw.precision.psumBits) / hw.noc.psum.portBits);
  // In a reduction pass the bottom PE's input comes from its psum bank: the read (at the port's width, a cycle
  // of latency) and the bottom's send before the FIFO frees, a cycle later.
  // On a bank's one port the top's writes win (sim/hw/psum-chain.ts): a read that finds a write under way
  // waits for the rest of it, half a write on average, as often as writes occupy the port.
  const bankRead = psumFlits + drain + 2;
  const bankLink = bus ? bankRead : bankRead + (psumFlits / bankRead) * (psumFlits / 2);
  const link = Math.max(chainLength > 1 ? 2 * drain + 1 : drain, reductionPasses ? bankLink : 0);
  // iact delivery: distinct input rows, spread over the iact routers of a cluster (or one bus), a segment a
  // packet in whole flits.
  const ePc = bus ? sp('E') : f('peCol', 'E');
  const rPr = f('peRow', 'R') * R0;
  const rowsDistinct = p.U <= rPr ? (ePc - 1) * p.U + rPr : ePc * rPr;
  const keys = bus
    ? rowsDistinct * sp('C') * sp('N') * sp('G')
    : rowsDistinct * f('peRow', 'C') * f('peCol', 'N') * f('peCol', 'G');
  const segmentFlits = rawIacts
    ? Math.ceil((p.V * C0 * hw.precision.iactBits) / hw.noc.iact.portBits)
    : memo(moments, 1000 + p.V * C0, () => binomialMoments(p.V * C0, dens.iact, (k) => Math.max(1, Math.ceil((hw.pe.iactAddrBits + k * hw.pe.iactDataEntryBits) / hw.noc.iact.portBits)))).mean;
  // Clusters in a column that share iacts (an M factor on the cluster rows) form a multicast tree each; with
  // other factors beside it the groups interleave, their trees overlap on the vertical links, and a circuit-
  // switched link serves one group per router mesh: the overlapping groups split the routers between them.
  const mRows = f('clusterRow', 'M');
  let clusterRowFactors = 1;
  for (const x of ap.clusterRow) clusterRowFactors *= x;
  const interleaved = mRows > 1 && mRows < clusterRowFactors;
  const routers = bus ? 1 : Math.max(1, Math.floor(hw.noc.iact.routersPerCluster / (interleaved ? mRows : 1)));
  // A row iteration takes the segments of a whole input row, the window's first ones (its halo) included.
  const iactPerRow = Math.ceil(keys / routers) * segmentFlits * (p.F - 1 + geo.windowSegments);
  // The iact SPads hold the window and, beside it, the next window's new segments (one per filter row), or
  // not (CSC: as likely as the non-zeros of both fit); when not, the next segments are sent only once the FE has
  // read this window's oldest ones (a cycle for the credit, the channel's packets of a window, a cycle of
  // latency), so the next window starts that much after this one's FE has read it.
  const held = (geo.windowSegments + 1) * R0;
  const heldPositions = held * p.V * C0;
  const fits = held > geo.iactSlots ? 0
    : memo(moments, (rawIacts ? 3e6 : 2e6) + heldPositions, () => binomialMoments(heldPositions, di, (k) => (k <= hw.pe.iactDataSpadEntries ? 1 : 0))).mean;
  // The FE reads them as fast as the fetch queue lets it: when the BE is the busier half, its end trails the
  // BE's by the queue's tokens.
  const feRead = Math.max(fe, be - (hw.pe.fetchQueueEntries + 1) * wordsPerIact);
  const serial = feRead + 2 + Math.ceil(keys / routers) * segmentFlits;
  // Windows in flight: the PE's halves run back to back, as fast as the busier one, while a psum slot is free;
  // each window holds its slot from its start to the end of its send.
  //
  // A PE keeps its weight tile for the whole pass, and sparse tiles differ in density; PEs wait on each other
  // (a chain's for each other's psums, a multicast's destinations for room in every one), so the array moves
  // at its denser tiles' pace: the mean BE work plus SPREAD standard deviations of a tile's work per window.
  // (The iacts' variation from window to window is absorbed by the windows in flight.)
  const positions = R0 * C0 * p.S;
  const busier = be >= fe ? positions * di * di * words.variance : 0;
  const busy = Math.max(fe, be) + SPREAD * Math.sqrt(busier);
  const compute = Math.max(fits * busy + (1 - fits) * Math.max(busy, serial), (latency + drain) / geo.psumSlots);
  // Sends per window: the chain's links, and psums to and from the GLB (per column bank, or all chains on one
  // write bus and one read bus). Computed windows wait in their psum slots for the sends, so the sends of a
  // pass go on while the next pass's weights load.
  const chains = sp('N') * sp('G') * sp('M') * sp('E');
  const send = Math.max(link, bus ? chains * psumFlits : reductionPasses ? 2 * psumFlits : 0); // one bank port: the write and the read back
  // Weights per pass: each router (or the one filter bus) sends its distinct tiles.
  const tileBits = compressed
    ? geo.weightColumns * (hw.pe.weightAddrBits + wordsPerIact * hw.pe.weightDataWordBits)
    : geo.weightColumns * M0 * hw.precision.weightBits;
  const tilesPerRouter = bus ? sp('M') * sp('G') * sp('C') * sp('R') : f('peCol', 'M') * f('peCol', 'G');
  const weightLoad = tilesPerRouter * Math.ceil(tileBits / hw.noc.weight.portBits);
  // With two tiles in the weight SPad (weightTileSlots; expected words, with room for tiles denser than the
  // mean), the next pass's weights load while this pass computes, and passes follow without draining.
  const expectedWords = geo.weightColumns * (compressed ? 1.25 * wordsPerIact : wordsPerIact);
  const overlapped = weightTileSlots(expectedWords, geo.weightColumns, hw) === 2;
  // A reduction pass adds to the psums the previous one wrote for the same outputs: a window's vector goes up
  // its whole chain, into the GLB (the top's send, then the write) and back to the bottom (the read, a cycle
  // of latency each way) before the same window of the next pass can leave. With mBlock M tiles between them,
  // that round trip is spread over mBlock passes.
  const roundTrip = reductionPasses ? (chainLength * drain + 2 * psumFlits + 2) / mBlock : 0;
  const delivery = Math.max(windows * send, nInner * eInner * iactPerRow, roundTrip);
  // A pass's weights load while the previous pass computes (two tiles), or once its last window is done (one
  // tile: the load, the windows and the pipeline's depth in a row); the last pass's last window then leaves
  // through its chain.
  const perPass = overlapped
    ? Math.max(weightLoad, windows * compute, delivery)
    : Math.max(weightLoad + windows * compute + lead + tail, delivery);
  let cycles = passes * perPass + (overlapped ? weightLoad : 0) + latency + chainLength * drain;
  // Off-chip: with finite bandwidth the link bounds the layer; with v1's blocking passes, the ifmap loads and
  // output stores add to it (the filters load while the array works).
  if (hw.offChip.bandwidthGBps !== null) {
    const bitsPerCycle = (hw.offChip.bandwidthGBps * 8e9) / (hw.clockMHz * 1e6);
    const rlc = hw.offChip.rlc;
    const valueBits = (density: number): number => (rlc ? (density * rlc.wordBits) / rlc.pairsPerWord : hw.precision.iactBits);
    const inputRows = (sp('E') * eInner - 1) * p.U + sp('R') * R0;
    const blockValues = inputRows * p.Wp * C0 * sp('C') * sp('N') * nInner;
    const iactBits = (passes / mBlock) * blockValues * valueBits(dens.iact);
    const weightBits = passes * sp('M') * sp('G') * sp('C') * sp('R') * tileBits;
    const outputBits = p.N * p.G * p.M * p.E * p.F * valueBits(0.5);
    if (hw.offChip.blocksProcessing) cycles = Math.max(cycles, weightBits / bitsPerCycle) + (iactBits + outputBits) / bitsPerCycle;
    else cycles = Math.max(cycles, (iactBits + weightBits + outputBits) / bitsPerCycle);
  }
  return cycles;
}

/** Memoised rankings, keyed by shape, hardware, densities and mode; one per run, so runs share no state. */
export type MappingCache = Map<string, RankedMapping[]>;

/**
 * The best candidate mappings, best first, in any of the PE's modes or only the one given. With a cache (one per
 * network run: networks repeat layer shapes) a repeated problem is ranked once.
 */
export function rankMappings(p: Problem, hw: HwConfig, dens: Densities, peMode?: Mapping['peMode'], cache?: MappingCache, objective?: MappingObjective): RankedMapping[] {
  const modes = peMode ? [peMode] : peModes(hw);
  if (!cache) return rankUncached(p, hw, dens, modes, objective);
  const { name: _name, ...shape } = p;
  const key = JSON.stringify([shape, hw, dens, peMode, objective ?? null]);
  let ranked = cache.get(key);
  if (!ranked) {
    if (cache.size > 256) cache.clear(); // bounded: a long-lived cache (a sweep worker's) sees many configs
    ranked = rankUncached(p, hw, dens, modes, objective);
    cache.set(key, ranked);
  }
  return ranked;
}

function rankUncached(p: Problem, hw: HwConfig, dens: Densities, modes: Mapping['peMode'][], objective?: MappingObjective): RankedMapping[] {
  const ranked: RankedMapping[] = [];
  let worstKept = Infinity;
  const moments: Moments = new Map();
  const busiest = new Map<number, number>();
  forEachCandidate(p, hw, dens, modes, (mapping, ap, t) => {
    const estimatedCycles = estimate(p, mapping, hw, dens, ap, t, moments);
    const score = objectiveScore(objective, p, mapping, hw, estimatedCycles);
    if (ranked.length >= KEEP && score >= worstKept) return false;
    if (mappingProblem(p, mapping, hw)) return false;
    ranked.push({ mapping, estimatedCycles, score });
    if (ranked.length === 2 * KEEP) worstKept = keepBest(ranked);
    return false;
  }, scoresCycles(objective) ? (minWindows, compressed, rawIacts, M0, C0, R0) => {
    // Branch and bound: every window at its PE's busier half is a lower bound of the estimate (the margin is far
    // above the rounding of the estimate's terms), so a candidate whose bound reaches the worst kept is not built.
    if (worstKept === Infinity) return false;
    const key = R0 + 64 * (C0 + 65536 * (M0 + 1024 * (2 * Number(compressed) + Number(rawIacts))));
    let work = busiest.get(key);
    if (work === undefined) {
      const w = windowWork(p, hw, dens, moments, compressed, rawIacts, M0, C0, R0);
      busiest.set(key, (work = Math.max(w.fe, w.be)));
    }
    return minWindows * work * (1 - 1e-9) >= worstKept;
  } : undefined);
  keepBest(ranked);
  return ranked;
}

/**
 * The first candidate, in enumeration order, within the SPad and GLB capacities (mappingProblem), in any of the
 * modes given; null if there is none. It estimates nothing: enough to know whether a layer can run at all.
 */
export function firstFeasibleMapping(p: Problem, hw: HwConfig, dens: Densities, modes: Mapping['peMode'][]): Mapping | null {
  let found: Mapping | null = null;
  forEachCandidate(p, hw, dens, modes, (mapping) => {
    if (mappingProblem(p, mapping, hw)) return false;
    found = mapping;
    return true;
  });
  return found;
}

/**
 * Asked before the candidates of one spatial split, PE mode, iact format, M0, C0 and R0 are built, with the fewest
 * windows their passes run (the temporal counts' product times F); returning true skips them.
 */
type CandidateSkip = (minWindows: number, compressed: boolean, rawIacts: boolean, M0: number, C0: number, R0: number) => boolean;

/** Called per candidate with its per-axis factor products and temporal counts; returning true stops the walk. */
type CandidateVisitor = (mapping: Mapping, ap: AxisProducts, t: ReturnType<typeof temporalCounts>) => boolean;

/**
 * Walks the candidate mappings in a fixed order (the one ties keep): spatial factors per axis, filter rows and
 * channels per PE, PE mode and iact format, M0, M tiles per GLB block, images per pass. Capacities are not
 * checked here (mappingProblem), only combinations that cannot make sense are cut.
 */
function forEachCandidate(p: Problem, hw: HwConfig, dens: Densities, modes: Mapping['peMode'][], visit: CandidateVisitor, skip?: CandidateSkip): void {
  const shape = arrayShape(hw);
  const windowSegments = Math.ceil(p.S / p.V);
  // Filter rows per PE: one (row stationary), or the whole filter where the SPads hold it (mapping.ts R0).
  const rowOptions: [R0: number, C0: number][] = [];
  for (const R0 of p.R > 1 && !hw.offChip.blocksProcessing ? [1, p.R] : [1]) {
    const maxC0 = Math.min(
      Math.floor(hw.pe.iactDataSpadEntries / (R0 * windowSegments * p.V)),
      Math.floor(hw.pe.weightAddrSpadEntries / (R0 * p.S)),
    );
    // The most channels that fit, and half as many: two of the smaller tiles may fit the weight SPads at
    // once (weightTileSlots), so the next pass's weights load during this one.
    const full = balanced(p.C, maxC0);
    rowOptions.push([R0, full]);
    const half = balanced(p.C, Math.floor(maxC0 / 2));
    if (half >= 1 && half < full && 2 * full * R0 * p.S > hw.pe.weightAddrSpadEntries) rowOptions.push([R0, half]);
  }
  if (rowOptions.length === 0) return;
  const C0 = Math.min(...rowOptions.map(([, c]) => c));
  const m0Options = [...new Set([32, 16, 8, 4, 2, 1].filter((x) => x <= hw.pe.psumSpadEntries).map((x) => balanced(p.M, x)))];
  // M tiles per GLB block: v1's shared GLB holds the psums of several, reusing each ifmap block for all; on v2
  // a psum bank holds those of several (capacity: mappingProblem), so a reduction pass does not wait for the
  // psums the previous one just wrote.
  const mBlockOptions = hw.glb.sharedIactPsumBanks ? [1, 2, 3, 4, 6, 8] : [1, 4];
  const options: Record<Axis, [Dim, number][][]> = {} as Record<Axis, [Dim, number][][]>;
  for (const axis of AXES) options[axis] = axisOptions(axis, axisSize(shape, axis), p, hw.noc.type);
  // Each option's product per dim, and the most tiles a dim can be spread over (at the smallest M0), so that
  // spatial combinations spreading a dim wider than it is are cut while nesting, not after.
  const products: Record<Axis, number[][]> = {} as Record<Axis, number[][]>;
  for (const axis of AXES) products[axis] = options[axis].map(productsOf);
  const minM0 = Math.min(...m0Options);
  const rawWins = new Set(m0Options.filter((M0) => columnWords(Math.min(M0, p.M), dens.weight, hw.pe.simdWidth) <= 1));
  const maxTiles = DIMS.map((d) => ceilDiv(p[d], d === 'M' ? minM0 : d === 'C' ? C0 : 1));
  const within = (a: number[], b: number[]): number[] | null => {
    const out = a.map((x, i) => x * b[i]!);
    return out.every((x, i) => x <= maxTiles[i]!) ? out : null;
  };
  const [nIndex, gIndex, mIndex, eIndex] = [DIMS.indexOf('N'), DIMS.indexOf('G'), DIMS.indexOf('M'), DIMS.indexOf('E')];
  const rIndex = DIMS.indexOf('R');
  const cIndex = DIMS.indexOf('C');
  for (let i0 = 0; i0 < options.clusterRow.length; i0++) {
    const p0 = products.clusterRow[i0]!;
    for (let i1 = 0; i1 < options.clusterCol.length; i1++) {
      const p1 = within(p0, products.clusterCol[i1]!);
      if (!p1) continue;
      for (let i2 = 0; i2 < options.peRow.length; i2++) {
        const p2 = within(p1, products.peRow[i2]!);
        if (!p2) continue;
        for (let i3 = 0; i3 < options.peCol.length; i3++) {
          const p3 = within(p2, products.peCol[i3]!);
          if (!p3) continue;
          // One spatial object for this combination's candidates (nothing mutates a mapping's spatial factors).
          const spatial = { clusterRow: options.clusterRow[i0]!, clusterCol: options.clusterCol[i1]!, peRow: options.peRow[i2]!, peCol: options.peCol[i3]! };
          const ap: AxisProducts = { clusterRow: products.clusterRow[i0]!, clusterCol: products.clusterCol[i1]!, peRow: products.peRow[i2]!, peCol: products.peCol[i3]! };
          const tN = ceilDiv(p.N, p3[nIndex]!), tG = ceilDiv(p.G, p3[gIndex]!), tE = ceilDiv(p.E, p3[eIndex]!);
          for (const [R0, C0] of rowOptions) for (const peMode of modes) for (const iacts of (peMode === 'compressed' ? ['csc', 'raw'] : ['csc']) as IactFormat[]) {
            if (R0 > 1 && p3[rIndex]! > 1) continue; // the whole filter is in every PE: no R across PEs
            if (p3[cIndex]! > ceilDiv(p.C, C0)) continue;
            // The window's segments must fit the iact SPads (as mappingProblem says; cut here, the walk's hot path).
            if (windowSegments * R0 > (iacts === 'csc' ? hw.pe.iactAddrSpadEntries : hw.pe.iactDataSpadEntries)) continue;
            // A reduction across cluster rows must finish in one pass (as mappingProblem says).
            const clusterReduction = p0[cIndex]! * p0[rIndex]! > 1;
            if (clusterReduction && (ceilDiv(p.C, C0 * p3[cIndex]!) > 1 || ceilDiv(p.R, R0 * p3[rIndex]!) > 1)) continue;
            for (const M0 of m0Options) {
              // Raw iacts pay every iact position; they can only win where CSC iacts leave the FE as the bound
              // (a token per stored iact and per all-zero segment), i.e. at most one weight word per column.
              if (iacts === 'raw' && !rawWins.has(M0)) continue;
              if (p3[mIndex]! > ceilDiv(p.M, M0)) continue;
              const tM = ceilDiv(p.M, M0 * p3[mIndex]!), tC = ceilDiv(p.C, C0 * p3[cIndex]!), tR = ceilDiv(p.R, R0 * p3[rIndex]!);
              if (skip?.(tN * tG * tE * tM * tC * tR * p.F, peMode === 'compressed', iacts === 'raw', Math.min(M0, p.M), Math.min(C0, p.C), R0)) continue;
              for (const mBlock of mBlockOptions) {
                for (const images of hw.glb.sharedIactPsumBanks ? [1, p.N] : [1]) {
                  // temporalCounts(p, mapping), from the spatial products at hand (the walk's hot path).
                  const t: Record<Dim, number> = { N: tN, G: tG, M: tM, C: tC, E: tE, R: tR };
                  if (mBlock > 1 && (mBlock > t.M || t.C * t.R === 1)) continue; // nothing to interleave
                  // Rows per pass: all of them unless partial sums must wait in the GLB between passes; then
                  // as many output rows as a psum bank holds, or (one shared GLB) one, with one image or all.
                  let rowsPerPass: Mapping['rowsPerPass'];
                  if (t.C * t.R > 1 && !hw.glb.sharedIactPsumBanks) {
                    const perRow = p.F * Math.min(M0, p.M) * hw.precision.psumBits;
                    const rows = Math.floor((hw.glb.psumBankBytes * 8) / perRow);
                    if (rows < 1) continue;
                    rowsPerPass = { N: 1, E: Math.min(t.E, rows) };
                  } else if (t.C * t.R > 1) {
                    rowsPerPass = { N: images, E: 1 };
                  } else if (images > 1) {
                    continue; // all images already run in one pass
                  } else {
                    rowsPerPass = { N: t.N, E: t.E };
                  }
                  const mapping: Mapping = { peMode, M0, C0, spatial, rowsPerPass, mBlock };
                  if (iacts === 'raw') mapping.iacts = iacts;
                  if (R0 > 1) mapping.R0 = R0;
                  if (visit(mapping, ap, t)) return;
                }
              }
            }
          }
        }
      }
    }
  }
}

/** Candidates kept: the caller tries them in order until one fits the actual weights and routes. */
const KEEP = 256;

/**
 * Sorts the candidates by estimate and keeps the best KEEP; returns the worst kept estimate. The sort is
 * stable and candidates arrive in a fixed enumeration order, so ties break deterministically.
 */
function keepBest(ranked: RankedMapping[]): number {
  ranked.sort((a, b) => a.score - b.score);
  ranked.length = Math.min(ranked.length, KEEP);
  return ranked.length === KEEP ? ranked[KEEP - 1]!.score : Infinity;
}

