/**
 * Run two layers of a shipped trace and read the JSON report's contract: what `eyeriss-sim run --json` writes.
 * Usage: tsx examples/run-network.ts [TRACE] [LAYER,LAYER...]
 */
import { buildJsonReport, loadHwConfig, loadTrace, runNetwork } from 'eyeriss-sim';

const [traceName = 'mobilenet-v1-0.5-128', layers = 'conv_dw_13,fc'] = process.argv.slice(2);
const hw = loadHwConfig('eyeriss-v2');
const trace = loadTrace(traceName);
const seed = 1;
const run = runNetwork({ hw, trace, layers: layers.split(','), seed, engine: 'event', check: true, peMode: 'compressed' });
const report = buildJsonReport(run, hw, trace, seed, 'event');
for (const layer of report.layers) {
  console.log(`${layer.name}: ${layer.cycles} cycles, ${(layer.energyJoules * 1e6).toFixed(2)} uJ, check ${layer.check}`);
}
console.log(`total: ${report.totals.cycles} cycles, ${(report.totals.energyJoulesPerInference * 1e6).toFixed(2)} uJ per inference`);
