import { renameSync, writeFileSync } from 'node:fs';
import { InputError } from '../errors.js';

/** Writes a file whole or not at all: to a temporary name beside it, then renamed into place. */
export function writeFileAtomic(file: string, text: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  } catch (err) {
    throw new InputError(`${file}: cannot write (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}

/** Parses a positive integer flag value. */
export function positiveInt(flag: string, text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new InputError(`${flag}: got ${JSON.stringify(text)}, expected a positive integer`);
  return Number(text);
}

/** Parses a non-negative integer flag value. */
export function nonNegativeInt(flag: string, text: string): number {
  if (!/^\d+$/.test(text)) throw new InputError(`${flag}: got ${JSON.stringify(text)}, expected a non-negative integer`);
  return Number(text);
}
