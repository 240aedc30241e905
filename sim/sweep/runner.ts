/**
 * Runs a planned sweep on worker threads: the points of this shard whose key has no stored result yet, each
 * saved as it finishes (resume), then the rows of every point of the shard in point order.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { EnvironmentError, errnoCode, InputError, SimulationError } from '../errors.js';
import { runWorkerPool } from '../worker-pool.js';
import { SweepOut } from './out-dir.js';
import { isTotalRow, type Metrics, readPoints, readResults, type ResultRow, savePoint, writeResults } from './results.js';
import { describeParams, type PointJob, type SweepPlan, type SweepPoint } from './spec.js';
import type { WorkerReply } from './worker.js';

export interface Shard {
  /** 1-based shard number. */
  k: number;
  n: number;
}

export interface SweepRunOptions {
  /** Directory for results and the per-point store; without it nothing is stored and nothing resumed. */
  out?: string;
  shard?: Shard;
  /** Worker threads; default: the machine's available parallelism. */
  jobs?: number;
  /** Heap limit of each worker in MB (default: Node's); a worker that runs out fails the sweep naming its point (exit 4). */
  workerHeapMb?: number;
  /** Called after each simulated point: simulated so far, and how many need simulating. */
  onProgress?: (done: number, total: number) => void;
}

export interface SweepOutcome {
  rows: ResultRow[];
  /** Points of this shard. */
  points: number;
  /** Simulations run now (points sharing a key run once). */
  ran: number;
  /** Points whose result came from the store. */
  reused: number;
}

/** The points of shard K of N: every N-th point, starting at index K-1. */
export function shardPoints(points: readonly SweepPoint[], shard?: Shard): SweepPoint[] {
  return shard ? points.filter((p) => p.index % shard.n === shard.k - 1) : [...points];
}

function workerUrl(): URL {
  // Compiled, the worker is JS beside this file; from sources (vitest) a tiny .mjs registers the TS loader first.
  return import.meta.url.endsWith('.ts') ? new URL('./worker-from-source.mjs', import.meta.url) : new URL('./worker.js', import.meta.url);
}

/** Results files are rewritten as points finish, at most this often (a big sweep has thousands of points). */
const RESULTS_EVERY_MS = 2000;

export async function runSweep(plan: SweepPlan, o: SweepRunOptions = {}): Promise<SweepOutcome> {
  const points = shardPoints(plan.points, o.shard);
  const out = o.out === undefined ? undefined : SweepOut.open(o.out, {
    sweep: plan.sha256, file: plan.file, points: plan.points.length, shardPoints: points.length,
    shard: o.shard ? `${o.shard.k}/${o.shard.n}` : null,
  }, () => sweepsIn(o.out!));
  let finished = false;
  try {
    const outcome = await runPoints(plan, points, o, out);
    finished = true;
    return outcome;
  } finally {
    out?.close(finished ? 'finished' : 'stopped');
  }
}

/** The sweep hashes of the rows of DIR/results.jsonl, if any. */
function sweepsIn(dir: string): Set<string> {
  try {
    return new Set(readResults(dir).rows.map((r) => r.sweep));
  } catch {
    return new Set();
  }
}

async function runPoints(plan: SweepPlan, points: SweepPoint[], o: SweepRunOptions, out: SweepOut | undefined): Promise<SweepOutcome> {
  const done: Map<string, Metrics[]> = o.out ? readPoints(o.out) : new Map();
  const reused = points.filter((p) => done.has(p.key)).length;
  // One simulation per key: two points with the same edited config and trace share it.
  const todo = [...new Map(points.filter((p) => !done.has(p.key)).map((p) => [p.key, p])).values()];
  const byKey = new Map(points.map((p) => [p.key, p]));
  const rowsSoFar = (): ResultRow[] => points.filter((p) => done.has(p.key)).flatMap((p) => done.get(p.key)!.map((m): ResultRow => ({
    point: p.index, key: p.key, sweep: plan.sha256, trace: p.traceName, hw: p.hwName, seed: p.seed, batch: p.runBatch, pes: p.pes, params: p.params, ...m,
  })));
  const save = (): void => {
    if (!o.out) return;
    writeResults(o.out, rowsSoFar(), plan.paramNames);
    out?.progress(points.filter((p) => done.has(p.key)).length);
  };
  const describe = (job: PointJob): string => {
    const p = byKey.get(job.key)!;
    return `${plan.file}: point ${p.index} (${describeParams(p.params) || 'base config'}, trace ${p.traceName})`;
  };
  let ran = 0;
  let savedAt = -Infinity; // the first finished point is saved at once
  try {
    if (todo.length) {
      const jobs: PointJob[] = todo.map((p) => ({
        index: p.index, key: p.key, hw: p.hw, traceFile: p.traceFile, edits: p.edits, seed: p.seed, batch: p.batch,
        layers: p.layers, check: p.check, peMode: p.peMode,
      }));
      o.onProgress?.(0, jobs.length);
      const resourceLimits = o.workerHeapMb === undefined ? undefined : { maxOldGenerationSizeMb: o.workerHeapMb };
      const failure = (job: PointJob, name: string, message: string): Error => {
        const text = `${describe(job)}: ${message}`;
        return name === 'InputError' ? new InputError(text) : name === 'SimulationError' ? new SimulationError(text)
          : name === 'EnvironmentError' ? new EnvironmentError(text) : new Error(text);
      };
      await runWorkerPool<PointJob, WorkerReply>(jobs, o.jobs ?? availableParallelism(), () => new Worker(workerUrl(), { resourceLimits }), { onReply: (job, r) => {
        if (!r.ok) throw failure(job, r.name, r.message);
        done.set(job.key, r.metrics);
        if (o.out) savePoint(o.out, job.key, r.metrics, r.wallSeconds);
        ran++; // not inside the call below: `?.` skips evaluating arguments when there is no callback
        if (performance.now() - savedAt > RESULTS_EVERY_MS) {
          save();
          savedAt = performance.now();
        }
        o.onProgress?.(ran, jobs.length);
      }, onCrash: (job, err) => {
        const where = job ? describe(job) : plan.file;
        const oom = errnoCode(err) === 'ERR_WORKER_OUT_OF_MEMORY';
        return new EnvironmentError(`${where}: ${oom ? 'the worker ran out of memory' : err instanceof Error ? err.message : String(err)}; run fewer --jobs, or a smaller point`);
      } });
    }
  } finally {
    // Whatever finished is kept in the results files, so a stopped sweep can still be reported.
    save();
  }
  const rows = rowsSoFar();
  const failed = rows.filter((r) => !isTotalRow(r) && r.check === 'fail');
  if (failed.length) {
    throw new SimulationError(`outputs differ from the reference in ${failed.map((r) => `point ${r.point} ${r.layer}`).join(', ')}`);
  }
  return { rows, points: points.length, ran, reused };
}
