/**
 * Importing an ONNX model as a trace: the layers the chip runs (Conv, Gemm/MatMul) with their real weights, and the
 * off-chip layers that shape the data (pooling, Add, Mul, Concat, Split/Slice, channel shuffle, Flatten/Reshape,
 * Softmax). Built for what torch.onnx.export writes at opsets 9-17 (test/workloads/onnx-exports.test.ts).
 *
 * The model is decoded with protobufjs from a subset of ONNX's onnx.proto embedded below (only the messages and
 * fields the import reads, with ONNX's field numbers; protobuf skips the fields a schema does not name). This keeps
 * the import on the protobufjs already used for traces: the npm package onnx-proto ships only generated CommonJS
 * code tied to protobufjs 6.
 *
 * Rules (also written into each imported trace's description):
 * - Spatial shapes are inferred from the graph input's shape; a dynamic batch dimension becomes 1.
 * - Conv with group 1 and a 1x1 kernel is PWCONV, with group = input channels (> 1) DWCONV, otherwise CONV.
 *   Dilations must be 1. Biases are dropped (they add no MACs).
 * - BatchNormalization is folded into the weights of the Conv/Gemm it follows (w * scale / sqrt(var + eps) per
 *   output channel) before quantisation; one that does not directly follow a Conv or Gemm is rejected.
 * - Relu, Clip, Sigmoid, HardSigmoid, HardSwish, Identity and Dropout produce no layer; Add, Sub, Mul and Div with
 *   a constant (a bias, a scale) are folded too. Initializers may be aliased through Identity or Constant nodes.
 * - Shapes are computed at import: Shape of an activation and Gather, Unsqueeze, Squeeze, Concat, Cast, Slice and
 *   integer arithmetic on such values, so Reshape targets built by Shape -> Gather -> Unsqueeze -> Concat resolve.
 * - Pad (zeros, H and W only) is folded into the padding of the Conv or MaxPool reading it.
 * - Mul of two activations is a MUL layer (squeeze-excite: the second is C x 1 x 1); Split and Slice of channels
 *   are SLICE layers; Reshape to N x G x C/G x H x W, Transpose of the two group axes and Reshape back is a SHUFFLE.
 * - Weights are quantised per tensor, symmetric: scale = max|w| / 127, q = sign(w) * floor(|w| / scale + 0.5)
 *   (round half away from zero), so exact zeros stay zero and a pruned model keeps its sparsity. Each layer's
 *   weight density is the measured non-zero fraction of its int8 tensor.
 * - The model has no activations, so iact densities are our choice: 1.0 for the network input and for inputs not
 *   after a ReLU, 0.5 after a ReLU (also through pooling, Flatten and Concat of post-ReLU inputs).
 * Anything else (an op, an attribute value, a data type) is an InputError naming the file and the node.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { endianness } from 'node:os';
import path from 'node:path';
import protobuf from 'protobufjs';
import { InputError } from '../errors.js';
import type { LayerType } from './layer.js';
import { checkTraceObject, type Shape3 } from './trace.js';
import type { LayerObject, TraceObject } from './trace-io.js';

export interface OnnxImportOptions {
  /** Trace name; default: the model file's name without .onnx. */
  name?: string;
}

/** Subset of onnx/onnx.proto (IR version 8); field numbers must match ONNX's. */
const ONNX_SUBSET_PROTO = `
syntax = "proto2";
package onnx;
message AttributeProto {
  optional string name = 1;
  optional int32 type = 20;
  optional float f = 2;
  optional int64 i = 3;
  optional bytes s = 4;
  optional TensorProto t = 5;
  repeated float floats = 7;
  repeated int64 ints = 8;
  repeated bytes strings = 9;
}
message ValueInfoProto {
  optional string name = 1;
  optional TypeProto type = 2;
}
message NodeProto {
  repeated string input = 1;
  repeated string output = 2;
  optional string name = 3;
  optional string op_type = 4;
  optional string domain = 7;
  repeated AttributeProto attribute = 5;
}
message OperatorSetIdProto {
  optional string domain = 1;
  optional int64 version = 2;
}
message ModelProto {
  optional int64 ir_version = 1;
  repeated OperatorSetIdProto opset_import = 8;
  optional string producer_name = 2;
  optional string producer_version = 3;
  optional GraphProto graph = 7;
}
message GraphProto {
  repeated NodeProto node = 1;
  optional string name = 2;
  repeated TensorProto initializer = 5;
  repeated ValueInfoProto input = 11;
  repeated ValueInfoProto output = 12;
}
message TensorProto {
  repeated int64 dims = 1;
  optional int32 data_type = 2;
  repeated float float_data = 4 [packed = true];
  repeated int32 int32_data = 5 [packed = true];
  repeated int64 int64_data = 7 [packed = true];
  optional string name = 8;
  optional bytes raw_data = 9;
  repeated double double_data = 10 [packed = true];
  optional int32 data_location = 14;
}
message TensorShapeProto {
  message Dimension {
    optional int64 dim_value = 1;
    optional string dim_param = 2;
  }
  repeated Dimension dim = 1;
}
message TypeProto {
  message Tensor {
    optional int32 elem_type = 1;
    optional TensorShapeProto shape = 2;
  }
  optional Tensor tensor_type = 1;
}
`;

let modelTypeCache: protobuf.Type | undefined;

/** The `onnx.ModelProto` message type (from the embedded subset); tests use it to build models. */
export function onnxModelType(): protobuf.Type {
  modelTypeCache ??= protobuf.parse(ONNX_SUBSET_PROTO).root.lookupType('onnx.ModelProto');
  return modelTypeCache;
}

/** TensorProto.DataType values the import reads. */
export const ONNX_FLOAT = 1;
export const ONNX_INT32 = 6;
export const ONNX_INT64 = 7;
export const ONNX_DOUBLE = 11;
const DATA_TYPE_NAMES = [
  'UNDEFINED', 'FLOAT', 'UINT8', 'INT8', 'UINT16', 'INT16', 'INT32', 'INT64', 'STRING', 'BOOL', 'FLOAT16', 'DOUBLE',
  'UINT32', 'UINT64', 'COMPLEX64', 'COMPLEX128', 'BFLOAT16',
];

const SUPPORTED_OPS = [
  'Conv', 'Gemm', 'MatMul', 'BatchNormalization', 'Relu', 'Clip', 'Sigmoid', 'HardSigmoid', 'HardSwish', 'Identity',
  'Dropout', 'Pad', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool', 'ReduceMean', 'Add', 'Mul',
  'Div', 'Sub', 'Concat', 'Split', 'Slice', 'Flatten', 'Reshape', 'Transpose', 'Softmax', 'LogSoftmax', 'Constant',
  'Shape', 'Gather', 'Unsqueeze', 'Squeeze', 'Cast',
];

/** Ops that only compute shapes when their inputs are known integers (Shape -> Gather -> ... -> Reshape). */
const SHAPE_OPS = ['Identity', 'Gather', 'Unsqueeze', 'Squeeze', 'Concat', 'Cast', 'Slice', 'Add', 'Sub', 'Mul', 'Div'];

/** Largest |int64| a Slice end may hold to mean "to the end" (PyTorch writes 2^63 - 1). */
const SLICE_TO_END = 2 ** 53;

export const QUANTISATION_RULE =
  'Weights: FP32 quantised to int8 per tensor, symmetric: scale = max|w| / 127, ' +
  'q = sign(w) * floor(|w| / scale + 0.5) (round half away from zero), so exact zeros stay zero; ' +
  'BatchNormalization folded into the preceding Conv/Gemm weights before quantisation; biases dropped (no MACs). ' +
  'Weight density = non-zero fraction of each int8 tensor.';
const IACT_RULE =
  'Iact densities are our choice (the model carries no activations): 1.0 for the network input and for inputs ' +
  'not after a ReLU, 0.5 after a ReLU.';

// ---------------------------------------------------------------------------------------------------------------
// The decoded model (protobufjs toObject with longs as numbers and repeated fields always present)

interface OnnxTensor {
  name?: string;
  dims: number[];
  dataType?: number;
  floatData: number[];
  int32Data: number[];
  int64Data: number[];
  doubleData: number[];
  rawData?: Uint8Array;
  dataLocation?: number;
}
interface OnnxAttribute {
  name?: string;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: OnnxTensor;
  floats: number[];
  ints: number[];
}
interface OnnxNode {
  input: string[];
  output: string[];
  name?: string;
  opType?: string;
  domain?: string;
  attribute: OnnxAttribute[];
}
interface OnnxValueInfo {
  name?: string;
  type?: { tensorType?: { shape?: { dim: { dimValue?: number; dimParam?: string }[] } } };
}
interface OnnxModel {
  irVersion?: number;
  producerName?: string;
  producerVersion?: string;
  opsetImport: { domain?: string; version?: number }[];
  graph?: { node: OnnxNode[]; initializer: OnnxTensor[]; input: OnnxValueInfo[]; output: OnnxValueInfo[] };
}

/** An activation tensor flowing through the graph. */
interface Value {
  /** Trace layer producing it; undefined for the network input. */
  layer?: string;
  shape: Shape3;
  /** Went through a ReLU (sets the next layer's iact density). */
  relu: boolean;
  /** Exactly the output of a Conv/Gemm layer, so a BatchNormalization can still be folded into its weights. */
  linear: boolean;
  /** The ONNX dims after the batch when they are not [C, H, W]: [features] when flat, 4 dims inside a shuffle. */
  dims?: number[];
  /** Zero padding (top, left, bottom, right) of a Pad node, folded into the Conv or MaxPool that reads the value. */
  pads?: [number, number, number, number];
}

/** A layer being built; float weights are kept until BatchNormalization folding is done. */
interface Draft {
  layer: LayerObject;
  weights?: Float32Array;
  weightShape?: number[];
}

// ---------------------------------------------------------------------------------------------------------------

/** Imports an ONNX model as a trace in the JSON shape (weights as int8 tensors), validated and ready for writeTrace. */
export function importOnnx(modelPath: string, options: OnnxImportOptions = {}): TraceObject {
  const file = modelPath;
  let bytes: Buffer;
  try {
    bytes = readFileSync(modelPath);
  } catch (err) {
    throw new InputError(`${file}: cannot read the file (${oneLine(err)})`);
  }
  let model: OnnxModel;
  try {
    const type = onnxModelType();
    model = type.toObject(type.decode(bytes), { longs: Number, arrays: true }) as OnnxModel;
  } catch (err) {
    throw new InputError(`${file}: truncated or corrupt ONNX protobuf (${oneLine(err)})`);
  }
  const graph = model.graph;
  if (!graph || graph.node.length === 0) throw new InputError(`${file}: not an ONNX model (no graph nodes)`);

  const opset = model.opsetImport.find((o) => !o.domain || o.domain === 'ai.onnx')?.version;
  const importer = new Importer(file, graph.initializer, opset);
  const { batch, inputShape } = importer.start(graph.input);
  const consumers = new Map<string, number>();
  for (const name of [...graph.node.flatMap((n) => n.input), ...graph.output.map((o) => o.name ?? '')]) {
    consumers.set(name, (consumers.get(name) ?? 0) + 1);
  }
  graph.node.forEach((node, index) => importer.node(node, index, consumers));
  const layers = importer.finish();

  const producer = [model.producerName, model.producerVersion].filter(Boolean).join(' ') || 'unknown';
  const base = path.basename(modelPath);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const trace: TraceObject = {
    version: 1,
    name: options.name ?? base.replace(/\.onnx$/i, ''),
    description: `Imported from the ONNX model ${base} by eyeriss-sim. ${QUANTISATION_RULE} ${IACT_RULE}`,
    sources: [
      `${base}: ONNX model, producer ${producer}, IR version ${model.irVersion ?? '?'}, opset ${opset ?? '?'}, ` +
        `sha256 ${sha256}`,
    ],
    batch,
    inputShape,
    layers,
  };
  // The import is built to be valid; checking keeps a bad model from ever reaching a trace file.
  checkTraceObject(trace, file);
  return trace;
}

class Importer {
  private readonly initializers = new Map<string, OnnxTensor>();
  private readonly values = new Map<string, Value>();
  private readonly drafts: Draft[] = [];
  private readonly names = new Set<string>();
  /** Small integer tensors known at import time: shapes and what is computed from them. */
  private readonly known = new Map<string, number[]>();
  private current: { node: OnnxNode; index: number } = { node: { input: [], output: [], attribute: [] }, index: 0 };
  private seed = 0;
  private batch = 1;
  private where = '';

  constructor(
    private readonly file: string,
    initializers: OnnxTensor[],
    private readonly opset: number | undefined,
  ) {
    for (const t of initializers) if (t.name) this.initializers.set(t.name, t);
  }

  private fail(message: string): never {
    throw new InputError(`${this.file}: ${this.where}${message}`);
  }

  /** Reads the one non-constant graph input: [N, C, H, W] or [N, features]. */
  start(inputs: OnnxValueInfo[]): { batch: number; inputShape: Shape3 } {
    const real = inputs.filter((v) => !this.initializers.has(v.name ?? ''));
    if (real.length !== 1) {
      const names = real.map((v) => `"${v.name}"`).join(', ');
      this.fail(`graph inputs: got ${real.length} (${names}), expected exactly one`);
    }
    const input = real[0]!;
    this.where = `graph input "${input.name ?? ''}": `;
    const dims = input.type?.tensorType?.shape?.dim;
    if (!dims || (dims.length !== 4 && dims.length !== 2)) {
      this.fail(`shape ${showDims(dims)} not supported, expected [N, C, H, W] or [N, features]`);
    }
    const sizes = dims.map((d, i) => {
      const v = d.dimValue;
      if (v !== undefined && v > 0 && Number.isSafeInteger(v)) return v;
      // Only the batch may be dynamic (a name like "N", or unset): a trace holds one inference.
      if (i === 0 && (v === undefined || v === 0)) return 1;
      return this.fail(`dimension ${i} is ${d.dimParam ? `"${d.dimParam}"` : String(v)}, expected a positive size`);
    });
    const inputShape: Shape3 = sizes.length === 4 ? [sizes[1]!, sizes[2]!, sizes[3]!] : [sizes[1]!, 1, 1];
    this.values.set(input.name ?? '', { shape: inputShape, relu: false, linear: false });
    this.batch = sizes[0]!;
    return { batch: this.batch, inputShape };
  }

  node(node: OnnxNode, index: number, consumers: Map<string, number>): void {
    const op = node.opType ?? '';
    this.current = { node, index };
    this.where = `node "${node.name || node.output[0] || `#${index}`}" (${op}): `;
    if (node.domain && node.domain !== 'ai.onnx') {
      this.fail(`domain "${node.domain}" not supported, expected the default ONNX domain`);
    }
    if (node.output.length === 0 || !node.output[0]) this.fail('has no output');
    const a = new Attributes(node.attribute, (m) => this.fail(m));
    const out = node.output[0]!;
    const source = `ONNX node "${node.name || out}" (${op})`;
    if (op === 'Constant') return this.constantNode(a, out);
    if (op === 'Shape') {
      a.only(['start', 'end']);
      const x = this.act(node, 0);
      const dims = [this.batch, ...(x.dims ?? x.shape)];
      return void this.known.set(out, dims.slice(a.int('start', 0), a.has('end') ? a.int('end', 0) : undefined));
    }
    // Shape arithmetic: every input a known integer tensor (a Shape's result or an INT64 constant).
    const inputs = node.input.filter((i) => i !== '');
    if (SHAPE_OPS.includes(op) && inputs.length > 0 && inputs.every((i) => this.isKnown(i))) {
      return void this.known.set(out, this.shapeOp(node, a, inputs.map((i) => this.knownInts(i))));
    }
    if (op === 'Identity' && this.initializers.has(node.input[0] ?? '')) {
      // PyTorch aliases weights through Identity (e.g. shared or tied parameters): the alias is the same constant.
      a.only([]);
      return void this.initializers.set(out, this.initializers.get(node.input[0]!)!);
    }
    switch (op) {
      case 'Conv':
        return this.conv(node, a, source, out);
      case 'Gemm':
      case 'MatMul':
        return this.fc(node, a, source, out);
      case 'BatchNormalization':
        return this.batchNorm(node, a, out, consumers);
      case 'Relu':
      case 'Clip':
      case 'Sigmoid':
      case 'HardSigmoid':
      case 'HardSwish':
        return this.activation(node, a, out);
      case 'Identity':
      case 'Dropout':
        a.only(['ratio', 'seed', 'training_mode', 'is_test']);
        if (a.int('training_mode', 0) !== 0) this.fail('training_mode 1 not supported, expected 0 (inference)');
        if (node.input[2] && this.constantFloats(node, 2)[0]) this.fail('training_mode true not supported, expected inference');
        return void this.values.set(out, this.act(node, 0));
      case 'Pad':
        return this.pad(node, a, out);
      case 'MaxPool':
      case 'AveragePool':
        return this.pool(node, a, source, out);
      case 'GlobalAveragePool':
      case 'GlobalMaxPool':
        a.only([]);
        return this.globalPool(op === 'GlobalMaxPool' ? 'POOL_MAX' : 'POOL_AVG', this.act(node, 0), source, out, false);
      case 'ReduceMean': {
        a.only(['axes', 'keepdims']);
        const x = this.act(node, 0);
        const axes = (a.has('axes') ? a.ints('axes', []) : node.input[1] ? this.knownInts(node.input[1]) : []).map((v) => (v + 4) % 4);
        if (x.dims || axes.length !== 2 || !axes.includes(2) || !axes.includes(3)) {
          this.fail(`axes ${JSON.stringify(axes)} not supported, expected the spatial axes [2, 3] of an N x C x H x W input`);
        }
        return this.globalPool('POOL_AVG', x, source, out, a.int('keepdims', 1) === 0);
      }
      case 'Add':
      case 'Sub':
      case 'Mul':
      case 'Div':
        return this.arithmetic(node, a, source, out);
      case 'Concat':
        return this.concat(node, a, source, out);
      case 'Split':
        return this.split(node, a, source);
      case 'Slice':
        return this.slice(node, a, source, out);
      case 'Flatten':
        return this.flatten(node, a, source, out);
      case 'Reshape':
        return this.reshape(node, a, source, out);
      case 'Transpose':
        return this.transpose(node, a, source, out);
      case 'Softmax':
      case 'LogSoftmax': {
        a.only(['axis']);
        const x = this.act(node, 0);
        return this.emit({ name: '', type: 'SOFTMAX', source }, [x], out, x.shape, false);
      }
      default:
        if (SHAPE_OPS.includes(op)) this.fail('supported on shapes only (Shape results and integer constants), not on activations');
        this.fail(`op not supported at opset ${this.opset ?? '(none declared)'}; supported: ${SUPPORTED_OPS.join(', ')}`);
    }
  }

  /** A Constant node: a tensor (or a scalar / list attribute) that later nodes read like an initializer. */
  private constantNode(a: Attributes, out: string): void {
    a.only(['value', 'value_float', 'value_floats', 'value_int', 'value_ints']);
    if (a.has('value')) return void this.initializers.set(out, { ...a.tensor('value'), name: out });
    if (a.has('value_int') || a.has('value_ints')) {
      return void this.known.set(out, a.has('value_int') ? [a.int('value_int', 0)] : a.ints('value_ints', []));
    }
    const values = a.has('value_float') ? [a.float('value_float', 0)] : a.floats('value_floats');
    this.initializers.set(out, { name: out, dims: [values.length], dataType: ONNX_FLOAT, floatData: values, int32Data: [], int64Data: [], doubleData: [] });
  }

  /** Evaluates a shape-arithmetic op on known integer tensors (flattened; ranks up to 1 are all a shape needs). */
  private shapeOp(node: OnnxNode, a: Attributes, inputs: number[][]): number[] {
    const [x, y] = inputs as [number[], number[] | undefined];
    const each = (f: (p: number, q: number) => number): number[] => {
      if (!y) return this.fail('expected two inputs');
      const n = Math.max(x.length, y.length);
      return Array.from({ length: n }, (_, i) => f(x[x.length === 1 ? 0 : i]!, y[y.length === 1 ? 0 : i]!));
    };
    switch (node.opType) {
      case 'Identity':
      case 'Cast':
      case 'Unsqueeze':
      case 'Squeeze':
        return x;
      case 'Concat':
        return inputs.flat();
      case 'Gather': {
        if (a.int('axis', 0) !== 0) this.fail('axis not supported on a shape, expected 0');
        return (y ?? []).map((i) => x[i < 0 ? i + x.length : i] ?? this.fail(`index ${i} out of range for ${x.length} values`));
      }
      case 'Slice': {
        const [starts, ends] = a.has('starts') ? [a.ints('starts', []), a.ints('ends', [])] : [inputs[1] ?? [], inputs[2] ?? []];
        const at = (v: number) => Math.max(0, Math.min(x.length, v < 0 ? v + x.length : v));
        return x.slice(at(starts[0] ?? 0), at(ends[0] ?? x.length));
      }
      case 'Add':
        return each((p, q) => p + q);
      case 'Sub':
        return each((p, q) => p - q);
      case 'Mul':
        return each((p, q) => p * q);
      default: // Div: integer division rounds toward zero in ONNX
        return each((p, q) => Math.trunc(p / q));
    }
  }

  /** Relu, Clip (Relu6 when its minimum is 0), Sigmoid, HardSigmoid, HardSwish: the value passes, no layer. */
  private activation(node: OnnxNode, a: Attributes, out: string): void {
    a.only(node.opType === 'Clip' ? ['min', 'max'] : node.opType === 'HardSigmoid' ? ['alpha', 'beta'] : []);
    const x = this.act(node, 0);
    let relu = node.opType === 'Relu';
    if (node.opType === 'Clip') {
      // Opset < 11: min and max are attributes; from 11 optional constant inputs.
      const min = a.has('min') ? a.float('min', 0) : node.input[1] ? this.constantFloats(node, 1)[0]! : -Infinity;
      relu = min >= 0;
    }
    // Sigmoid-like outputs are positive, HardSwish's mostly so: dense, not post-ReLU (IACT_RULE).
    this.values.set(out, { ...x, relu: relu || x.relu && node.opType === 'Clip', linear: false });
  }

  /** An explicit Pad of H and W with zeros, folded into the padding of the Conv or MaxPool reading it. */
  private pad(node: OnnxNode, a: Attributes, out: string): void {
    a.only(['mode', 'pads', 'value']);
    const x = this.act(node, 0);
    if (a.string('mode', 'constant') !== 'constant') this.fail(`mode "${a.string('mode', '')}" not supported, expected constant`);
    const value = a.has('value') ? a.float('value', 0) : node.input[2] ? this.constantFloats(node, 2)[0] ?? 0 : 0;
    if (value !== 0) this.fail(`pad value ${value} not supported, expected 0`);
    const pads = a.has('pads') ? a.ints('pads', []) : this.knownInts(node.input[1] ?? '');
    if (x.dims || pads.length !== 8 || pads[0] || pads[1] || pads[4] || pads[5] || pads.some((p) => p < 0)) {
      this.fail(`pads ${JSON.stringify(pads)} not supported, expected non-negative padding of H and W of an N x C x H x W input`);
    }
    // The shape stays the unpadded one: the reader adds the padding to its own.
    const [t, l, b, r] = x.pads ?? [0, 0, 0, 0];
    this.values.set(out, { ...x, pads: [t + pads[2]!, l + pads[3]!, b + pads[6]!, r + pads[7]!], linear: false });
  }

  /** The trace layers, with float weights quantised to int8 now that no BatchNormalization can change them. */
  finish(): LayerObject[] {
    this.where = '';
    if (this.drafts.length === 0) this.fail('no layers to import (the graph has only folded ops)');
    return this.drafts.map(({ layer, weights, weightShape }) => {
      if (!weights || !weightShape) return layer;
      const { q, nonZeros } = quantise(weights);
      return {
        ...layer,
        weightDensity: weights.length ? nonZeros / weights.length : 1,
        weights: { shape: weightShape, int8Data: new Uint8Array(q.buffer, q.byteOffset, q.length) },
      };
    });
  }

  // -------------------------------------------------------------------------------------------------------------
  // Ops

  private conv(node: OnnxNode, a: Attributes, source: string, out: string): void {
    a.only(['group', 'strides', 'pads', 'dilations', 'kernel_shape', 'auto_pad']);
    const x = this.act(node, 0, true);
    const { data, dims } = this.weights(node, 1, 4);
    const [m, cPerGroup, kh, kw] = dims as [number, number, number, number];
    const [c, h, w] = x.shape;
    const group = a.int('group', 1);
    const dilations = a.ints('dilations', [1, 1]);
    if (dilations.some((d) => d !== 1)) this.fail(`dilations ${JSON.stringify(dilations)} not supported, expected 1`);
    const kernel = a.ints('kernel_shape', [kh, kw]);
    if (kernel.length !== 2 || kernel[0] !== kh || kernel[1] !== kw) {
      this.fail(`kernel_shape ${JSON.stringify(kernel)} does not match the weight shape ${JSON.stringify(dims)}`);
    }
    if (group < 1 || cPerGroup * group !== c || m % group !== 0) {
      this.fail(`weight shape ${JSON.stringify(dims)} with group ${group} does not fit the ${c}-channel input`);
    }
    const g = this.window(a, [h, w], [kh, kw], false, x.pads);
    const type: LayerType = group === 1 ? (kh === 1 && kw === 1 ? 'PWCONV' : 'CONV') : group === c ? 'DWCONV' : 'CONV';
    const layer: LayerObject = {
      name: '', type, c, h, w, m, r: kh, s: kw, ...g.fields, ...(group > 1 ? { groups: group } : {}),
      iactDensity: iactDensity(x), weightDensity: 1, seed: ++this.seed, source,
    };
    this.emit(layer, [x], out, [m, g.e, g.f], false, { weights: data, weightShape: dims });
    this.values.get(out)!.linear = true;
  }

  private fc(node: OnnxNode, a: Attributes, source: string, out: string): void {
    const gemm = node.opType === 'Gemm';
    a.only(gemm ? ['alpha', 'beta', 'transA', 'transB'] : []);
    const x = this.act(node, 0);
    const [c, h, w] = x.shape;
    if (h !== 1 || w !== 1) this.fail(`input is ${c}x${h}x${w}, expected a 2-D [N, features] input (add a Flatten)`);
    if (gemm && a.int('transA', 0) !== 0) this.fail('transA 1 not supported, expected 0');
    const { data, dims } = this.weights(node, 1, 2);
    // The trace stores FC weights as M x C (output-major); Gemm's B is K x M unless transB = 1, MatMul's always.
    const transB = gemm && a.int('transB', 0) === 1;
    const [k, m] = (transB ? [dims[1], dims[0]] : dims) as [number, number];
    if (k !== c) {
      const shape = `${JSON.stringify(dims)}${transB ? ' (transB)' : ''}`;
      this.fail(`weight shape ${shape} expects ${k} input features, the input has ${c}`);
    }
    const weights = transB ? Float32Array.from(data) : transpose(data, k, m);
    const alpha = gemm ? a.float('alpha', 1) : 1;
    if (alpha !== 1) for (let i = 0; i < weights.length; i++) weights[i]! *= alpha;
    const layer: LayerObject = {
      name: '', type: 'FC', c, h: 1, w: 1, m, iactDensity: iactDensity(x), weightDensity: 1, seed: ++this.seed, source,
    };
    this.emit(layer, [x], out, [m, 1, 1], false, { weights, weightShape: [m, c, 1, 1] });
    const value = this.values.get(out)!;
    value.linear = true;
    value.dims = [m];
  }

  private batchNorm(node: OnnxNode, a: Attributes, out: string, consumers: Map<string, number>): void {
    a.only(['epsilon', 'momentum', 'training_mode', 'spatial', 'is_test']);
    if (a.int('training_mode', 0) !== 0) this.fail('training_mode 1 not supported, expected 0 (inference)');
    if (a.int('spatial', 1) !== 1) this.fail('spatial 0 not supported, expected 1');
    const x = this.act(node, 0);
    const draft = this.drafts.find((d) => d.layer.name === x.layer);
    if (!x.linear || !draft?.weights || consumers.get(node.input[0]!) !== 1) {
      this.fail('cannot be folded: its input must be the output of a Conv or Gemm used by nothing else');
    }
    const eps = a.float('epsilon', 1e-5);
    const channels = x.shape[0];
    const [scale, , , variance] = [1, 2, 3, 4].map((i) => {
      const t = this.weights(node, i, 1);
      if (t.data.length !== channels) {
        this.fail(`input ${i} has ${t.data.length} values, expected ${channels} (channels)`);
      }
      return t.data;
    }) as [Float32Array, Float32Array, Float32Array, Float32Array];
    // Folding y = scale * (conv(x) - mean) / sqrt(var + eps) + B into the weights: the offset goes to the bias,
    // which the trace does not keep, and each output channel's weights are multiplied by its factor.
    const perChannel = draft.weights.length / channels;
    for (let m = 0; m < channels; m++) {
      const factor = scale[m]! / Math.sqrt(variance[m]! + eps);
      if (!Number.isFinite(factor)) this.fail(`channel ${m}: variance + epsilon is not positive`);
      for (let i = m * perChannel; i < (m + 1) * perChannel; i++) draft.weights[i]! *= factor;
    }
    draft.layer.source += `, BatchNormalization "${node.name || out}" folded into its weights`;
    this.values.set(out, { ...x });
  }

  private pool(node: OnnxNode, a: Attributes, source: string, out: string): void {
    const max = node.opType === 'MaxPool';
    const own = max ? 'storage_order' : 'count_include_pad';
    a.only(['kernel_shape', 'strides', 'pads', 'auto_pad', 'ceil_mode', 'dilations', own]);
    // A Pad before a MaxPool folds into it (padding never wins a maximum of post-ReLU values); an average would
    // count the padded zeros, which a trace's POOL_AVG does not.
    const x = this.act(node, 0, max);
    const [c, h, w] = x.shape;
    const dilations = a.ints('dilations', [1, 1]);
    if (dilations.some((d) => d !== 1)) this.fail(`dilations ${JSON.stringify(dilations)} not supported, expected 1`);
    const kernel = a.ints('kernel_shape', []);
    if (kernel.length !== 2 || kernel.some((k) => k < 1)) {
      this.fail(`kernel_shape ${JSON.stringify(kernel)} not supported, expected two positive sizes`);
    }
    const g = this.window(a, [h, w], kernel as [number, number], a.int('ceil_mode', 0) === 1, x.pads);
    const type = max ? 'POOL_MAX' : 'POOL_AVG';
    const layer: LayerObject = { name: '', type, c, h, w, r: kernel[0], s: kernel[1], ...g.fields, source };
    this.emit(layer, [x], out, [c, g.e, g.f], x.relu);
  }

  /** Pooling over the whole H x W (GlobalAveragePool, GlobalMaxPool, ReduceMean over H and W). */
  private globalPool(type: 'POOL_MAX' | 'POOL_AVG', x: Value, source: string, out: string, flat: boolean): void {
    const [c, h, w] = x.shape;
    if (x.dims) this.fail(`input has dims ${JSON.stringify(x.dims)}, expected N x C x H x W`);
    this.emit({ name: '', type, c, h, w, r: h, s: w, source }, [x], out, [c, 1, 1], x.relu);
    if (flat) this.values.get(out)!.dims = [c];
  }

  /**
   * Add, Sub, Mul, Div. Of two activations: Add is an ADD layer, Mul a MUL layer (squeeze-excite's channel gate);
   * with a constant (a bias, a scale, HardSwish's "+ 3" and "/ 6" at old opsets) no layer: no MACs on the chip.
   */
  private arithmetic(node: OnnxNode, a: Attributes, source: string, out: string): void {
    a.only([]);
    const op = node.opType!;
    if (node.input.length !== 2) this.fail(`has ${node.input.length} inputs, expected 2`);
    const constant = node.input.findIndex((i) => this.initializers.has(i) || this.isKnown(i));
    if (constant >= 0) {
      if ((op === 'Sub' || op === 'Div') && constant === 0) this.fail('a constant first input not supported, expected an activation');
      const x = this.act(node, 1 - constant);
      // Scaling keeps zeros (and a ReLU's sign); an offset does not.
      return void this.values.set(out, { ...x, relu: x.relu && (op === 'Mul' || op === 'Div'), linear: false });
    }
    if (op !== 'Add' && op !== 'Mul') this.fail(`${op} of two activations not supported, expected Add or Mul`);
    const [p, q] = [this.act(node, 0), this.act(node, 1)];
    if (op === 'Add') {
      if (p.shape.join() !== q.shape.join()) this.fail(`inputs of shapes ${p.shape.join('x')} and ${q.shape.join('x')}, expected equal`);
      return this.emit({ name: '', type: 'ADD', source }, [p, q], out, p.shape, false);
    }
    // MUL's first input is the feature map, its second the per-channel gate (C x 1 x 1) or an equal-shaped one.
    const [x, gate] = q.shape[1] * q.shape[2] > p.shape[1] * p.shape[2] ? [q, p] : [p, q];
    const ok = x.shape[0] === gate.shape[0] && (gate.shape.join() === x.shape.join() || (gate.shape[1] === 1 && gate.shape[2] === 1));
    if (!ok) this.fail(`inputs of shapes ${x.shape.join('x')} and ${gate.shape.join('x')}, expected equal or C x 1 x 1`);
    this.emit({ name: '', type: 'MUL', source }, [x, gate], out, x.shape, x.relu);
  }

  private concat(node: OnnxNode, a: Attributes, source: string, out: string): void {
    a.only(['axis']);
    const inputs = node.input.map((_, i) => this.act(node, i));
    const axis = a.int('axis', Number.NaN);
    const flat = inputs.every((x) => x.shape[1] === 1 && x.shape[2] === 1);
    if (!(axis === 1 || axis === -3 || (flat && axis === -1))) {
      this.fail(`axis ${axis} not supported, expected 1 (channels)`);
    }
    if (inputs.length < 2) this.fail(`has ${inputs.length} input, expected at least 2`);
    const [, h, w] = inputs[0]!.shape;
    const c = inputs.reduce((sum, x) => sum + x.shape[0], 0);
    this.emit({ name: '', type: 'CONCAT', source }, inputs, out, [c, h, w], inputs.every((x) => x.relu));
  }

  /** Split along channels (ShuffleNet's chunk): one SLICE layer per output. */
  private split(node: OnnxNode, a: Attributes, source: string): void {
    a.only(['axis', 'split', 'num_outputs']);
    const x = this.act(node, 0);
    const axis = a.int('axis', 0);
    if (x.dims || (axis !== 1 && axis !== -3)) this.fail(`axis ${axis} not supported, expected 1 (channels of N x C x H x W)`);
    const c = x.shape[0];
    const n = node.output.length;
    const sizes = a.has('split') ? a.ints('split', []) : node.input[1] ? this.knownInts(node.input[1]) : Array.from({ length: n }, (_, i) => Math.ceil(c / n) - (i === n - 1 ? Math.ceil(c / n) * n - c : 0));
    if (sizes.length !== n || sizes.reduce((p, q) => p + q, 0) !== c || sizes.some((s) => s < 1)) {
      this.fail(`split ${JSON.stringify(sizes)} does not divide the ${c} channels among ${n} outputs`);
    }
    let offset = 0;
    node.output.forEach((o, i) => {
      const m = sizes[i]!;
      this.emit({ name: '', type: 'SLICE', m, ...(offset ? { channelOffset: offset } : {}), source }, [x], o, [m, x.shape[1], x.shape[2]], x.relu);
      offset += m;
    });
  }

  /** Slice of channels (axis 1, step 1): a SLICE layer. */
  private slice(node: OnnxNode, a: Attributes, source: string, out: string): void {
    a.only(['starts', 'ends', 'axes']);
    const x = this.act(node, 0);
    // Opset < 10: attributes; from 10 inputs (starts, ends, axes, steps).
    const get = (attr: string, i: number, fallback: number[]) => (a.has(attr) ? a.ints(attr, []) : node.input[i] ? this.knownInts(node.input[i]!) : fallback);
    const [starts, ends, axes, steps] = [get('starts', 1, []), get('ends', 2, []), get('axes', 3, [0]), get('', 4, [1])];
    const c = x.shape[0];
    const clamp = (v: number) => Math.max(0, Math.min(c, v < 0 ? v + c : Math.min(v, SLICE_TO_END)));
    const [begin, end] = [clamp(starts[0] ?? 0), clamp(ends[0] ?? c)];
    if (x.dims || axes.length !== 1 || (axes[0] !== 1 && axes[0] !== -3) || steps.some((s) => s !== 1) || end <= begin) {
      this.fail(`slice of axes ${JSON.stringify(axes)}, steps ${JSON.stringify(steps)} not supported, expected a channel range (axis 1, step 1)`);
    }
    const m = end - begin;
    this.emit({ name: '', type: 'SLICE', m, ...(begin ? { channelOffset: begin } : {}), source }, [x], out, [m, x.shape[1], x.shape[2]], x.relu);
  }

  /** Flatten(axis 1): a FLATTEN layer. */
  private flatten(node: OnnxNode, a: Attributes, source: string, out: string): void {
    a.only(['axis']);
    const axis = a.int('axis', 1);
    if (axis !== 1 && axis !== -3) this.fail(`axis ${axis} not supported, expected 1`);
    this.flattenTo(this.act(node, 0), source, out);
  }

  private flattenTo(x: Value, source: string, out: string): void {
    const [c, h, w] = x.shape;
    this.emit({ name: '', type: 'FLATTEN', source }, [x], out, [c * h * w, 1, 1], x.relu);
    this.values.get(out)!.dims = [c * h * w];
  }

  /**
   * Reshape with a constant or computed target (0 copies a dim, -1 infers one): to [N, features] a FLATTEN layer;
   * to [N, G, C/G, H, W] and back around a Transpose, ShuffleNet's channel shuffle; to the same dims no layer.
   */
  private reshape(node: OnnxNode, a: Attributes, source: string, out: string): void {
    a.only(['allowzero']);
    const x = this.act(node, 0);
    const from = [this.batch, ...(x.dims ?? x.shape)];
    const target = this.knownInts(node.input[1] ?? '');
    const size = from.reduce((p, q) => p * q, 1);
    const dims = target.map((d, i) => (d === 0 ? from[i] ?? this.fail(`target ${JSON.stringify(target)}: dim ${i} copies nothing`) : d));
    const known = dims.reduce((p, q) => (q === -1 ? p : p * q), 1);
    const inferred = dims.map((d) => (d === -1 ? size / known : d));
    const bad = () => this.fail(`target shape ${JSON.stringify(target)} not supported for the input ${JSON.stringify(from)}, expected a flatten to [N, ${size / this.batch}], a channel shuffle or the same shape`);
    if (dims.filter((d) => d === -1).length > 1 || !inferred.every((d) => Number.isSafeInteger(d) && d >= 1) || inferred[0] !== this.batch) bad();
    if (inferred.reduce((p, q) => p * q, 1) !== size) bad();
    const rest = inferred.slice(1);
    const [c, h, w] = x.shape;
    if (rest.join() === from.slice(1).join()) return void this.values.set(out, { ...x, linear: false });
    if (rest.length === 1) {
      // Already flat ([N, F] from a Gemm, a Flatten or a ReduceMean): the same values, no layer.
      if (x.dims?.length === 1) return void this.values.set(out, { ...x, linear: false });
      return this.flattenTo(x, source, out);
    }
    if (!x.dims && rest.length === 4 && rest[2] === h && rest[3] === w && rest[0]! * rest[1]! === c) {
      return void this.values.set(out, { ...x, dims: rest, linear: false }); // into groups, before a shuffle
    }
    if (x.dims?.length === 4 && rest.length === 3 && rest.join() === x.shape.join()) {
      return void this.values.set(out, { ...x, dims: undefined, linear: false }); // back to N x C x H x W
    }
    bad();
  }

  /** Transpose of the two group axes of a grouped view ([N, G, C/G, H, W], perm 0 2 1 3 4): a SHUFFLE layer. */
  private transpose(node: OnnxNode, a: Attributes, source: string, out: string): void {
    a.only(['perm']);
    const x = this.act(node, 0);
    const perm = a.ints('perm', []);
    if (x.dims?.length !== 4 || perm.join() !== '0,2,1,3,4') {
      this.fail(`perm ${JSON.stringify(perm)} of dims ${JSON.stringify([this.batch, ...(x.dims ?? x.shape)])} not supported, expected a channel shuffle ([N, G, C/G, H, W] with perm [0, 2, 1, 3, 4])`);
    }
    const [groups, perGroup, h, w] = x.dims as [number, number, number, number];
    this.emit({ name: '', type: 'SHUFFLE', groups, source }, [x], out, x.shape, x.relu);
    this.values.get(out)!.dims = [perGroup, groups, h, w];
  }

  // -------------------------------------------------------------------------------------------------------------
  // Helpers

  /** Adds a layer reading `feeds` and records its output value. */
  private emit(
    layer: LayerObject,
    feeds: Value[],
    out: string,
    shape: Shape3,
    relu: boolean,
    data?: Omit<Draft, 'layer'>,
  ): void {
    layer.name ||= this.layerName();
    const previous = this.drafts.at(-1)?.layer.name;
    if (feeds.some((f) => f.layer === undefined) && (feeds.length > 1 || previous !== undefined)) {
      this.fail('reads the network input directly, which a trace allows only for its first layer');
    }
    const names = feeds.map((f) => f.layer!);
    // `inputs` is only needed when the layer does not simply read the previous one.
    if (feeds.length > 1 || (names[0] !== undefined && names[0] !== previous)) layer.inputs = names;
    this.drafts.push({ layer, ...data });
    this.values.set(out, { layer: layer.name, shape, relu, linear: false });
  }

  /** The activation feeding input `i` of the node; one with a pending Pad only where the node can take it. */
  private act(node: OnnxNode, i: number, padded = false): Value {
    const name = node.input[i];
    if (name === undefined || name === '') this.fail(`input ${i} is missing`);
    const value = this.values.get(name);
    if (value?.pads && !padded) this.fail(`input ${i} ("${name}") comes from a Pad, expected a Conv or MaxPool to read it`);
    if (value) return value;
    if (this.initializers.has(name) || this.known.has(name)) this.fail(`input ${i} ("${name}") is a constant, expected an activation`);
    return this.fail(`input ${i} ("${name}") is not produced by an earlier node`);
  }

  /** Whether a tensor is a known integer vector: computed from shapes, or an INT64/INT32 constant. */
  private isKnown(name: string): boolean {
    const t = this.initializers.get(name);
    return this.known.has(name) || (t !== undefined && (t.dataType === ONNX_INT64 || t.dataType === ONNX_INT32));
  }

  /** The values of a known integer tensor. */
  private knownInts(name: string): number[] {
    const known = this.known.get(name);
    if (known) return known;
    const t = this.initializers.get(name);
    if (!t) this.fail(`input "${name}" must be a constant or computed from shapes, not from activations`);
    if (t.dataType !== ONNX_INT64 && t.dataType !== ONNX_INT32) {
      this.fail(`input "${name}" has data type ${dataTypeName(t.dataType)}, expected INT64`);
    }
    checkStored(t, (m) => this.fail(`input "${name}": ${m}`));
    const width = t.dataType === ONNX_INT64 ? 8 : 4;
    if (!t.rawData || t.rawData.length === 0) return width === 8 ? t.int64Data : t.int32Data;
    if (t.rawData.length % width !== 0) {
      this.fail(`input "${name}": raw_data has ${t.rawData.length} bytes, not a multiple of ${width}`);
    }
    const view = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.length);
    const read = (j: number) => (width === 8 ? Number(view.getBigInt64(j * 8, true)) : view.getInt32(j * 4, true));
    return Array.from({ length: view.byteLength / width }, (_, j) => read(j));
  }

  /** The values of a small float constant input (Clip bounds, a pad value). */
  private constantFloats(node: OnnxNode, i: number): number[] {
    const name = node.input[i]!;
    if (this.isKnown(name)) return this.knownInts(name);
    return Array.from(readFloats(this.constant(node, i), (m) => this.fail(`input ${i}: ${m}`)));
  }

  /** A float constant input (weights, BatchNormalization parameters) of the given rank. */
  private weights(node: OnnxNode, i: number, rank: number): { data: Float32Array; dims: number[] } {
    const t = this.constant(node, i);
    if (t.dims.length !== rank) this.fail(`input ${i} has shape ${JSON.stringify(t.dims)}, expected rank ${rank}`);
    const data = readFloats(t, (m) => this.fail(`input ${i}: ${m}`));
    return { data, dims: t.dims };
  }

  private constant(node: OnnxNode, i: number): OnnxTensor {
    const name = node.input[i];
    if (!name) this.fail(`input ${i} is missing`);
    const t = this.initializers.get(name);
    if (!t) this.fail(`input ${i} ("${name}") must be a constant (an initializer), not computed`);
    if (t.dims.some((d) => !(Number.isSafeInteger(d) && d >= 0))) {
      this.fail(`input ${i} has invalid dims ${JSON.stringify(t.dims)}`);
    }
    return t;
  }

  /** Strides and padding of a Conv or pooling window, with the output size. */
  private window(a: Attributes, [h, w]: [number, number], [kh, kw]: [number, number], ceil: boolean, extra?: Value['pads']) {
    const strides = a.ints('strides', [1, 1]);
    if (strides.length !== 2 || strides.some((s) => !(Number.isSafeInteger(s) && s >= 1))) {
      this.fail(`strides ${JSON.stringify(strides)} not supported, expected two positive integers`);
    }
    const [sh, sw] = strides as [number, number];
    const autoPad = a.string('auto_pad', 'NOTSET');
    const pads = a.ints('pads', [0, 0, 0, 0]);
    if (pads.length !== 4 || pads.some((p) => !(Number.isSafeInteger(p) && p >= 0))) {
      this.fail(`pads ${JSON.stringify(pads)} not supported, expected four non-negative integers`);
    }
    let [pt, pl, pb, pr] = pads as [number, number, number, number]; // ONNX order: begins, then ends
    if (autoPad === 'VALID') [pt, pl, pb, pr] = [0, 0, 0, 0];
    else if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
      // Output = ceil(input / stride); the odd pixel of padding goes at the end (UPPER) or the beginning (LOWER).
      const same = (x: number, k: number, s: number) => {
        const total = Math.max(0, (Math.ceil(x / s) - 1) * s + k - x);
        const small = Math.floor(total / 2);
        return autoPad === 'SAME_UPPER' ? [small, total - small] : [total - small, small];
      };
      [pt, pb] = same(h, kh, sh);
      [pl, pr] = same(w, kw, sw);
    } else if (autoPad !== 'NOTSET') this.fail(`auto_pad "${autoPad}" not supported`);
    // An explicit Pad node before the window adds to its own padding.
    const [xt, xl, xb, xr] = extra ?? [0, 0, 0, 0];
    let [top, bottom, left, right] = [pt + xt, pb + xb, pl + xl, pr + xr];
    const size = (x: number, k: number, s: number, begin: number, end: number) => {
      const span = x + begin + end - k;
      if (!ceil) return Math.floor(span / s) + 1;
      // ceil_mode (ONNX and PyTorch): round up, but the last window must start inside the input or its begin pad.
      const n = Math.ceil(span / s) + 1;
      return (n - 1) * s >= x + begin ? n - 1 : n;
    };
    const e = size(h, kh, sh, top, bottom);
    const f = size(w, kw, sw, left, right);
    if (!(e >= 1 && f >= 1)) this.fail(`kernel ${kh}x${kw} is larger than the padded ${h}x${w} input`);
    // A ceil-mode extra output is written as extra bottom/right padding: same windows, same output size.
    bottom += Math.max(0, (e - 1) * sh + kh - (h + top + bottom));
    right += Math.max(0, (f - 1) * sw + kw - (w + left + right));
    const fields: Partial<LayerObject> = { padTop: top, padBottom: bottom, padLeft: left, padRight: right };
    if (sh > 1 || sw > 1) Object.assign(fields, { strideH: sh, strideW: sw });
    return { e, f, fields };
  }

  private layerName(): string {
    const { node, index } = this.current;
    const base = node.name || node.output[0] || `${node.opType ?? 'node'}_${index}`;
    let name = base;
    for (let k = 2; this.names.has(name); k++) name = `${base}_${k}`;
    this.names.add(name);
    return name;
  }
}

/** Typed access to a node's attributes, failing on unknown ones and on values of the wrong kind. */
class Attributes {
  private readonly byName = new Map<string, OnnxAttribute>();

  constructor(
    attributes: OnnxAttribute[],
    private readonly fail: (message: string) => never,
  ) {
    for (const a of attributes) this.byName.set(a.name ?? '', a);
  }

  only(allowed: string[]): void {
    for (const name of this.byName.keys()) {
      if (allowed.includes(name)) continue;
      this.fail(`attribute "${name}" not supported${allowed.length ? ` (supported: ${allowed.join(', ')})` : ''}`);
    }
  }

  int(name: string, fallback: number): number {
    const a = this.byName.get(name);
    return a === undefined ? fallback : (a.i ?? this.fail(`attribute "${name}" is not an integer`));
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  floats(name: string): number[] {
    return this.byName.get(name)?.floats ?? [];
  }

  ints(name: string, fallback: number[]): number[] {
    const a = this.byName.get(name);
    return a === undefined ? fallback : a.ints;
  }

  float(name: string, fallback: number): number {
    const a = this.byName.get(name);
    return a === undefined ? fallback : (a.f ?? this.fail(`attribute "${name}" is not a float`));
  }

  string(name: string, fallback: string): string {
    const a = this.byName.get(name);
    return a === undefined ? fallback : Buffer.from(a.s ?? []).toString('utf8');
  }

  tensor(name: string): OnnxTensor {
    return this.byName.get(name)?.t ?? this.fail(`attribute "${name}" (a tensor) is missing`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Tensors and quantisation

function checkStored(t: OnnxTensor, fail: (m: string) => never): void {
  if (t.dataLocation === 1) fail('external data not supported; save the model with its weights inside the file');
}

/** The values of a FLOAT or DOUBLE tensor, from raw_data (little-endian) or the typed repeated field. */
function readFloats(t: OnnxTensor, fail: (m: string) => never): Float32Array {
  checkStored(t, fail);
  const count = t.dims.reduce((p, d) => p * d, 1);
  let data: Float32Array;
  if (t.dataType === ONNX_FLOAT || t.dataType === ONNX_DOUBLE) {
    const width = t.dataType === ONNX_FLOAT ? 4 : 8;
    const raw = t.rawData;
    if (raw && raw.length > 0) {
      if (raw.length !== count * width) {
        fail(`raw_data has ${raw.length} bytes, expected ${count * width} (dims ${JSON.stringify(t.dims)})`);
      }
      if (width === 4 && endianness() === 'LE') {
        data = new Float32Array(new Uint8Array(raw).buffer); // the copy is aligned; ONNX stores little-endian
      } else {
        const view = new DataView(raw.buffer, raw.byteOffset, raw.length);
        const read = (i: number) => (width === 4 ? view.getFloat32(i * 4, true) : view.getFloat64(i * 8, true));
        data = Float32Array.from({ length: count }, (_, i) => read(i));
      }
    } else {
      data = Float32Array.from(t.dataType === ONNX_FLOAT ? t.floatData : t.doubleData);
    }
  } else {
    return fail(`data type ${dataTypeName(t.dataType)} not supported, expected FLOAT (or DOUBLE)`);
  }
  if (data.length !== count) fail(`${data.length} values, expected ${count} (dims ${JSON.stringify(t.dims)})`);
  for (const v of data) if (!Number.isFinite(v)) fail('contains NaN or infinite values');
  return data;
}

/** Per-tensor symmetric int8 quantisation (QUANTISATION_RULE). */
export function quantise(w: Float32Array): { q: Int8Array; nonZeros: number; scale: number } {
  let max = 0;
  for (const v of w) max = Math.max(max, Math.abs(v));
  const q = new Int8Array(w.length);
  if (max === 0) return { q, nonZeros: 0, scale: 1 };
  const scale = max / 127;
  let nonZeros = 0;
  for (let i = 0; i < w.length; i++) {
    const v = w[i]!;
    const magnitude = Math.min(127, Math.floor(Math.abs(v) / scale + 0.5));
    q[i] = v < 0 ? -magnitude : magnitude;
    if (magnitude !== 0) nonZeros++;
  }
  return { q, nonZeros, scale };
}

/** k x m row-major -> m x k row-major. */
function transpose(data: Float32Array, k: number, m: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let i = 0; i < k; i++) for (let j = 0; j < m; j++) out[j * k + i] = data[i * m + j]!;
  return out;
}

function iactDensity(x: Value): number {
  return x.layer !== undefined && x.relu ? 0.5 : 1;
}

function dataTypeName(type: number | undefined): string {
  return DATA_TYPE_NAMES[type ?? 0] ?? String(type);
}

function showDims(dims: { dimValue?: number; dimParam?: string }[] | undefined): string {
  return dims ? `[${dims.map((d) => d.dimParam ?? d.dimValue ?? '?').join(', ')}]` : 'unknown';
}

function oneLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, ' ');
}
