/**
 * The packed tarball works on its own: `npm pack`, installed into a scratch folder with its dependencies from npm's
 * local cache (offline; `npm ci` of this repo put them there), then the CLI and an example run from that folder
 * and the example type-checks against the shipped .d.ts in strict mode.
 *
 * Packing uses the compiled dist/ (`npm test` builds it before vitest), so it skips the prepare script's build.
 */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../sim/paths.js';

const root = packageRoot();
const scratch = mkdtempSync(join(tmpdir(), 'eyeriss-sim-pack-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function run(cmd: string, args: string[], options: SpawnSyncOptions = {}): string {
  const r = spawnSync(cmd, args, { cwd: scratch, encoding: 'utf8', ...options });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${String(r.stderr).slice(-2000)}`);
  return String(r.stdout);
}

interface LockEntry {
  dev?: boolean;
}

/**
 * A lock file for the scratch folder: the tarball plus this repo's locked production dependencies (same resolved
 * URLs and integrity), so `npm ci --offline` installs exactly them from the cache without asking the registry.
 */
function writeScratchProject(tarball: string): void {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const dependency = { 'eyeriss-sim': `file:${tarball}` };
  const packages: Record<string, unknown> = {
    '': { name: 'scratch', dependencies: dependency },
    'node_modules/eyeriss-sim': {
      version: pkg.version,
      resolved: `file:${tarball}`,
      integrity: `sha512-${createHash('sha512').update(readFileSync(join(scratch, tarball))).digest('base64')}`,
      dependencies: pkg.dependencies,
      bin: pkg.bin,
    },
  };
  for (const [key, entry] of Object.entries(lock.packages)) if (key && !entry.dev) packages[key] = entry;
  writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module', dependencies: dependency }));
  writeFileSync(join(scratch, 'package-lock.json'), JSON.stringify({ name: 'scratch', lockfileVersion: 3, requires: true, packages }));
}

describe('npm pack', () => {
  beforeAll(() => {
    expect(existsSync(join(root, 'dist', 'sim', 'index.d.ts')), 'dist/ is built (npm run build)').toBe(true);
    const tarball = run('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', scratch], { cwd: root }).trim().split('\n').at(-1)!;
    writeScratchProject(tarball);
    run('npm', ['ci', '--offline', '--no-audit', '--no-fund', '--ignore-scripts']);
  }, 300_000); // packing and installing ~100 packages on a loaded 2-core machine

  it('ships the compiled CLI, its data and the typings, and no tests or sources', () => {
    const installed = join(scratch, 'node_modules', 'eyeriss-sim');
    for (const f of ['dist/sim/index.js', 'dist/sim/index.d.ts', 'dist/sim/cli/main.js', 'hw-configs/eyeriss-v2.yaml', 'traces/trace.proto', 'traces/alexnet.json']) {
      expect(existsSync(join(installed, f)), f).toBe(true);
    }
    for (const f of ['dist/test', 'sim/index.ts', 'test']) expect(existsSync(join(installed, f)), f).toBe(false);
  });

  it('the installed CLI runs a layer', () => {
    const out = run(join(scratch, 'node_modules', '.bin', 'eyeriss-sim'), ['run', '--trace', 'mobilenet-v1-0.5-128', '--layers', 'conv_dw_13', '--pe-mode', 'compressed', '--json', '-', '--quiet']);
    const report = JSON.parse(out) as { schemaVersion: number; layers: { name: string; check: string }[] };
    expect(report.schemaVersion).toBe(1);
    expect(report.layers.map((l) => [l.name, l.check])).toEqual([['conv_dw_13', 'pass']]);
  });

  it("an example imports 'eyeriss-sim' from the install: it type-checks in strict mode and runs", () => {
    copyFileSync(join(root, 'examples', 'run-network.ts'), join(scratch, 'run-network.ts'));
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const flags = ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--skipLibCheck'];
    run(process.execPath, [tsc, ...flags, '--typeRoots', join(root, 'node_modules', '@types'), '--types', 'node', 'run-network.ts']);
    const tsx = join(root, 'node_modules', 'tsx', 'dist', 'esm', 'index.mjs');
    const out = run(process.execPath, ['--import', tsx, 'run-network.ts', 'mobilenet-v1-0.5-128', 'conv_dw_13']);
    expect(out).toMatch(/^conv_dw_13: \d+ cycles, [\d.]+ uJ, check pass\ntotal: /);
  });
});
