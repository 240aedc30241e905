/**
 * Writing outputs whole or not at all, and checking output paths before any work starts. Every file the tool
 * writes (traces, reports, sweep results, calibrated tables) goes through writeAtomic: the bytes go to a
 * temporary file in the target's folder (same file system, so the rename is atomic), are flushed to disk, and the
 * temporary is renamed over the target. On any failure the temporary is removed and the target is untouched. A
 * process killed outright (SIGKILL, power loss) can leave a `.NAME.tmp-*` file beside the target, never a
 * partial file under the target's name.
 */
import { randomBytes } from 'node:crypto';
import { accessSync, closeSync, constants, fsyncSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { EnvironmentError, fileError, InputError } from './errors.js';

/** The temporary a write of `file` goes to: hidden, beside it, unique per process and call. */
function tempPathFor(file: string): string {
  return join(dirname(file), `.${basename(file)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/**
 * Fault injection for the robustness tests: with EYERISS_SIM_FAULT_ENOSPC_AFTER=N in the environment, the atomic
 * writes of this process may write N bytes in all; the write that would pass that fails with ENOSPC, as a disk
 * with N bytes free would (a test cannot fill a real disk, and `ulimit -f` limits each file, not their sum).
 */
const faultFds = new Set<number>();
let diskLeft: number | undefined;

/** Writes all of `data` to an open file at `position` (default: the current offset); writeSync may write less than asked. */
export function writeAll(fd: number, data: Uint8Array | string, position?: number): void {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let end = bytes.length;
  if (faultFds.has(fd) && diskLeft !== undefined) {
    end = Math.min(end, diskLeft);
    diskLeft -= end;
  }
  let done = 0;
  while (done < end) done += writeSync(fd, bytes, done, end - done, position === undefined ? null : position + done);
  if (end < bytes.length) throw Object.assign(new Error('ENOSPC: no space left on device (injected)'), { code: 'ENOSPC' });
}

function injectFaults(fd: number): void {
  const v = process.env.EYERISS_SIM_FAULT_ENOSPC_AFTER;
  if (v === undefined || v === '') return;
  diskLeft ??= Number(v);
  faultFds.add(fd);
}

/** Opens a temporary for `file`, returning its path and fd; the file's folder must exist and be writable. */
function openTemp(file: string): { tmp: string; fd: number } {
  const tmp = tempPathFor(file);
  try {
    return { tmp, fd: openSync(tmp, 'wx', 0o644) };
  } catch (err) {
    throw fileError(file, 'write the file', err);
  }
}

function removeQuietly(tmp: string): void {
  try {
    unlinkSync(tmp);
  } catch {
    // already gone
  }
}

/**
 * Writes a file through `write(fd)` into a temporary, then renames it into place. `write` may call writeAll many
 * times (a trace is written layer by layer) and may seek (a header filled in last). Returns what `write` returns.
 */
export function writeAtomic<T>(file: string, write: (fd: number) => T): T {
  const [result] = writeAtomicAll([{ file, write }]);
  return result as T;
}

/** Writes a whole text or byte string atomically. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  writeAtomic(file, (fd) => writeAll(fd, data));
}

/**
 * Writes several files as one: all temporaries first, then all renames, so a failure writing the second (a full
 * disk) leaves neither (`run --json A --csv B`). Only a failing rename after the first (a folder removed under
 * us) could leave a subset, and renames within a folder do not run out of space.
 */
export function writeAtomicAll(files: { file: string; write: (fd: number) => unknown }[]): unknown[] {
  const temps: string[] = [];
  const results: unknown[] = [];
  try {
    for (const { file, write } of files) {
      const { tmp, fd } = openTemp(file);
      temps.push(tmp);
      try {
        injectFaults(fd);
        results.push(write(fd));
        fsyncSync(fd);
      } catch (err) {
        throw fileError(file, 'write the file', err);
      } finally {
        faultFds.delete(fd);
        closeSync(fd);
      }
    }
    files.forEach(({ file }, i) => {
      try {
        renameSync(temps[i]!, file);
      } catch (err) {
        throw fileError(file, 'write the file', err);
      }
    });
    temps.length = 0;
    return results;
  } finally {
    for (const tmp of temps) removeQuietly(tmp);
  }
}

/** An output a command will write: the flag that named it and the path ('-' = stdout, not a file). */
export interface OutputPath {
  flag: string;
  file: string | undefined;
}

/**
 * Checks, before any simulation, that every output can be written: paths distinct (`--json x --csv x` would
 * silently overwrite one with the other), not folders, in an existing folder we may write to. Environment
 * problems (a read-only folder, a path through a file) are EnvironmentErrors; the rest InputErrors.
 */
export function checkOutputPaths(outputs: readonly OutputPath[]): void {
  const seen = new Map<string, string>();
  for (const { flag, file } of outputs) {
    if (file === undefined || file === '-') continue;
    if (file === '') throw new InputError(`${flag}: got "", expected a file path`);
    const abs = resolve(file);
    const other = seen.get(abs);
    if (other) throw new InputError(`${flag}: ${file} is also the ${other} output, expected a different file for each output`);
    seen.set(abs, flag);
    checkWritableFile(flag, file);
  }
}

/** One output file: not a folder, and its folder exists and is writable. */
export function checkWritableFile(flag: string, file: string): void {
  let isDir = false;
  try {
    isDir = statSync(file).isDirectory();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOTDIR') throw fileError(`${flag}: ${file}`, 'write the file', err);
    // ENOENT: a new file, fine.
  }
  if (isDir) throw new InputError(`${flag}: ${file} is a folder, expected a file path`);
  checkWritableFolder(flag, dirname(file));
}

/** A folder outputs go into: it exists, is a folder, and is writable. */
function checkWritableFolder(flag: string, dir: string): void {
  let st;
  try {
    st = statSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InputError(`${flag}: folder ${dir} does not exist, expected an existing folder (create it first)`);
    throw fileError(`${flag}: ${dir}`, 'use the folder', err);
  }
  if (!st.isDirectory()) throw new EnvironmentError(`${flag}: ${dir} is a file, expected a folder (ENOTDIR: fix the path)`);
  try {
    accessSync(dir, constants.W_OK);
  } catch (err) {
    throw fileError(`${flag}: ${dir}`, 'write to the folder', err);
  }
}
