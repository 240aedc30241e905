/**
 * Speed of trace I/O at VGG-16 size: the shipped vgg16 trace with synthetic int8 weight tensors on every on-chip
 * layer (138.3M weights, ~138 MB as .pb, ~185 MB as .json). Times writing the .pb, loading it, converting it to
 * JSON and back (checking the round trip is byte-identical), and loading the JSON.
 *
 * Run: npx tsc -p tsconfig.json && node dist/bench/trace-io.bench.js
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path, { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isOnChip } from '../sim/workloads/layer.js';
import { convertTrace, writeTrace, type TraceObject } from '../sim/workloads/trace-io.js';
import { loadTrace, loadTraceWithObject } from '../sim/workloads/trace.js';

export interface TraceIoBenchResult {
  step: string;
  seconds: number;
  /** Size of the file written or read, bytes. */
  bytes: number;
}

/** Random bytes from xorshift32, four per step (fast enough for 138M). */
function randomBytes(count: number, seed: number): Uint8Array {
  const words = new Uint32Array(Math.ceil(count / 4));
  let x = seed >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  return new Uint8Array(words.buffer, 0, count);
}

export function runTraceIoBench(): TraceIoBenchResult[] {
  const dir = mkdtempSync(path.join(tmpdir(), 'eyeriss-trace-io-bench-'));
  const results: TraceIoBenchResult[] = [];
  const time = (step: string, file: string, fn: () => unknown) => {
    const t0 = performance.now();
    fn();
    const seconds = (performance.now() - t0) / 1000;
    const bytes = statSync(file).size;
    results.push({ step, seconds, bytes });
    console.log(`${step.padEnd(34)} ${seconds.toFixed(2).padStart(6)} s   ${(bytes / 1e6).toFixed(1).padStart(6)} MB`);
  };
  try {
    const { trace, object } = loadTraceWithObject('vgg16');
    const vgg = object as unknown as TraceObject;
    let weights = 0;
    vgg.layers.forEach((layer, i) => {
      const spec = trace.layers[i]!;
      if (!isOnChip(spec.type)) return;
      const shape = [spec.M, spec.C / spec.G, spec.R, spec.S];
      const count = shape.reduce((p, d) => p * d, 1);
      layer.weights = { shape, int8Data: randomBytes(count, i + 1) };
      weights += count;
    });
    console.log(`VGG-16 with ${(weights / 1e6).toFixed(1)}M synthetic int8 weights`);
    const [pb, json, pb2] = ['vgg16.pb', 'vgg16.json', 'vgg16-again.pb'].map((f) => path.join(dir, f)) as [string, string, string];
    time('writeTrace -> .pb (validates first)', pb, () => writeTrace(vgg, pb));
    time('loadTrace .pb', pb, () => loadTrace(pb));
    time('convertTrace .pb -> .json', json, () => convertTrace(pb, json));
    time('convertTrace .json -> .pb', pb2, () => convertTrace(json, pb2));
    time('loadTrace .json', json, () => loadTrace(json));
    if (!readFileSync(pb).equals(readFileSync(pb2))) throw new Error('pb -> json -> pb is not byte-identical');
    console.log('pb -> json -> pb round trip: byte-identical');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  runTraceIoBench();
}
