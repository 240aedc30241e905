import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadHwConfig } from '../../sim/config/hw-config.js';
import { runNetwork } from '../../sim/run/network.js';
import { synthesizeWeights, type SynthesisLayer, type WeightSparsity } from '../../sim/workloads/tensors.js';
import { loadTrace } from '../../sim/workloads/trace.js';
import { convertTrace } from '../../sim/workloads/trace-io.js';
import { tempDir, writeTrace } from '../support/cli.js';
import { layer } from '../support/layers.js';

const conv = (o: Partial<SynthesisLayer> = {}): SynthesisLayer =>
  ({ ...layer({ type: 'CONV', name: 'w', C: 16, M: 32, H: 6, W: 6, R: 3, S: 3, weightDensity: 0.37, seed: 3 }), ...o });

const nonZeros = (a: ArrayLike<number>): number => Array.from(a).filter((v) => v !== 0).length;
/** Non-zeros of each filter (output channel). */
const perFilter = (w: Int8Array, M: number): number[] => {
  const K = w.length / M;
  return Array.from({ length: M }, (_, m) => nonZeros(w.subarray(m * K, (m + 1) * K)));
};

const PATTERNS: WeightSparsity[] = [
  { pattern: 'uniform' },
  { pattern: 'per-output-channel', spread: 0.5 },
  { pattern: 'per-output-channel', spread: 1 },
  { pattern: 'block', block: 4, axis: 'output' },
  { pattern: 'block', block: 8, axis: 'input' },
];

describe('synthetic weight sparsity patterns', () => {
  it('keep exactly round(density * count) non-zeros, grouped and depth-wise layers included', () => {
    const shapes = [conv(), conv({ G: 4 }), conv({ C: 8, M: 8, G: 8, type: 'DWCONV' })];
    for (const shape of shapes) {
      for (const weightSparsity of PATTERNS) {
        if (weightSparsity.pattern === 'block' && weightSparsity.axis === 'input' && (shape.C / shape.G) % weightSparsity.block) continue;
        for (const weightDensity of [0, 0.013, 0.37, 0.5, 0.93, 1]) {
          const w = synthesizeWeights({ ...shape, weightDensity, weightSparsity }, 1);
          expect(nonZeros(w), `${JSON.stringify(weightSparsity)} G=${shape.G} d=${weightDensity}`).toBe(Math.round(weightDensity * w.length));
        }
      }
    }
  });

  it('an explicit uniform pattern is the default one', () => {
    expect(synthesizeWeights(conv({ weightSparsity: { pattern: 'uniform' } }), 4)).toEqual(synthesizeWeights(conv(), 4));
  });

  it('per-output-channel spreads filter densities, within [1 - spread, 1 + spread] of the layer density', () => {
    const K = 16 * 9;
    const uniform = perFilter(synthesizeWeights(conv(), 1), 32);
    const spread = perFilter(synthesizeWeights(conv({ weightSparsity: { pattern: 'per-output-channel', spread: 0.8 } }), 1), 32);
    const range = (x: number[]): number => Math.max(...x) - Math.min(...x);
    expect(range(spread)).toBeGreaterThan(2 * range(uniform));
    const mean = 0.37 * K;
    for (const k of spread) {
      expect(k).toBeGreaterThanOrEqual(Math.floor(0.2 * mean) - 1);
      expect(k).toBeLessThanOrEqual(Math.ceil(1.8 * mean) + 1);
    }
    // spread 0: equal filters, up to the rounding of one weight.
    expect(range(perFilter(synthesizeWeights(conv({ weightSparsity: { pattern: 'per-output-channel', spread: 0 } }), 1), 32))).toBeLessThanOrEqual(1);
    // Dense layers cap filters at K and give the excess to the others.
    const dense = perFilter(synthesizeWeights(conv({ weightDensity: 0.95, weightSparsity: { pattern: 'per-output-channel', spread: 1 } }), 1), 32);
    expect(Math.max(...dense)).toBe(K);
    expect(dense.reduce((a, b) => a + b, 0)).toBe(Math.round(0.95 * 32 * K));
  });

  it('block zeros whole blocks of output or input channels, all but at most one block', () => {
    const K = 16 * 9;
    const out = synthesizeWeights(conv({ weightSparsity: { pattern: 'block', block: 4, axis: 'output' } }), 2);
    let mixed = 0;
    for (let b = 0; b < 8; b++) {
      for (let q = 0; q < K; q++) {
        const nz = [0, 1, 2, 3].filter((j) => out[(b * 4 + j) * K + q] !== 0).length;
        if (nz !== 0 && nz !== 4) mixed++;
      }
    }
    expect(mixed).toBe(Math.round(0.37 * 32 * K) % 4 ? 1 : 0);
    const inp = synthesizeWeights(conv({ weightSparsity: { pattern: 'block', block: 8, axis: 'input' } }), 2);
    mixed = 0;
    for (let m = 0; m < 32; m++) {
      for (let cb = 0; cb < 2; cb++) {
        for (let rs = 0; rs < 9; rs++) {
          const nz = [0, 1, 2, 3, 4, 5, 6, 7].filter((j) => inp[m * K + (cb * 8 + j) * 9 + rs] !== 0).length;
          if (nz !== 0 && nz !== 8) mixed++;
        }
      }
    }
    expect(mixed).toBeLessThanOrEqual(1);
  });

  it('are deterministic in the seeds', () => {
    for (const weightSparsity of PATTERNS) {
      const l = conv({ weightSparsity });
      expect(synthesizeWeights(l, 5)).toEqual(synthesizeWeights(l, 5));
      expect(synthesizeWeights(l, 6)).not.toEqual(synthesizeWeights(l, 5));
    }
  });
});

describe('weightSparsity in traces', () => {
  it('loads PEs unevenly: same weights in total, more cycles than uniform', () => {
    const dir = tempDir();
    const cycles = [undefined, { pattern: 'per-output-channel', spread: 1 }].map((weightSparsity) => {
      const file = writeTrace(dir, 'ws', [{
        name: 'c1', type: 'CONV', m: 64, r: 3, s: 3, padTop: 1, padBottom: 1, padLeft: 1, padRight: 1, iactDensity: 0.6, weightDensity: 0.3, seed: 1, weightSparsity,
      }], { inputShape: [32, 14, 14] });
      const [l] = runNetwork({ hw: loadHwConfig('eyeriss-v2'), trace: loadTrace(file), seed: 1, engine: 'event', check: true }).layers;
      expect(l!.check).toBe('pass');
      return l!.cycles;
    });
    expect(cycles[1]).toBeGreaterThan(cycles[0]!);
  });


  const base = { name: 'c1', type: 'CONV', c: 8, h: 4, w: 4, m: 8, r: 3, s: 3, iactDensity: 0.5, weightDensity: 0.5 };
  const load = (extra: object, type = 'CONV'): unknown => {
    const dir = tempDir();
    return loadTrace(writeTrace(dir, 't', [{ ...base, type, ...extra }], { inputShape: [8, 4, 4] })).layers[0];
  };

  it('is read with its defaults and survives JSON -> .pb -> JSON', () => {
    expect(load({ weightSparsity: { pattern: 'per-output-channel' } })).toHaveProperty('weightSparsity', { pattern: 'per-output-channel', spread: 0.5 });
    expect(load({ weightSparsity: { pattern: 'block', block: 2 } })).toHaveProperty('weightSparsity', { pattern: 'block', block: 2, axis: 'output' });
    expect(load({})).not.toHaveProperty('weightSparsity');
    const dir = tempDir();
    const file = writeTrace(dir, 'rt', [{ ...base, weightSparsity: { pattern: 'per-output-channel', spread: 0 } }, { name: 'c2', type: 'CONV', m: 4, r: 1, s: 1, iactDensity: 1, weightDensity: 0.5, weightSparsity: { pattern: 'block', block: 4, axis: 'input' } }], { inputShape: [8, 4, 4] });
    convertTrace(file, join(dir, 'rt.pb'));
    convertTrace(join(dir, 'rt.pb'), join(dir, 'back.json'));
    const back = loadTrace(join(dir, 'back.json')).layers;
    expect(back.map((l) => l.weightSparsity)).toEqual([{ pattern: 'per-output-channel', spread: 0 }, { pattern: 'block', block: 4, axis: 'input' }]);
    expect(readFileSync(join(dir, 'back.json'), 'utf8')).toContain('"weightSparsity":{"pattern":"per-output-channel","spread":0}');
  });

  it('rejects bad patterns with one-line errors naming the field', () => {
    expect(() => load({ weightSparsity: { pattern: 'random' } })).toThrow(/layer "c1" field weightSparsity.pattern: got "random", expected one of uniform, per-output-channel, block/);
    expect(() => load({ weightSparsity: { pattern: 'block', block: 3 } })).toThrow(/weightSparsity.block: got 3, expected a divisor of m = 8/);
    expect(() => load({ weightSparsity: { pattern: 'block' } })).toThrow(/weightSparsity.block: got nothing/);
    expect(() => load({ weightSparsity: { pattern: 'block', block: 2, spread: 0.1 } })).toThrow(/weightSparsity.spread: got 0.1, expected nothing \(only pattern per-output-channel reads it\)/);
    expect(() => load({ weightSparsity: { pattern: 'per-output-channel', spread: 2 } })).toThrow(/spread: got 2, expected a number in \[0, 1\]/);
    expect(() => load({ weightSparsity: { pattern: 'block', block: 2, axis: 'diagonal' } })).toThrow(/axis: got "diagonal", expected output or input/);
    expect(() => load({ weightSparsity: { patern: 'block' } })).toThrow(/weightSparsity.patern: got "block", expected no such field/);
    expect(() => load({ weightSparsity: { pattern: 'uniform' }, r: 2, s: 2, m: undefined }, 'POOL_MAX')).toThrow(/weightSparsity: got .*, expected nothing \(POOL_MAX has no weights\)/);
  });
});
