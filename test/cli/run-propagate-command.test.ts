import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, tempDir, writeTrace } from '../support/cli.js';

const tiny = [
  { name: 'c1', type: 'CONV', c: 3, h: 8, w: 8, m: 8, r: 3, s: 3, padTop: 1, padBottom: 1, padLeft: 1, padRight: 1, iactDensity: 0.6, weightDensity: 0.5, seed: 1 },
  { name: 'p1', type: 'POOL_MAX', r: 2, s: 2, strideH: 2, strideW: 2 },
  { name: 'c2', type: 'CONV', m: 4, r: 3, s: 3, iactDensity: 0.5, weightDensity: 0.7, seed: 2 },
];

describe('eyeriss-sim run --propagate', () => {
  it('reports assumed and measured iact densities, in the JSON always and in the table with --propagate', () => {
    const dir = tempDir();
    const trace = writeTrace(dir, 'tiny', tiny);
    const plain = cli('run', '--trace', trace, '--json', join(dir, 'plain.json'));
    expect(plain.code).toBe(0);
    expect(plain.stdout).not.toContain('iact density');
    expect(JSON.parse(readFileSync(join(dir, 'plain.json'), 'utf8')).layers[1].iactDensityMeasured).toBe(0.5);
    const r = cli('run', '--trace', trace, '--propagate', '--json', join(dir, 'r.json'));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const [c1, c2] = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')).layers;
    expect(c1.iactDensityAssumed).toBe(0.6);
    expect(c1.iactDensityMeasured).toBeCloseTo(0.6, 2);
    expect(c2.iactDensityAssumed).toBe(0.5);
    expect(c2.iactDensityMeasured).not.toBe(0.5);
    expect(r.stdout).toMatch(/iact density trace\/run/);
    expect(r.stdout).toMatch(new RegExp(`^c2 .* 0\\.500/${c2.iactDensityMeasured.toFixed(3)} +pass$`, 'm'));
  });

  it('reads --input (raw uint8 C*H*W) and rejects wrong sizes and --input without --propagate', () => {
    const dir = tempDir();
    const trace = writeTrace(dir, 'tiny', tiny);
    const zeros = join(dir, 'zeros.raw');
    writeFileSync(zeros, new Uint8Array(3 * 8 * 8));
    const r = cli('run', '--trace', trace, '--propagate', '--input', zeros, '--json', '-', '--quiet');
    expect(r.code).toBe(0);
    const layers = JSON.parse(r.stdout).layers;
    // An all-zero image: every layer sees only zeros.
    expect(layers.map((l: { iactDensityMeasured: number }) => l.iactDensityMeasured)).toEqual([0, 0]);
    writeFileSync(join(dir, 'short.raw'), new Uint8Array(100));
    for (const [args, message] of [
      [['--propagate', '--input', join(dir, 'short.raw')], /short\.raw: 100 bytes, expected a multiple of 192: raw uint8 images of 3x8x8/],
      [['--input', zeros], /--input: only read with --propagate/],
      [['--propagate', '--input', join(dir, 'none.raw')], /none\.raw: cannot read the file \(ENOENT\)/],
    ] as const) {
      const bad = cli('run', '--trace', trace, ...args);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(message);
      expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
