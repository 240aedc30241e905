/**
 * Writing traces and converting between their two forms (schema in traces/trace.proto, loading in trace.ts).
 *
 * The form is chosen by the file's extension: `.pb` is binary protobuf, `.json` its JSON form. In JSON, bytes
 * fields (tensor data) are base64 strings, as protobufjs's toObject/fromObject write and read them.
 *
 * Both writers are canonical, so a conversion round trip is lossless and stable byte for byte:
 * - fields come in the schema's order and fields holding proto3's default (0, "", []) are left out, exactly as the
 *   binary form cannot carry them (`optional` densities keep an explicit 0);
 * - JSON puts one layer per line, so hand-written traces stay readable after conversion.
 *
 * Tensors can be large (VGG-16 has 138M weights), so nothing builds the whole file in memory: the file is written
 * piece by piece (the trace's header, then each layer), each piece encoded once and written once. In binary this is
 * valid protobuf because a message may be split into several encodings of itself; repeated fields (the layers)
 * are appended in order when they are read back. Binary files start with an integrity header (length, layer
 * count, checksum; trace-container.ts), filled in once the layers are written.
 *
 * Files are written whole or not at all (sim/files.ts): a killed or failed write never leaves a file at the path.
 */
import path from 'node:path';
import protobuf from 'protobufjs';
import { InputError } from '../errors.js';
import { checkWritableFile, writeAll, writeAtomic } from '../files.js';
import type { LayerType } from './layer.js';
import { HEADER_BYTES, PayloadDigest } from './trace-container.js';
import { checkTraceObject, loadTraceWithObject, traceMessageType } from './trace.js';

/** A tensor in the JSON shape; data as bytes in memory or base64 in a JSON file. */
export interface TensorObject {
  shape: number[];
  /** Weights: signed 8-bit, two's complement bytes. */
  int8Data?: Uint8Array | string;
  /** Input activations: unsigned 8-bit. */
  uint8Data?: Uint8Array | string;
  layout?: string;
  mask?: Uint8Array | string;
  padded?: boolean;
}

/** A layer in the JSON shape (see traces/trace.proto for each field's meaning and default). */
export interface LayerObject {
  name: string;
  type: LayerType;
  n?: number;
  c?: number;
  h?: number;
  w?: number;
  m?: number;
  r?: number;
  s?: number;
  strideH?: number;
  strideW?: number;
  padTop?: number;
  padBottom?: number;
  padLeft?: number;
  padRight?: number;
  groups?: number;
  iactDensity?: number;
  weightDensity?: number;
  seed?: number;
  inputs?: string[];
  source?: string;
  weights?: TensorObject;
  iacts?: TensorObject;
  channelOffset?: number;
}

/** A whole trace in the JSON shape: what importers build and writeTrace writes. */
export interface TraceObject {
  version: number;
  name?: string;
  description?: string;
  sources?: string[];
  batch: number;
  inputShape: number[];
  layers: LayerObject[];
}

export type TraceFormat = 'json' | 'pb';

/** The form a path is written in, from its extension. */
export function traceFormat(file: string): TraceFormat {
  const ext = path.extname(file);
  if (ext === '.json') return 'json';
  if (ext === '.pb') return 'pb';
  throw new InputError(`${file}: unknown trace format "${ext}", expected a .json or .pb file`);
}

/** Validates the trace (so no invalid file is ever written) and writes it in the form given by the extension. */
export function writeTrace(trace: TraceObject, outPath: string): void {
  traceFormat(outPath);
  checkTraceObject(trace, `${outPath} (trace to write)`);
  writeValidated(trace as unknown as Obj, outPath);
}

/** Checks, before any work, that a trace can be written to `outPath` (form, folder, not a folder itself). */
export function checkTraceOutput(flag: string, outPath: string): void {
  traceFormat(outPath);
  checkWritableFile(flag, outPath);
}

/**
 * Converts a trace between .json and .pb (either direction, or to the same form, which canonicalises it). A .pb
 * without the integrity header is accepted here only, with `onLegacy` told (the CLI prints a warning), so old
 * files can be upgraded. Returns the number of layers written.
 */
export function convertTrace(inPath: string, outPath: string, onLegacy?: (shown: string, layers: number) => void): number {
  traceFormat(inPath);
  checkTraceOutput('out', outPath);
  // Loading validates; the decoded object, not the loaded LayerSpecs, is written, so omitted fields stay omitted.
  const { object, trace } = loadTraceWithObject(inPath, { legacy: onLegacy ?? (() => undefined) });
  writeValidated(object, outPath);
  return trace.layers.length;
}

// ---------------------------------------------------------------------------------------------------------------

type Obj = Record<string, unknown>;

function writeValidated(trace: Obj, outPath: string): void {
  const { layers, ...header } = trace;
  const layerList = layers as Obj[];
  writeAtomic(outPath, (fd) => {
    if (traceFormat(outPath) === 'pb') writeProtobuf(fd, header, layerList);
    else writeJson(fd, header, layerList);
  });
}

function writeProtobuf(fd: number, header: Obj, layers: Obj[]): void {
  const type = traceMessageType();
  const digest = new PayloadDigest();
  writeAll(fd, Buffer.alloc(HEADER_BYTES)); // filled in below, once the payload's length and hash are known
  // fromObject keeps Uint8Array bytes by reference; encode copies each tensor once, into that layer's piece.
  writeAll(fd, digest.add(type.encode(type.fromObject(canonical(header, type, 'buffer'))).finish()));
  const layerType = type.lookupType('Layer');
  for (const layer of layers) {
    writeAll(fd, digest.add(type.encode(type.fromObject({ layers: [canonical(layer, layerType, 'buffer')] })).finish()));
  }
  writeAll(fd, digest.header(layers.length), 0);
}

function writeJson(fd: number, header: Obj, layers: Obj[]): void {
  const type = traceMessageType();
  const layerType = type.lookupType('Layer');
  const lines = Object.entries(canonical(header, type, 'base64')).map(([key, value]) =>
    key === 'sources' && Array.isArray(value) && value.length > 0
      ? `  "sources": [\n${value.map((s) => `    ${JSON.stringify(s)}`).join(',\n')}\n  ]`
      : `  ${JSON.stringify(key)}: ${JSON.stringify(value)}`,
  );
  writeAll(fd, `{\n${lines.join(',\n')},\n  "layers": [${layers.length ? '\n' : ''}`);
  layers.forEach((layer, i) => {
    const text = JSON.stringify(canonical(layer, layerType, 'base64'));
    writeAll(fd, `    ${text}${i < layers.length - 1 ? ',' : ''}\n`);
  });
  writeAll(fd, `${layers.length ? '  ' : ''}]\n}\n`);
}

/**
 * The object's fields in schema order, without those holding proto3 defaults (what the binary form drops), and
 * with nested messages (tensors) treated the same way. The input is validated, so it has no unknown fields.
 *
 * Bytes are turned into what the writer needs with Node's native codecs: base64 strings for JSON (JSON.stringify
 * would otherwise call Buffer's toJSON, an array of numbers), Buffers for protobuf (protobufjs's own base64
 * decoder is pure JavaScript and several times slower).
 */
function canonical(o: Obj, type: protobuf.Type, bytes: 'base64' | 'buffer'): Obj {
  const out: Obj = {};
  for (const field of type.fieldsArray) {
    const value = o[field.name];
    if (value === undefined || value === null) continue;
    field.resolve();
    const message = field.resolvedType instanceof protobuf.Type ? field.resolvedType : undefined;
    // proto3 `optional` fields (a synthetic oneof) and messages have presence: an explicit 0 survives the binary form.
    const hasPresence = field.partOf != null || message !== undefined;
    if (!hasPresence && isProto3Default(value)) continue;
    if (message && !field.repeated) out[field.name] = canonical(value as Obj, message, bytes);
    else if (bytes === 'base64' && value instanceof Uint8Array) {
      out[field.name] = Buffer.from(value.buffer, value.byteOffset, value.length).toString('base64');
    } else if (bytes === 'buffer' && field.type === 'bytes' && typeof value === 'string') {
      out[field.name] = Buffer.from(value, 'base64');
    } else out[field.name] = value;
  }
  return out;
}

function isProto3Default(value: unknown): boolean {
  return (
    value === 0 ||
    value === '' ||
    value === false ||
    ((Array.isArray(value) || value instanceof Uint8Array) && value.length === 0)
  );
}
