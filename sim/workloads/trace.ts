/**
 * Layer traces: loading a network's layers from `traces/` (schema in traces/trace.proto) into validated LayerSpecs.
 *
 * A trace is binary protobuf (.pb) or the JSON form of the same schema (.json, hand-written). Both are turned into
 * the same plain object and go through ONE validation, so the two forms cannot drift apart. Validation checks that
 * shapes chain from layer to layer, because a trace whose shapes do not chain is a typo, and every error is a
 * one-line InputError naming the file, the layer and the field.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { checkJsonDepth, LIMITS } from '../config/bounds.js';
import { checkLayerSize } from './layer-size.js';
import { InputError, showValue } from '../errors.js';
import { legacyMessage, openContainer } from './trace-container.js';
import {
  OFF_CHIP_LAYER_TYPES,
  ON_CHIP_LAYER_TYPES,
  isOnChip,
  outHeight,
  outWidth,
  type LayerSpec,
  type LayerType,
} from './layer.js';
import { nonZeroFraction, type SynthesisLayer, type WeightSparsity } from './tensors.js';

/** Channels, height, width of a feature map. */
export type Shape3 = [c: number, h: number, w: number];

/** Real data carried by a trace for one layer (dense, row-major over the layer's shape). */
export interface LayerTensors {
  /** M*(C/G)*R*S signed 8-bit weights. */
  weights?: Int8Array;
  /** N*C*H*W unsigned 8-bit activations, values 0..255 (Int16Array, like the synthetic ones in tensors.ts). */
  iacts?: Int16Array;
}

export interface LoadedTrace {
  name: string;
  /** Absolute path of the trace file. */
  file: string;
  /** SHA-256 of the file's bytes (hex), to identify the exact trace in results. */
  sha256: string;
  description: string;
  sources: string[];
  batch: number;
  inputShape: Shape3;
  /** Layers in order; on-chip ones may carry a weightSparsity pattern for their synthetic weights. */
  layers: SynthesisLayer[];
  /** Real tensors by layer name, for the layers that carry them. */
  tensors: Map<string, LayerTensors>;
}

const TRACE_VERSION = 1;
const LAYER_TYPES: readonly string[] = [...ON_CHIP_LAYER_TYPES, ...OFF_CHIP_LAYER_TYPES];
const UINT32_MAX = 0xffff_ffff;

// ---------------------------------------------------------------------------------------------------------------
// Locating traces and the schema

let tracesDirCache: string | undefined;

/**
 * The package's traces directory. Found by walking up from this module, so it works both from `sim/` (vitest) and
 * from the compiled `dist/sim/`.
 */
export function tracesDir(): string {
  if (tracesDirCache) return tracesDirCache;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'traces');
    if (existsSync(path.join(candidate, 'trace.proto'))) return (tracesDirCache = candidate);
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`traces/trace.proto not found above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

let traceTypeCache: protobuf.Type | undefined;

/** The protobuf `eyeriss.trace.Trace` message type, loaded from traces/trace.proto. */
export function traceMessageType(): protobuf.Type {
  traceTypeCache ??= protobuf.loadSync(path.join(tracesDir(), 'trace.proto')).lookupType('eyeriss.trace.Trace');
  return traceTypeCache;
}

/** Names of the shipped traces (files in traces/ ending in .json or .pb), sorted. */
export function listTraceNames(): string[] {
  const names = readdirSync(tracesDir())
    .filter((f) => f.endsWith('.json') || f.endsWith('.pb'))
    .map((f) => f.replace(/\.(json|pb)$/, ''));
  return [...new Set(names)].sort();
}

/** A bare name (no slash, not ending in .json/.pb) is a shipped trace; anything else is a path. */
function resolveTraceFile(nameOrPath: string): string {
  const isBareName = !/[/\\]/.test(nameOrPath) && !/\.(json|pb)$/.test(nameOrPath);
  if (!isBareName) return path.resolve(nameOrPath);
  for (const ext of ['.json', '.pb']) {
    const file = path.join(tracesDir(), nameOrPath + ext);
    if (existsSync(file)) return file;
  }
  throw new InputError(
    `${nameOrPath}: no such trace; expected one of ${listTraceNames().join(', ')}, or a path to a .json or .pb file`,
  );
}

/** The file as shown in messages: relative to the working directory when inside it. */
function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

// ---------------------------------------------------------------------------------------------------------------
// Loading

/** Loads and validates a trace by shipped name (`alexnet`) or by path (`my/net.pb`, `my/net.json`). */
export function loadTrace(nameOrPath: string): LoadedTrace {
  return loadTraceWithObject(nameOrPath).trace;
}

/**
 * Like loadTrace, and also returns the decoded object before defaults are applied (the schema's JSON shape; bytes
 * are Uint8Array from .pb, base64 strings from .json), so a converter can rewrite the file without losing its form.
 */
export function loadTraceWithObject(
  nameOrPath: string,
  /** Accept a .pb without the integrity header (only `trace convert` does, to upgrade it). */
  o: { legacy?: (shown: string, layers: number) => void } = {},
): { trace: LoadedTrace; object: Record<string, unknown> } {
  const file = resolveTraceFile(nameOrPath);
  const shown = displayPath(file);
  const ext = path.extname(file);
  if (ext !== '.json' && ext !== '.pb') {
    throw new InputError(`${shown}: unknown trace format "${ext}", expected a .json or .pb file`);
  }
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new InputError(`${shown}: cannot read the file (${oneLine(err)})`);
  }
  let legacy = false;
  let raw: unknown;
  if (ext === '.json') raw = parseJson(bytes, shown);
  else {
    const container = openContainer(bytes, shown);
    if (!container && !o.legacy) throw new InputError(legacyMessage(shown));
    legacy = !container;
    raw = parseProtobuf(container?.payload ?? bytes, shown);
    const count = isObj(raw) && Array.isArray(raw.layers) ? raw.layers.length : 0;
    if (container && count !== container.layers) {
      throw new InputError(`${shown}: corrupt: the header promises ${container.layers} layers, the file has ${count}`);
    }
  }
  const trace = validateTrace(raw, new Checker(shown), path.basename(file, ext));
  if (legacy) o.legacy!(shown, trace.layers.length);
  return {
    trace: { ...trace, file, sha256: createHash('sha256').update(bytes).digest('hex') },
    object: raw as Record<string, unknown>,
  };
}

/** Validates a trace object built in memory (by an importer or before writing), naming `label` in errors. */
export function checkTraceObject(object: unknown, label: string): Omit<LoadedTrace, 'file' | 'sha256'> {
  return validateTrace(object, new Checker(label), label);
}

function parseJson(bytes: Buffer, shown: string): unknown {
  const text = bytes.toString('utf8');
  checkJsonDepth(shown, text); // a deeply nested document would overflow the stack of the code that walks it
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InputError(`${shown}: not valid JSON (${oneLine(err)})`);
  }
}

/** Decodes binary protobuf into the same plain-object shape as the JSON form (enum names, camelCase keys). */
function parseProtobuf(bytes: Uint8Array, shown: string): unknown {
  try {
    const type = traceMessageType();
    // defaults: false keeps absent fields absent, so defaults are applied in one place (validateTrace).
    return type.toObject(type.decode(bytes), { enums: String, defaults: false });
  } catch (err) {
    throw new InputError(`${shown}: truncated or corrupt protobuf (${oneLine(err)})`);
  }
}

function oneLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, ' ');
}

// ---------------------------------------------------------------------------------------------------------------
// Validation

type Obj = Record<string, unknown>;

/** Reads fields of one object (the trace, a layer or a tensor) and reports errors in the one-line format. */
class Checker {
  constructor(
    readonly file: string,
    /** `layer "conv1" ` or empty for trace-level fields. */
    readonly where = '',
  ) {}

  forLayer(label: string): Checker {
    return new Checker(this.file, `layer ${label} `);
  }

  fail(field: string, value: unknown, expected: string): never {
    throw new InputError(`${this.file}: ${this.where}field ${field}: got ${showValue(value)}, expected ${expected}`);
  }

  /** Rejects keys the schema does not have (a misspelt key would otherwise be silently ignored). */
  knownKeys(o: Obj, type: protobuf.Type, prefix = ''): void {
    for (const key of Object.keys(o)) {
      if (type.fields[key]) continue;
      const camel = key.replace(/_([a-z0-9])/g, (_, ch: string) => ch.toUpperCase());
      this.fail(
        prefix + key,
        o[key],
        type.fields[camel]
          ? `the JSON field name "${camel}"`
          : `no such field (${type.name} has ${Object.keys(type.fields).join(', ')})`,
      );
    }
  }

  /** An unsigned 32-bit integer >= min; `undefined` if absent and not required. */
  uint(o: Obj, key: string, min: number, required: true): number;
  uint(o: Obj, key: string, min: number, required?: false): number | undefined;
  uint(o: Obj, key: string, min: number, required = false): number | undefined {
    const v = o[key];
    if (v === undefined || v === null) {
      if (required) this.fail(key, v, min > 0 ? 'a positive integer' : 'a non-negative integer');
      return undefined;
    }
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > UINT32_MAX) {
      this.fail(key, v, min > 0 ? 'a positive integer' : 'a non-negative integer');
    }
    return v;
  }

  density(o: Obj, key: string, fallback?: number): number {
    const v = o[key];
    if ((v === undefined || v === null) && fallback !== undefined) return fallback;
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) this.fail(key, v, 'a fraction of non-zeros in [0, 1]');
    return v;
  }

  string(o: Obj, key: string, fallback: string): string {
    const v = o[key] ?? fallback;
    if (typeof v !== 'string') this.fail(key, v, 'a string');
    return v;
  }

  strings(o: Obj, key: string): string[] {
    const v = o[key] ?? [];
    if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) this.fail(key, v, 'a list of strings');
    return v as string[];
  }

  /** Fails unless an optional dimension is absent or equal to the value derived from the layer's input. */
  matches(o: Obj, key: string, expected: number, why: string): void {
    const v = this.uint(o, key, 1);
    if (v !== undefined && v !== expected) this.fail(key, v, `${expected} (${why})`);
  }
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

function validateTrace(raw: unknown, check: Checker, fallbackName: string): Omit<LoadedTrace, 'file' | 'sha256'> {
  const type = traceMessageType();
  if (!isObj(raw)) check.fail('(top level)', raw, 'a Trace object');
  check.knownKeys(raw, type);
  const version = check.uint(raw, 'version', 0, true);
  if (version !== TRACE_VERSION) check.fail('version', version, `${TRACE_VERSION}`);
  const name = check.string(raw, 'name', fallbackName) || fallbackName;
  const description = check.string(raw, 'description', '');
  const sources = check.strings(raw, 'sources');
  const batch = check.uint(raw, 'batch', 1, true);
  if (batch > LIMITS.batch) check.fail('batch', batch, `at most ${LIMITS.batch} (our bound)`);
  const shape = raw.inputShape;
  if (
    !Array.isArray(shape) ||
    shape.length !== 3 ||
    !shape.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 1)
  ) {
    check.fail('inputShape', shape, 'three positive integers [C, H, W]');
  }
  const inputShape = [...shape] as Shape3;
  const rawLayers = raw.layers;
  if (!Array.isArray(rawLayers) || rawLayers.length === 0) check.fail('layers', rawLayers, 'a non-empty list');
  if (rawLayers.length > LIMITS.layers) check.fail('layers', `${rawLayers.length} layers`, `at most ${LIMITS.layers} (our bound)`);

  const layerType = type.lookupType('Layer');
  const layers: SynthesisLayer[] = [];
  const tensors = new Map<string, LayerTensors>();
  const outputs = new Map<string, Shape3>();
  rawLayers.forEach((rawLayer: unknown, index) => {
    const label =
      isObj(rawLayer) && typeof rawLayer.name === 'string' && rawLayer.name ? `"${rawLayer.name}"` : `#${index}`;
    const lc: Checker = check.forLayer(label);
    if (!isObj(rawLayer)) lc.fail('(layer)', rawLayer, 'a Layer object');
    lc.knownKeys(rawLayer, layerType);
    const layerName = lc.string(rawLayer, 'name', '');
    if (!layerName) lc.fail('name', rawLayer.name, 'a non-empty layer name');
    if (outputs.has(layerName)) lc.fail('name', layerName, 'a name no earlier layer has');

    const inputNames = lc.strings(rawLayer, 'inputs');
    for (const src of inputNames) {
      if (!outputs.has(src)) lc.fail('inputs', src, 'names of earlier layers');
    }
    const feeds: Feed[] =
      inputNames.length > 0
        ? inputNames.map((src) => ({ shape: outputs.get(src)!, what: `the output of "${src}"` }))
        : index === 0
          ? [{ shape: inputShape, what: 'the network input' }]
          : [{ shape: outputs.get(layers[index - 1]!.name)!, what: `the output of "${layers[index - 1]!.name}"` }];

    const spec = validateLayer(rawLayer, lc, layerName, batch, feeds, inputNames);
    checkLayerSize(`${check.file}: layer ${label}`, spec); // before its tensors are decoded
    const data = validateTensors(rawLayer, lc, spec, layerType);
    if (data) tensors.set(layerName, data);
    if (data?.weights) spec.weightDensity = densityOfData(lc, 'weightDensity', spec.weightDensity, data.weights, 'weights');
    if (data?.iacts) spec.iactDensity = densityOfData(lc, 'iactDensity', spec.iactDensity, data.iacts, 'iacts');
    const sparsity = validateWeightSparsity(rawLayer, lc, spec, data, layerType);
    layers.push(sparsity ? { ...spec, weightSparsity: sparsity } : spec);
    outputs.set(layerName, layerOutputShape(spec));
  });
  return { name, description, sources, batch, inputShape, layers, tensors };
}

/** One input of a layer: its shape and how to name it in messages. */
interface Feed {
  shape: Shape3;
  what: string;
}

/** Fields that make no sense for element-wise/reshaping layers; setting them is an error, not ignored. */
const FILTER_FIELDS = ['r', 's', 'strideH', 'strideW', 'padTop', 'padBottom', 'padLeft', 'padRight', 'groups'];

function validateLayer(o: Obj, lc: Checker, name: string, N: number, feeds: Feed[], inputs: string[]): LayerSpec {
  const rawType = o.type;
  if (typeof rawType !== 'string' || !LAYER_TYPES.includes(rawType)) {
    lc.fail('type', rawType, `one of ${LAYER_TYPES.join(', ')}`);
  }
  const type = rawType as LayerType;
  const n = lc.uint(o, 'n', 1);
  if (n !== undefined && n !== N) lc.fail('n', n, `${N} (the trace's batch; omit n)`);

  const merging = type === 'ADD' || type === 'CONCAT' || type === 'MUL';
  if (merging ? feeds.length < 2 : inputs.length > 1) {
    lc.fail('inputs', inputs, merging ? `at least two layer names for ${type}` : `at most one layer name for ${type}`);
  }
  if (type === 'MUL' && feeds.length !== 2) lc.fail('inputs', inputs, 'two layer names for MUL');
  if (merging || type === 'SOFTMAX' || type === 'FLATTEN' || type === 'SLICE' || type === 'SHUFFLE') {
    for (const key of FILTER_FIELDS) {
      if (o[key] === undefined || (type === 'SHUFFLE' && key === 'groups')) continue;
      lc.fail(key, o[key], `nothing (${type} has no filter)`);
    }
  }
  if (type !== 'SLICE' && o.channelOffset !== undefined) lc.fail('channelOffset', o.channelOffset, 'nothing (only SLICE reads it)');

  // Input shape, from the feeding layer(s); c/h/w in the trace are optional and must agree.
  let [C, H, W] = feeds[0]!.shape;
  const from = feeds[0]!.what;
  if (type === 'MUL') {
    const [c, h, w] = feeds[1]!.shape;
    if (c !== C || !((h === H && w === W) || (h === 1 && w === 1))) {
      const shapes = `${feeds[1]!.what} is ${c}x${h}x${w}, ${from} is ${C}x${H}x${W}`;
      lc.fail('inputs', inputs, `a second input of shape ${C}x${H}x${W} or ${C}x1x1; ${shapes}`);
    }
  } else if (merging) {
    for (const feed of feeds.slice(1)) {
      const [c, h, w] = feed.shape;
      if (h !== H || w !== W || (type === 'ADD' && c !== C)) {
        const equal = type === 'ADD' ? 'shape' : 'height and width';
        const shapes = `${feed.what} is ${c}x${h}x${w}, ${from} is ${C}x${H}x${W}`;
        lc.fail('inputs', inputs, `inputs of equal ${equal}; ${shapes}`);
      }
    }
    if (type === 'CONCAT') C = feeds.reduce((sum, f) => sum + f.shape[0], 0);
  }
  const channelsWhy = merging ? `from the inputs ${inputs.join(', ')}` : `channels of ${from}`;
  // FC may take its input flattened: C = channels*height*width of the input, H = W = 1.
  const flattenedFc = type === 'FC' && H * W > 1 && o.c === C * H * W;
  if (flattenedFc) {
    lc.matches(o, 'h', 1, 'a flattened FC input');
    lc.matches(o, 'w', 1, 'a flattened FC input');
    [C, H, W] = [C * H * W, 1, 1];
  } else {
    lc.matches(o, 'c', C, type === 'FC' ? `${channelsWhy}, or ${C * H * W} flattened` : channelsWhy);
    lc.matches(o, 'h', H, `height of ${from}`);
    lc.matches(o, 'w', W, `width of ${from}`);
  }

  const strideH = lc.uint(o, 'strideH', 1) ?? 1;
  const strideW = lc.uint(o, 'strideW', 1) ?? 1;
  const padTop = lc.uint(o, 'padTop', 0) ?? 0;
  const padBottom = lc.uint(o, 'padBottom', 0) ?? 0;
  const padLeft = lc.uint(o, 'padLeft', 0) ?? 0;
  const padRight = lc.uint(o, 'padRight', 0) ?? 0;
  const seed = lc.uint(o, 'seed', 0) ?? 0;
  const source = lc.string(o, 'source', '');
  const onChip = isOnChip(type);
  // Required for on-chip layers unless the layer carries that tensor (then its density is measured: NaN until then).
  const iactDensity = lc.density(o, 'iactDensity', !onChip ? 1 : isObj(o.iacts) ? Number.NaN : undefined);
  const weightDensity = lc.density(o, 'weightDensity', !onChip ? 1 : isObj(o.weights) ? Number.NaN : undefined);
  const outputDensity = o.outputDensity === undefined || o.outputDensity === null ? undefined : lc.density(o, 'outputDensity');

  let G = 1;
  let M = C;
  let R = 1;
  let S = 1;
  switch (type) {
    case 'CONV':
    case 'DWCONV':
    case 'PWCONV':
    case 'FC': {
      M = lc.uint(o, 'm', 1, true);
      G = lc.uint(o, 'groups', 1) ?? 1;
      if (type === 'FC') {
        // The chip runs FC as a convolution whose filter covers the whole input: E = F = 1.
        R = lc.uint(o, 'r', 1) ?? H;
        S = lc.uint(o, 's', 1) ?? W;
        if (R !== H) lc.fail('r', R, `${H} (an FC filter covers the whole input height)`);
        if (S !== W) lc.fail('s', S, `${W} (an FC filter covers the whole input width)`);
        for (const key of ['padTop', 'padBottom', 'padLeft', 'padRight']) {
          if (o[key]) lc.fail(key, o[key], '0 (FC has no padding)');
        }
      } else if (type === 'PWCONV') {
        R = lc.uint(o, 'r', 1) ?? 1;
        S = lc.uint(o, 's', 1) ?? 1;
        if (R !== 1) lc.fail('r', R, '1 (PWCONV is a 1x1 convolution)');
        if (S !== 1) lc.fail('s', S, '1 (PWCONV is a 1x1 convolution)');
      } else {
        R = lc.uint(o, 'r', 1, true);
        S = lc.uint(o, 's', 1, true);
      }
      if (type === 'DWCONV') {
        if (G !== C) lc.fail('groups', o.groups, `${C} (= c: a depth-wise layer has one group per channel)`);
        if (M % C !== 0) lc.fail('m', M, `a multiple of c = ${C} (depth-wise)`);
      }
      if (C % G !== 0) lc.fail('groups', G, `a divisor of c = ${C}`);
      if (M % G !== 0) lc.fail('groups', G, `a divisor of m = ${M}`);
      break;
    }
    case 'POOL_MAX':
    case 'POOL_AVG':
      // Pooling works channel by channel: one group per channel.
      R = lc.uint(o, 'r', 1, true);
      S = lc.uint(o, 's', 1, true);
      lc.matches(o, 'm', C, 'pooling keeps the channel count');
      G = lc.uint(o, 'groups', 1) ?? C;
      if (G !== C) lc.fail('groups', G, `${C} (pooling is per channel; omit groups)`);
      break;
    case 'FLATTEN':
      M = C * H * W;
      G = C;
      lc.matches(o, 'm', M, 'flattening keeps every value');
      break;
    case 'SLICE': {
      M = lc.uint(o, 'm', 1, true);
      const offset = lc.uint(o, 'channelOffset', 0) ?? 0;
      if (offset + M > C) lc.fail('m', M, `at most ${C - offset} (the input's ${C} channels from channelOffset ${offset})`);
      G = 1;
      lc.matches(o, 'c', C, channelsWhy);
      break;
    }
    case 'SHUFFLE':
      G = lc.uint(o, 'groups', 1, true);
      if (C % G !== 0) lc.fail('groups', G, `a divisor of c = ${C}`);
      lc.matches(o, 'm', C, 'a shuffle keeps the channel count');
      break;
    default: // ADD, CONCAT, MUL, SOFTMAX: element-wise, shape unchanged
      G = C;
      lc.matches(o, 'm', C, `${type} keeps the channel count`);
  }
  if (H + padTop + padBottom < R) lc.fail('r', R, `at most ${H + padTop + padBottom} (padded input height)`);
  if (W + padLeft + padRight < S) lc.fail('s', S, `at most ${W + padLeft + padRight} (padded input width)`);

  const spec: LayerSpec = {
    name,
    type,
    N,
    G,
    C,
    H,
    W,
    M,
    R,
    S,
    strideH,
    strideW,
    padTop,
    padBottom,
    padLeft,
    padRight,
    iactDensity,
    weightDensity,
    seed,
    inputs,
  };
  if (source) spec.source = source;
  if (outputDensity !== undefined) spec.outputDensity = outputDensity;
  if (type === 'SLICE') spec.channelOffset = lc.uint(o, 'channelOffset', 0) ?? 0;
  return spec;
}

/** Weights are signed, activations unsigned (post-ReLU): each tensor has its own data field, the other is an error. */
const TENSOR_DATA = { weights: ['int8Data', 'uint8Data'], iacts: ['uint8Data', 'int8Data'] } as const;

/**
 * Dimension orders a tensor may be stored in, per tensor; the first is the default and what the simulator uses
 * (data in another order is permuted on load). RSCM is TensorFlow's HWIO, NHWC its feature-map order.
 */
const TENSOR_LAYOUTS = { weights: ['MCRS', 'RSCM'], iacts: ['NCHW', 'NHWC'] } as const;

/** The dims of a layer's tensor in a layout; iacts include the padding when the tensor is stored padded. */
function layoutDims(spec: LayerSpec, layout: string, padded: boolean): number[] {
  const h = spec.H + (padded ? spec.padTop + spec.padBottom : 0);
  const w = spec.W + (padded ? spec.padLeft + spec.padRight : 0);
  const dims: Record<string, number> = { M: spec.M, C: spec.C / (layout === 'MCRS' || layout === 'RSCM' ? spec.G : 1), R: spec.R, S: spec.S, N: spec.N, H: h, W: w };
  return [...layout].map((d) => dims[d]!);
}

/** Values in `from` order (dims of `from`) rearranged into `to` order (same letters). */
function permute(values: Uint8Array, fromDims: number[], from: string, to: string): Uint8Array {
  if (from === to) return values;
  const strides = fromDims.map((_, i) => fromDims.slice(i + 1).reduce((p, d) => p * d, 1));
  const order = [...to].map((d) => from.indexOf(d));
  const toDims = order.map((i) => fromDims[i]!);
  const out = new Uint8Array(values.length);
  const idx = toDims.map(() => 0);
  for (let k = 0; k < values.length; k++) {
    let src = 0;
    for (let j = 0; j < idx.length; j++) src += idx[j]! * strides[order[j]!]!;
    out[k] = values[src]!;
    for (let j = idx.length - 1; j >= 0 && ++idx[j]! === toDims[j]; j--) idx[j] = 0;
  }
  return out;
}

function validateTensors(o: Obj, lc: Checker, spec: LayerSpec, layerType: protobuf.Type): LayerTensors | undefined {
  const result: LayerTensors = {};
  for (const key of ['weights', 'iacts'] as const) {
    const t = o[key];
    if (t === undefined || t === null) continue;
    if (!isOnChip(spec.type)) lc.fail(key, '(tensor)', `nothing (${spec.type} runs off-chip)`);
    if (!isObj(t)) lc.fail(key, t, 'a Tensor object');
    lc.knownKeys(t, layerType.lookupType('Tensor'), `${key}.`);
    const layouts: readonly string[] = TENSOR_LAYOUTS[key];
    const layout = lc.string(t, 'layout', '') || layouts[0]!;
    if (!layouts.includes(layout)) lc.fail(`${key}.layout`, layout, `one of ${layouts.join(', ')}`);
    const padded = t.padded === true;
    if (t.padded !== undefined && typeof t.padded !== 'boolean') lc.fail(`${key}.padded`, t.padded, 'true or false');
    if (padded && key === 'weights') lc.fail('weights.padded', true, 'nothing (only iacts carry padding)');
    const dims = layoutDims(spec, layout, padded);
    const size = dims.reduce((p, d) => p * d, 1);
    const shape = t.shape;
    if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 1)) {
      lc.fail(`${key}.shape`, shape, 'a list of positive integers');
    }
    // The default layout keeps the old rule (any shape with the right count); an explicit one needs its exact dims.
    const exact = (t.layout !== undefined && t.layout !== '') || padded;
    if (exact ? shape.join() !== dims.join() : shape.reduce((p: number, d: number) => p * d, 1) !== size) {
      lc.fail(`${key}.shape`, shape, exact ? `[${dims.join(', ')}] (${layout}${padded ? ', padded' : ''}, from the layer's shape)` : `${size} values (from the layer's shape)`);
    }
    const [field, other] = TENSOR_DATA[key];
    const signedness = key === 'weights' ? 'signed' : 'unsigned';
    if (t[other] !== undefined && t[other] !== null) {
      lc.fail(`${key}.${other}`, '(bytes)', `nothing (${key} are ${signedness} 8-bit: use ${key}.${field})`);
    }
    const data = bytesOf(t[field]);
    if (!data) lc.fail(`${key}.${field}`, t[field], 'bytes (base64 in JSON)');
    let dense = data;
    const mask = t.mask === undefined || t.mask === null ? undefined : bytesOf(t.mask);
    if (t.mask !== undefined && t.mask !== null) {
      // A bitmap of the non-zeros, least significant bit first, and only the non-zero values, in order.
      if (!mask || mask.length !== Math.ceil(size / 8)) lc.fail(`${key}.mask`, mask ? `${mask.length} bytes` : t.mask, `${Math.ceil(size / 8)} bytes (one bit per value)`);
      let set = 0;
      for (let i = 0; i < size; i++) set += (mask[i >> 3]! >> (i & 7)) & 1;
      if (mask.length * 8 > size && mask[mask.length - 1]! >> (size & 7 || 8)) lc.fail(`${key}.mask`, '(bits past the last value)', 'zero padding bits');
      if (data.length !== set) lc.fail(`${key}.${field}`, `${data.length} bytes`, `${set} (the set bits of mask)`);
      if (data.includes(0)) lc.fail(`${key}.${field}`, '(a zero value)', 'only the non-zero values (mask marks where they go)');
      dense = new Uint8Array(size);
      for (let i = 0, k = 0; i < size; i++) if ((mask[i >> 3]! >> (i & 7)) & 1) dense[i] = data[k++]!;
    } else if (data.length !== size) {
      lc.fail(`${key}.${field}`, `${data.length} bytes`, `${size} (the product of shape)`);
    }
    let canonical = permute(dense, dims, layout, layouts[0]!);
    if (padded) canonical = stripPadding(lc, spec, canonical);
    if (key === 'weights') result.weights = new Int8Array(canonical.buffer.slice(canonical.byteOffset, canonical.byteOffset + canonical.length));
    else result.iacts = Int16Array.from(canonical);
  }
  return result.weights || result.iacts ? result : undefined;
}

/** N x C x (H + pads) x (W + pads) iacts without their border, which must be zeros: the chip pads with zeros. */
function stripPadding(lc: Checker, spec: LayerSpec, x: Uint8Array): Uint8Array {
  const hp = spec.H + spec.padTop + spec.padBottom;
  const wp = spec.W + spec.padLeft + spec.padRight;
  const out = new Uint8Array(spec.N * spec.C * spec.H * spec.W);
  for (let plane = 0; plane < spec.N * spec.C; plane++) {
    for (let h = 0; h < hp; h++) {
      for (let w = 0; w < wp; w++) {
        const v = x[(plane * hp + h) * wp + w]!;
        const [ih, iw] = [h - spec.padTop, w - spec.padLeft];
        if (ih >= 0 && ih < spec.H && iw >= 0 && iw < spec.W) out[(plane * spec.H + ih) * spec.W + iw] = v;
        else if (v !== 0) lc.fail('iacts.uint8Data', `${v} at padded row ${h}, column ${w} of plane ${plane}`, '0 in the padding (the chip pads with zeros)');
      }
    }
  }
  return out;
}

/**
 * Largest difference allowed between a declared density and the data's (our choice: densities are usually written
 * with two decimals, as papers give them; a larger gap means the declaration describes other data).
 */
export const DENSITY_TOLERANCE = 0.01;

/** The density of a layer's tensor, checked against the declared one when the trace gives both. */
function densityOfData(lc: Checker, key: string, declared: number, data: ArrayLike<number>, what: string): number {
  const measured = nonZeroFraction(data);
  if (!Number.isNaN(declared) && Math.abs(declared - measured) > DENSITY_TOLERANCE) {
    lc.fail(key, declared, `${measured.toFixed(4)} within ${DENSITY_TOLERANCE} (the non-zero fraction of the layer's ${what}), or nothing`);
  }
  return measured;
}

const SPARSITY_PATTERNS = ['uniform', 'per-output-channel', 'block'];

/** The optional weightSparsity message: each field only with the pattern that reads it, blocks that tile the tensor. */
function validateWeightSparsity(
  o: Obj,
  lc: Checker,
  spec: LayerSpec,
  data: LayerTensors | undefined,
  layerType: protobuf.Type,
): WeightSparsity | undefined {
  const t = o.weightSparsity;
  if (t === undefined || t === null) return undefined;
  if (!isOnChip(spec.type)) lc.fail('weightSparsity', t, `nothing (${spec.type} has no weights)`);
  if (data?.weights) lc.fail('weightSparsity', t, 'nothing (the layer carries its weights)');
  if (!isObj(t)) lc.fail('weightSparsity', t, 'a WeightSparsity object');
  lc.knownKeys(t, layerType.lookupType('WeightSparsity'), 'weightSparsity.');
  const pattern = lc.string(t, 'pattern', '') || 'uniform';
  if (!SPARSITY_PATTERNS.includes(pattern)) lc.fail('weightSparsity.pattern', pattern, `one of ${SPARSITY_PATTERNS.join(', ')}`);
  const only = (key: string, owner: string): void => {
    if (pattern !== owner && t[key] !== undefined && t[key] !== null && t[key] !== '') {
      lc.fail(`weightSparsity.${key}`, t[key], `nothing (only pattern ${owner} reads it)`);
    }
  };
  only('spread', 'per-output-channel');
  only('block', 'block');
  only('axis', 'block');
  if (pattern === 'per-output-channel') {
    const spread = t.spread ?? 0.5;
    if (typeof spread !== 'number' || !(spread >= 0 && spread <= 1)) lc.fail('weightSparsity.spread', spread, 'a number in [0, 1]');
    return { pattern, spread };
  }
  if (pattern === 'block') {
    const axis = lc.string(t, 'axis', '') || 'output';
    if (axis !== 'output' && axis !== 'input') lc.fail('weightSparsity.axis', axis, 'output or input');
    const block = t.block;
    const channels = axis === 'output' ? spec.M : spec.C / spec.G;
    const what = axis === 'output' ? `m = ${spec.M}` : `c / groups = ${channels}`;
    if (typeof block !== 'number' || !Number.isInteger(block) || block < 1 || channels % block !== 0) {
      lc.fail('weightSparsity.block', block, `a divisor of ${what}`);
    }
    return { pattern, block, axis };
  }
  return { pattern: 'uniform' };
}

/** Bytes from the binary form (Uint8Array) or the JSON form (base64 string); undefined if neither. */
function bytesOf(v: unknown): Uint8Array | undefined {
  if (v instanceof Uint8Array) return v;
  if (v === undefined) return new Uint8Array(0);
  if (typeof v === 'string' && v.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(v)) return Buffer.from(v, 'base64');
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Shapes

/** Output C, H, W of a layer: what the next layer's input must be. */
export function layerOutputShape(layer: LayerSpec): Shape3 {
  if (layer.type === 'FLATTEN') return [layer.C * layer.H * layer.W, 1, 1];
  return [layer.M, outHeight(layer), outWidth(layer)];
}
