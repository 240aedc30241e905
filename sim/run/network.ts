import type { LoadedHwConfig } from '../config/hw-config.js';
import { type Activity, computeEnergy, type EnergyBreakdown } from '../energy/energy-model.js';
import { type EnergyTable, loadEnergyTable } from '../energy/energy-table.js';
import type { EngineKind } from '../engine/simulator.js';
import { InputError } from '../errors.js';
import type { Mapping } from '../mapping/mapping.js';
import { offChipLayer, reluRequantise } from '../reference/offchip-ops.js';
import { referenceConv, wrapArrayToBits } from '../reference/conv.js';
import { isOnChip, type LayerSpec } from '../workloads/layer.js';
import { synthesizeIacts, synthesizeWeights } from '../workloads/tensors.js';
import type { LoadedTrace } from '../workloads/trace.js';
import { type LayerResult, simulateLayer } from './layer-sim.js';

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
   * Feed each layer the previous layers' actual outputs (ReLU + requantisation, off-chip layers on the reference
   * path; rules in sim/reference/offchip-ops.ts) instead of synthetic iacts.
   */
  propagate?: boolean;
  /** With propagate: the network input, C*H*W values for every image or N*C*H*W (default: a synthetic image each). */
  input?: Int16Array;
  onLayerDone?: (done: number, total: number, result: LayerResult) => void;
}

export interface SimulatedLayer extends LayerResult {
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
    // Tensors pinned by the trace win; iacts only while the batch is the trace's own.
    const given = o.trace.tensors.get(layer.name);
    const iacts = flow?.iactsOf(layer) ?? (layer.N === o.trace.batch ? given?.iacts : undefined) ?? synthesizeIacts(layer, o.seed);
    const weights = given?.weights ?? synthesizeWeights(layer, o.seed);
    if (!simulated.has(layer.name)) {
      // Upstream of the chosen --layers: only its outputs are needed, from the reference convolution.
      flow!.onChipDone(layer, wrapArrayToBits(referenceConv(layer, iacts, weights), hw.precision.psumBits));
      continue;
    }
    const r = simulateLayer(hw, layer, iacts, weights, {
      engine: o.engine, check: o.check, mapping: o.mappings?.get(layer.name),
      networkInput: o.trace.layers[0]?.name === layer.name && layer.inputs.length === 0,
    });
    flow?.onChipDone(layer, r.outputs);
    events += r.events;
    const clusters = hw.array.clusterRows * hw.array.clusterCols;
    const activity: Activity = {
      cycles: r.cycles,
      numPes: clusters * hw.array.peRowsPerCluster * hw.array.peColsPerCluster,
      peActiveCycles: r.peBusyCycles,
      clusterActiveCycles: r.clusterBusyCycles.reduce((a, b) => a + b, 0),
      numClusters: clusters,
    };
    const energy = computeEnergy(r.counts.toReport(), activity, energyTable, hw.clockMHz);
    results.push({
      ...r, energy, activity, latencySeconds: r.cycles / (hw.clockMHz * 1e6),
      iactDensityAssumed: layer.iactDensity, iactDensityMeasured: density(iacts),
    });
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
