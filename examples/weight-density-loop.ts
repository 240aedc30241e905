/**
 * The designer's inner loop: one layer simulated at several weight densities with simulateLayer, costed with
 * computeEnergy, without the network runner. Usage: tsx examples/weight-density-loop.ts [TRACE] [LAYER]
 */
import {
  computeEnergy,
  layerActivity,
  loadEnergyTable,
  loadHwConfig,
  loadTrace,
  simulateLayer,
  synthesizeIacts,
  synthesizeWeights,
} from 'eyeriss-sim';

const [traceName = 'mobilenet-v1-0.5-128', layerName = 'conv_dw_13'] = process.argv.slice(2);
const hw = loadHwConfig('eyeriss-v2').config;
const table = loadEnergyTable(hw.energyTable);
const layer = loadTrace(traceName).layers.find((l) => l.name === layerName);
if (!layer) throw new Error(`no layer ${layerName} in ${traceName}`);
const seed = 1;
const iacts = synthesizeIacts(layer, seed);
for (const weightDensity of [1, 0.5, 0.25]) {
  const thinned = { ...layer, weightDensity };
  const r = simulateLayer(hw, thinned, iacts, synthesizeWeights(thinned, seed), { engine: 'event', check: true, peMode: 'compressed' });
  const energy = computeEnergy(r.counts.toReport(), layerActivity(r, hw), table, hw.clockMHz);
  console.log(`weight density ${weightDensity}: ${r.cycles} cycles, ${(energy.totalJoules * 1e6).toFixed(2)} uJ, check ${r.check}`);
}
