import type { LoadedHwConfig } from '../config/hw-config.js';
import { computeEnergy, type EnergyBreakdown } from '../energy/energy-model.js';
import { type EnergyTable, loadEnergyTable } from '../energy/energy-table.js';
import type { EngineKind } from '../engine/simulator.js';
import { InputError } from '../errors.js';
import type { Mapping } from '../mapping/mapping.js';
import { isOnChip, type LayerSpec } from '../workloads/layer.js';
import { synthesizeLayerTensors } from '../workloads/tensors.js';
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
  onLayerDone?: (done: number, total: number, result: LayerResult) => void;
}

export interface SimulatedLayer extends LayerResult {
  energy: EnergyBreakdown;
  latencySeconds: number;
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
 * §II): each layer's data synthesised from its densities and seed (or taken from the trace's tensors),
 * simulated, checked, and costed with the energy table.
 */
export function runNetwork(o: NetworkRunOptions): NetworkResult {
  const started = performance.now();
  const hw = o.hw.config;
  const energyTable = o.energyTable ?? loadEnergyTable(hw.energyTable);
  const { onChip, offChip } = selectLayers(o.trace, o.layers, o.batch);
  const results: SimulatedLayer[] = [];
  let events = 0;
  for (const layer of onChip) {
    // Tensors pinned by the trace win; iacts only while the batch is the trace's own.
    const given = o.trace.tensors.get(layer.name);
    const givenIacts = layer.N === o.trace.batch ? given?.iacts : undefined;
    const synthetic = givenIacts && given?.weights ? null : synthesizeLayerTensors(layer, o.seed);
    const iacts = givenIacts ?? synthetic!.iacts;
    const weights = given?.weights ?? synthetic!.weights;
    const r = simulateLayer(hw, layer, iacts, weights, { engine: o.engine, check: o.check, mapping: o.mappings?.get(layer.name) });
    events += r.events;
    const clusters = hw.array.clusterRows * hw.array.clusterCols;
    const energy = computeEnergy(r.counts.toReport(), {
      cycles: r.cycles,
      numPes: clusters * hw.array.peRowsPerCluster * hw.array.peColsPerCluster,
      peActiveCycles: r.peBusyCycles,
      clusterActiveCycles: r.clusterBusyCycles.reduce((a, b) => a + b, 0),
      numClusters: clusters,
    }, energyTable, hw.clockMHz);
    results.push({ ...r, energy, latencySeconds: r.cycles / (hw.clockMHz * 1e6) });
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
