/**
 * A layer worker thread (sim/run/parallel.ts): simulates what the main thread sends with the same code a serial
 * run uses: one PE-mode run of a layer on the main thread's tensors (runMode), or a whole layer, its tensors
 * made here (layerTensors) and its modes planned, simulated and combined here (simulateInMode).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { LoadedHwConfig } from '../config/hw-config.js';
import type { EnergyTable } from '../energy/energy-table.js';
import type { EngineKind } from '../engine/simulator.js';
import type { Mapping } from '../mapping/mapping.js';
import type { MappingCache } from '../mapping/mapper.js';
import type { ObjectiveName } from '../mapping/objective.js';
import type { LayerSpec } from '../workloads/layer.js';
import type { LoadedTrace } from '../workloads/trace.js';
import { nonZeroFraction } from '../workloads/tensors.js';
import { type CostedLayer, type ModeJob, type ModeRun, layerTensors, runMode, simulateInMode } from './network.js';

export interface LayerWorkerData {
  hw: LoadedHwConfig;
  trace: LoadedTrace;
  energyTable: EnergyTable;
  seed: number;
  engine: EngineKind;
  objective: ObjectiveName | undefined;
  candidates: number | undefined;
}

/** One PE mode of a layer, on tensors the main thread made. */
export interface ModeLayerJob extends ModeJob {
  kind: 'mode';
  id: number;
  layer: LayerSpec;
  mapping: Mapping | undefined;
  iacts: Int16Array;
  weights: Int8Array;
}

/** A whole layer: its tensors, mode plan, runs and their combination, all in the worker. */
export interface WholeLayerJob {
  kind: 'layer';
  id: number;
  layer: LayerSpec;
  mapping: Mapping | undefined;
  check: boolean;
}

export type LayerJob = ModeLayerJob | WholeLayerJob;

/** A run, and for a whole layer the choice of its PE mode. */
export type LayerReply =
  | { ok: true; id: number; run: ModeRun; peModeChoice?: CostedLayer['peModeChoice']; iactDensity: number }
  | { ok: false; id: number; name: string; message: string };

const data = workerData as LayerWorkerData;
// One mapper cache per worker: rankings depend only on their key.
const mappingCache: MappingCache = new Map();

parentPort?.on('message', (job: LayerJob) => {
  let reply: LayerReply;
  try {
    const o = {
      hw: data.hw, trace: data.trace, seed: data.seed, engine: data.engine, check: job.check, mappingCache, objective: data.objective, candidates: data.candidates,
      mappings: job.mapping ? new Map([[job.layer.name, job.mapping]]) : undefined,
    };
    if (job.kind === 'mode') {
      reply = { ok: true, id: job.id, run: runMode(o, job.layer, job.iacts, job.weights, data.energyTable, job), iactDensity: nonZeroFraction(job.iacts) };
    } else {
      const { iacts, weights } = layerTensors(data.trace, job.layer, data.seed);
      const { peModeChoice, ...run } = simulateInMode(o, job.layer, iacts, weights, data.energyTable);
      reply = { ok: true, id: job.id, run, peModeChoice, iactDensity: nonZeroFraction(iacts) };
    }
  } catch (err) {
    // Errors cross the thread boundary as plain data; the main thread rebuilds InputError/SimulationError by name.
    const e = err instanceof Error ? err : new Error(String(err));
    reply = { ok: false, id: job.id, name: e.name, message: e.message };
  }
  parentPort!.postMessage(reply);
});
