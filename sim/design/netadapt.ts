/**
 * NetAdapt look-up tables (Yang et al., "NetAdapt: Platform-Aware Neural Network Adaptation for Mobile
 * Applications", ECCV 2018): each layer simulated with its output channels cut to fractions of the original, so
 * an adaptation loop reads measured latency and energy instead of guessing from MAC counts.
 *
 * A layer's channels cannot shrink alone: whatever reads its output reads fewer channels. For each on-chip layer
 * L the table simulates a small trace made of L with M' = round(keep x M) filters (at least 1; its first M' filters
 * when the trace carries weights) and the chain of layers reading its output up to the next on-chip layer that is
 * not depth-wise: pooling and FLATTEN pass channels through, a depth-wise layer shrinks with them (its channels
 * are L's), and that last layer keeps its filters but reads fewer input channels. A layer is left out, with the
 * reason, where one of its chain's outputs is read by several layers or merged (ADD, CONCAT, MUL, SLICE, SHUFFLE),
 * where it is depth-wise (it shrinks with the layer before it) or where nothing on chip reads it (the network's
 * output). Entries assume every other layer at full size, as NetAdapt's per-layer tables do.
 *
 * The points run through the sweep runner (sim/sweep): worker threads, each point stored as it finishes, so a
 * killed run resumes where it stopped. One extra point runs the whole trace, for the network's baseline.
 */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { LoadedHwConfig } from '../config/hw-config.js';
import { InputError } from '../errors.js';
import type { PeModeOption } from '../run/network.js';
import { isTotalRow, type ResultRow } from '../sweep/results.js';
import { runSweep } from '../sweep/runner.js';
import { planSweep, sweepSchema } from '../sweep/spec.js';
import { isOnChip, type LayerSpec } from '../workloads/layer.js';
import type { SynthesisLayer } from '../workloads/tensors.js';
import type { LoadedTrace } from '../workloads/trace.js';
import { type LayerObject, type TraceObject, writeTrace } from '../workloads/trace-io.js';

export interface LutOptions {
  hw: LoadedHwConfig;
  /** The hardware config as given (a shipped name or a path), for the sweep plan. */
  hwName: string;
  trace: LoadedTrace;
  /** Fractions of output channels to keep, each in (0, 1]; 1 is always simulated (the baseline). */
  keep: number[];
  /** Directory for the sub-traces, the per-point store (resume) and the tables. */
  out: string;
  seed: number;
  peMode: PeModeOption;
  jobs?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface LutEntry {
  keep: number;
  /** Output channels of the layer at this keep. */
  channels: number;
  /** The layer and the chain reading it, summed. */
  cycles: number;
  energyJoules: number;
}

export interface LutLayer {
  name: string;
  type: string;
  channels: number;
  /** The layers simulated with it (the chain reading its output). */
  chain: string[];
  entries: LutEntry[];
}

export interface Lut {
  trace: { name: string; sha256: string };
  hw: { name: string; sha256: string };
  seed: number;
  peMode: PeModeOption;
  keep: number[];
  /** The whole trace at full size. */
  network: { cycles: number; energyJoules: number };
  layers: LutLayer[];
  skipped: { name: string; reason: string }[];
}

/** Layers reading each layer's output: named in `inputs`, or the next layer when its `inputs` is empty. */
function readersOf(trace: LoadedTrace): Map<string, LayerSpec[]> {
  const readers = new Map<string, LayerSpec[]>(trace.layers.map((l) => [l.name, []]));
  trace.layers.forEach((l, i) => {
    const sources = l.inputs.length ? l.inputs : i > 0 ? [trace.layers[i - 1]!.name] : [];
    for (const s of sources) readers.get(s)!.push(l);
  });
  return readers;
}

/** The chain reading a layer's output, ending with the on-chip layer whose input channels shrink; or why none. */
function chainOf(layer: LayerSpec, readers: Map<string, LayerSpec[]>): LayerSpec[] | string {
  const chain: LayerSpec[] = [];
  for (let at = layer; ;) {
    const next = readers.get(at.name)!;
    if (next.length === 0) return at === layer ? 'its output is the network\'s output' : `nothing on chip reads ${at.name}`;
    if (next.length > 1) return `${at.name} is read by ${next.length} layers (${next.map((l) => l.name).join(', ')})`;
    const reader = next[0]!;
    if (!['POOL_MAX', 'POOL_AVG', 'FLATTEN'].includes(reader.type) && !isOnChip(reader.type)) {
      return `${reader.name} (${reader.type}) merges or reorders channels`;
    }
    chain.push(reader);
    if (isOnChip(reader.type) && reader.type !== 'DWCONV') return chain;
    at = reader;
  }
}

/** The trace's layer as a trace object with `channels` of its first channels (outputs, inputs or both). */
function layerObject(l: SynthesisLayer, fields: { m?: number; c?: number; groups?: number }, first: boolean, tensors?: Int8Array): LayerObject & Record<string, unknown> {
  const o: LayerObject & Record<string, unknown> = {
    name: l.name, type: l.type, m: fields.m ?? l.M, r: l.R, s: l.S, strideH: l.strideH, strideW: l.strideW,
    padTop: l.padTop, padBottom: l.padBottom, padLeft: l.padLeft, padRight: l.padRight,
  };
  const groups = fields.groups ?? l.G;
  if (isOnChip(l.type)) {
    Object.assign(o, { groups, iactDensity: l.iactDensity, weightDensity: l.weightDensity, seed: l.seed });
    if (l.weightSparsity && !tensors) o.weightSparsity = l.weightSparsity;
    if (l.outputDensity !== undefined) o.outputDensity = l.outputDensity;
    if (tensors) o.weights = { shape: [o.m!, (fields.c ?? l.C) / groups, l.R, l.S], int8Data: new Uint8Array(tensors.buffer, tensors.byteOffset, tensors.length) };
  } else {
    for (const k of ['m', 'r', 's', 'strideH', 'strideW', 'padTop', 'padBottom', 'padLeft', 'padRight'] as const) delete o[k];
    if (l.type.startsWith('POOL')) Object.assign(o, { r: l.R, s: l.S, strideH: l.strideH, strideW: l.strideW, padTop: l.padTop, padBottom: l.padBottom, padLeft: l.padLeft, padRight: l.padRight });
  }
  // An FC reading a C x H x W input directly declares its flattened channel count.
  if (l.type === 'FC' && !first) o.c = fields.c ?? l.C;
  return o;
}

/** Weights M x (C/G) x R x S cut to the first m filters and, per filter, the first c/G input channels. */
function cutWeights(w: Int8Array, l: LayerSpec, m: number, cPerGroup: number): Int8Array {
  const rs = l.R * l.S;
  const full = l.C / l.G;
  const out = new Int8Array(m * cPerGroup * rs);
  for (let f = 0; f < m; f++) for (let c = 0; c < cPerGroup; c++) out.set(w.subarray((f * full + c) * rs, (f * full + c + 1) * rs), (f * cPerGroup + c) * rs);
  return out;
}

/** The sub-trace of a layer at M' output channels, with its chain shrunk to match. */
function subTrace(trace: LoadedTrace, layer: SynthesisLayer, chain: SynthesisLayer[], m: number, name: string): TraceObject {
  const tensor = (l: LayerSpec) => trace.tensors.get(l.name)?.weights;
  const own = tensor(layer);
  const layers: LayerObject[] = [layerObject(layer, { m }, true, own && cutWeights(own, layer, m, layer.C / layer.G))];
  let channels = m;
  for (const l of chain) {
    const w = tensor(l);
    if (l.type === 'DWCONV') {
      // Depth-wise: one filter group per channel, so its channels are the layer's.
      const perChannel = l.M / l.C;
      layers.push(layerObject(l, { m: channels * perChannel, c: channels, groups: channels }, false, w && cutWeights(w, l, channels * perChannel, 1)));
      channels *= perChannel;
    } else if (isOnChip(l.type)) {
      // Grouped consumers are skipped by the caller; an FC reading a flattened map loses H x W inputs per channel.
      const c = (l.C / (l.type === 'FC' ? layerChannelsIn(trace, l) : l.C)) * channels;
      layers.push(layerObject(l, { c }, false, w && cutWeights(w, l, l.M, c)));
    } else {
      layers.push(layerObject(l, {}, false));
    }
  }
  return {
    version: 1, name, batch: trace.batch, inputShape: [layer.C, layer.H, layer.W],
    description: `${trace.name}: ${layer.name} with ${m} of its ${layer.M} output channels, and the layers reading it (NetAdapt table entry)`,
    sources: [`${trace.name} (sha256 ${trace.sha256})`], layers,
  };
}

/** Channels of the feature map an FC reads before flattening (its C counts channels x H x W). */
function layerChannelsIn(trace: LoadedTrace, fc: LayerSpec): number {
  const i = trace.layers.findIndex((l) => l.name === fc.name);
  for (let j = i - 1; j >= 0; j--) {
    const l = trace.layers[j]!;
    if (l.type !== 'FLATTEN') return l.type === 'POOL_MAX' || l.type === 'POOL_AVG' ? l.C : l.M;
  }
  return fc.C;
}

/** Builds (or resumes) the table; writes OUT/lut.json and OUT/lut.csv. */
export async function buildLut(o: LutOptions): Promise<{ lut: Lut; ran: number; reused: number }> {
  const keeps = [...new Set([1, ...o.keep])].sort((a, b) => b - a);
  for (const k of keeps) if (!(k > 0 && k <= 1)) throw new InputError(`--keep: got ${k}, expected fractions in (0, 1]`);
  const out = resolve(o.out);
  mkdirSync(join(out, 'traces'), { recursive: true });
  const readers = readersOf(o.trace);
  const skipped: Lut['skipped'] = [];
  const planned: { layer: SynthesisLayer; chain: LayerSpec[]; points: { keep: number; m: number; file: string; name: string }[] }[] = [];
  for (const layer of o.trace.layers.filter((l) => isOnChip(l.type))) {
    if (layer.type === 'DWCONV') {
      skipped.push({ name: layer.name, reason: 'depth-wise: its channels shrink with the layer before it' });
      continue;
    }
    const chain = chainOf(layer, readers);
    if (typeof chain === 'string') {
      skipped.push({ name: layer.name, reason: chain });
      continue;
    }
    const grouped = chain.find((l) => isOnChip(l.type) && l.type !== 'DWCONV' && l.G > 1);
    if (grouped) {
      skipped.push({ name: layer.name, reason: `${grouped.name} is a grouped convolution` });
      continue;
    }
    const points = [...new Set(keeps.map((k) => Math.max(1, Math.round(k * layer.M))))].map((m) => {
      const name = `${layer.name.replace(/[^A-Za-z0-9_.-]/g, '_')}@${m}`;
      const file = join(out, 'traces', `${name}.pb`);
      writeTrace(subTrace(o.trace, layer, chain, m, name), file);
      return { keep: m / layer.M, m, file, name };
    });
    planned.push({ layer, chain, points });
  }
  const spec = sweepSchema.parse({
    version: 1, hw: o.hwName, trace: [o.trace.file, ...planned.flatMap((p) => p.points.map((q) => q.file))], seed: o.seed, peMode: o.peMode,
  });
  // The sweep's identity is its spec: a resumed lut continues only the same tables.
  const plan = { ...planSweep(join(out, 'lut.yaml'), spec), sha256: createHash('sha256').update(JSON.stringify(spec)).digest('hex') };
  const outcome = await runSweep(plan, { out: join(out, 'sweep'), jobs: o.jobs, onProgress: o.onProgress });
  const totals = new Map<string, ResultRow>();
  for (const r of outcome.rows) if (isTotalRow(r)) totals.set(r.trace, r);
  const total = (name: string) => totals.get(name)!;
  const lut: Lut = {
    trace: { name: o.trace.name, sha256: o.trace.sha256 },
    hw: { name: o.hw.config.name, sha256: o.hw.sha256 },
    seed: o.seed,
    peMode: o.peMode,
    keep: keeps,
    network: { cycles: total(o.trace.name).cycles, energyJoules: total(o.trace.name).energyJoules },
    layers: planned.map(({ layer, chain, points }) => ({
      name: layer.name,
      type: layer.type,
      channels: layer.M,
      chain: chain.map((l) => l.name),
      entries: points.map((p) => ({ keep: p.keep, channels: p.m, cycles: total(p.name).cycles, energyJoules: total(p.name).energyJoules })),
    })),
    skipped,
  };
  return { lut, ran: outcome.ran, reused: outcome.reused };
}

/** One CSV row per layer and keep. */
export function lutCsv(lut: Lut): string {
  const rows = lut.layers.flatMap((l) => l.entries.map((e) => [l.name, l.type, e.keep, e.channels, l.channels, e.cycles, e.energyJoules, l.chain.join(' ')].join(',')));
  return ['layer,type,keep,channels,fullChannels,cycles,energyJoules,chain', ...rows].join('\n') + '\n';
}
