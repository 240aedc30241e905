import type { LoadedHwConfig } from '../config/hw-config.js';
import { type Activity, computeEnergy, type EnergyBreakdown } from '../energy/energy-model.js';
import { type EnergyTable, loadEnergyTable } from '../energy/energy-table.js';
import type { EngineKind } from '../engine/simulator.js';
import { InputError } from '../errors.js';
import { type Mapping, formatMapping } from '../mapping/mapping.js';
import { offChipLayer, reluRequantise } from '../reference/offchip-ops.js';
import { referenceConv, wrapArrayToBits } from '../reference/conv.js';
import { isOnChip, type LayerSpec } from '../workloads/layer.js';
import { synthesizeIacts, synthesizeWeights } from '../workloads/tensors.js';
import type { LoadedTrace } from '../workloads/trace.js';
import { type CheckOutcome, checkOutputs, type LayerResult, simulateLayer } from './layer-sim.js';
import { peModes } from '../mapping/constraints.js';
import { rankMappings } from '../mapping/mapper.js';
import { toProblem } from '../mapping/problem.js';

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
export function runNetwork(o: NetworkRunOptions): NetworkResult {
  const started = performance.now();
  const hw = o.hw.config;
  const energyTable = o.energyTable ?? loadEnergyTable(hw.energyTable);
  const { onChip, offChip } = selectLayers(o.trace, o.layers, o.batch);
  const flow = o.propagate ? new ActivationFlow(o, onChip) : null;
  const results: SimulatedLayer[] = [];
  let events = 0;
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
    events += r.events;
    results.push({ ...r, iactDensityAssumed: layer.iactDensity, iactDensityMeasured: density(iacts) });
    o.onLayerDone?.(results.length, onChip.length, r);
  }
  return {
    batch: onChip[0]?.N ?? o.batch ?? o.trace.batch,
    layers: results,
    offChip: offChip.map((l) => ({ name: l.name, type: l.type })),
    energyTable,
    wallSeconds: (performance.now() - started) / 1000,
    events,
  };
}

type CostedLayer = Omit<SimulatedLayer, 'iactDensityAssumed' | 'iactDensityMeasured'>;

/** Simulates a layer in the PE mode the options ask for, or (auto) in both and keeps the cheaper in energy. */
function simulateInMode(o: NetworkRunOptions, layer: LayerSpec, iacts: Int16Array, weights: Int8Array, table: EnergyTable): CostedLayer {
  const hw = o.hw.config;
  const pinned = o.mappings?.get(layer.name);
  const base = { engine: o.engine, mapping: pinned, networkInput: o.trace.layers[0]?.name === layer.name && layer.inputs.length === 0 };
  const run = (peMode: Mapping['peMode'] | undefined, check: boolean): Omit<CostedLayer, 'peModeChoice'> =>
    pinned || (o.candidates ?? 1) <= 1
      ? costLayer(simulateLayer(hw, layer, iacts, weights, { ...base, peMode, check }), o.hw, table)
      : fastestCandidate(o, layer, iacts, weights, table, peMode, check);
  const asRun = (r: Omit<CostedLayer, 'peModeChoice'>): PeModeRun => ({
    peMode: r.mapping.peMode, simulated: true, estimatedCycles: r.estimatedCycles, cycles: r.cycles,
    energyJoules: r.energy.totalJoules, metadataBits: r.counts.metadataBits.reduce((a, b) => a + b, 0),
  });
  const kept = (r: Omit<CostedLayer, 'peModeChoice'>, reason: string, others: PeModeRun[] = []): CostedLayer =>
    ({ ...r, peModeChoice: { picked: r.mapping.peMode, reason, runs: [asRun(r), ...others] } });
  const mode = o.peMode ?? 'auto';
  if (pinned || peModes(hw).length === 1 || mode !== 'auto') {
    const r = run(pinned || mode === 'auto' ? undefined : mode, o.check);
    return kept(r, pinned ? 'the pinned mapping\'s mode' : peModes(hw).length === 1 ? `the ${hw.pe.type} PE has one mode` : `--pe-mode ${mode}`);
  }
  const p = toProblem(layer);
  const dens = { iact: layer.iactDensity, weight: layer.weightDensity };
  const estimates = peModes(hw).map((m) => ({ peMode: m, cycles: rankMappings(p, hw, dens, m)[0]?.estimatedCycles ?? Infinity }));
  estimates.sort((a, b) => a.cycles - b.cycles);
  const [best, other] = estimates as [typeof estimates[0], typeof estimates[0]];
  const notRun = (why: string): CostedLayer => kept(run(best.peMode, o.check), why, [{
    peMode: other.peMode, simulated: false, estimatedCycles: Number.isFinite(other.cycles) ? other.cycles : null, cycles: null, energyJoules: null, metadataBits: null,
  }]);
  if (!Number.isFinite(best.cycles)) run(undefined, false); // no mode has a mapping: the mapper's error says why
  if (!Number.isFinite(other.cycles)) return notRun(`no ${other.peMode}-mode mapping fits`);
  if (other.cycles > BOTH_MODES_WITHIN * best.cycles) {
    return notRun(`${other.peMode} mode estimated ${(other.cycles / best.cycles).toFixed(1)}x the cycles; not simulated`);
  }
  // Both simulated unchecked; the kept one is checked against the reference and the other against it.
  const a = run(best.peMode, false);
  let b: Omit<CostedLayer, 'peModeChoice'>;
  try {
    b = run(other.peMode, false);
  } catch (e) {
    if (e instanceof InputError) return kept({ ...a, ...checked(o, layer, iacts, weights, a) }, `no ${other.peMode}-mode mapping fits`);
    throw e;
  }
  const [cheaper, dropped] = b.energy.totalJoules < a.energy.totalJoules ? [b, a] : [a, b];
  const ratio = dropped.energy.totalJoules / cheaper.energy.totalJoules;
  const outcome = checked(o, layer, iacts, weights, cheaper);
  const differs = cheaper.outputs.findIndex((v, i) => v !== dropped.outputs[i]);
  if (differs >= 0 && outcome.check !== 'skipped') {
    outcome.check = 'fail';
    outcome.checkDetail += `; the ${dropped.mapping.peMode}-mode run differs at output ${differs}`;
  }
  return kept({ ...cheaper, ...outcome }, `lower energy: ${dropped.mapping.peMode} mode costs ${ratio.toFixed(3)}x`, [asRun(dropped)]);
}

/** Simulates the mapper's closest candidates (--candidates) and keeps the fastest, ties to the better estimate. */
function fastestCandidate(
  o: NetworkRunOptions, layer: LayerSpec, iacts: Int16Array, weights: Int8Array, table: EnergyTable, peMode: Mapping['peMode'] | undefined, check: boolean,
): Omit<CostedLayer, 'peModeChoice'> {
  const hw = o.hw.config;
  const ranked = rankMappings(toProblem(layer), hw, { iact: layer.iactDensity, weight: layer.weightDensity }, peMode);
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

function checked(o: NetworkRunOptions, layer: LayerSpec, iacts: Int16Array, weights: Int8Array, r: LayerResult): CheckOutcome {
  return o.check ? checkOutputs(o.hw.config, layer, iacts, weights, r.outputs) : { check: r.check, checkDetail: r.checkDetail, psumOverflows: r.psumOverflows };
}

/** A layer's energy from its access counts and the per-cycle activity of its PEs and clusters. */
function costLayer(r: LayerResult, loaded: LoadedHwConfig, table: EnergyTable): Omit<CostedLayer, 'peModeChoice'> {
  const hw = loaded.config;
  const clusters = hw.array.clusterRows * hw.array.clusterCols;
  const activity: Activity = {
    cycles: r.cycles,
    numPes: clusters * hw.array.peRowsPerCluster * hw.array.peColsPerCluster,
    peActiveCycles: r.peBusyCycles,
    clusterActiveCycles: r.clusterBusyCycles.reduce((a, b) => a + b, 0),
    numClusters: clusters,
  };
  const energy = computeEnergy(r.counts.toReport(), activity, table, hw.clockMHz);
  return { ...r, energy, activity, latencySeconds: r.cycles / (hw.clockMHz * 1e6) };
}

function density(values: Int16Array): number {
  let nonZeros = 0;
  for (const v of values) if (v !== 0) nonZeros++;
  return values.length ? nonZeros / values.length : 0;
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
