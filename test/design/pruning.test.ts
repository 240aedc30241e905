import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { loadHwConfig } from '../../sim/config/hw-config.js';
import { pruneByMagnitude, pruneOrder, type PruneOrder } from '../../sim/design/pruning.js';
import { loadTrace } from '../../sim/workloads/trace.js';
import { cli, tempDir, writeTrace } from '../support/cli.js';

const dir = tempDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A small CONV whose weights dominate (many filters, few pixels) and a PWCONV reading it.
const traceFile = writeTrace(dir, 'two', [
  { name: 'big', type: 'CONV', m: 32, r: 3, s: 3, padTop: 1, padBottom: 1, padLeft: 1, padRight: 1, iactDensity: 0.6, weightDensity: 0.5, seed: 1 },
  { name: 'small', type: 'PWCONV', m: 8, iactDensity: 0.5, weightDensity: 0.8, seed: 2 },
]);

describe('pruneByMagnitude', () => {
  it('zeroes the smallest non-zero magnitudes first, ties by position', () => {
    expect(Array.from(pruneByMagnitude(Int8Array.from([5, -1, 0, 1, -7, 2]), 3))).toEqual([5, 0, 0, 0, -7, 0]);
    expect(() => pruneByMagnitude(Int8Array.from([0, 1]), 2)).toThrow(/cannot remove 2 of 1/);
  });
});

describe('pruneOrder', () => {
  const p = pruneOrder({ hw: loadHwConfig('eyeriss-v2'), trace: loadTrace(traceFile), seed: 1, engine: 'event', check: true, peMode: 'compressed', step: 0.25 });

  it('ranks by energy, with shares that add up', () => {
    expect(p.layers.map((l) => l.rank)).toEqual([1, 2]);
    expect(p.layers[0]!.energyJoules).toBeGreaterThan(p.layers[1]!.energyJoules);
    expect(p.layers.reduce((s, l) => s + l.share, 0)).toBeCloseTo(1, 12);
    for (const l of p.layers) {
      expect(Object.values(l.byDataType).reduce((s, x) => s + x, 0)).toBeCloseTo(1, 12);
      expect(Object.values(l.byLevel).reduce((s, x) => s + x, 0)).toBeCloseTo(1, 12);
    }
  });

  it('re-runs each layer with a quarter of its non-zero weights removed, which saves energy', () => {
    const big = p.layers.find((l) => l.name === 'big')!;
    // 32 x 3 x 3 x 3 = 864 weights at density 0.5: 432 non-zeros, 108 removed.
    expect(big.weights).toBe(864);
    expect(big.weightDensity).toBe(0.5);
    expect(big.pruned).toMatchObject({ removedWeights: 108, weightDensity: 324 / 864 });
    for (const l of p.layers) {
      expect(l.pruned.energyJoules).toBeLessThan(l.energyJoules);
      expect(l.savedPjPerWeight).toBeCloseTo(((l.energyJoules - l.pruned.energyJoules) / l.pruned.removedWeights) * 1e12, 9);
    }
  });

  it('the CLI prints the table and writes the same ranking as JSON', () => {
    const r = cli('prune-order', traceFile, '--step', '0.25', '--pe-mode', 'compressed', '--json', '-');
    expect(r.stderr).toBe('');
    const json = JSON.parse(r.stdout) as PruneOrder;
    expect(json.layers.map((l) => [l.name, l.energyJoules, l.savedPjPerWeight])).toEqual(p.layers.map((l) => [l.name, l.energyJoules, l.savedPjPerWeight]));
    const table = cli('prune-order', traceFile, '--step', '0.25', '--pe-mode', 'compressed');
    expect(table.stdout.split('\n')[1]).toMatch(/^rank\s+layer\s+type\s+energy uJ\s+share/);
    expect(cli('prune-order', traceFile, '--step', '2').stderr).toBe('eyeriss-sim: --step: got "2", expected a fraction between 0 and 1 (e.g. 0.1)\n');
  });
});
