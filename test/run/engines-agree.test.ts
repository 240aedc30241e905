import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type HwConfig, loadHwConfig } from '../../sim/config/hw-config.js';
import { peModes } from '../../sim/mapping/constraints.js';
import { type Mapping, parseMappingText } from '../../sim/mapping/mapping.js';
import { type LayerResult, simulateLayer } from '../../sim/run/layer-sim.js';
import type { LayerSpec } from '../../sim/workloads/layer.js';
import { synthesizeLayerTensors } from '../../sim/workloads/tensors.js';
import { readFileSync } from 'node:fs';
import { hwConfigDir, parseHwConfig } from '../../sim/config/hw-config.js';
import { v2With } from '../support/configs.js';
import { randomLayers, v2 } from '../support/layers.js';

// The tick engine visits every component every cycle, and steps the PE pipeline one cycle at a time; the
// event engine jumps between deliveries and computes the pipeline's times in closed form. Same layer, same
// data: the cycles and every access count must be identical, and both must equal the reference bit for bit.

/** Everything a run reports that depends on timing or on what moved. */
function observed(r: LayerResult): unknown {
  return {
    cycles: r.cycles, counts: r.counts.toReport(), metadata: r.counts.metadataReport(), dramBits: r.dramBits,
    peBusyCycles: r.peBusyCycles, clusterBusyCycles: r.clusterBusyCycles, activePes: r.activePes,
    offChipStallCycles: r.offChipStallCycles, outputs: Array.from(r.outputs), mapping: r.mappingText,
  };
}

function agree(hw: HwConfig, layer: LayerSpec, seed: number, peMode?: Mapping['peMode'], mapping?: Mapping): LayerResult {
  const { iacts, weights } = synthesizeLayerTensors(layer, seed);
  const event = simulateLayer(hw, layer, iacts, weights, { engine: 'event', check: true, peMode, mapping });
  const tick = simulateLayer(hw, layer, iacts, weights, { engine: 'tick', check: true, mapping: event.mapping });
  expect(event.check, event.checkDetail).toBe('pass');
  expect(tick.check, tick.checkDetail).toBe('pass');
  expect(observed(tick)).toEqual(observed(event));
  expect(event.effectiveMacs + event.gatedMacs + event.skippedMacs).toBe(event.nominalMacs);
  return event;
}

describe('tick and event engines', () => {
  for (const layer of randomLayers('engines', 20)) {
    it(`agree on ${layer.name} ${layer.N}x${layer.C}x${layer.H}x${layer.W} -> ${layer.M}, ${layer.R}x${layer.S}/${layer.strideH}, G=${layer.G}`, () => {
      agree(v2, layer, 3);
    });
  }

  it('agree when a weight channel learns a PE\'s credit returns out of time order', () => {
    // M0 = 1 with two weight tiles per PE: a PE knows when a later pass frees its tile before it knows an earlier
    // one's, so the channel hears the later return first; woken only for that one, it sent 3 cycles late (60 vs 57).
    const fc4 = randomLayers('engines', 20).find((l) => l.name === 'FC4')!;
    const r = agree(v2, fc4, 3, undefined, parseMappingText('clusterRow=M4 clusterCol=M2 peRow=C3 M0=1 C0=8 mode=compressed', 'the test'));
    expect(r.cycles).toBe(57);
  });

  it('agree in the uncompressed (dense) PE mode', () => {
    const [layer] = randomLayers('dense-mode', 1);
    const event = agree(v2, layer!, 5, 'uncompressed');
    // Dense mode gates zeros instead of skipping them.
    expect(event.skippedMacs).toBe(0);
  });

  // Every shipped config, a one-PE v2 and a v2 behind a 1 GB/s off-chip link, in each of their PE modes. v1 and
  // v1-192 read the weight in the iact's stage (pipeline lead 0); the same v1 with its weight read one stage later
  // (lead 1) is checked too.
  const v1Lead1 = parseHwConfig('eyeriss-v1, weight read at stage 2', readFileSync(`${hwConfigDir()}/eyeriss-v1.yaml`, 'utf8')
    .replace(/^(\s*pipelineStages:)\s*\d+/m, '$1 4').replace(/^(\s*weightReadStage:)\s*\d+/m, '$1 2'));
  const configs: [string, HwConfig][] = [
    ...['eyeriss-v1', 'eyeriss-v1-192', 'eyeriss-v1.5', 'eyeriss-v2'].map((n): [string, HwConfig] => [n, loadHwConfig(n).config]),
    ['eyeriss-v1 with lead 1', v1Lead1],
    ['one-PE v2', v2With({ clusterRows: 1, clusterCols: 1, peRowsPerCluster: 1, peColsPerCluster: 1, routersPerCluster: 1, iactBanksPerCluster: 1, psumBanksPerCluster: 1, simdWidth: 1 })],
    ['v2 at 1 GB/s off-chip', v2With({ bandwidthGBps: 1 })],
  ];
  for (const [name, hw] of configs) {
    for (const peMode of peModes(hw)) {
      it(`agree on ${name}, ${peMode} PE mode, a layer of every type`, () => {
        for (const layer of randomLayers(`${name}/${peMode}`, 5)) agree(hw, layer, 7, peMode);
      });
    }
  }

  it('agree on random small layers of every type (property)', () => {
    const layerArb = fc.record({
      kind: fc.constantFrom('CONV', 'DWCONV', 'PWCONV', 'FC'),
      seed: fc.integer({ min: 0, max: 1000 }),
      config: fc.constantFrom(...configs.map(([name]) => name)),
    });
    fc.assert(fc.property(layerArb, ({ kind, seed, config }) => {
      const all = randomLayers(`property ${seed}`, 5);
      const layer = all.find((l) => l.type === kind || (kind === 'CONV' && l.name.startsWith('GCONV')))!;
      agree(configs.find(([name]) => name === config)![1], layer, seed);
    }), { numRuns: 8, seed: 9 });
  });
});
