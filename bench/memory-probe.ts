/**
 * A child process of bench/targets.bench.ts: simulates one case and prints its peak resident memory (MB) and
 * wall seconds, so each case's peak is its own.
 *   scaling16k: the AlexNet 16384-PE point of hw-configs/sweeps/scaling.yaml, as the sweep runs it
 *   batch N:    sparse MobileNet-0.5-128's conv_pw_7 at batch N (cycles grow with N, the hardware does not)
 */
import { resourceUsage } from 'node:process';
import { loadSweep } from '../sim/sweep/spec.js';
import { loadHwConfig } from '../sim/config/hw-config.js';
import { runNetwork } from '../sim/run/network.js';
import { loadTrace } from '../sim/workloads/trace.js';

const [what, arg] = process.argv.slice(2);
const t0 = performance.now();
if (what === 'scaling16k') {
  const plan = loadSweep('hw-configs/sweeps/scaling.yaml');
  const point = plan.points.find((p) => p.pes === 16384 && p.traceName === 'alexnet')!;
  runNetwork({ hw: point.hw, trace: loadTrace(point.traceFile), batch: point.batch, layers: point.layers, seed: point.seed, engine: 'event', check: point.check, peMode: point.peMode });
} else {
  runNetwork({ hw: loadHwConfig('eyeriss-v2'), trace: loadTrace('mobilenet-v1-0.5-128-sparse'), layers: ['conv_pw_7'], batch: Number(arg), seed: 1, engine: 'event', check: true });
}
console.log(`${resourceUsage().maxRSS / 1024} ${(performance.now() - t0) / 1000}`);
