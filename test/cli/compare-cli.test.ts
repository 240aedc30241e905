import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, tempDir, writeTrace } from '../support/cli.js';

const small = [
  { name: 'c1', type: 'CONV', c: 3, h: 8, w: 8, m: 8, r: 3, s: 3, padTop: 1, padBottom: 1, padLeft: 1, padRight: 1, iactDensity: 0.6, weightDensity: 0.5, seed: 1 },
  { name: 'p1', type: 'POOL_MAX', r: 2, s: 2, strideH: 2, strideW: 2 },
  { name: 'c2', type: 'CONV', m: 4, r: 3, s: 3, iactDensity: 0.5, weightDensity: 0.7, seed: 2 },
];
// Fewer weights (1x1 filters), more activations (wider map).
const wide = [
  { name: 'c1', type: 'CONV', c: 3, h: 16, w: 16, m: 8, r: 1, s: 1, iactDensity: 0.6, weightDensity: 1, seed: 1 },
  { name: 'c2', type: 'PWCONV', m: 8, r: 1, s: 1, iactDensity: 0.5, weightDensity: 1, seed: 2 },
];

describe('eyeriss-sim compare', () => {
  it('prints weights, MACs and energy relative to the first network, by data type, and writes JSON', () => {
    const dir = tempDir();
    const a = writeTrace(dir, 'small', small);
    const b = writeTrace(dir, 'wide', wide, { inputShape: [3, 16, 16] });
    const out = join(dir, 'cmp.json');
    const r = cli('compare', a, b, '--json', out);
    expect(r.code).toBe(0);
    // Progress on stderr: a count, and from the second network on the time left.
    expect(r.stderr).toMatch(/^simulating small \(1\/2, 0 MMACs\)\nsimulating wide \(2\/2, 0 MMACs, about \d+ s left \(from the MAC rate so far\)\)\n$/);
    expect(r.stdout).toMatch(/energy per inference relative to small/);
    expect(r.stdout).toMatch(/^network\s+layers\s+weights M\s+weights rel\.\s+MMACs\s+energy uJ\s+chip uJ\s+DRAM uJ\s+energy rel\.\s+iact rel\.\s+weight rel\.\s+psum rel\.\s+none rel\./m);
    expect(r.stdout).toMatch(/^small\s+2\s+0\.001\s+1\.000\s.*\s1\.000\s/m);
    expect(r.stdout).toMatch(/^wide\s+2\s/m);
    const c = JSON.parse(readFileSync(out, 'utf8'));
    expect(c.hw.name).toBe('eyeriss-v2');
    const [s, w] = c.networks;
    expect(s.weights).toBe(8 * 3 * 9 + 4 * 8 * 9);
    expect(w.weights).toBe(8 * 3 + 8 * 8);
    expect(s.nominalMacs).toBe(8 * 8 * 8 * 3 * 9 + 4 * 2 * 2 * 8 * 9); // c2: 4x4 input (after the pool), 3x3 filter, no padding
    expect(s.relativeEnergy).toBe(1);
    expect(w.relativeWeights).toBe(w.weights / s.weights);
    expect(w.relativeEnergy).toBe(w.energyJoulesPerInference / s.energyJoulesPerInference);
    for (const n of c.networks) {
      const parts = Object.values(n.relativeEnergyByDataType as Record<string, number>).reduce((x, y) => x + y, 0);
      expect(parts).toBeCloseTo(n.relativeEnergy, 12);
      expect(n.totals.energyBreakdown.totalJoules).toBe(n.energyJoulesPerInference * n.batch);
    }
  });

  it('checks bit for bit by default, takes --layers, --pe-mode, --quiet and --csv -', () => {
    const dir = tempDir();
    const a = writeTrace(dir, 'small', small);
    const r = cli('compare', a, a, '--layers', 'c2', '--pe-mode', 'compressed', '--quiet', '--json', '-');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const c = JSON.parse(r.stdout);
    expect(c.networks[0].onChipLayers).toBe(1);
    expect(c.networks[0].totals.nominalMacs).toBe(4 * 2 * 2 * 8 * 9);
    const csv = cli('compare', a, a, '--quiet', '--csv', '-');
    expect(csv.stdout.trim().split('\n').map((l) => l.split(',')[0])).toEqual(['network', 'small', 'small']);
  });

  it('compares two saved runs: totals and a per-layer diff with the ratio', () => {
    const dir = tempDir();
    const a = writeTrace(dir, 'small', small);
    const [v1, v2] = ['eyeriss-v1', 'eyeriss-v2'].map((hw) => {
      const file = join(dir, `${hw}.json`);
      expect(cli('run', '--trace', a, '--hw', hw, '--json', file, '--quiet').code).toBe(0);
      return file;
    });
    const r = cli('compare', v1!, v2!);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(''); // nothing simulated
    expect(r.stdout).toMatch(/^small on eyeriss-v1\s/m);
    expect(r.stdout).toMatch(/^layer\s+cycles A\s+cycles B\s+B\/A\s+energy uJ A\s+energy uJ B\s+B\/A$/m);
    const rep = (f: string): { layers: { cycles: number }[] } => JSON.parse(readFileSync(f, 'utf8'));
    const [c1a, c1b] = [rep(v1!).layers[0]!.cycles, rep(v2!).layers[0]!.cycles];
    expect(r.stdout).toMatch(new RegExp(`^c1\\s+${c1a}\\s+${c1b}\\s+${(c1b / c1a).toFixed(3)}\\s`, 'm'));
  });

  it('bad input: one line, exit 2, before any simulation', () => {
    const dir = tempDir();
    const a = writeTrace(dir, 'small', small);
    for (const [args, message] of [
      [['compare', a, 'nosuchnet'], /nosuchnet: no such trace; expected one of alexnet, /],
      [['compare', a, a, '--hw', 'eyeriss-v9'], /--hw: unknown hardware config "eyeriss-v9"/],
      [['compare', a, a, '--batch', '0'], /--batch: got "0", expected a positive integer/],
      [['compare'], /missing required argument 'traces'/],
    ] as [string[], RegExp][]) {
      const r = cli(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
  });
});
