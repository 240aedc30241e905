import { describe, expect, it } from 'vitest';
import { loadHwConfig } from '../../sim/config/hw-config.js';
import { peModes } from '../../sim/mapping/constraints.js';
import { simulateLayer } from '../../sim/run/layer-sim.js';
import { layerTensors, selectLayers } from '../../sim/run/network.js';
import type { LayerSpec } from '../../sim/workloads/layer.js';
import { synthesizeLayerTensors } from '../../sim/workloads/tensors.js';
import { loadTrace } from '../../sim/workloads/trace.js';

// The mapper's analytic estimate (sim/mapping/mapper.ts) against the simulated cycles of the mapping it
// picks: two numbers computed independently (a closed form vs the event-driven hardware), held within
// BOUND of each other in every PE mode. Layers of every type, small enough for CI: late MobileNet-0.5-128
// layers as they are, AlexNet and SqueezeNet layers at a reduced input size (their shape otherwise kept).
// bench/mapper-estimate.ts prints the same comparison for whole networks (README "The mapper's estimate"),
// where some layers still miss 10%.
const BOUND = 0.1;

const cases: { trace: string; layer: string; hw: string; size?: number }[] = [
  ...['conv_dw_12', 'conv_pw_12', 'conv_dw_13', 'conv_pw_13', 'fc'].map((layer) => ({ trace: 'mobilenet-v1-0.5-128-sparse', layer, hw: 'eyeriss-v2' })),
  ...['conv_dw_13', 'conv_pw_13'].map((layer) => ({ trace: 'mobilenet-v1-0.5-128-sparse', layer, hw: 'eyeriss-v1.5' })),
  { trace: 'alexnet-sparse', layer: 'conv4', hw: 'eyeriss-v2', size: 5 },
  { trace: 'squeezenet-1.1', layer: 'fire9/squeeze1x1', hw: 'eyeriss-v2', size: 6 },
  { trace: 'squeezenet-1.1', layer: 'fire9/expand3x3', hw: 'eyeriss-v2', size: 6 },
];

describe('the mapper estimate', () => {
  for (const c of cases) {
    it(`is within ${100 * BOUND}% of the simulated cycles: ${c.trace} ${c.layer}${c.size ? ` at ${c.size}x${c.size}` : ''} on ${c.hw}`, () => {
      const hw = loadHwConfig(c.hw).config;
      const trace = loadTrace(c.trace);
      const spec = selectLayers(trace, [c.layer], undefined).onChip[0]!;
      const layer: LayerSpec = c.size ? { ...spec, H: c.size, W: c.size } : spec;
      const { iacts, weights } = c.size ? synthesizeLayerTensors(layer, 1) : layerTensors(trace, layer, 1);
      for (const peMode of peModes(hw)) {
        const r = simulateLayer(hw, layer, iacts, weights, { engine: 'event', check: false, peMode });
        const error = r.estimatedCycles! / r.cycles - 1;
        expect(Math.abs(error), `${peMode}: estimate ${r.estimatedCycles}, simulated ${r.cycles} (${r.mappingText})`).toBeLessThanOrEqual(BOUND);
      }
    });
  }
});
