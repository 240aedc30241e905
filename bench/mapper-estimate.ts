/**
 * The mapper's estimate against the simulation: for each on-chip layer of the traces given, in each PE mode of
 * the hardware, the mapper's chosen mapping, its estimated cycles, its simulated cycles (outputs not checked)
 * and the error estimate / simulated - 1; then per trace the layers within 10%, the mean and the worst |error|.
 *
 * Run (after `npx tsc -p tsconfig.json`):
 *   node dist/bench/mapper-estimate.js [--hw eyeriss-v2] [--mode compressed|uncompressed] [--layers a,b] [--quiet] trace...
 * With --feasibility, it only times a run's up-front check that every layer has a mapping (checkRunnable: the
 * first candidate within capacities) against ranking every candidate of every layer, as the check did before.
 */
import { loadHwConfig } from '../sim/config/hw-config.js';
import { peModes } from '../sim/mapping/constraints.js';
import type { Mapping } from '../sim/mapping/mapping.js';
import { rankMappings } from '../sim/mapping/mapper.js';
import { toProblem } from '../sim/mapping/problem.js';
import { checkRunnable, layerTensors, selectLayers } from '../sim/run/network.js';
import { simulateLayer } from '../sim/run/layer-sim.js';
import { loadTrace } from '../sim/workloads/trace.js';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const value = args[i + 1];
  args.splice(i, 2);
  return value;
};
const hwName = flag('--hw') ?? 'eyeriss-v2';
const mode = flag('--mode') as Mapping['peMode'] | undefined;
const layerNames = flag('--layers')?.split(',');
const quiet = args.includes('--quiet');
const feasibility = args.includes('--feasibility');
const traces = args.filter((a) => a !== '--quiet' && a !== '--feasibility');
if (traces.length === 0) throw new Error('usage: mapper-estimate [--hw name] [--mode m] [--layers a,b] [--quiet] trace...');

const loaded = loadHwConfig(hwName);
const hw = loaded.config;
const modes = mode ? [mode] : peModes(hw);

/** Mean milliseconds of f over 3 calls after a warm-up one. */
function timeMs(f: () => void): number {
  f();
  const t0 = performance.now();
  for (let i = 0; i < 3; i++) f();
  return (performance.now() - t0) / 3;
}

for (const name of feasibility ? traces : []) {
  const { onChip } = selectLayers(loadTrace(name), layerNames, undefined);
  const rankAll = timeMs(() => {
    for (const l of onChip) for (const m of modes) rankMappings(toProblem(l), hw, { iact: l.iactDensity, weight: l.weightDensity }, m, new Map());
  });
  const check = timeMs(() => checkRunnable({ hw: loaded, peMode: mode }, onChip));
  console.log(`${name} on ${hw.name}: ranking every candidate ${rankAll.toFixed(1)} ms, checkRunnable ${check.toFixed(1)} ms (${onChip.length} layers)`);
}
for (const name of feasibility ? [] : traces) {
  const trace = loadTrace(name);
  const { onChip } = selectLayers(trace, layerNames, undefined);
  const errors: number[] = [];
  const cache = new Map();
  for (const layer of onChip) {
    const { iacts, weights } = layerTensors(trace, layer, 1);
    for (const peMode of modes) {
      const r = simulateLayer(hw, layer, iacts, weights, { engine: 'event', check: false, peMode, mappingCache: cache });
      const error = r.estimatedCycles! / r.cycles - 1;
      errors.push(error);
      if (!quiet) {
        console.log(`${layer.name.padEnd(14)} ${layer.type.padEnd(7)} ${String(r.cycles).padStart(9)} ${Math.round(r.estimatedCycles!).toString().padStart(9)} ${(100 * error).toFixed(1).padStart(6)}%  ${r.mappingText}`);
      }
    }
  }
  const abs = errors.map(Math.abs);
  const within = abs.filter((e) => e <= 0.1).length;
  const mean = abs.reduce((a, b) => a + b, 0) / abs.length;
  const worst = errors.reduce((a, b) => (Math.abs(b) > Math.abs(a) ? b : a), 0);
  const lo = Math.min(...errors);
  const hi = Math.max(...errors);
  console.log(`${name} on ${hw.name} (${modes.join(', ')}): within 10% on ${within} of ${errors.length}, mean |error| ${(100 * mean).toFixed(1)}%, from ${(100 * lo).toFixed(1)}% to ${(100 * hi).toFixed(1)}% (worst ${(100 * worst).toFixed(1)}%)`);
}
