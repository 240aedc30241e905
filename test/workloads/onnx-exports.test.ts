/**
 * Real exports: torchvision models exported by torch.onnx.export (Debian's python3-torch 1.13) with
 * traces/tools/export-torchvision.py, which wrote PyTorch's own per-layer counts (forward hooks) beside them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { isOnChip, nominalMacs, outHeight, outWidth, weightCount } from '../../sim/workloads/layer.js';
import { importOnnx } from '../../sim/workloads/onnx-import.js';
import { checkTraceObject } from '../../sim/workloads/trace.js';

const FIXTURES = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'fixtures', 'onnx');

interface TorchLayer {
  name: string;
  kind: 'Conv2d' | 'Linear';
  output: number[];
  groups: number;
  macs: number;
  weights: number;
  nonZeroWeights: number;
  int8NonZeroWeights?: number;
}
interface TorchCounts {
  opset: number;
  prunedFraction: number;
  totalMacs: number;
  layers: TorchLayer[];
}

/** An export and PyTorch's counts beside it: a path without extension, or a shipped fixture's name. */
function load(stem: string) {
  const base = path.isAbsolute(stem) ? stem : path.join(FIXTURES, stem);
  const torch = JSON.parse(readFileSync(`${base}.json`, 'utf8')) as TorchCounts;
  const object = importOnnx(`${base}.onnx`);
  const trace = checkTraceObject(object, stem);
  return { torch, object, trace, onChip: trace.layers.filter((l) => isOnChip(l.type)) };
}

/**
 * The shipped exports, and with ONNX_EXPORTS=DIR every export the script wrote there (it needs PyTorch):
 * `/usr/bin/python3 traces/tools/export-torchvision.py DIR && ONNX_EXPORTS=DIR npx vitest run test/workloads/onnx-exports.test.ts`.
 */
const EXPORTS = [
  ...['squeezenet1_1-pruned-opset9', 'shufflenet_v2_x0_5-opset13u'].map((stem) => path.join(FIXTURES, stem)),
  ...(process.env.ONNX_EXPORTS
    ? readdirSync(process.env.ONNX_EXPORTS).filter((f) => f.endsWith('.onnx')).map((f) => path.join(process.env.ONNX_EXPORTS!, f.slice(0, -5)))
    : []),
];

describe.each(EXPORTS)('%s', (stem) => {
  const { torch, object, onChip } = load(stem);

  test("on-chip layers match PyTorch's Conv2d/Linear one for one: shapes, groups and MACs", () => {
    expect(onChip.length).toBe(torch.layers.length);
    onChip.forEach((l, i) => {
      const t = torch.layers[i]!;
      const [, m, e = 1, f = 1] = t.output;
      expect([l.name, l.M, outHeight(l), outWidth(l)]).toEqual([l.name, m, e, f]);
      expect(l.G).toBe(t.groups);
      expect(weightCount(l)).toBe(t.weights);
      expect(nominalMacs(l)).toBe(t.macs);
      expect(l.type).toBe(t.kind === 'Linear' ? 'FC' : t.groups > 1 ? 'DWCONV' : l.R * l.S === 1 ? 'PWCONV' : 'CONV');
    });
    expect(onChip.reduce((sum, l) => sum + nominalMacs(l), 0)).toBe(torch.totalMacs);
    expect(object.sources![0]).toContain(`opset ${torch.opset}`);
  });
});

describe('a pruned export', () => {
  const { torch, onChip } = load('squeezenet1_1-pruned-opset9');

  test("its zeros are the trace's weight sparsity: int8 non-zeros equal PyTorch's count under the same rule", () => {
    onChip.forEach((l, i) => {
      const t = torch.layers[i]!;
      expect(Math.round(l.weightDensity * t.weights)).toBe(t.int8NonZeroWeights);
      // Quantisation only adds zeros (values under half a step), never removes the pruned ones.
      expect(l.weightDensity).toBeLessThanOrEqual(t.nonZeroWeights / t.weights);
    });
    const weights = torch.layers.reduce((s, t) => s + t.weights, 0);
    const nonZeros = onChip.reduce((s, l, i) => s + l.weightDensity * torch.layers[i]!.weights, 0);
    expect(torch.prunedFraction).toBe(0.75);
    expect(nonZeros / weights).toBeLessThanOrEqual(0.25 + 1e-9);
    expect(nonZeros / weights).toBeGreaterThan(0.2);
  });
});

describe('ShuffleNet v2 (unfused export: BatchNormalization, Identity-aliased weights, Shape chains)', () => {
  const { trace, onChip } = load('shufflenet_v2_x0_5-opset13u');

  test('channel split, shuffle and the global mean become off-chip SLICE, SHUFFLE and POOL_AVG layers', () => {
    const count = (type: string) => trace.layers.filter((l) => l.type === type).length;
    // 13 stride-1 blocks split their input in two; all 16 blocks end in a shuffle of 2 groups.
    expect(count('SLICE')).toBe(26);
    expect(count('SHUFFLE')).toBe(16);
    expect(trace.layers.filter((l) => l.type === 'SHUFFLE').every((l) => l.G === 2)).toBe(true);
    expect(trace.layers.filter((l) => l.type === 'POOL_AVG').map((l) => [l.R, l.S])).toEqual([[7, 7]]);
    const sliced = trace.layers.find((l) => l.type === 'SLICE' && l.channelOffset)!;
    expect(sliced.channelOffset).toBe(sliced.M);
    expect(onChip.filter((l) => l.type !== 'FC').every((l) => l.source?.includes('BatchNormalization'))).toBe(true);
  });
});
