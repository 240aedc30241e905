/**
 * A network run on worker threads: the PE-mode simulations of all layers (two per layer under `--pe-mode
 * auto` when both are simulated) are independent, so they run on a pool of workers, each with the code of a
 * serial run; the main thread combines them in layer order exactly as runNetwork does, so the result equals a
 * serial run's (test/run/parallel.test.ts compares them). Propagated runs are serial: each layer waits for
 * the outputs of the one before.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { loadEnergyTable } from '../energy/energy-table.js';
import { InputError, SimulationError } from '../errors.js';
import { AccessCounts } from '../stats/access-counts.js';
import { type JobSource, runWorkerPool } from '../worker-pool.js';
import type { LayerJob, LayerReply, LayerWorkerData } from './layer-worker.js';
import {
  checkRunnable, combineModes, type ModePlan, type ModeRun, modeJobs, networkResult, type NetworkResult, type NetworkRunOptions, layerTensors, planModes, runNetwork, selectLayers,
  type SimulatedLayer,
} from './network.js';

function workerUrl(): URL {
  // Compiled, the worker is JS beside this file; from sources (vitest) a tiny .mjs registers the TS loader first.
  return import.meta.url.endsWith('.ts') ? new URL('./layer-worker-from-source.mjs', import.meta.url) : new URL('./layer-worker.js', import.meta.url);
}

function rebuild(name: string, message: string): Error {
  return name === 'InputError' ? new InputError(message) : name === 'SimulationError' ? new SimulationError(message) : new Error(message);
}

/** Runs a network with up to `threads` worker threads (default: the machine's parallelism); see the top comment. */
export async function runNetworkParallel(o: NetworkRunOptions, threads = availableParallelism()): Promise<NetworkResult> {
  if (o.propagate || threads <= 1) return runNetwork(o);
  const started = performance.now();
  const energyTable = o.energyTable ?? loadEnergyTable(o.hw.config.energyTable);
  const { onChip, offChip } = selectLayers(o.trace, o.layers, o.batch);
  const planned: NetworkRunOptions = { ...o, mappingCache: o.mappingCache ?? new Map() };
  checkRunnable(planned, onChip);
  let jobCount = 0; // jobs made so far (their ids); a job's tensors are dropped once it is sent
  const plans: ModePlan[] = [];
  const jobsOf: number[][] = [];
  const pending: LayerJob[] = [];
  // A layer is planned when a worker asks for work and none is left, so its tensors are made and its modes
  // ranked here while the workers simulate the layers before it. The plan ranks with the densities of the
  // layer's data, made once and sent with the jobs (copied: a worker makes no tensors).
  const planNext = (): void => {
    const layer = onChip[jobsOf.length]!;
    const tensors = layerTensors(o.trace, layer, o.seed);
    const plan = planModes(planned, layer, tensors.iacts, tensors.weights, energyTable);
    plans.push(plan);
    jobsOf.push(modeJobs(plan, o.check).map((j) => {
      // Both-mode runs check their own outputs in the worker, so the kept one's check needs nothing here.
      const job: LayerJob = { ...j, check: o.check, id: jobCount++, layer, mapping: o.mappings?.get(layer.name), ...tensors };
      pending.push(job);
      return job.id;
    }));
  };
  if (onChip.length === 1) {
    planNext();
    if (jobCount < 2) return runNetwork({ ...o, energyTable });
  }
  const source: JobSource<LayerJob> = {
    atLeast: Math.max(onChip.length, jobCount),
    take: () => {
      while (pending.length === 0 && jobsOf.length < onChip.length) planNext();
      return pending.shift();
    },
  };
  const replies: (LayerReply | undefined)[] = [];
  const results: SimulatedLayer[] = [];
  // Layers are finished in order as their runs come back (the progress callback sees them in trace order).
  const flush = (): void => {
    while (results.length < onChip.length) {
      const li = results.length;
      const ids = jobsOf[li];
      if (!ids) return;
      const got = ids.map((id) => replies[id]);
      if (got.some((r) => r === undefined)) return;
      const [a, b] = got as LayerReply[];
      if (!a!.ok) throw rebuild(a!.name, a!.message);
      const run = (r: Extract<LayerReply, { ok: true }>): ModeRun => ({ ...r.run, counts: AccessCounts.from(r.run.counts) });
      const second = b === undefined ? undefined : b.ok ? run(b) : b.name === 'InputError' ? new InputError(b.message) : undefined;
      if (b && !b.ok && b.name !== 'InputError') throw rebuild(b.name, b.message);
      const layer = onChip[li]!;
      const r = combineModes(plans[li]!, run(a!), second, (x) => ({ check: x.check, checkDetail: x.checkDetail, psumOverflows: x.psumOverflows }));
      results.push({ ...r, iactDensityAssumed: layer.iactDensity, iactDensityMeasured: a!.iactDensity });
      o.onLayerDone?.(results.length, onChip.length, r);
    }
  };
  const data: LayerWorkerData = { hw: o.hw, trace: o.trace, energyTable, seed: o.seed, engine: o.engine, objective: o.objective, candidates: o.candidates };
  await runWorkerPool<LayerJob, LayerReply>(source, threads, () => new Worker(workerUrl(), { workerData: data }), {
    onReply: (_job, m) => {
      replies[m.id] = m;
      flush();
    },
    onCrash: (_job, err) => (err instanceof Error ? err : new Error(String(err))),
  });
  return networkResult(o, onChip, offChip, results, energyTable, started);
}
