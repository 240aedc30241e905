/**
 * A sweep's output folder holds one sweep's results only, written by one process at a time:
 * - DIR/sweep.lock exists while a sweep writes DIR (created exclusively; it names the process). A second sweep
 *   is refused while that process lives; a lock left by a killed process is taken over.
 * - DIR/sweep.json records which sweep file (its SHA-256) the folder holds, how many points, and whether the
 *   last run finished. A sweep of another file is refused, so results of two sweeps never mix; `report` on a
 *   folder whose last run did not finish says so.
 */
import { hostname } from 'node:os';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileError, InputError } from '../errors.js';
import { writeAll, writeFileAtomic } from '../files.js';

export interface SweepRecord {
  /** SHA-256 of the sweep file. */
  sweep: string;
  file: string;
  /** Points of the whole sweep, and of the shard this folder holds. */
  points: number;
  shardPoints: number;
  shard: string | null;
  status: 'running' | 'finished' | 'stopped';
  /** Points of the shard with results so far. */
  done: number;
  updated: string;
}

interface LockInfo {
  pid: number;
  host: string;
  file: string;
}

const recordFile = (dir: string): string => join(dir, 'sweep.json');
const lockFile = (dir: string): string => join(dir, 'sweep.lock');

/** The folder's record, or null if it has none (a folder of an older version, or not a sweep folder). */
export function readRecord(dir: string): SweepRecord | null {
  try {
    return JSON.parse(readFileSync(recordFile(dir), 'utf8')) as SweepRecord;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The live process holding DIR's lock, or null (no lock, or one left by a process that is gone). */
function lockHolder(dir: string): LockInfo | null {
  let info: LockInfo;
  try {
    info = JSON.parse(readFileSync(lockFile(dir), 'utf8')) as LockInfo;
  } catch {
    return null;
  }
  // Another host's lock (a shared file system) cannot be probed: it counts as held.
  return info.host !== hostname() || alive(info.pid) ? info : null;
}

/** An output folder held by this process for one sweep. */
export class SweepOut {
  private record: SweepRecord;

  private constructor(readonly dir: string, record: SweepRecord) {
    this.record = record;
  }

  /**
   * Takes DIR for a sweep: creates it, takes the lock, refuses a folder holding another sweep's results.
   * `rowsSweeps` are the sweep hashes found in an existing results.jsonl (for folders without a record).
   */
  static open(dir: string, r: Omit<SweepRecord, 'status' | 'done' | 'updated'>, rowsSweeps: () => Set<string>): SweepOut {
    try {
      mkdirSync(dir, { recursive: true });
    } catch (err) {
      throw fileError(`--out ${dir}`, 'create the folder', err);
    }
    takeLock(dir, r.file);
    try {
      const old = readRecord(dir);
      const other = old ? (old.sweep !== r.sweep ? old.file : null) : [...rowsSweeps()].some((s) => s !== r.sweep) ? 'an unrecorded sweep' : null;
      if (other !== null) {
        throw new InputError(`--out ${dir}: holds results of another sweep (${other}), expected results of ${r.file} only; use another --out or delete the folder`);
      }
      const out = new SweepOut(dir, { ...r, status: 'running', done: 0, updated: new Date().toISOString() });
      out.save();
      return out;
    } catch (err) {
      releaseLock(dir);
      throw err;
    }
  }

  progress(done: number): void {
    this.record = { ...this.record, done, updated: new Date().toISOString() };
    this.save();
  }

  /** Records how the run ended and releases the lock. */
  close(status: 'finished' | 'stopped'): void {
    try {
      this.record = { ...this.record, status, updated: new Date().toISOString() };
      this.save();
    } finally {
      releaseLock(this.dir);
    }
  }

  private save(): void {
    writeFileAtomic(recordFile(this.dir), `${JSON.stringify(this.record, null, 2)}\n`);
  }
}

function takeLock(dir: string, file: string): void {
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try {
      fd = openSync(lockFile(dir), 'wx');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw fileError(`--out ${dir}`, 'lock the folder', err);
      const holder = lockHolder(dir);
      if (holder) {
        throw new InputError(`--out ${dir}: another sweep is writing this folder (${holder.file}, process ${holder.pid} on ${holder.host}), expected a folder no sweep is writing; wait for it or use another --out`);
      }
      releaseLock(dir); // left by a process that is gone
      continue;
    }
    try {
      writeAll(fd, JSON.stringify({ pid: process.pid, host: hostname(), file } satisfies LockInfo));
    } finally {
      closeSync(fd);
    }
    return;
  }
  throw new InputError(`--out ${dir}: cannot take the lock ${lockFile(dir)}; another sweep took it first`);
}

function releaseLock(dir: string): void {
  try {
    unlinkSync(lockFile(dir));
  } catch {
    // gone already
  }
}

/** Why the results in DIR may be incomplete, or null when its last sweep finished (or it has no record). */
export function incompleteNote(dir: string): string | null {
  const r = readRecord(dir);
  if (!r || r.status === 'finished') return null;
  const state = r.status === 'running' && existsSync(lockFile(dir)) && lockHolder(dir) ? 'is still running' : 'did not finish';
  return `${dir}: the last sweep (${r.file}) ${state}: results of ${r.done} of ${r.shardPoints} points`;
}
