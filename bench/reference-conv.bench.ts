/**
 * Speed of the golden convolution (sim/reference/conv.ts) on AlexNet CONV2-sized data: N=1, C=96, 27x27,
 * M=256, 5x5, pad 2, G=2 (224M MACs). GMAC/s counts every nominal MAC, zero weights included, so the
 * sparse-weight figure shows what the zero-weight skip buys.
 *
 * Run: npx tsc -p tsconfig.json && node dist/bench/reference-conv.bench.js
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import seedrandom from 'seedrandom';
import { referenceConv } from '../sim/reference/conv.js';
import { nominalMacs, type LayerShape } from '../sim/workloads/layer.js';

const CONV2: LayerShape = {
  N: 1, G: 2, C: 96, H: 27, W: 27, M: 256, R: 5, S: 5,
  strideH: 1, strideW: 1, padTop: 2, padBottom: 2, padLeft: 2, padRight: 2,
};

export interface ReferenceConvBenchResult {
  name: string;
  gmacPerSec: number;
  /** Best of the timed runs. */
  seconds: number;
}

export function runReferenceConvBench(runs = 5): ReferenceConvBenchResult[] {
  const l = CONV2;
  const macs = nominalMacs(l);
  const rand = seedrandom('reference-conv-bench');
  const byte = (): number => Math.floor(rand() * 256);
  // Post-ReLU iacts: unsigned 8-bit, about half zero (iact zeros are not skipped, so their density is moot).
  const iacts = Int16Array.from({ length: l.N * l.C * l.H * l.W }, () => (rand() < 0.5 ? byte() : 0));
  const results: ReferenceConvBenchResult[] = [];
  for (const density of [1, 0.5]) {
    const weights = Int8Array.from({ length: (l.M * l.C * l.R * l.S) / l.G }, () =>
      rand() < density ? (byte() - 128) || 1 : 0,
    );
    referenceConv(l, iacts, weights); // warm-up (JIT)
    let best = Infinity;
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      referenceConv(l, iacts, weights);
      best = Math.min(best, (performance.now() - t0) / 1000);
    }
    const name = `AlexNet CONV2, weight density ${density}`;
    results.push({ name, gmacPerSec: macs / best / 1e9, seconds: best });
    console.log(`${name}: ${(macs / 1e6).toFixed(0)}M MACs in ${(best * 1000).toFixed(0)} ms = ${(macs / best / 1e9).toFixed(2)} GMAC/s`);
  }
  return results;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  runReferenceConvBench();
}
