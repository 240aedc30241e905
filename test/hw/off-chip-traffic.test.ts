import { describe, expect, it } from 'vitest';
import { loadHwConfig } from '../../sim/config/hw-config.js';
import { simulateLayer } from '../../sim/run/layer-sim.js';
import { synthesizeLayerTensors } from '../../sim/workloads/tensors.js';
import { layer, v2 } from '../support/layers.js';

// Off-chip iact traffic as the chip makes it (sim/run/layer-sim.ts iactDramBits, sharedIactLoads): padding is
// made on chip, and a segment the routers share is read from off-chip once when the GLB holds the layer's
// distinct iacts, then written into every bank that needs it.
describe('off-chip iact traffic', () => {
  // A 3x3 depth-wise layer with SAME padding: its filter rows run on PE rows fed by different iact routers,
  // which used to fetch the rows they share each on their own, padding included.
  const dw = layer({ type: 'DWCONV', G: 16, C: 16, M: 16, H: 12, W: 12, R: 3, S: 3, padTop: 1, padBottom: 1, padLeft: 1, padRight: 1, iactDensity: 0.6, seed: 2 });
  const inputBytes = dw.C * dw.H * dw.W;

  it('a depth-wise layer reads each input byte from DRAM once (raw data)', () => {
    const { iacts, weights } = synthesizeLayerTensors(dw, 1);
    const r = simulateLayer(v2, dw, iacts, weights, { engine: 'event', check: true, peMode: 'uncompressed' });
    expect(r.check).toBe('pass');
    expect(r.counts.get('dram', 'iact', 'read')).toBe(inputBytes * 8);
    // The banks still receive every copy they send from: GLB writes count each bank's copy.
    expect(r.counts.get('glb', 'iact', 'write')).toBeGreaterThan(Math.ceil((inputBytes * 8) / v2.noc.iact.portBits));
  });

  it('in CSC form it moves no padding and no segment twice: fewer bits than the raw input plus its metadata', () => {
    const { iacts, weights } = synthesizeLayerTensors(dw, 1);
    const r = simulateLayer(v2, dw, iacts, weights, { engine: 'event', check: true, peMode: 'compressed' });
    expect(r.check).toBe('pass');
    // At most every input value as a 12-b CSC entry (8-b value, 4-b count) plus a 4-b address per segment.
    const segmentsInside = dw.C * dw.H * dw.W; // C0 = 1, V = 1: one segment per value inside the input
    expect(r.counts.get('dram', 'iact', 'read')).toBeLessThanOrEqual(inputBytes * 12 + segmentsInside * v2.pe.iactAddrBits);
  });
});

describe('off-chip output traffic', () => {
  // Each final output leaves the chip once, whichever GLB holds it: on v2 straight from the psum routers; on
  // eyeriss-v1-192 (a shared GLB without blocking passes) from the GLB as it is written, which used to keep them.
  const conv = layer({ type: 'CONV', C: 8, M: 16, H: 10, W: 10, R: 3, S: 3, iactDensity: 0.7, weightDensity: 0.6, seed: 3 });
  for (const name of ['eyeriss-v2', 'eyeriss-v1-192']) {
    it(`${name} writes every output to DRAM once`, () => {
      const hw = loadHwConfig(name).config;
      const { iacts, weights } = synthesizeLayerTensors(conv, 1);
      const r = simulateLayer(hw, conv, iacts, weights, { engine: 'event', check: true });
      expect(r.check).toBe('pass');
      expect(r.counts.get('dram', 'psum', 'write')).toBe(conv.M * 8 * 8 * hw.precision.outputBits);
    });
  }
});

describe('a shared GLB fetching as needed', () => {
  // eyeriss-v1-192's ifmaps get the GLB pool less the mapping's psums (192 kB here), not one 4 kB bank: a
  // 9 kB input is read from DRAM once (8-bit raw values, no padding).
  it('reads each input byte once when the input fits the pool', () => {
    const hw = loadHwConfig('eyeriss-v1-192').config;
    const conv = layer({ type: 'CONV', C: 64, M: 128, H: 12, W: 12, R: 3, S: 3, iactDensity: 0.7, weightDensity: 0.6, seed: 4 });
    const { iacts, weights } = synthesizeLayerTensors(conv, 1);
    const r = simulateLayer(hw, conv, iacts, weights, { engine: 'event', check: true });
    expect(r.check).toBe('pass');
    expect(r.counts.get('dram', 'iact', 'read')).toBe(64 * 12 * 12 * 8);
  });
});
