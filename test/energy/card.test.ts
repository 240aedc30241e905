import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hwConfigDir, loadHwConfig, parseHwConfig } from '../../sim/config/hw-config.js';
import { buildCard, cardTable, NOT_MODELLED, onChipMemoryBytes, type CardRun } from '../../sim/report/card.js';

const text = readFileSync(`${hwConfigDir()}/eyeriss-v2.yaml`, 'utf8');
const v2 = loadHwConfig('eyeriss-v2').config;

const run: CardRun = {
  trace: { name: 'alexnet' },
  batch: 4,
  layers: [{ type: 'CONV' }, { type: 'CONV' }, { type: 'FC' }],
  offChipLayers: [{ type: 'POOL_MAX' }],
  totals: { latencySeconds: 0.1153, chipPowerWatts: 0.278, dramBytesPerInference: 3.85e6 },
};

describe('the metrics card', () => {
  it('fills the chip from the config: memory = GLB + all SPads, multipliers = PEs x SIMD width', () => {
    const c = buildCard(v2, run);
    // GLB: 16 clusters x (3 x 1536 B + 4 x 1920 B) = 192 kB; SPads: 192 PEs x (9x4 + 16x12 + 16x7 + 96x24 + 32x20) b / 8.
    expect(onChipMemoryBytes(v2)).toEqual({ glb: 192 * 1024, spads: (192 * (36 + 192 + 112 + 2304 + 640)) / 8 });
    expect(c.glbKB).toBe(192);
    expect(c.onChipMemoryKB).toBeCloseTo(192 + 78816 / 1024, 9);
    expect(c.multipliers).toBe(384);
    expect(c.onChipMemoryPerMultiplierKB).toBeCloseTo(c.onChipMemoryKB / 384, 12);
    expect(c.technologyNm).toBe(65);
    expect(c.clockMHz).toBe(200);
    expect([c.bitsPerWeight, c.bitsPerIact]).toEqual([8, 8]);
    expect(c.source).toBe('simulated');
  });

  it('fills the run: network, layers on and off chip, batch, runtime, power, off-chip traffic', () => {
    const c = buildCard(v2, run);
    expect(c.network).toBe('alexnet');
    expect(c.supportedLayers).toEqual(['CONV', 'FC']);
    expect(c.offChipLayerTypes).toEqual(['POOL_MAX']);
    expect([c.batch, c.inputsSimulated]).toEqual([4, 4]);
    expect(c.runtimeMs).toBeCloseTo(115.3, 9);
    expect(c.powerMw).toBeCloseTo(278, 9);
    expect(c.offChipMBPerInference).toBeCloseTo(3.85, 12);
  });

  it('says "not modelled" for the core area without coreAreaMm2, and for the accuracy', () => {
    const c = buildCard(v2, run);
    expect(c.coreAreaMm2).toBe(NOT_MODELLED);
    expect(c.coreAreaPerMultiplierMm2).toBe(NOT_MODELLED);
    expect(c.accuracy).toBe(NOT_MODELLED);
    expect(cardTable(c)).toMatch(/Total core area\s+mm2\s+not modelled/);
  });

  it('takes the core area from a config that sets coreAreaMm2', () => {
    const hw = parseHwConfig('x.yaml', `${text}\ncoreAreaMm2: 12.25\n`);
    const c = buildCard(hw, run);
    expect(c.coreAreaMm2).toBe(12.25);
    expect(c.coreAreaPerMultiplierMm2).toBe(12.25 / 384);
    expect(cardTable(c)).toMatch(/Total core area\s+mm2\s+12\.25/);
    expect(() => parseHwConfig('x.yaml', `${text}\ncoreAreaMm2: -1\n`)).toThrow(/^x\.yaml: field coreAreaMm2: got -1, expected > 0$/);
  });
});
