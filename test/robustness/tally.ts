/**
 * Counts of the robustness suite, printed by each file when it ends so the README's figures come from a run:
 * cases tried, clear errors (a one-line InputError/EnvironmentError), accepted (valid input, or damage that
 * left the input exactly as valid as before), crashes (any other exception), silent wrong results (a damaged
 * input that loaded as something else). Hangs are caught by vitest's per-test timeout.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect } from 'vitest';
import { EnvironmentError, InputError } from '../../sim/errors.js';

export class Tally {
  cases = 0;
  clearErrors = 0;
  accepted = 0;
  crashes: string[] = [];
  wrong: string[] = [];

  constructor(readonly name: string) {}

  /** Runs one case: `fn` returns normally (accepted) or throws; only one-line input/environment errors are clear. */
  run(label: string, fn: () => void): 'accepted' | 'error' {
    this.cases++;
    try {
      fn();
      this.accepted++;
      return 'accepted';
    } catch (err) {
      if ((err instanceof InputError || err instanceof EnvironmentError) && !err.message.includes('\n')) {
        this.clearErrors++;
        return 'error';
      }
      this.crashes.push(`${label}: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`.slice(0, 300));
      return 'error';
    }
  }

  /** A case whose input loaded but as the wrong thing. */
  silentlyWrong(label: string): void {
    this.wrong.push(label);
  }

  summary(): string {
    return `robustness ${this.name}: ${this.cases} cases, ${this.clearErrors} clear errors, ${this.accepted} accepted, ` +
      `${this.crashes.length} crashes, 0 hangs, ${this.wrong.length} silent wrong results`;
  }
}

/** One case that must end in a clear error matching `message`. */
export function expectClear(tally: Tally, label: string, fn: () => unknown, message: RegExp): void {
  let thrown: unknown;
  tally.run(label, () => {
    try {
      fn();
    } catch (err) {
      thrown = err;
      throw err;
    }
  });
  if (!(thrown instanceof Error) || !message.test(thrown.message)) {
    throw new Error(`${label}: expected an error matching ${message}, got ${thrown instanceof Error ? thrown.message : 'no error'}`);
  }
}

/** A suite's tally and scratch folder: at the end the folder is removed, the counts printed, and crashes fail it. */
export function robustnessSuite(name: string): { tally: Tally; tmp: string } {
  const tmp = mkdtempSync(path.join(tmpdir(), `eyeriss-robust-${name}-`));
  const tally = new Tally(name);
  afterAll(() => {
    rmSync(tmp, { recursive: true, force: true });
    console.log(tally.summary());
    expect(tally.crashes).toEqual([]);
    expect(tally.wrong).toEqual([]);
  });
  return { tally, tmp };
}
