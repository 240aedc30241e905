import { describe, expect, test } from 'vitest';
import seedrandom from 'seedrandom';
import { countOverflows, referenceConv, wrapArrayToBits, wrapToBits } from '../../sim/reference/conv.js';
import { InputError } from '../../sim/errors.js';
import type { LayerShape } from '../../sim/workloads/layer.js';

function shape(s: Partial<LayerShape> & Pick<LayerShape, 'C' | 'H' | 'W' | 'M' | 'R' | 'S'>): LayerShape {
  return { N: 1, G: 1, strideH: 1, strideW: 1, padTop: 0, padBottom: 0, padLeft: 0, padRight: 0, ...s };
}

/** Independent model: the textbook 7-deep loop with a bounds test per product. */
function naiveConv(l: LayerShape, iacts: Int16Array, weights: Int8Array): Int32Array {
  const E = Math.floor((l.H + l.padTop + l.padBottom - l.R) / l.strideH) + 1;
  const F = Math.floor((l.W + l.padLeft + l.padRight - l.S) / l.strideW) + 1;
  const Cg = l.C / l.G;
  const Mg = l.M / l.G;
  const out = new Int32Array(l.N * l.M * E * F);
  for (let n = 0; n < l.N; n++)
    for (let m = 0; m < l.M; m++)
      for (let e = 0; e < E; e++)
        for (let f = 0; f < F; f++) {
          let sum = 0;
          for (let c = 0; c < Cg; c++)
            for (let r = 0; r < l.R; r++)
              for (let s = 0; s < l.S; s++) {
                const h = e * l.strideH + r - l.padTop;
                const w = f * l.strideW + s - l.padLeft;
                if (h < 0 || h >= l.H || w < 0 || w >= l.W) continue;
                const channel = Math.floor(m / Mg) * Cg + c;
                sum += iacts[((n * l.C + channel) * l.H + h) * l.W + w] * weights[((m * Cg + c) * l.R + r) * l.S + s];
              }
          out[((n * l.M + m) * E + e) * F + f] = sum;
        }
  return out;
}

/** Deterministic generator in [0, 1). */
const rng = (seed: number): (() => number) => seedrandom(String(seed));

function randomData(l: LayerShape, seed: number): { iacts: Int16Array; weights: Int8Array } {
  const random = rng(seed);
  const iacts = Int16Array.from({ length: l.N * l.C * l.H * l.W }, () =>
    random() < 0.3 ? 0 : Math.floor(random() * 511) - 255,
  );
  const weights = Int8Array.from({ length: (l.M * l.C * l.R * l.S) / l.G }, () =>
    random() < 0.4 ? 0 : Math.floor(random() * 256) - 128,
  );
  return { iacts, weights };
}

describe('referenceConv', () => {
  test('1x1 convolution, hand-computed', () => {
    // C=2, M=2, 2x2 input: out[m] = sum_c w[m][c] * in[c]
    const l = shape({ C: 2, H: 2, W: 2, M: 2, R: 1, S: 1 });
    const iacts = Int16Array.of(1, 2, 3, 4, /* c1 */ 10, 20, 30, 40);
    const weights = Int8Array.of(1, -1, /* m1 */ 2, 0);
    expect(Array.from(referenceConv(l, iacts, weights))).toEqual([-9, -18, -27, -36, 2, 4, 6, 8]);
  });

  test('3x3 filter with padding 1, hand-computed', () => {
    // 3x3 input 1..9, all-ones filter: each output is the sum of its 3x3 neighbourhood.
    const l = shape({ C: 1, H: 3, W: 3, M: 1, R: 3, S: 3, padTop: 1, padBottom: 1, padLeft: 1, padRight: 1 });
    const iacts = Int16Array.from({ length: 9 }, (_, i) => i + 1);
    const weights = new Int8Array(9).fill(1);
    expect(Array.from(referenceConv(l, iacts, weights))).toEqual([12, 21, 16, 27, 45, 33, 24, 39, 28]);
  });

  test('stride 2, hand-computed', () => {
    // 4x4 input 0..15, 2x2 filter [[1, 0], [0, -1]], stride 2: out = in(2e, 2f) - in(2e+1, 2f+1) = -5 everywhere.
    const l = shape({ C: 1, H: 4, W: 4, M: 1, R: 2, S: 2, strideH: 2, strideW: 2 });
    const iacts = Int16Array.from({ length: 16 }, (_, i) => i);
    expect(Array.from(referenceConv(l, iacts, Int8Array.of(1, 0, 0, -1)))).toEqual([-5, -5, -5, -5]);
  });

  test('groups=2 and depth-wise, hand-computed', () => {
    // C=2, M=2, G=2: each output channel sees only its own input channel.
    const l = shape({ C: 2, H: 1, W: 2, M: 2, G: 2, R: 1, S: 2 });
    const iacts = Int16Array.of(3, 4, /* c1 */ 5, 6);
    expect(Array.from(referenceConv(l, iacts, Int8Array.of(1, 2, /* m1 */ -1, 1)))).toEqual([3 + 8, -5 + 6]);
  });

  const cases: [string, LayerShape][] = [
    ['1x1', shape({ C: 8, H: 5, W: 6, M: 4, R: 1, S: 1 })],
    ['3x3 pad 1', shape({ C: 3, H: 7, W: 6, M: 5, R: 3, S: 3, padTop: 1, padBottom: 1, padLeft: 1, padRight: 1 })],
    ['asymmetric pad', shape({ C: 2, H: 6, W: 7, M: 3, R: 3, S: 2, padTop: 2, padBottom: 0, padLeft: 0, padRight: 1 })],
    ['stride 2', shape({ C: 4, H: 9, W: 8, M: 3, R: 3, S: 3, strideH: 2, strideW: 2, padTop: 1, padBottom: 1, padLeft: 1, padRight: 1 })],
    ['uneven strides', shape({ C: 2, H: 11, W: 10, M: 2, R: 5, S: 3, strideH: 3, strideW: 2, padTop: 2, padBottom: 2, padLeft: 1, padRight: 0 })],
    ['groups=2', shape({ C: 6, H: 6, W: 6, M: 4, G: 2, R: 3, S: 3, padTop: 1, padBottom: 1, padLeft: 1, padRight: 1 })],
    ['depth-wise', shape({ C: 5, H: 8, W: 7, M: 5, G: 5, R: 3, S: 3, padTop: 1, padBottom: 1, padLeft: 1, padRight: 1 })],
    ['batch 2', shape({ N: 2, C: 3, H: 5, W: 5, M: 4, R: 3, S: 3, padTop: 1, padBottom: 1, padLeft: 1, padRight: 1 })],
    ['filter larger than input', shape({ C: 1, H: 2, W: 2, M: 2, R: 5, S: 5, padTop: 2, padBottom: 2, padLeft: 2, padRight: 2 })],
    ['fc', shape({ C: 64, H: 1, W: 1, M: 10, R: 1, S: 1 })],
  ];
  test.each(cases)('%s matches the naive 7-deep loop', (_, l) => {
    for (const seed of [1, 2, 3]) {
      const { iacts, weights } = randomData(l, seed);
      expect(referenceConv(l, iacts, weights)).toEqual(naiveConv(l, iacts, weights));
    }
  });

  test('int32 bound: exact at 65535 products of 255 x 127, throws past it', () => {
    const at = shape({ C: 65535, H: 1, W: 1, M: 1, R: 1, S: 1 });
    const out = referenceConv(at, new Int16Array(65535).fill(255), new Int8Array(65535).fill(127));
    expect(out[0]).toBe(65535 * 255 * 127);
    const past = shape({ C: 70000, H: 1, W: 1, M: 1, R: 1, S: 1 });
    expect(() => referenceConv(past, new Int16Array(70000).fill(255), new Int8Array(70000).fill(127))).toThrow(
      InputError,
    );
    // The bound uses the data: 16-bit iacts over few products are fine, over many they are not.
    const small = shape({ C: 4, H: 1, W: 1, M: 1, R: 1, S: 1 });
    expect(referenceConv(small, new Int16Array(4).fill(-32768), new Int8Array(4).fill(-128))[0]).toBe(4 * 32768 * 128);
    const big = shape({ C: 600, H: 1, W: 1, M: 1, R: 1, S: 1 });
    expect(() => referenceConv(big, new Int16Array(600).fill(32767), new Int8Array(600).fill(127))).toThrow(InputError);
  });

  test('rejects groups that do not divide the channels', () => {
    const l = shape({ C: 3, H: 2, W: 2, M: 2, G: 2, R: 1, S: 1 });
    expect(() => referenceConv(l, new Int16Array(12), new Int8Array(3))).toThrow(InputError);
  });
});

describe('wrapping to a psum width', () => {
  test('wrapToBits is two-s complement wrap', () => {
    expect(wrapToBits(524287, 20)).toBe(524287);
    expect(wrapToBits(524288, 20)).toBe(-524288);
    expect(wrapToBits(-524288, 20)).toBe(-524288);
    expect(wrapToBits(-524289, 20)).toBe(524287);
    expect(wrapToBits(1048576 + 5, 20)).toBe(5);
    expect(wrapToBits(255, 8)).toBe(-1);
    expect(wrapToBits(128, 8)).toBe(-128);
    expect(wrapToBits(1, 1)).toBe(-1);
    expect(wrapToBits(2 ** 31, 32)).toBe(-(2 ** 31));
    expect(wrapToBits(2 ** 32 + 7, 20)).toBe(7);
    expect(() => wrapToBits(1, 0)).toThrow();
    expect(() => wrapToBits(1, 33)).toThrow();
  });

  test('wrapArrayToBits and countOverflows agree', () => {
    const exact = Int32Array.of(0, 524287, 524288, -524288, -524289, 2_000_000, -2_000_000, 17);
    expect(Array.from(wrapArrayToBits(exact, 20))).toEqual(Array.from(exact, (v) => wrapToBits(v, 20)));
    expect(countOverflows(exact, 20)).toBe(4);
    const wrapped = wrapArrayToBits(exact, 20);
    const changed = Array.from(exact).filter((v, i) => v !== wrapped[i]).length;
    expect(changed).toBe(countOverflows(exact, 20));
    expect(countOverflows(exact, 32)).toBe(0);
    expect(Array.from(wrapArrayToBits(exact, 32))).toEqual(Array.from(exact));
  });
});
