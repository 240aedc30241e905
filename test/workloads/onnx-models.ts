/**
 * Small ONNX models built in code (no downloads) with the importer's own protobuf schema, for the import and fuzz
 * tests. Field names are protobufjs's camelCase of onnx.proto's.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ONNX_FLOAT, ONNX_INT64, onnxModelType } from '../../sim/workloads/onnx-import.js';

type Obj = Record<string, unknown>;

// AttributeProto.AttributeType values.
export const int = (i: number) => ({ type: 2, i });
export const ints = (v: number[]) => ({ type: 7, ints: v });
export const float = (f: number) => ({ type: 1, f });
export const str = (s: string) => ({ type: 3, s: Buffer.from(s) });
export const tensorAttr = (t: Obj) => ({ type: 4, t });

/** A FLOAT tensor, in raw_data (little-endian bytes) by default or in float_data. */
export function floatTensor(name: string, dims: number[], values: ArrayLike<number>, raw = true): Obj {
  const data = Float32Array.from(values);
  return raw
    ? { name, dims, dataType: ONNX_FLOAT, rawData: new Uint8Array(data.buffer) }
    : { name, dims, dataType: ONNX_FLOAT, floatData: Array.from(data) };
}

export function int64Tensor(name: string, dims: number[], values: number[]): Obj {
  const raw = Buffer.alloc(values.length * 8);
  values.forEach((v, i) => raw.writeBigInt64LE(BigInt(v), i * 8));
  return { name, dims, dataType: ONNX_INT64, rawData: raw };
}

export function node(
  opType: string,
  name: string,
  input: string[],
  output: string[],
  attrs: Record<string, Obj> = {},
): Obj {
  return { opType, name, input, output, attribute: Object.entries(attrs).map(([n, a]) => ({ name: n, ...a })) };
}

/** A model with one graph input of the given dims (a string is a dynamic dimension). */
export function modelBytes(
  input: { name: string; dims: (number | string)[] },
  nodes: Obj[],
  initializers: Obj[],
  output: string,
): Uint8Array {
  const dim = input.dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d }));
  const type = onnxModelType();
  return type
    .encode(
      type.fromObject({
        irVersion: 8,
        producerName: 'eyeriss-sim tests',
        opsetImport: [{ domain: '', version: 13 }],
        graph: {
          name: 'g',
          node: nodes,
          initializer: initializers,
          input: [{ name: input.name, type: { tensorType: { elemType: ONNX_FLOAT, shape: { dim } } } }],
          output: [{ name: output }],
        },
      }),
    )
    .finish();
}

export function writeModel(dir: string, file: string, bytes: Uint8Array): string {
  const full = path.join(dir, file);
  writeFileSync(full, bytes);
  return full;
}

/** Deterministic pseudo-random floats in [-1, 1) (xorshift32), never exactly 0. */
export function floats(count: number, seed: number): Float32Array {
  let x = seed >>> 0 || 1;
  return Float32Array.from({ length: count }, () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return (x / 2 ** 31 - 1) || 0.5;
  });
}

/**
 * conv(3->4, 3x3, pad 1, bias) -> Relu -> MaxPool 2x2/2 -> Flatten -> Gemm(64->10, transB, bias) -> Softmax, input
 * [batch, 3, 8, 8] with a dynamic batch. `transB: false` stores the same Gemm weights as B = K x M instead.
 */
export function convReluPoolGemm(o: { transB?: boolean; rawData?: boolean } = {}): {
  bytes: Uint8Array;
  conv: Float32Array;
  fc: Float32Array;
} {
  const conv = floats(4 * 3 * 3 * 3, 1);
  const fc = floats(10 * 64, 2); // M x K
  const transB = o.transB ?? true;
  const fcStored = transB ? fc : Float32Array.from({ length: 640 }, (_, i) => fc[(i % 10) * 64 + Math.floor(i / 10)]!);
  const raw = o.rawData ?? true;
  const bytes = modelBytes(
    { name: 'image', dims: ['batch', 3, 8, 8] },
    [
      node('Conv', 'conv1', ['image', 'w1', 'b1'], ['c1'], { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]) }),
      node('Relu', 'relu1', ['c1'], ['r1']),
      node('MaxPool', 'pool1', ['r1'], ['p1'], { kernel_shape: ints([2, 2]), strides: ints([2, 2]) }),
      node('Flatten', 'flat', ['p1'], ['f1'], { axis: int(1) }),
      node('Gemm', 'fc', ['f1', 'w2', 'b2'], ['g1'], transB ? { transB: int(1) } : {}),
      node('Softmax', 'prob', ['g1'], ['out'], { axis: int(1) }),
    ],
    [
      floatTensor('w1', [4, 3, 3, 3], conv, raw),
      floatTensor('b1', [4], [0.1, 0.2, 0.3, 0.4], raw),
      floatTensor('w2', transB ? [10, 64] : [64, 10], fcStored, raw),
      floatTensor('b2', [10], new Float32Array(10), raw),
    ],
    'out',
  );
  return { bytes, conv, fc };
}
