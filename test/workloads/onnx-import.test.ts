import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { InputError } from '../../sim/errors.js';
import { importOnnx, quantise } from '../../sim/workloads/onnx-import.js';
import { writeTrace, type TraceObject } from '../../sim/workloads/trace-io.js';
import { layerOutputShape, loadTrace } from '../../sim/workloads/trace.js';
import {
  convReluPoolGemm,
  float,
  floatTensor,
  floats,
  int,
  int64Tensor,
  ints,
  modelBytes,
  node,
  str,
  tensorAttr,
  writeModel,
} from './onnx-models.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'eyeriss-onnx-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function weightsOf(trace: TraceObject, layer: string): Int8Array {
  const data = trace.layers.find((l) => l.name === layer)!.weights!.int8Data as Uint8Array;
  return new Int8Array(data.buffer, data.byteOffset, data.length);
}

/** The InputError message thrown by fn (fails on any other exception or none). */
function inputError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).not.toContain('\n');
    return (err as Error).message;
  }
  throw new Error('expected an InputError');
}

describe('quantise', () => {
  test('per tensor, symmetric, round half away from zero, zeros stay zero', () => {
    // max|w| = 127, so scale = 1 and every value is exact in float32: halves round away from zero.
    const { q, nonZeros, scale } = quantise(Float32Array.from([127, -127, 0.5, -0.5, 0.49, 0, -1.5, 63.5]));
    expect(scale).toBe(1);
    expect([...q]).toEqual([127, -127, 1, -1, 0, 0, -2, 64]);
    expect(nonZeros).toBe(6);
    expect([...quantise(new Float32Array(3)).q]).toEqual([0, 0, 0]);
  });
});

describe('importOnnx', () => {
  test('conv-relu-pool-gemm: layers, shapes, folded Relu, int8 weights, loadable as .pb and .json', () => {
    const { bytes, conv, fc } = convReluPoolGemm();
    const trace = importOnnx(writeModel(tmp, 'crpg.onnx', bytes), {});
    expect(trace.name).toBe('crpg');
    expect(trace.batch).toBe(1); // dynamic batch
    expect(trace.inputShape).toEqual([3, 8, 8]);
    expect(trace.description).toContain('scale = max|w| / 127');
    expect(trace.layers.map((l) => [l.name, l.type])).toEqual([
      ['conv1', 'CONV'],
      ['pool1', 'POOL_MAX'],
      ['flat', 'FLATTEN'],
      ['fc', 'FC'],
      ['prob', 'SOFTMAX'],
    ]);
    const [c1, , , fc1] = trace.layers;
    expect(c1).toMatchObject({ c: 3, h: 8, w: 8, m: 4, r: 3, s: 3, padTop: 1, padRight: 1, iactDensity: 1 });
    expect(fc1).toMatchObject({ c: 64, m: 10, iactDensity: 0.5 }); // after Relu (through pool and flatten)
    expect([...weightsOf(trace, 'conv1')]).toEqual([...quantise(conv).q]);
    expect([...weightsOf(trace, 'fc')]).toEqual([...quantise(fc).q]);
    expect(fc1!.weightDensity).toBe(quantise(fc).nonZeros / 640);

    for (const ext of ['pb', 'json']) {
      writeTrace(trace, path.join(tmp, `crpg.${ext}`));
      const loaded = loadTrace(path.join(tmp, `crpg.${ext}`));
      expect(loaded.layers.map((l) => layerOutputShape(l))).toEqual([
        [4, 8, 8],
        [4, 4, 4],
        [64, 1, 1],
        [10, 1, 1],
        [10, 1, 1],
      ]);
      expect([...loaded.tensors.get('fc')!.weights!]).toEqual([...quantise(fc).q]);
    }
  });

  test('Gemm without transB and float_data storage give the same weights', () => {
    const a = importOnnx(writeModel(tmp, 'transb.onnx', convReluPoolGemm().bytes), {});
    const b = importOnnx(writeModel(tmp, 'plain.onnx', convReluPoolGemm({ transB: false, rawData: false }).bytes), { name: 'x' });
    expect(b.name).toBe('x');
    expect([...weightsOf(b, 'fc')]).toEqual([...weightsOf(a, 'fc')]);
    expect([...weightsOf(b, 'conv1')]).toEqual([...weightsOf(a, 'conv1')]);
  });

  test('depth-wise model: DWCONV with SAME_UPPER padding, PWCONV, global pool, MatMul + bias as FC', () => {
    const bytes = modelBytes(
      { name: 'x', dims: [1, 8, 16, 16] },
      [
        node('Conv', 'dw', ['x', 'wdw'], ['a'], { group: int(8), strides: ints([2, 2]), auto_pad: str('SAME_UPPER') }),
        node('Relu', '', ['a'], ['b']),
        node('Conv', 'pw', ['b', 'wpw'], ['c']),
        node('GlobalAveragePool', 'gap', ['c'], ['d']),
        node('Reshape', 'reshape', ['d', 'shape'], ['e']),
        node('MatMul', 'mm', ['e', 'wfc'], ['f']),
        node('Add', 'bias', ['f', 'bfc'], ['y']),
      ],
      [
        floatTensor('wdw', [8, 1, 3, 3], floats(72, 3)),
        floatTensor('wpw', [16, 8, 1, 1], floats(128, 4)),
        int64Tensor('shape', [2], [1, -1]),
        floatTensor('wfc', [16, 5], floats(80, 5)),
        floatTensor('bfc', [5], floats(5, 6)),
      ],
      'y',
    );
    const trace = importOnnx(writeModel(tmp, 'dw.onnx', bytes), {});
    expect(trace.layers.map((l) => [l.name, l.type])).toEqual([
      ['dw', 'DWCONV'],
      ['pw', 'PWCONV'],
      ['gap', 'POOL_AVG'],
      ['reshape', 'FLATTEN'],
      ['mm', 'FC'],
    ]);
    expect(trace.layers[0]).toMatchObject({ groups: 8, m: 8, strideH: 2, padTop: 0, padBottom: 1, padLeft: 0, padRight: 1 });
    expect(trace.layers[1]).toMatchObject({ iactDensity: 0.5 });
    expect(trace.layers[2]).toMatchObject({ r: 8, s: 8 });
    expect(trace.layers[4]).toMatchObject({ c: 16, m: 5, iactDensity: 1 });
    const loaded = loadTrace((writeTrace(trace, path.join(tmp, 'dw.pb')), path.join(tmp, 'dw.pb')));
    expect(loaded.layers.map((l) => layerOutputShape(l))).toEqual([
      [8, 8, 8],
      [16, 8, 8],
      [16, 1, 1],
      [16, 1, 1],
      [5, 1, 1],
    ]);
  });

  test('a zero-pruned weight tensor keeps its exact density; BatchNormalization folds before quantisation', () => {
    const w = floats(16 * 4 * 3 * 3, 7);
    // Prune 70% of the weights; the rest are at least 0.1 of the largest, so none rounds to zero.
    for (let i = 0; i < w.length; i++) w[i] = i % 10 < 7 ? 0 : Math.sign(w[i]!) * (0.1 + Math.abs(w[i]!));
    const gamma = Float32Array.from({ length: 16 }, (_, m) => 0.5 + m / 16);
    const variance = Float32Array.from({ length: 16 }, (_, m) => 1 + m);
    const bytes = modelBytes(
      { name: 'x', dims: ['N', 4, 6, 6] },
      [
        node('Conv', 'conv', ['x', 'w'], ['c'], { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]) }),
        node('BatchNormalization', 'bn', ['c', 'gamma', 'beta', 'mean', 'var'], ['b'], { epsilon: float(1e-3) }),
        node('Relu', 'relu', ['b'], ['y']),
      ],
      [
        floatTensor('w', [16, 4, 3, 3], w),
        floatTensor('gamma', [16], gamma),
        floatTensor('beta', [16], floats(16, 8)),
        floatTensor('mean', [16], floats(16, 9)),
        floatTensor('var', [16], variance),
      ],
      'y',
    );
    const trace = importOnnx(writeModel(tmp, 'pruned.onnx', bytes), {});
    expect(trace.layers).toHaveLength(1);
    const layer = trace.layers[0]!;
    expect(layer.weightDensity).toBe(171 / 576); // indices with i % 10 in 7..9
    expect(layer.source).toContain('BatchNormalization "bn" folded');
    const folded = w.map((v, i) => v * (gamma[Math.floor(i / 36)]! / Math.sqrt(variance[Math.floor(i / 36)]! + 1e-3)));
    const q = weightsOf(trace, 'conv');
    expect([...q]).toEqual([...quantise(folded).q]);
    q.forEach((v, i) => expect(v === 0, `weight ${i}`).toBe(w[i] === 0));
  });

  test('branches: ADD and CONCAT name their inputs; pooling in ceil mode', () => {
    const bytes = modelBytes(
      { name: 'x', dims: [1, 4, 9, 9] },
      [
        node('Conv', 'stem', ['x', 'w0'], ['s']),
        node('Relu', 'r', ['s'], ['sr']),
        node('Conv', 'a', ['sr', 'w1'], ['ya'], { pads: ints([1, 1, 1, 1]) }),
        node('Conv', 'b', ['sr', 'w2'], ['yb'], { pads: ints([1, 1, 1, 1]) }),
        node('Add', 'sum', ['ya', 'yb'], ['ys']),
        node('Concat', 'cat', ['ys', 'sr'], ['yc'], { axis: int(1) }),
        node('MaxPool', 'pool', ['yc'], ['y'], { kernel_shape: ints([3, 3]), strides: ints([2, 2]), ceil_mode: int(1) }),
      ],
      [
        floatTensor('w0', [4, 4, 1, 1], floats(16, 10)),
        floatTensor('w1', [4, 4, 3, 3], floats(144, 11)),
        floatTensor('w2', [4, 4, 3, 3], floats(144, 12)),
      ],
      'y',
    );
    const trace = importOnnx(writeModel(tmp, 'branches.onnx', bytes), {});
    const byName = new Map(trace.layers.map((l) => [l.name, l]));
    expect(byName.get('b')!.inputs).toEqual(['stem']);
    expect(byName.get('sum')!.inputs).toEqual(['a', 'b']);
    expect(byName.get('cat')!.inputs).toEqual(['sum', 'stem']);
    writeTrace(trace, path.join(tmp, 'branches.json'));
    const pool = loadTrace(path.join(tmp, 'branches.json')).layers.at(-1)!;
    // ceil((9 - 3) / 2) + 1 = 4, the same as floor, so no extra padding; 8 channels from the CONCAT.
    expect(layerOutputShape(pool)).toEqual([8, 4, 4]);
  });

  test('ceil_mode pooling adds a bottom/right pad row when it changes the output size', () => {
    const bytes = modelBytes(
      { name: 'x', dims: [1, 2, 8, 8] },
      [
        node('Conv', 'c', ['x', 'w'], ['y0']),
        node('MaxPool', 'pool', ['y0'], ['y'], { kernel_shape: ints([3, 3]), strides: ints([2, 2]), ceil_mode: int(1) }),
      ],
      [floatTensor('w', [2, 2, 1, 1], floats(4, 13))],
      'y',
    );
    const pool = importOnnx(writeModel(tmp, 'ceil.onnx', bytes), {}).layers[1]!;
    expect(pool).toMatchObject({ padTop: 0, padBottom: 1, padLeft: 0, padRight: 1 }); // 8 -> 4 (floor would give 3)
  });

  test('unsupported ops and attributes name the file and the node', () => {
    const file = writeModel(
      tmp,
      'dilated.onnx',
      modelBytes(
        { name: 'x', dims: [1, 3, 8, 8] },
        [node('Conv', 'conv3', ['x', 'w'], ['y'], { dilations: ints([2, 2]) })],
        [floatTensor('w', [2, 3, 3, 3], floats(54, 14))],
        'y',
      ),
    );
    expect(inputError(() => importOnnx(file, {}))).toBe(`${file}: node "conv3" (Conv): dilations [2,2] not supported, expected 1`);

    const lrn = writeModel(
      tmp,
      'lrn.onnx',
      modelBytes(
        { name: 'x', dims: [1, 3, 8, 8] },
        [node('Conv', 'c', ['x', 'w'], ['a']), node('LRN', 'norm1', ['a'], ['y'], { size: int(5) })],
        [floatTensor('w', [2, 3, 1, 1], floats(6, 15))],
        'y',
      ),
    );
    expect(inputError(() => importOnnx(lrn, {}))).toMatch(new RegExp(`^${lrn}: node "norm1" \\(LRN\\): op not supported at opset 13; supported: Conv, `));

    const bn = writeModel(
      tmp,
      'bn-after-relu.onnx',
      modelBytes(
        { name: 'x', dims: [1, 2, 4, 4] },
        [
          node('Conv', 'c', ['x', 'w'], ['a']),
          node('Relu', 'r', ['a'], ['b']),
          node('BatchNormalization', 'bn', ['b', 'g', 'be', 'm', 'v'], ['y']),
        ],
        ['w', 'g', 'be', 'm', 'v'].map((n) => floatTensor(n, n === 'w' ? [2, 2, 1, 1] : [2], floats(n === 'w' ? 4 : 2, 16))),
        'y',
      ),
    );
    expect(inputError(() => importOnnx(bn, {}))).toContain('node "bn" (BatchNormalization): cannot be folded');
  });

  test('exporter patterns: Identity-aliased weights, Pad folded into Conv, Relu6 Clip, squeeze-excite Mul, Split', () => {
    const bytes = modelBytes(
      { name: 'x', dims: [1, 4, 6, 6] },
      [
        node('Identity', 'alias', ['w'], ['w_alias']),
        node('Constant', 'pads', [], ['p'], { value: tensorAttr(int64Tensor('p', [8], [0, 0, 1, 2, 0, 0, 1, 0])) }),
        node('Pad', 'pad', ['x', 'p'], ['xp']),
        node('Conv', 'conv', ['xp', 'w_alias'], ['c']),
        node('Constant', 'lo', [], ['zero'], { value: tensorAttr(floatTensor('zero', [], [0])) }),
        node('Constant', 'hi', [], ['six'], { value: tensorAttr(floatTensor('six', [], [6])) }),
        node('Clip', 'relu6', ['c', 'zero', 'six'], ['r']),
        node('GlobalAveragePool', 'squeeze', ['r'], ['s']),
        node('Conv', 'excite', ['s', 'we'], ['e']),
        node('HardSigmoid', 'gate', ['e'], ['g']),
        node('Mul', 'scale', ['r', 'g'], ['y0']),
        node('Shape', 'shape', ['y0'], ['sh']),
        node('Split', 'split', ['y0'], ['y1', 'y2'], { axis: int(1) }),
        node('Concat', 'cat', ['y2', 'y1'], ['y'], { axis: int(1) }),
      ],
      [floatTensor('w', [4, 4, 3, 3], floats(144, 21)), floatTensor('we', [4, 4, 1, 1], floats(16, 22))],
      'y',
    );
    const trace = importOnnx(writeModel(tmp, 'patterns.onnx', bytes), {});
    expect(trace.layers.map((l) => [l.name, l.type])).toEqual([
      ['conv', 'CONV'],
      ['squeeze', 'POOL_AVG'],
      ['excite', 'PWCONV'],
      ['scale', 'MUL'],
      ['split', 'SLICE'],
      ['split_2', 'SLICE'],
      ['cat', 'CONCAT'],
    ]);
    // Pad's H/W padding (begins 1, 2; ends 1, 0) lands in the Conv's: 6 + 2 - 3 + 1 = 6 rows, 6 + 2 - 3 + 1 = 6 columns.
    expect(trace.layers[0]).toMatchObject({ padTop: 1, padLeft: 2, padBottom: 1, padRight: 0, m: 4 });
    expect(trace.layers[2]).toMatchObject({ iactDensity: 0.5 }); // Clip(0, 6) is a ReLU, through the pool
    expect(trace.layers[3]!.inputs).toEqual(['conv', 'excite']);
    expect(trace.layers[4]).toMatchObject({ m: 2 }); // reads the previous layer: no inputs needed
    expect(trace.layers[5]).toMatchObject({ m: 2, channelOffset: 2, inputs: ['scale'] });
    expect(trace.layers[6]!.inputs).toEqual(['split_2', 'split']);
    const loaded = loadTrace((writeTrace(trace, path.join(tmp, 'patterns.pb')), path.join(tmp, 'patterns.pb')));
    expect(loaded.layers.map((l) => layerOutputShape(l))).toEqual([[4, 6, 6], [4, 1, 1], [4, 1, 1], [4, 6, 6], [2, 6, 6], [2, 6, 6], [4, 6, 6]]);
    expect(loaded.layers[5]!.channelOffset).toBe(2);

    // A Transpose that is not a channel shuffle: one line naming the node, the op and what was expected.
    const transposed = writeModel(tmp, 'transpose.onnx', modelBytes(
      { name: 'x', dims: [1, 4, 6, 6] },
      [node('Conv', 'conv', ['x', 'w'], ['c']), node('Transpose', 'nhwc', ['c'], ['y'], { perm: ints([0, 2, 3, 1]) })],
      [floatTensor('w', [4, 4, 1, 1], floats(16, 23))],
      'y',
    ));
    expect(inputError(() => importOnnx(transposed, {}))).toBe(
      `${transposed}: node "nhwc" (Transpose): perm [0,2,3,1] of dims [1,4,6,6] not supported, expected a channel shuffle ([N, G, C/G, H, W] with perm [0, 2, 1, 3, 4])`,
    );
  });

  test('a truncated or missing file is an InputError', () => {
    const bytes = convReluPoolGemm().bytes;
    const truncated = writeModel(tmp, 'truncated.onnx', bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    expect(inputError(() => importOnnx(truncated, {}))).toMatch(new RegExp(`^${truncated}: `));
    expect(inputError(() => importOnnx(path.join(tmp, 'missing.onnx'), {}))).toMatch(/cannot read the file/);
  });
});
