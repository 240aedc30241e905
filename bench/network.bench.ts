/**
 * Whole-network speed, the figures the core issue asks for: wall time to simulate a trace (all layers,
 * batch 1) with the bit-exact check on and off, beside the plain reference convolution of the same layers
 * on the same data, measured in one process. Best of `runs` (the first run also warms the JIT).
 *
 * Run: npx tsc -p tsconfig.json && node dist/bench/network.bench.js [trace ...]
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadHwConfig } from '../sim/config/hw-config.js';
import { referenceConv } from '../sim/reference/conv.js';
import { runNetwork } from '../sim/run/network.js';
import { isOnChip } from '../sim/workloads/layer.js';
import { synthesizeLayerTensors } from '../sim/workloads/tensors.js';
import { loadTrace } from '../sim/workloads/trace.js';

export interface NetworkBenchResult {
  trace: string;
  simulateWithCheckSeconds: number;
  simulateNoCheckSeconds: number;
  referenceSeconds: number;
  /** Simulator (no check) over the plain reference convolution. */
  ratio: number;
  events: number;
  simulatedCycles: number;
}

function best(runs: number, f: () => void): number {
  let min = Infinity;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    f();
    min = Math.min(min, performance.now() - t);
  }
  return min / 1000;
}

export function runNetworkBench(traces = ['alexnet-sparse', 'mobilenet-v1-0.5-128-sparse'], runs = 2): NetworkBenchResult[] {
  const hw = loadHwConfig('eyeriss-v2');
  const results: NetworkBenchResult[] = [];
  for (const name of traces) {
    const trace = loadTrace(name);
    let events = 0;
    let cycles = 0;
    const withCheck = best(runs, () => {
      const r = runNetwork({ hw, trace, seed: 1, engine: 'event', check: true });
      events = r.events;
      cycles = r.layers.reduce((a, l) => a + l.cycles, 0);
    });
    const noCheck = best(runs, () => runNetwork({ hw, trace, seed: 1, engine: 'event', check: false }));
    const layers = trace.layers.filter((l) => isOnChip(l.type));
    const tensors = layers.map((l) => synthesizeLayerTensors(l, 1));
    const reference = best(runs, () => layers.forEach((l, i) => referenceConv(l, tensors[i]!.iacts, tensors[i]!.weights)));
    results.push({
      trace: name, simulateWithCheckSeconds: withCheck, simulateNoCheckSeconds: noCheck, referenceSeconds: reference,
      ratio: noCheck / reference, events, simulatedCycles: cycles,
    });
  }
  return results;
}

export function printNetworkBench(results: NetworkBenchResult[]): void {
  for (const r of results) {
    console.log(
      `${r.trace}: simulate ${r.simulateWithCheckSeconds.toFixed(2)} s with the check, ${r.simulateNoCheckSeconds.toFixed(2)} s without; ` +
        `reference convolution ${r.referenceSeconds.toFixed(2)} s; simulator/reference ${r.ratio.toFixed(1)}x; ` +
        `${r.events} events, ${r.simulatedCycles} cycles (${(r.simulatedCycles / r.simulateNoCheckSeconds / 1e6).toFixed(2)} M cycles/s)`,
    );
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const traces = process.argv.slice(2);
  printNetworkBench(runNetworkBench(traces.length ? traces : undefined));
}
