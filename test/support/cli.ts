import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../sim/paths.js';

/** Runs the built CLI (dist/, compiled by `npm test` before vitest) and captures its output. */
export function cli(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(packageRoot(), 'bin', 'eyeriss-sim.js'), ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const made: string[] = [];

/** A fresh scratch folder; test/support/cleanup.ts (a vitest setup file) removes it when the test file ends. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'eyeriss-sim-test-'));
  made.push(dir);
  return dir;
}

/** Removes every folder tempDir() made so far. */
export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Writes a small JSON trace and returns its path. */
export function writeTrace(dir: string, name: string, layers: object[], extra: object = {}): string {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ version: 1, name, description: 'test', sources: ['test'], batch: 1, inputShape: [3, 8, 8], layers, ...extra }));
  return file;
}
