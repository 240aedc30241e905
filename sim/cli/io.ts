/**
 * Flag parsing shared by the commands. The output helpers (atomic writes, output-path checks) live in
 * sim/files.ts, beside the loaders that also use them; they are re-exported here for the commands.
 */
import { InputError } from '../errors.js';

export { checkOutputPaths, writeAll, writeAtomicAll, writeFileAtomic } from '../files.js';

/**
 * Parses an integer flag in [min, max]. Digits only, and within Number.MAX_SAFE_INTEGER: a larger value such as
 * `--seed 9007199254740993` would be rounded silently to a neighbour, so it is rejected instead.
 */
function intFlag(flag: string, text: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(text);
  const what = min >= 1 ? 'a positive integer' : 'a non-negative integer';
  if (!/^\d+$/.test(text) || n < min || n > max || !Number.isSafeInteger(n)) {
    throw new InputError(`${flag}: got ${JSON.stringify(text)}, expected ${what}${max < Number.MAX_SAFE_INTEGER ? ` <= ${max}` : ` <= ${Number.MAX_SAFE_INTEGER} (2^53 - 1, the largest exact integer)`}`);
  }
  return n;
}

/** Parses a positive integer flag value. */
export function positiveInt(flag: string, text: string, max?: number): number {
  return intFlag(flag, text, 1, max);
}

/** Parses a non-negative integer flag value. */
export function nonNegativeInt(flag: string, text: string, max?: number): number {
  return intFlag(flag, text, 0, max);
}
