/** Real data in traces: densities from the tensors, layouts, bitmaps of non-zeros, padding given as data. */
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../sim/errors.js';
import { rankMappings } from '../../sim/mapping/mapper.js';
import { toProblem } from '../../sim/mapping/problem.js';
import { runNetwork } from '../../sim/run/network.js';
import { nonZeroFraction, synthesizeIacts, synthesizeWeights } from '../../sim/workloads/tensors.js';
import { loadTrace } from '../../sim/workloads/trace.js';
import { loadHwConfig } from '../../sim/config/hw-config.js';
import { tempDir, writeTrace } from '../support/cli.js';

const dir = tempDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// One 2 -> 3 channel 2x2 CONV on a 2 x 3 x 3 input with one pixel of padding on every side.
const W = [1, 0, -2, 0, 3, 0, 0, 4, 0, 5, -6, 0, 7, 0, 0, 8, 9, 0, 0, 0, 10, 0, 0, -11]; // M C R S = 3 2 2 2
const X = [0, 1, 2, 3, 0, 5, 6, 0, 8, 9, 10, 0, 0, 13, 14, 0, 16, 17]; // N C H W = 1 2 3 3
const b64 = (values: number[]) => Buffer.from(Uint8Array.from(values.map((v) => v & 255))).toString('base64');
const conv = { name: 'c', type: 'CONV', m: 3, r: 2, s: 2, padTop: 1, padBottom: 1, padLeft: 1, padRight: 1 };

let n = 0;
function load(layer: Record<string, unknown>) {
  return loadTrace(writeTrace(dir, `t${n++}`, [{ ...conv, ...layer }], { inputShape: [2, 3, 3] }));
}
function error(layer: Record<string, unknown>): string {
  try {
    load(layer);
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as Error).message;
  }
  throw new Error('expected an InputError');
}

/** Reorders row-major values of dims `from` (letters) into the order `to`. */
function reorder(values: number[], dims: Record<string, number>, from: string, to: string): number[] {
  const out: number[] = [];
  const walk = (prefix: Record<string, number>, rest: string): void => {
    if (!rest) {
      let i = 0;
      for (const d of from) i = i * dims[d]! + prefix[d]!;
      out.push(values[i]!);
      return;
    }
    for (let k = 0; k < dims[rest[0]!]!; k++) walk({ ...prefix, [rest[0]!]: k }, rest.slice(1));
  };
  walk({}, to);
  return out;
}

describe('densities come from the data when the layer carries it', () => {
  const dense = { weights: { shape: [3, 2, 2, 2], int8Data: b64(W) }, iacts: { shape: [1, 2, 3, 3], uint8Data: b64(X) } };

  it('declared densities may be left out; the measured ones are used', () => {
    const l = load(dense).layers[0]!;
    expect([l.weightDensity, l.iactDensity]).toEqual([11 / 24, 12 / 18]);
  });

  it('a declared density must agree with the data within 0.01', () => {
    expect(load({ ...dense, weightDensity: 0.46, iactDensity: 0.67 }).layers[0]!.weightDensity).toBe(11 / 24);
    expect(error({ ...dense, weightDensity: 0.5, iactDensity: 0.67 })).toMatch(
      /layer "c" field weightDensity: got 0.5, expected 0.4583 within 0.01 \(the non-zero fraction of the layer's weights\), or nothing$/,
    );
    expect(error({ weights: dense.weights })).toMatch(/field iactDensity: got nothing, expected a fraction/);
  });
});

describe('layouts, bitmaps and padding', () => {
  const reference = load({ weights: { shape: [3, 2, 2, 2], int8Data: b64(W) }, iacts: { shape: [1, 2, 3, 3], uint8Data: b64(X) } }).tensors.get('c')!;

  it('RSCM weights and NHWC iacts load as the same tensors', () => {
    const rscm = reorder(W, { M: 3, C: 2, R: 2, S: 2 }, 'MCRS', 'RSCM');
    const nhwc = reorder(X, { N: 1, C: 2, H: 3, W: 3 }, 'NCHW', 'NHWC');
    const t = load({ weights: { shape: [2, 2, 2, 3], layout: 'RSCM', int8Data: b64(rscm) }, iacts: { shape: [1, 3, 3, 2], layout: 'NHWC', uint8Data: b64(nhwc) } }).tensors.get('c')!;
    expect([...t.weights!]).toEqual([...reference.weights!]);
    expect([...t.iacts!]).toEqual([...reference.iacts!]);
    expect(error({ weights: { shape: [3, 2, 2, 2], layout: 'RSCM', int8Data: b64(rscm) }, iactDensity: 1 })).toMatch(/field weights.shape: got \[3,2,2,2\], expected \[2, 2, 2, 3\] \(RSCM/);
  });

  it('a bitmap of the non-zeros with only the non-zero values loads as the dense tensor', () => {
    const bits = new Uint8Array(3);
    W.forEach((v, i) => v && (bits[i >> 3]! |= 1 << (i & 7)));
    const t = load({ weights: { shape: [3, 2, 2, 2], mask: Buffer.from(bits).toString('base64'), int8Data: b64(W.filter((v) => v)) }, iactDensity: 1 });
    expect([...t.tensors.get('c')!.weights!]).toEqual([...reference.weights!]);
    expect(t.layers[0]!.weightDensity).toBe(11 / 24);
    expect(error({ weights: { shape: [3, 2, 2, 2], mask: Buffer.from(bits).toString('base64'), int8Data: b64([1, 2]) }, iactDensity: 1 })).toMatch(/field weights.int8Data: got "2 bytes", expected 11 \(the set bits of mask\)/);
  });

  it('iacts may include their zero padding; the border is checked and stripped', () => {
    const padded = new Array(2 * 5 * 5).fill(0);
    X.forEach((v, i) => (padded[Math.floor(i / 9) * 25 + (Math.floor((i % 9) / 3) + 1) * 5 + (i % 3) + 1] = v));
    const t = load({ weightDensity: 1, iacts: { shape: [1, 2, 5, 5], padded: true, uint8Data: b64(padded) } });
    expect([...t.tensors.get('c')!.iacts!]).toEqual([...reference.iacts!]);
    padded[0] = 7;
    expect(error({ weightDensity: 1, iacts: { shape: [1, 2, 5, 5], padded: true, uint8Data: b64(padded) } })).toMatch(
      /field iacts.uint8Data: got "7 at padded row 0, column 0 of plane 0", expected 0 in the padding/,
    );
  });
});

describe('the mapper ranks with the densities of the data a layer runs on', () => {
  it("the chosen mapping's estimate is the best estimate at the data's densities", () => {
    const hw = loadHwConfig('eyeriss-v2');
    const trace = loadTrace(writeTrace(dir, 'rank', [{ name: 'r', type: 'CONV', m: 16, r: 3, s: 3, iactDensity: 0.3, weightDensity: 0.4, seed: 3 }], { inputShape: [8, 10, 10] }));
    const layer = trace.layers[0]!;
    const r = runNetwork({ hw, trace, seed: 5, engine: 'event', check: false, peMode: 'compressed' }).layers[0]!;
    const dens = { iact: nonZeroFraction(synthesizeIacts(layer, 5)), weight: nonZeroFraction(synthesizeWeights(layer, 5)) };
    expect(r.estimatedCycles).toBe(rankMappings(toProblem(layer), hw.config, dens, 'compressed')[0]!.estimatedCycles);
  });
});
