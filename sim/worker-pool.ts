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

/** Runs `jobs` on up to `threads` workers made by `spawn`; resolves when all have replied. */
export async function runWorkerPool<J, R>(jobs: readonly J[], threads: number, spawn: () => Worker, hooks: PoolHooks<J, R>): Promise<void> {
  const queue = [...jobs];
  const workers = Array.from({ length: Math.min(threads, jobs.length) }, spawn);
  try {
    await Promise.all(workers.map((w) => new Promise<void>((resolve, reject) => {
      let current: J | undefined;
      const next = (): void => {
        current = queue.shift();
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
