/**
 * An error in the user's input (a config, a trace, a flag, a mapping). The CLI prints its message as one line
 * and exits 2, without a stack trace. Messages name the file, the field, the value and what was expected.
 */
export class InputError extends Error {
  override readonly name = 'InputError';
}

/** Formats a value for an error message: short, JSON-like, never multi-line; NaN and infinities by name. */
export function showValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  // JSON.stringify writes NaN and Infinity as null, which would report YAML's `.nan` as "got null".
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (typeof value === 'bigint') return String(value);
  let text: string;
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * A violated invariant inside the simulator (a bug, not bad input): conservation, bit-exactness, a component
 * receiving data it has no room for. Runs stop on it rather than report wrong numbers; the CLI exits 3.
 */
export class SimulationError extends Error {
  override readonly name = 'SimulationError';
}

/**
 * The machine, not the input or the simulator, failed: a full disk, a permission, a path component that is a
 * file, memory. The CLI exits 4; the message says what failed and what to do.
 */
export class EnvironmentError extends Error {
  override readonly name = 'EnvironmentError';
}

/** What to do about each errno a file operation can hit through no fault of the input. */
const ENVIRONMENT_HINTS: Record<string, string> = {
  ENOSPC: 'the disk is full: free space or write elsewhere',
  EDQUOT: 'the disk quota is used up: free space or write elsewhere',
  EFBIG: 'the file exceeds the size limit (ulimit -f or the file system\'s): raise the limit or write elsewhere',
  EACCES: 'permission denied: write to a folder you own or fix its permissions',
  EPERM: 'operation not permitted: write to a folder you own or fix its permissions',
  EROFS: 'the file system is read-only: write elsewhere',
  ENOTDIR: 'a part of the path is a file, not a folder: fix the path',
  EMFILE: 'too many open files: raise `ulimit -n` or run fewer jobs',
  ENFILE: 'too many open files on the system: run fewer jobs',
  EIO: 'the disk reported an I/O error: check the disk',
  ENOMEM: 'out of memory: run fewer jobs or a smaller problem',
  EBUSY: 'the file is busy: retry when the other program is done',
};

/** The errno code of a Node file-system error, if it is one. */
export function errnoCode(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * A failed file operation as the error the CLI should report: an EnvironmentError (exit 4) with what to do for
 * errors of the machine, else an InputError (exit 2: a missing file, a folder given as a file, ...).
 */
export function fileError(file: string, action: string, err: unknown): InputError | EnvironmentError {
  if (err instanceof InputError || err instanceof EnvironmentError) return err;
  const code = errnoCode(err);
  const hint = code ? ENVIRONMENT_HINTS[code] : undefined;
  if (hint) return new EnvironmentError(`${file}: cannot ${action} (${code}: ${hint})`);
  const what = code === 'ENOENT' ? 'no such file or folder' : code === 'EISDIR' ? 'it is a folder, expected a file' : undefined;
  return new InputError(`${file}: cannot ${action} (${code ? `${code}${what ? `: ${what}` : ''}` : oneLine(err)})`);
}

/** True for errors a machine's limits cause (errno above, or V8 failing to allocate) rather than a bug. */
export function isEnvironmentFailure(err: unknown): boolean {
  const code = errnoCode(err);
  if (code && (code in ENVIRONMENT_HINTS || code === 'ERR_WORKER_OUT_OF_MEMORY')) return true;
  return err instanceof RangeError && /Array buffer allocation failed|Invalid typed array length/.test(err.message);
}

/** An error's message on one line. */
export function oneLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, ' ');
}
