import type { HwConfig, LoadedHwConfig } from '../config/hw-config.js';
import { type Activity, computeEnergy, type EnergyBreakdown } from '../energy/energy-model.js';
import { type EnergyTable, loadEnergyTable } from '../energy/energy-table.js';
import type { EngineKind } from '../engine/simulator.js';
import { LIMITS } from '../config/bounds.js';
import { checkLayerSize } from '../workloads/layer-size.js';
import { InputError } from '../errors.js';
import { type Mapping, formatMapping } from '../mapping/mapping.js';
import { offChipLayer, reluRequantise } from '../reference/offchip-ops.js';
import { referenceConv, wrapArrayToBits } from '../reference/conv.js';
import { isOnChip, type LayerSpec, nominalMacs } from '../workloads/layer.js';
import { nonZeroFraction, synthesizeIacts, synthesizeWeights } from '../workloads/tensors.js';
import type { LoadedTrace } from '../workloads/trace.js';
import { type CheckOutcome, checkOutputs, type LayerResult, simulateLayer } from './layer-sim.js';
import { mappingProblem, peModes } from '../mapping/constraints.js';
import { type Densities, type MappingCache, firstFeasibleMapping, rankMappings } from '../mapping/mapper.js';
import { toProblem } from '../mapping/problem.js';
import type { MappingObjective, ObjectiveName } from '../mapping/objective.js';
import { mappingObjective } from '../energy/objective-prices.js';

export interface NetworkRunOptions {
  hw: LoadedHwConfig;
  trace: LoadedTrace;
  /** Only these layers (names); all on-chip layers when absent. */
  layers?: string[];
  /** Batch size overriding the trace's. */
  batch?: number;
  seed: number;
  engine: EngineKind;
  check: boolean;
  /** Mappings pinned per layer name. */
  mappings?: Map<string, Mapping>;
  /** Energy table overriding the hardware config's. */
  energyTable?: EnergyTable;
  /** What the mapper minimises: latency (default), energy or edp (sim/mapping/objective.ts), priced with the energy table. */
  objective?: ObjectiveName;
  /**
   * A sparse PE's mode per layer: 'auto' (default) simulates both modes unless the mapper's estimates tell them
   * far apart and keeps the one that costs less energy, as the chip is configured per layer; or one mode for all.
   */
  peMode?: PeModeOption;
  /**
   * Feed each layer the previous layers' actual outputs (ReLU + requantisation, off-chip layers on the reference
   * path; rules in sim/reference/offchip-ops.ts) instead of synthetic iacts.
   */
  propagate?: boolean;
  /** With propagate: the network input, C*H*W values for every image or N*C*H*W (default: a synthetic image each). */
  input?: Int16Array;
  onLayerDone?: (done: number, total: number, result: LayerResult) => void;
  /**
   * Mapper rankings to reuse (a sweep worker passes one cache to all its points: rankings depend only on their
   * key). Absent: a fresh cache for this run alone, so runs share no state.
   */
  mappingCache?: MappingCache;
  /** During a layer's simulation: the layer, and the fraction of it done (see LayerRunOptions.onProgress). */
  onLayerProgress?: (layer: string, fraction: number) => void;
  /**
   * Mapping candidates to simulate per layer and PE mode (default 1: the mapper's best): the best K whose
   * estimates are within CANDIDATES_WITHIN of the best; the fastest simulated one is kept.
   */
  candidates?: number;
}

/** With --candidates K, candidates estimated more than this many times the best are not simulated. */
export const CANDIDATES_WITHIN = 1.25;

/** Which mapping a layer kept when several were simulated (--candidates), and what each cost. */
export interface MappingChoice {
  picked: string;
  runnerUp: string | null;
  candidates: { mapping: string; estimatedCycles: number; cycles: number | null; why?: string }[];
}

export const PE_MODE_OPTIONS = ['auto', 'compressed', 'uncompressed'] as const;
export type PeModeOption = (typeof PE_MODE_OPTIONS)[number];

/** Simulate both PE modes unless the mapper estimates one this many times slower than the other. */
export const BOTH_MODES_WITHIN = 2;

/** One PE mode a layer was (or could have been) run in. */
export interface PeModeRun {
  peMode: Mapping['peMode'];
  simulated: boolean;
  /** The mapper's estimate for its best mapping in this mode. */
  estimatedCycles: number | null;
  cycles: number | null;
  energyJoules: number | null;
  /** CSC metadata bits stored and moved, summed over places and data types. */
  metadataBits: number | null;
}

/** Which PE mode a layer ran in, and why. */
export interface PeModeChoice {
  picked: Mapping['peMode'];
  reason: string;
  runs: PeModeRun[];
}

export interface SimulatedLayer extends LayerResult {
  peModeChoice: PeModeChoice;
  /** Present when more than one mapping was simulated (--candidates). */
  mappingChoice?: MappingChoice;
  energy: EnergyBreakdown;
  /** What the per-cycle energy terms were computed from; kept so a saved report can be re-costed. */
  activity: Activity;
  latencySeconds: number;
  /** The trace's iact density, and the non-zero fraction of the iacts the layer actually got. */
  iactDensityAssumed: number;
  iactDensityMeasured: number;
}

export interface NetworkResult {
  batch: number;
  layers: SimulatedLayer[];
  /** Layers the chip does not run (pooling, adds, ...): they only shape the data. */
  offChip: { name: string; type: string }[];
  energyTable: EnergyTable;
  wallSeconds: number;
  events: number;
}

/**
 * A layer's data: the iacts given (propagated ones), else tensors the trace pins (iacts only while the batch is the
 * trace's own), else synthetic ones from the layer's densities and the seed.
 */
export function layerTensors(trace: LoadedTrace, layer: LayerSpec, seed: number, iacts?: Int16Array): { iacts: Int16Array; weights: Int8Array } {
  const given = trace.tensors.get(layer.name);
  return {
    iacts: iacts ?? (layer.N === trace.batch ? given?.iacts : undefined) ?? synthesizeIacts(layer, seed),
    weights: given?.weights ?? synthesizeWeights(layer, seed),
  };
}

/** The layers a run simulates, with the batch applied; unknown names are an input error. */
export function selectLayers(trace: LoadedTrace, names: string[] | undefined, batch: number | undefined): { onChip: LayerSpec[]; offChip: LayerSpec[] } {
  if (names) {
    const known = new Set(trace.layers.map((l) => l.name));
    // A layer whose name holds commas (an ONNX node's may) is selected by its whole name given alone.
    if (names.some((n) => !known.has(n)) && known.has(names.join(','))) names = [names.join(',')];
    const unknown = names.filter((n) => !known.has(n));
    if (unknown.length) {
      throw new InputError(`--layers: no layer ${unknown.map((n) => JSON.stringify(n)).join(', ')} in trace ${trace.name} (layers: ${trace.layers.map((l) => l.name).join(', ')})`);
    }
  }
  const chosen = trace.layers.filter((l) => !names || names.includes(l.name)).map((l) => (batch ? { ...l, N: batch } : l));
  return { onChip: chosen.filter((l) => isOnChip(l.type)), offChip: chosen.filter((l) => !isOnChip(l.type)) };
}

/**
 * Runs a network layer by layer, as the chip does (one layer at a time, reconfigured in between, JETCAS19
 * §II): each layer's data synthesised from its densities and seed (or taken from the trace's tensors), or with
 * `propagate` its iacts computed from the layers before it; simulated, checked, and costed with the energy table.
 */
export function runNetwork(options: NetworkRunOptions): NetworkResult {
  const started = performance.now();
  const o: NetworkRunOptions = { ...options, mappingCache: options.mappingCache ?? new Map() };
  const hw = o.hw.config;
  const energyTable = o.energyTable ?? loadEnergyTable(hw.energyTable);
  const { onChip, offChip } = selectLayers(o.trace, o.layers, o.batch);
  if (onChip.length === 0) {
    const what = o.layers ? `--layers ${o.layers.map((n) => JSON.stringify(n)).join(' ')} selects` : `trace ${o.trace.name} has`;
    throw new InputError(`${what} no on-chip layer (${offChip.map((l) => `${l.name}: ${l.type}`).slice(0, 6).join(', ')}), expected at least one CONV, DWCONV, PWCONV or FC layer to simulate`);
  }
  checkRunnable(o, onChip);
  const flow = o.propagate ? new ActivationFlow(o, onChip) : null;
  const results: SimulatedLayer[] = [];
  const simulated = new Set(onChip.map((l) => l.name));
  for (const layer of flow?.layers ?? onChip) {
    if (!isOnChip(layer.type)) {
      flow!.offChip(layer);
      continue;
    }
    const { iacts, weights } = layerTensors(o.trace, layer, o.seed, flow?.iactsOf(layer));
    if (!simulated.has(layer.name)) {
      // Upstream of the chosen --layers: only its outputs are needed, from the reference convolution.
      flow!.onChipDone(layer, wrapArrayToBits(referenceConv(layer, iacts, weights), hw.precision.psumBits));
      continue;
    }
    const r = simulateInMode(o, layer, iacts, weights, energyTable);
    flow?.onChipDone(layer, r.outputs);
    results.push({ ...r, iactDensityAssumed: layer.iactDensity, iactDensityMeasured: nonZeroFraction(iacts) });
    o.onLayerDone?.(results.length, onChip.length, r);
  }
  return networkResult(o, onChip, offChip, results, energyTable, started);
}

/** The network's result from its layers' (in trace order), timed from `started` (a performance.now()). */
export function networkResult(o: NetworkRunOptions, onChip: LayerSpec[], offChip: LayerSpec[], layers: SimulatedLayer[], energyTable: EnergyTable, started: number): NetworkResult {
  return {
    batch: onChip[0]?.N ?? o.batch ?? o.trace.batch,
    layers,
    offChip: offChip.map((l) => ({ name: l.name, type: l.type })),
    energyTable,
    wallSeconds: (performance.now() - started) / 1000,
    events: layers.reduce((a, l) => a + l.events, 0),
  };
}

/**
 * Fails before the first layer is simulated if any layer cannot run: too many MACs for the event-time range, a
 * pinned mapping that cannot run, or no mapping at all. Otherwise a network whose last layer does not fit would
 * cost the simulation of all the layers before it. (The weight SPad's fit and the NoC routes depend on the data
 * and are still checked when the layer runs.)
 */
export function checkRunnable(o: Pick<NetworkRunOptions, 'hw' | 'mappings' | 'peMode'>, layers: readonly LayerSpec[]): void {
  const hw = o.hw.config;
  const a = hw.array;
  const macsPerCycle = a.clusterRows * a.clusterCols * a.peRowsPerCluster * a.peColsPerCluster * hw.pe.simdWidth;
  for (const layer of layers) {
    checkLayerSize(`layer "${layer.name}"`, layer, ` at batch ${layer.N}`);
    const macs = nominalMacs(layer);
    if (macs / macsPerCycle > LIMITS.layerCycles) {
      throw new InputError(`layer "${layer.name}": ${macs.toExponential(3)} MACs need at least ${(macs / macsPerCycle).toExponential(3)} cycles on ${hw.name}, expected < 2^32 (the simulator's event-time range; make the batch or layer smaller)`);
    }
    const p = toProblem(layer);
    const pinned = o.mappings?.get(layer.name);
    if (pinned) {
      const why = mappingProblem(p, pinned, hw);
      if (why) throw new InputError(`layer "${layer.name}": pinned mapping cannot run: ${why}`);
      continue;
    }
    const modes = !o.peMode || o.peMode === 'auto' ? peModes(hw) : [o.peMode];
    const dens = { iact: layer.iactDensity, weight: layer.weightDensity };
    // Feasibility only (capacities): the first candidate that fits will do; the run ranks with the data's densities.
    if (!firstFeasibleMapping(p, hw, dens, modes)) {
      // Which capacity is short: with GLB banks as large as allowed, do the SPads alone rule every mapping out?
      const roomy = { ...hw, glb: { ...hw.glb, iactBankBytes: LIMITS.bankBytes, psumBankBytes: LIMITS.bankBytes } };
      const spads = !firstFeasibleMapping(p, roomy, dens, modes);
      const why = spads ? 'does not fit the PE scratchpads'
        : `does fit the PE scratchpads, but no mapping's input rows and partial sums fit the GLB banks (glb.iactBankBytes ${hw.glb.iactBankBytes} B, glb.psumBankBytes ${hw.glb.psumBankBytes} B)`;
      throw new InputError(`layer "${layer.name}": no mapping fits ${hw.name} (filter ${p.R}x${p.S}, stride ${p.U}x${p.V} ${why})`);
    }
  }
}

export type CostedLayer = Omit<SimulatedLayer, 'iactDensityAssumed' | 'iactDensityMeasured'>;
/** One PE mode's simulation of a layer, costed. */
export type ModeRun = Omit<CostedLayer, 'peModeChoice'>;

/**
 * Which simulations a layer needs: one (a mode asked for, the only mode, or one far ahead by estimate; its
 * choice already known), or both modes unchecked, the cheaper kept (see combineModes).
 */
export type ModePlan = (
  | { kind: 'one'; peMode: Mapping['peMode'] | undefined; reason: string; notRun: PeModeRun[] }
  | { kind: 'both'; modes: [Mapping['peMode'], Mapping['peMode']] }
) & { densities: Densities };

/**
 * A simulation job of a layer: the mode (undefined: the mapper's choice), whether it checks its outputs, and the
 * non-zero fractions of its tensors (measured once per layer: the mapper ranks with them).
 */
export interface ModeJob {
  peMode: Mapping['peMode'] | undefined;
  check: boolean;
  densities: Densities;
}

/** Decides which PE modes a layer is simulated in ('auto' simulates both unless the mapper tells them far apart). */
export function planModes(o: NetworkRunOptions, layer: LayerSpec, iacts: Int16Array, weights: Int8Array, table: EnergyTable): ModePlan {
  const hw = o.hw.config;
  const objective = objectiveOf(o, table);
  const pinned = o.mappings?.get(layer.name);
  const mode = o.peMode ?? 'auto';
  // Ranked with the densities of the data the layer runs on, as simulateLayer does.
  const densities = { iact: nonZeroFraction(iacts), weight: nonZeroFraction(weights) };
  if (pinned || peModes(hw).length === 1 || mode !== 'auto') {
    return {
      densities, kind: 'one', peMode: pinned || mode === 'auto' ? undefined : mode, notRun: [],
      reason: pinned ? 'the pinned mapping\'s mode' : peModes(hw).length === 1 ? `the ${hw.pe.type} PE has one mode` : `--pe-mode ${mode}`,
    };
  }
  const p = toProblem(layer);
  const estimates = peModes(hw).map((m) => ({ peMode: m, cycles: rankMappings(p, hw, densities, m, o.mappingCache, objective)[0]?.estimatedCycles ?? Infinity }));
  estimates.sort((a, b) => a.cycles - b.cycles);
  const [best, other] = estimates as [typeof estimates[0], typeof estimates[0]];
  // No mode has a mapping: the simulation of the mapper's choice throws the mapper's error, which says why.
  if (!Number.isFinite(best.cycles)) return { densities, kind: 'one', peMode: undefined, reason: '', notRun: [] };
  const notRun = (reason: string): ModePlan => ({
    densities, kind: 'one', peMode: best.peMode, reason, notRun: [{
      peMode: other.peMode, simulated: false, estimatedCycles: Number.isFinite(other.cycles) ? other.cycles : null, cycles: null, energyJoules: null, metadataBits: null,
    }],
  });
  if (!Number.isFinite(other.cycles)) return notRun(`no ${other.peMode}-mode mapping fits`);
  if (other.cycles > BOTH_MODES_WITHIN * best.cycles) {
    return notRun(`${other.peMode} mode estimated ${(other.cycles / best.cycles).toFixed(1)}x the cycles; not simulated`);
  }
  return { densities, kind: 'both', modes: [best.peMode, other.peMode] };
}

/** The simulations a plan needs. Both-mode runs are unchecked; the kept one's outputs are checked after. */
export function modeJobs(plan: ModePlan, check: boolean): ModeJob[] {
  const { densities } = plan;
  return plan.kind === 'one' ? [{ peMode: plan.peMode, check, densities }] : plan.modes.map((peMode) => ({ peMode, check: false, densities }));
}

/** The mapper's objective for a run: none (the estimated cycles) unless energy or edp is asked for. */
function objectiveOf(o: NetworkRunOptions, table: EnergyTable): MappingObjective | undefined {
  return o.objective && o.objective !== 'latency' ? mappingObjective(o.objective, table, o.hw.config) : undefined;
}

/** Simulates and costs a layer in one PE mode. */
export function runMode(o: NetworkRunOptions, layer: LayerSpec, iacts: Int16Array, weights: Int8Array, table: EnergyTable, job: ModeJob): ModeRun {
  const onLayerProgress = o.onLayerProgress;
  const base = {
    engine: o.engine, mapping: o.mappings?.get(layer.name), mappingCache: o.mappingCache, networkInput: o.trace.layers[0]?.name === layer.name && layer.inputs.length === 0,
    onProgress: onLayerProgress && ((fraction: number) => onLayerProgress(layer.name, fraction)),
    objective: objectiveOf(o, table),
  };
  if (!base.mapping && (o.candidates ?? 1) > 1) return fastestCandidate(o, layer, iacts, weights, table, job);
  return costLayer(simulateLayer(o.hw.config, layer, iacts, weights, { ...base, peMode: job.peMode, check: job.check, densities: job.densities }), o.hw, table);
}

function asRun(r: ModeRun): PeModeRun {
  return {
    peMode: r.mapping.peMode, simulated: true, estimatedCycles: r.estimatedCycles, cycles: r.cycles,
    energyJoules: r.energy.totalJoules, metadataBits: r.counts.metadataBits.reduce((a, b) => a + b, 0),
  };
}

function kept(r: ModeRun, reason: string, others: PeModeRun[] = []): CostedLayer {
  return { ...r, peModeChoice: { picked: r.mapping.peMode, reason, runs: [asRun(r), ...others] } };
}

/**
 * The layer's result from its plan's runs: the one run, or of both modes the cheaper in energy, its outputs
 * checked (`check`) and compared with the other's. `second` is the other mode's run, or the InputError it threw.
 */
export function combineModes(plan: ModePlan, first: ModeRun, second: ModeRun | InputError | undefined, check: (r: ModeRun) => CheckOutcome): CostedLayer {
  if (plan.kind === 'one') return kept(first, plan.reason, plan.notRun);
  if (second === undefined) throw new Error('combineModes: both modes planned, one run given');
  if (second instanceof InputError) return kept({ ...first, ...check(first) }, `no ${plan.modes[1]}-mode mapping fits`);
  const [cheaper, dropped] = second.energy.totalJoules < first.energy.totalJoules ? [second, first] : [first, second];
  const ratio = dropped.energy.totalJoules / cheaper.energy.totalJoules;
  const outcome = check(cheaper);
  const differs = cheaper.outputs.findIndex((v, i) => v !== dropped.outputs[i]);
  if (differs >= 0 && outcome.check !== 'skipped') {
    outcome.check = 'fail';
    outcome.checkDetail += `; the ${dropped.mapping.peMode}-mode run differs at output ${differs}`;
  }
  return kept({ ...cheaper, ...outcome }, `lower energy: ${dropped.mapping.peMode} mode costs ${ratio.toFixed(3)}x`, [asRun(dropped)]);
}

/** Simulates the mapper's closest candidates (--candidates) and keeps the fastest, ties to the better estimate. */
function fastestCandidate(
  o: NetworkRunOptions, layer: LayerSpec, iacts: Int16Array, weights: Int8Array, table: EnergyTable, job: ModeJob,
): Omit<CostedLayer, 'peModeChoice'> {
  const hw = o.hw.config;
  const { peMode, check } = job;
  const ranked = rankMappings(toProblem(layer), hw, job.densities, peMode, o.mappingCache, objectiveOf(o, table));
  const networkInput = o.trace.layers[0]?.name === layer.name && layer.inputs.length === 0;
  const tried: MappingChoice['candidates'] = [];
  let best: LayerResult | null = null;
  let runnerUp: LayerResult | null = null;
  for (const c of ranked) {
    if (tried.length === o.candidates! || c.estimatedCycles > CANDIDATES_WITHIN * ranked[0]!.estimatedCycles) break;
    let r: LayerResult;
    try {
      r = simulateLayer(hw, layer, iacts, weights, { engine: o.engine, mapping: c.mapping, networkInput, check: false });
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      tried.push({ mapping: formatMapping(c.mapping), estimatedCycles: c.estimatedCycles, cycles: null, why: e.message });
      continue;
    }
    r.estimatedCycles = c.estimatedCycles;
    tried.push({ mapping: r.mappingText, estimatedCycles: c.estimatedCycles, cycles: r.cycles });
    if (!best || r.cycles < best.cycles) [best, runnerUp] = [r, best];
    else if (!runnerUp || r.cycles < runnerUp.cycles) runnerUp = r;
  }
  // None fitted: the mapper's own search (and its error) decides.
  if (!best) return costLayer(simulateLayer(hw, layer, iacts, weights, { engine: o.engine, networkInput, peMode, check }), o.hw, table);
  const outcome = check ? checkOutputs(hw, layer, iacts, weights, best.outputs) : {};
  return {
    ...costLayer({ ...best, ...outcome }, o.hw, table),
    mappingChoice: { picked: best.mappingText, runnerUp: runnerUp?.mappingText ?? null, candidates: tried },
  };
}

/** Simulates a layer in the PE mode the options ask for, or (auto) in both and keeps the cheaper in energy. */
function simulateInMode(o: NetworkRunOptions, layer: LayerSpec, iacts: Int16Array, weights: Int8Array, table: EnergyTable): CostedLayer {
  const plan = planModes(o, layer, iacts, weights, table);
  const [job1, job2] = modeJobs(plan, o.check);
  const first = runMode(o, layer, iacts, weights, table, job1!);
  let second: ModeRun | InputError | undefined;
  if (job2) {
    try {
      second = runMode(o, layer, iacts, weights, table, job2);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      second = e;
    }
  }
  return combineModes(plan, first, second, (r) => checked(o, layer, iacts, weights, r));
}

export function checked(o: NetworkRunOptions, layer: LayerSpec, iacts: Int16Array, weights: Int8Array, r: LayerResult): CheckOutcome {
  return o.check ? checkOutputs(o.hw.config, layer, iacts, weights, r.outputs) : { check: r.check, checkDetail: r.checkDetail, psumOverflows: r.psumOverflows };
}

/** The per-cycle activity of a simulated layer's PEs and clusters: what computeEnergy's per-cycle terms need. */
export function layerActivity(r: LayerResult, hw: HwConfig): Activity {
  const clusters = hw.array.clusterRows * hw.array.clusterCols;
  return {
    cycles: r.cycles,
    numPes: clusters * hw.array.peRowsPerCluster * hw.array.peColsPerCluster,
    peActiveCycles: r.peBusyCycles,
    clusterActiveCycles: r.clusterBusyCycles.reduce((a, b) => a + b, 0),
    numClusters: clusters,
    activePes: r.activePes,
    activeClusters: r.clusterBusyCycles.filter((c) => c > 0).length,
  };
}

/** A layer's energy from its access counts and the per-cycle activity of its PEs and clusters. */
function costLayer(r: LayerResult, loaded: LoadedHwConfig, table: EnergyTable): Omit<CostedLayer, 'peModeChoice'> {
  const hw = loaded.config;
  const activity = layerActivity(r, hw);
  const energy = computeEnergy(r.counts.toReport(), activity, table, hw.clockMHz);
  return { ...r, energy, activity, latencySeconds: r.cycles / (hw.clockMHz * 1e6) };
}

/**
 * The activations flowing through the trace's `inputs` DAG when a run propagates them: every layer up to the last
 * chosen one, in trace order, each output kept until its last reader is done. On-chip outputs are the simulator's
 * own psums (never recomputed), requantised once; off-chip layers run on the reference path.
 */
class ActivationFlow {
  /** The layers to walk, batch applied. */
  readonly layers: LayerSpec[];
  private readonly outputs = new Map<string, Int16Array>();
  private readonly lastReader = new Map<string, number>();
  private readonly sources = new Map<string, string[]>();
  private step = 0;

  constructor(o: NetworkRunOptions, chosen: LayerSpec[]) {
    const N = chosen[0]?.N ?? o.batch ?? o.trace.batch;
    const last = Math.max(-1, ...chosen.map((c) => o.trace.layers.findIndex((l) => l.name === c.name)));
    this.layers = o.trace.layers.slice(0, last + 1).map((l) => ({ ...l, N }));
    this.layers.forEach((l, i) => {
      // No inputs named: the previous layer, or the network input for the first.
      const srcs = l.inputs.length ? l.inputs : [i === 0 ? NETWORK_INPUT : this.layers[i - 1]!.name];
      this.sources.set(l.name, srcs);
      for (const s of srcs) this.lastReader.set(s, i);
    });
    this.outputs.set(NETWORK_INPUT, networkInput(o, this.layers[0], N));
  }

  iactsOf(layer: LayerSpec): Int16Array {
    return this.read(layer)[0]!;
  }

  offChip(layer: LayerSpec): void {
    this.done(layer, offChipLayer(layer, this.read(layer)));
  }

  onChipDone(layer: LayerSpec, psums: Int32Array): void {
    this.done(layer, reluRequantise(psums, layer.N));
  }

  private read(layer: LayerSpec): Int16Array[] {
    return this.sources.get(layer.name)!.map((s) => this.outputs.get(s)!);
  }

  private done(layer: LayerSpec, output: Int16Array): void {
    for (const s of this.sources.get(layer.name)!) if (this.lastReader.get(s) === this.step) this.outputs.delete(s);
    if (this.lastReader.has(layer.name)) this.outputs.set(layer.name, output);
    this.step++;
  }
}

const NETWORK_INPUT = '\0input';

/** The given input (one image for all, or one per image), the trace's first-layer iacts, or a synthetic image each. */
function networkInput(o: NetworkRunOptions, first: LayerSpec | undefined, N: number): Int16Array {
  if (!first) return new Int16Array(0);
  const size = first.C * first.H * first.W;
  if (o.input) {
    const images = o.input.length / size;
    if (images !== 1 && images !== N) {
      throw new InputError(`--input: ${images} images of ${o.trace.inputShape.join('x')}, expected 1 (for every image) or the batch, ${N}`);
    }
    if (images === N) return o.input;
    const all = new Int16Array(N * size);
    for (let n = 0; n < N; n++) all.set(o.input, n * size);
    return all;
  }
  const given = N === o.trace.batch ? o.trace.tensors.get(first.name)?.iacts : undefined;
  if (given) return given;
  const all = new Int16Array(N * size);
  for (let n = 0; n < N; n++) all.set(synthesizeIacts({ ...first, N: 1 }, o.seed, n), n * size);
  return all;
}
