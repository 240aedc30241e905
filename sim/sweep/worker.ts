/**
 * A sweep worker thread: simulates the points the runner sends, one at a time. Traces and energy tables are
 * loaded once per worker and reused by every point (only the density edits and the config differ).
 */
import { parentPort } from 'node:worker_threads';
import { type EnergyTable, loadEnergyTable } from '../energy/energy-table.js';
import { buildJsonReport } from '../report/json-report.js';
import type { MappingCache } from '../mapping/mapper.js';
import { layerTensors, runNetwork, selectLayers } from '../run/network.js';
import { type LoadedTrace, loadTrace } from '../workloads/trace.js';
import { type Metrics, metricsOfReport } from './results.js';
import { applyDensityEdits, type PointJob } from './spec.js';

export type WorkerReply =
  | { ok: true; key: string; metrics: Metrics[]; wallSeconds: number }
  | { ok: false; key: string; name: string; message: string };

const traces = new Map<string, LoadedTrace>();
const tables = new Map<string, EnergyTable>();
/** Mapper rankings shared by this worker's points (bandwidth or density sweeps repeat the same layers). */
const mappingCache: MappingCache = new Map();

/** The data of the last (trace, density edits, seed, batch, layers) this worker ran, tensors included. */
let last: { id: string; trace: LoadedTrace } | undefined;

/**
 * The point's trace with every simulated layer's tensors filled in. Synthesising them costs up to a fifth of a
 * point (AlexNet: ~8 s), and bandwidth or array sweeps use the same tensors at every point, so they are made once
 * and passed to runNetwork as pinned tensors, chosen by runNetwork's own rule (layerTensors), so results are
 * bit-identical (test/sweep/run.test.ts compares a point with a plain runNetwork).
 */
function pointTrace(job: PointJob): LoadedTrace {
  const id = JSON.stringify([job.traceFile, job.edits, job.seed, job.batch ?? null, job.layers ?? null]);
  if (last?.id === id) return last.trace;
  last = undefined; // let the previous tensors go before making new ones
  let base = traces.get(job.traceFile);
  if (!base) traces.set(job.traceFile, (base = loadTrace(job.traceFile)));
  const trace = applyDensityEdits(base, job.edits);
  const batch = job.batch ?? trace.batch;
  const tensors = new Map(trace.tensors);
  for (const layer of selectLayers(trace, job.layers, job.batch).onChip) tensors.set(layer.name, layerTensors(trace, layer, job.seed));
  last = { id, trace: { ...trace, batch, tensors } };
  return last.trace;
}

/** Simulates one point (a full runNetwork) and returns its metric rows. */
export function runPoint(job: PointJob): { metrics: Metrics[]; wallSeconds: number } {
  const name = job.hw.config.energyTable;
  let energyTable = tables.get(name);
  if (!energyTable) tables.set(name, (energyTable = loadEnergyTable(name)));
  const trace = pointTrace(job);
  const run = runNetwork({
    hw: job.hw, trace, layers: job.layers, batch: job.batch, seed: job.seed, engine: 'event', check: job.check, energyTable, peMode: job.peMode,
    mappingCache,
  });
  return { metrics: metricsOfReport(buildJsonReport(run, job.hw, trace, job.seed, 'event')), wallSeconds: run.wallSeconds };
}

parentPort?.on('message', (job: PointJob) => {
  let reply: WorkerReply;
  try {
    reply = { ok: true, key: job.key, ...runPoint(job) };
  } catch (err) {
    // Errors cross the thread boundary as plain data; the runner rebuilds InputError/SimulationError by name.
    const e = err instanceof Error ? err : new Error(String(err));
    reply = { ok: false, key: job.key, name: e.name, message: e.message };
  }
  parentPort!.postMessage(reply);
});
