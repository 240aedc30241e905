import { describe, expect, it } from 'vitest';
import { loadHwConfig } from '../../sim/config/hw-config.js';
import { peakMacsPerCycle, peCountBound, physicalBound, storageBound } from '../../sim/eyexam/bounds.js';
import { toProblem } from '../../sim/mapping/problem.js';
import { layer } from '../support/layers.js';
import { v2With } from '../support/configs.js';

const v2 = loadHwConfig('eyeriss-v2').config;
const v15 = loadHwConfig('eyeriss-v1.5').config;

// Depth-wise 3x3 over 32x32 outputs, 64 channels: one input and one output channel per group.
const dw = toProblem(layer({ type: 'DWCONV', G: 64, C: 64, M: 64, H: 34, W: 34, R: 3, S: 3 }));

describe('eyexam analytical bounds', () => {
  it('a depth-wise layer fills every lane of the PE count, but a SIMD-2 PE only one of its two lanes', () => {
    // 3: G*E*R = 64*32*3 = 6144 units, a multiple of 384 lanes (v2) and 192 (v1.5): the peak.
    expect(peCountBound(dw, v2)).toBe(384);
    expect(peCountBound(dw, v15)).toBe(192);
    // 4: with M = 1 per group the second SIMD lane of a v2 PE has nothing to do: at most half the peak. The
    //    v1.5 PE has one lane, and G*E*R divides over its 192 PEs (G8 x G2 on the clusters, R3 x G4 in them).
    expect(physicalBound(dw, v2)).toBe(peakMacsPerCycle(v2) / 2);
    expect(physicalBound(dw, v15)).toBe(peakMacsPerCycle(v15));
  });

  it('storage only lowers the bound: the psum SPad caps M0 and with it the SIMD lanes in use', () => {
    const pw = toProblem(layer({ type: 'PWCONV', C: 64, M: 64, H: 16, W: 16 }));
    expect(storageBound(pw, v2)).toBe(physicalBound(pw, v2));
    expect(storageBound(pw, v2With({ psumSpadEntries: 1 }))).toBe(physicalBound(pw, v2) / 2);
  });
});
