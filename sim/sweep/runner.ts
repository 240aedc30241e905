/**
 * Runs a planned sweep on worker threads: the points of this shard whose key has no stored result yet, each
 * saved as it finishes (resume), then the rows of every point of the shard in point order.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { InputError, SimulationError } from '../errors.js';
import { type Metrics, readPoints, type ResultRow, savePoint, writeResults } from './results.js';
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

/** Runs jobs on up to `threads` workers, calling onDone as each finishes; the first failure stops them all. */
async function runPool(jobs: PointJob[], threads: number, onDone: (job: PointJob, r: Extract<WorkerReply, { ok: true }>) => void,
  onError: (job: PointJob, name: string, message: string) => Error): Promise<void> {
  const queue = [...jobs];
  const workers = Array.from({ length: Math.min(threads, jobs.length) }, () => new Worker(workerUrl()));
  try {
    await Promise.all(workers.map((w) => new Promise<void>((resolve, reject) => {
      let current: PointJob | undefined;
      const next = (): void => {
        current = queue.shift();
        if (current) w.postMessage(current);
        // An idle worker still holds its heap (a 16384-PE point's is gigabytes): end it now, not with the last.
        else void w.terminate().then(() => resolve(), reject);
      };
      w.on('message', (m: WorkerReply) => {
        try {
          if (!m.ok) throw onError(current!, m.name, m.message);
          onDone(current!, m);
          next();
        } catch (err) {
          reject(err);
        }
      });
      w.on('error', reject);
      w.on('exit', (code) => {
        if (current) reject(new Error(`sweep worker stopped (exit code ${code})`));
      });
      next();
    })));
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

export async function runSweep(plan: SweepPlan, o: SweepRunOptions = {}): Promise<SweepOutcome> {
  const points = shardPoints(plan.points, o.shard);
  const done: Map<string, Metrics[]> = o.out ? readPoints(o.out) : new Map();
  const reused = points.filter((p) => done.has(p.key)).length;
  // One simulation per key: two points with the same edited config and trace share it.
  const todo = [...new Map(points.filter((p) => !done.has(p.key)).map((p) => [p.key, p])).values()];
  const byKey = new Map(points.map((p) => [p.key, p]));
  let ran = 0;
  if (todo.length) {
    const jobs: PointJob[] = todo.map((p) => ({
      index: p.index, key: p.key, hw: p.hw, traceFile: p.traceFile, edits: p.edits, seed: p.seed, batch: p.batch,
      layers: p.layers, check: p.check, peMode: p.peMode,
    }));
    o.onProgress?.(0, jobs.length);
    await runPool(jobs, o.jobs ?? availableParallelism(), (job, r) => {
      done.set(job.key, r.metrics);
      if (o.out) savePoint(o.out, job.key, r.metrics, r.wallSeconds);
      ran++; // not inside the call below: `?.` skips evaluating arguments when there is no callback
      o.onProgress?.(ran, jobs.length);
    }, (job, name, message) => {
      const p = byKey.get(job.key)!;
      const text = `${plan.file}: point ${p.index} (${describeParams(p.params) || 'base config'}, trace ${p.traceName}): ${message}`;
      return name === 'InputError' ? new InputError(text) : name === 'SimulationError' ? new SimulationError(text) : new Error(text);
    });
  }
  const rows = points.flatMap((p) => done.get(p.key)!.map((m): ResultRow => ({
    point: p.index, key: p.key, trace: p.traceName, hw: p.hwName, seed: p.seed, batch: p.runBatch, pes: p.pes, params: p.params, ...m,
  })));
  if (o.out) writeResults(o.out, rows, plan.paramNames);
  const failed = rows.filter((r) => r.layer !== 'total' && r.check === 'fail');
  if (failed.length) {
    throw new InputError(`outputs differ from the reference in ${failed.map((r) => `point ${r.point} ${r.layer}`).join(', ')}`);
  }
  return { rows, points: points.length, ran, reused };
}
