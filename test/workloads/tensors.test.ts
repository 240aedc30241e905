import { describe, expect, test } from 'vitest';
import type { LayerSpec } from '../../sim/workloads/layer.js';
import { synthesizeLayerTensors } from '../../sim/workloads/tensors.js';
import { loadTrace } from '../../sim/workloads/trace.js';

function nonZeros(a: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== 0) n++;
  return n;
}

/** VGG-16 CONV1-2: the largest input activation tensor of the usual benchmarks (64x224x224). */
const vggConv12: LayerSpec = {
  name: 'conv1_2',
  type: 'CONV',
  N: 1,
  G: 1,
  C: 64,
  H: 224,
  W: 224,
  M: 64,
  R: 3,
  S: 3,
  strideH: 1,
  strideW: 1,
  padTop: 1,
  padBottom: 1,
  padLeft: 1,
  padRight: 1,
  iactDensity: 0.523,
  weightDensity: 0.4,
  seed: 7,
  inputs: [],
};

describe('synthesizeLayerTensors', () => {
  test('hits the densities exactly, with values in range', () => {
    for (const layer of loadTrace('mobilenet-v1-0.5-128-sparse').layers.filter((l) => l.type !== 'POOL_AVG')) {
      const { iacts, weights } = synthesizeLayerTensors(layer, 1);
      expect(iacts.length).toBe(layer.N * layer.C * layer.H * layer.W);
      expect(weights.length).toBe((layer.M * layer.C * layer.R * layer.S) / layer.G);
      expect(nonZeros(iacts), layer.name).toBe(Math.round(layer.iactDensity * iacts.length));
      expect(nonZeros(weights), layer.name).toBe(Math.round(layer.weightDensity * weights.length));
      expect(iacts.every((v) => v >= 0 && v <= 255)).toBe(true);
      expect(weights.every((v) => v >= -127)).toBe(true);
    }
  });

  test('densities 0 and 1 give all zeros and no zeros', () => {
    const none = synthesizeLayerTensors({ ...vggConv12, H: 8, W: 8, iactDensity: 0, weightDensity: 1 }, 3);
    expect(nonZeros(none.iacts)).toBe(0);
    expect(nonZeros(none.weights)).toBe(none.weights.length);
  });

  test('is deterministic per (run seed, layer seed, name) and changes with each', () => {
    const small = { ...vggConv12, C: 16, M: 16, H: 16, W: 16 };
    const a = synthesizeLayerTensors(small, 42);
    expect(synthesizeLayerTensors(small, 42)).toEqual(a);
    expect(synthesizeLayerTensors(small, 43).iacts).not.toEqual(a.iacts);
    expect(synthesizeLayerTensors({ ...small, seed: 8 }, 42).weights).not.toEqual(a.weights);
    expect(synthesizeLayerTensors({ ...small, name: 'other' }, 42).iacts).not.toEqual(a.iacts);
    // Weights do not depend on the batch size.
    expect(synthesizeLayerTensors({ ...small, N: 2 }, 42).weights).toEqual(a.weights);
  });

  test('value distributions are as documented (activation mean ~24, weight |mean| ~12, symmetric)', () => {
    const { iacts, weights } = synthesizeLayerTensors({ ...vggConv12, H: 64, W: 64, M: 256 }, 5);
    let sum = 0;
    let count = 0;
    for (const v of iacts) if (v) (sum += v), count++;
    expect(sum / count).toBeGreaterThan(22);
    expect(sum / count).toBeLessThan(26);
    let abs = 0;
    let signed = 0;
    let nz = 0;
    for (const v of weights) if (v) (abs += Math.abs(v)), (signed += v), nz++;
    expect(abs / nz).toBeGreaterThan(11);
    expect(abs / nz).toBeLessThan(13);
    expect(Math.abs(signed / nz)).toBeLessThan(0.5);
  });

  // Its speed is measured in bench/, not asserted here (a loaded 2-core machine trips timed assertions).
  test("VGG-16's biggest layer (64x224x224 iacts) gets exactly its density's non-zeros", () => {
    const { iacts } = synthesizeLayerTensors(vggConv12, 1);
    expect(nonZeros(iacts)).toBe(Math.round(0.523 * 64 * 224 * 224));
  });
});
