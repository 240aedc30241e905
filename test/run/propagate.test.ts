import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadHwConfig } from '../../sim/config/hw-config.js';
import { referenceConv, wrapArrayToBits } from '../../sim/reference/conv.js';
import { runNetwork, type NetworkRunOptions } from '../../sim/run/network.js';
import type { LayerSpec } from '../../sim/workloads/layer.js';
import { readImageFile, synthesizeIacts, synthesizeWeights } from '../../sim/workloads/tensors.js';
import { loadTrace } from '../../sim/workloads/trace.js';
import { tempDir, writeTrace } from '../support/cli.js';

const hw = loadHwConfig('eyeriss-v2');

// Expectations computed here from the documented rules, without sim/reference/offchip-ops.ts.

/** ReLU, then per image a right shift by the smallest power of two that brings the image's maximum under 256. */
function requant(psums: Int32Array, N: number): number[] {
  const size = psums.length / N;
  const out: number[] = [];
  for (let n = 0; n < N; n++) {
    const image = Array.from(psums.subarray(n * size, (n + 1) * size), (v) => Math.max(0, v));
    const max = Math.max(...image);
    let div = 1;
    while (Math.floor(max / div) > 255) div *= 2;
    out.push(...image.map((v) => Math.floor(v / div)));
  }
  return out;
}

/** Max pooling of N*C planes of H x W, window k x k, stride k, no padding. */
function maxPool(x: number[], planes: number, H: number, W: number, k: number): number[] {
  const E = Math.floor(H / k);
  const F = Math.floor(W / k);
  const out: number[] = [];
  for (let p = 0; p < planes; p++) {
    for (let e = 0; e < E; e++) {
      for (let f = 0; f < F; f++) {
        let m = 0;
        for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) m = Math.max(m, x[p * H * W + (e * k + i) * W + f * k + j]!);
        out.push(m);
      }
    }
  }
  return out;
}

const nonZeroFraction = (x: ArrayLike<number>): number => Array.from(x).filter((v) => v !== 0).length / x.length;

const tiny = [
  { name: 'c1', type: 'CONV', c: 3, h: 8, w: 8, m: 8, r: 3, s: 3, padTop: 1, padBottom: 1, padLeft: 1, padRight: 1, iactDensity: 0.6, weightDensity: 0.5, seed: 1 },
  { name: 'p1', type: 'POOL_MAX', r: 2, s: 2, strideH: 2, strideW: 2 },
  { name: 'c2', type: 'CONV', m: 4, r: 3, s: 3, iactDensity: 0.5, weightDensity: 0.7, seed: 2 },
];

function run(trace: string, extra: Partial<NetworkRunOptions> = {}) {
  return runNetwork({ hw, trace: loadTrace(trace), seed: 1, engine: 'event', check: true, propagate: true, ...extra });
}

describe('run --propagate', () => {
  const dir = tempDir();
  const file = writeTrace(dir, 'tiny', tiny);
  const [c1, , c2] = loadTrace(file).layers as [LayerSpec, LayerSpec, LayerSpec];

  it("feeds layer 2 requant(pool(layer 1's simulated outputs))", () => {
    const r = run(file);
    const [l1, l2] = r.layers;
    // Layer 1 reads the synthetic image: image 0 of the first layer's iact stream, at the layer's density.
    const image = synthesizeIacts(c1, 1);
    expect(l1!.outputs).toEqual(wrapArrayToBits(referenceConv(c1, image, synthesizeWeights(c1, 1)), 20));
    expect(l1!.iactDensityMeasured).toBe(nonZeroFraction(image));
    const iacts2 = Int16Array.from(maxPool(requant(l1!.outputs, 1), 8, 8, 8, 2));
    expect(l2!.outputs).toEqual(wrapArrayToBits(referenceConv(c2, iacts2, synthesizeWeights(c2, 1)), 20));
    expect(l2!.check).toBe('pass');
    expect(l2!.iactDensityAssumed).toBe(0.5);
    expect(l2!.iactDensityMeasured).toBe(nonZeroFraction(iacts2));
    expect(Math.max(...iacts2)).toBeGreaterThan(127); // the shift puts the maximum in 128..255
    expect(Math.max(...iacts2)).toBeLessThanOrEqual(255);
  });

  it('gives every image of a batch its own synthetic image, requantised on its own', () => {
    const one = run(file);
    const three = run(file, { batch: 3 });
    const size = one.layers[1]!.outputs.length;
    expect(three.layers[1]!.outputs.subarray(0, size)).toEqual(one.layers[1]!.outputs);
    expect(three.layers[1]!.outputs.subarray(size, 2 * size)).not.toEqual(one.layers[1]!.outputs);
    expect(three.layers.every((l) => l.check === 'pass')).toBe(true);
  });

  it('reads a given input, for every image or one per image', () => {
    const image = Int16Array.from({ length: 3 * 8 * 8 }, (_, i) => (i * 37) % 256);
    const given = run(file, { input: image });
    expect(given.layers[0]!.outputs).toEqual(wrapArrayToBits(referenceConv(c1, image, synthesizeWeights(c1, 1)), 20));
    const batch = run(file, { input: image, batch: 2 });
    const size = given.layers[1]!.outputs.length;
    expect(batch.layers[1]!.outputs.subarray(size)).toEqual(given.layers[1]!.outputs);
    expect(() => run(file, { input: image.subarray(1) })).toThrow(/--input/);
  });

  it('computes the layers upstream of --layers without simulating them', () => {
    const full = run(file);
    const only = run(file, { layers: ['c2'] });
    expect(only.layers.map((l) => l.name)).toEqual(['c2']);
    expect(only.layers[0]!.outputs).toEqual(full.layers[1]!.outputs);
  });

  it('follows the inputs DAG through CONCAT and ADD', () => {
    const dag = writeTrace(dir, 'dag', [
      { name: 'a', type: 'CONV', c: 3, h: 6, w: 6, m: 4, r: 1, s: 1, iactDensity: 0.7, weightDensity: 0.6, seed: 1 },
      { name: 'b', type: 'CONV', m: 4, r: 1, s: 1, iactDensity: 0.5, weightDensity: 0.6, seed: 2, inputs: ['a'] },
      { name: 'c', type: 'CONV', m: 4, r: 1, s: 1, iactDensity: 0.5, weightDensity: 0.6, seed: 3, inputs: ['a'] },
      { name: 'sum', type: 'ADD', inputs: ['b', 'c'] },
      { name: 'cat', type: 'CONCAT', inputs: ['sum', 'a'] },
      { name: 'd', type: 'CONV', m: 2, r: 1, s: 1, iactDensity: 0.5, weightDensity: 0.6, seed: 4 },
    ], { inputShape: [3, 6, 6] });
    const layers = loadTrace(dag).layers;
    const r = run(dag);
    const out = new Map(r.layers.map((l) => [l.name, requant(l.outputs, 1)]));
    const sum = out.get('b')!.map((v, i) => Math.min(255, v + out.get('c')![i]!));
    const cat = Int16Array.from([...sum, ...out.get('a')!]);
    const d = layers.find((l) => l.name === 'd')!;
    expect(r.layers.find((l) => l.name === 'd')!.outputs).toEqual(wrapArrayToBits(referenceConv(d, cat, synthesizeWeights(d, 1)), 20));
  });

  it('reads --input files: NumPy .npy (uint8) or raw bytes', () => {
    const values = Uint8Array.from({ length: 2 * 3 * 2 * 2 }, (_, i) => i * 10);
    const header = "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3, 2, 2), }";
    const padded = header.padEnd(118 - 1, ' ') + '\n'; // 10-byte preamble + header = 128 bytes
    const npy = Buffer.concat([Buffer.from('\x93NUMPY\x01\x00', 'latin1'), Buffer.from([padded.length, 0]), Buffer.from(padded, 'latin1'), values]);
    writeFileSync(join(dir, 'in.npy'), npy);
    writeFileSync(join(dir, 'in.raw'), values);
    expect(readImageFile(join(dir, 'in.npy'), [3, 2, 2])).toEqual(Int16Array.from(values));
    expect(readImageFile(join(dir, 'in.raw'), [3, 2, 2])).toEqual(Int16Array.from(values));
    expect(() => readImageFile(join(dir, 'in.npy'), [3, 4, 1])).toThrow(/array shape \(2, 3, 2, 2\)/);
    expect(() => readImageFile(join(dir, 'in.raw'), [5, 1, 1])).toThrow(/24 bytes, expected a multiple of 5/);
  });
});
