import { describe, expect, it } from 'vitest';
import { loadEnergyTable } from '../../sim/energy/energy-table.js';
import { mappingObjective } from '../../sim/energy/objective-prices.js';
import { parseMappingText } from '../../sim/mapping/mapping.js';
import { rankMappings } from '../../sim/mapping/mapper.js';
import { estimateEnergyPj, objectiveScore, parseObjective } from '../../sim/mapping/objective.js';
import { toProblem } from '../../sim/mapping/problem.js';
import { layer, v2 } from '../support/layers.js';

// 4 channels of 5x5, 8 filters of 3x3, no padding: 3x3 outputs. v2: 8-bit iacts, weights and outputs, 20-bit psums
// on a 40-bit port.
const tiny = toProblem(layer({ type: 'CONV', C: 4, M: 8, H: 5, W: 5, R: 3, S: 3 }));
const prices = { perCycle: 10, perPeCycle: 1, dramPerBit: 2, glbPsumPerAccess: 3 };

describe('the mapper objective: estimated energy of a candidate', () => {
  it('counts per-cycle, per-PE, DRAM and GLB-psum energy (hand-checked)', () => {
    // 9 PEs (R3 x E3), one pass: weights 8x4x3x3 x 8 b = 2304 b, iacts 4x5x5 x 8 b = 800 b, outputs 8x3x3 x 8 b = 576 b.
    // 100 cycles x (10 + 9 x 1) + 3680 b x 2 = 1900 + 7360 = 9260 pJ.
    const one = parseMappingText('peRow=R3 peCol=E3 M0=8 C0=4 rows=N1.E3 mode=uncompressed', 'test');
    expect(estimateEnergyPj(tiny, one, v2, 100, prices)).toBe(9260);
    // Channels in two passes (C0 = 2): the first pass's 72 psums go to the GLB and back, one 40-b access each way:
    // 2 x 72 x 3 = 432 pJ more.
    const two = parseMappingText('peRow=R3 peCol=E3 M0=8 C0=2 rows=N1.E3 mode=uncompressed', 'test');
    expect(estimateEnergyPj(tiny, two, v2, 100, prices)).toBe(9260 + 432);
  });

  it('latency ranks by cycles, energy by the estimate, edp by their product', () => {
    const m = parseMappingText('peRow=R3 peCol=E3 M0=8 C0=4 rows=N1.E3 mode=uncompressed', 'test');
    expect(objectiveScore(undefined, tiny, m, v2, 100)).toBe(100);
    expect(objectiveScore({ name: 'latency', prices: null }, tiny, m, v2, 100)).toBe(100);
    expect(objectiveScore({ name: 'energy', prices }, tiny, m, v2, 100)).toBe(9260);
    expect(objectiveScore({ name: 'edp', prices }, tiny, m, v2, 100)).toBe(926000);
    expect(() => parseObjective('power')).toThrow(/--objective: got "power", expected latency, energy, edp/);
  });

  it('the energy objective picks a candidate no worse in estimated energy than the latency pick', () => {
    const conv3 = toProblem(layer({ type: 'CONV', C: 256, M: 384, H: 13, W: 13, R: 3, S: 3, padTop: 1, padBottom: 1, padLeft: 1, padRight: 1, iactDensity: 0.3, weightDensity: 0.35 }));
    const dens = { iact: 0.3, weight: 0.35 };
    const objective = mappingObjective('energy', loadEnergyTable('eyeriss-65nm'), v2);
    const byLatency = rankMappings(conv3, v2, dens);
    const byEnergy = rankMappings(conv3, v2, dens, undefined, undefined, objective);
    for (const r of byLatency) expect(r.score).toBe(r.estimatedCycles);
    const energyOf = (r: (typeof byLatency)[0]): number => estimateEnergyPj(conv3, r.mapping, v2, r.estimatedCycles, objective.prices!);
    expect(byEnergy[0]!.score).toBe(energyOf(byEnergy[0]!));
    expect(byEnergy[0]!.score).toBeLessThanOrEqual(energyOf(byLatency[0]!));
    expect(byLatency[0]!.estimatedCycles).toBeLessThanOrEqual(byEnergy[0]!.estimatedCycles);
  });
});
