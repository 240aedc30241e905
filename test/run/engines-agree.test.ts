import { describe, expect, it } from 'vitest';
import { simulateLayer } from '../../sim/run/layer-sim.js';
import { synthesizeLayerTensors } from '../../sim/workloads/tensors.js';
import { randomLayers, v2 } from '../support/layers.js';

// The tick engine visits every component every cycle, and steps the PE pipeline one cycle at a time; the
// event engine jumps between deliveries and computes the pipeline's times in closed form. Same layer, same
// data: the cycles and every access count must be identical, and both must equal the reference bit for bit.
describe('tick and event engines', () => {
  for (const layer of randomLayers('engines', 20)) {
    it(`agree on ${layer.name} ${layer.N}x${layer.C}x${layer.H}x${layer.W} -> ${layer.M}, ${layer.R}x${layer.S}/${layer.strideH}, G=${layer.G}`, () => {
      const { iacts, weights } = synthesizeLayerTensors(layer, 3);
      const event = simulateLayer(v2, layer, iacts, weights, { engine: 'event', check: true });
      const tick = simulateLayer(v2, layer, iacts, weights, { engine: 'tick', check: true });
      expect(event.check, event.checkDetail).toBe('pass');
      expect(tick.check, tick.checkDetail).toBe('pass');
      expect(tick.cycles).toBe(event.cycles);
      expect(tick.counts.toReport()).toEqual(event.counts.toReport());
      expect(event.effectiveMacs + event.gatedMacs + event.skippedMacs).toBe(event.nominalMacs);
    });
  }

  it('agree in the uncompressed (dense) PE mode', () => {
    const [layer] = randomLayers('dense-mode', 1);
    const { iacts, weights } = synthesizeLayerTensors(layer!, 5);
    const pinned = simulateLayer(v2, layer!, iacts, weights, { engine: 'event', check: true });
    const mapping = { ...pinned.mapping, peMode: 'uncompressed' as const };
    const event = simulateLayer(v2, layer!, iacts, weights, { engine: 'event', check: true, mapping });
    const tick = simulateLayer(v2, layer!, iacts, weights, { engine: 'tick', check: true, mapping });
    expect(event.check).toBe('pass');
    expect(tick.cycles).toBe(event.cycles);
    expect(tick.counts.toReport()).toEqual(event.counts.toReport());
    // Dense mode gates zeros instead of skipping them.
    expect(event.skippedMacs).toBe(0);
  });
});
