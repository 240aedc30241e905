/**
 * A pool of worker threads running independent jobs: each worker takes the next job when it replies, an idle
 * worker is ended at once (a large sweep point's heap is gigabytes), and the first failure stops them all. Used by
 * sweeps (points) and threaded network runs (layers and PE modes).
 */
import type { Worker } from 'node:worker_threads';

export interface PoolHooks<J, R> {
  /** Takes a worker's reply to `job`; throwing stops the pool with that error. */
  onReply: (job: J, reply: R) => void;
  /** The error to stop with when a worker fails or exits while running `job` (undefined: between jobs). */
  onCrash: (job: J | undefined, err: unknown) => Error;
}

/**
 * Jobs made as workers ask for them: `take` gives the next (undefined: none left); `atLeast` is how many there
 * will be at least (the pool starts no more workers than that).
 */
export interface JobSource<J> {
  atLeast: number;
  take: () => J | undefined;
}

function arraySource<J>(jobs: readonly J[]): JobSource<J> {
  const queue = [...jobs];
  return { atLeast: queue.length, take: () => queue.shift() };
}

/** Runs `jobs` on up to `threads` workers made by `spawn`; resolves when all have replied. */
export async function runWorkerPool<J, R>(jobs: readonly J[] | JobSource<J>, threads: number, spawn: () => Worker, hooks: PoolHooks<J, R>): Promise<void> {
  const source = Array.isArray(jobs) ? arraySource(jobs as readonly J[]) : (jobs as JobSource<J>);
  const workers = Array.from({ length: Math.min(threads, source.atLeast) }, spawn);
  try {
    await Promise.all(workers.map((w) => new Promise<void>((resolve, reject) => {
      let current: J | undefined;
      const next = (): void => {
        try {
          current = source.take();
        } catch (err) {
          reject(err);
          return;
        }
        if (current !== undefined) w.postMessage(current);
        else void w.terminate().then(() => resolve(), reject);
      };
      w.on('message', (m: R) => {
        try {
          const job = current!;
          current = undefined;
          hooks.onReply(job, m);
          next();
        } catch (err) {
          reject(err);
        }
      });
      w.on('error', (err) => reject(hooks.onCrash(current, err)));
      w.on('exit', (code) => {
        if (current !== undefined) reject(hooks.onCrash(current, new Error(`the worker stopped (exit code ${code})`)));
      });
      next();
    })));
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
