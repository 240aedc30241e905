/**
 * A layer worker thread (sim/run/parallel.ts): simulates the PE-mode runs of layers the main thread sends,
 * with the same code a serial run uses (runMode), on the tensors the main thread made (layerTensors).
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
import { type ModeJob, type ModeRun, runMode } from './network.js';

export interface LayerWorkerData {
  hw: LoadedHwConfig;
  trace: LoadedTrace;
  energyTable: EnergyTable;
  seed: number;
  engine: EngineKind;
  objective: ObjectiveName | undefined;
  candidates: number | undefined;
}

export interface LayerJob extends ModeJob {
  id: number;
  layer: LayerSpec;
  mapping: Mapping | undefined;
  iacts: Int16Array;
  weights: Int8Array;
}

export type LayerReply =
  | { ok: true; id: number; run: ModeRun; iactDensity: number }
  | { ok: false; id: number; name: string; message: string };

const data = workerData as LayerWorkerData;
// One mapper cache per worker: rankings depend only on their key.
const mappingCache: MappingCache = new Map();

parentPort?.on('message', (job: LayerJob) => {
  let reply: LayerReply;
  try {
    const { iacts, weights } = job;
    const o = {
      hw: data.hw, trace: data.trace, seed: data.seed, engine: data.engine, check: job.check, mappingCache, objective: data.objective, candidates: data.candidates,
      mappings: job.mapping ? new Map([[job.layer.name, job.mapping]]) : undefined,
    };
    reply = { ok: true, id: job.id, run: runMode(o, job.layer, iacts, weights, data.energyTable, job), iactDensity: nonZeroFraction(iacts) };
  } catch (err) {
    // Errors cross the thread boundary as plain data; the main thread rebuilds InputError/SimulationError by name.
    const e = err instanceof Error ? err : new Error(String(err));
    reply = { ok: false, id: job.id, name: e.name, message: e.message };
  }
  parentPort!.postMessage(reply);
});
