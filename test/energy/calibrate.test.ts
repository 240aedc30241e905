import { describe, expect, it } from 'vitest';
import { fitSamples, type CalibrationSample } from '../../sim/validation/calibrate.js';

/**
 * The calibration's fit on hand-made layers built from known parameters: scalePj s = 2, MAC factor m = 0.5, clock
 * c = 0.046 pJ per unit of the clock basis, no PE control. 100 PEs, all clocked, so the basis is the cycle count;
 * seconds = 1e-9 makes mW equal pJ. At those parameters:
 *   conv1: MAC 9 x 2 x 0.5 = 9, SPad 40, GLB 4, NoC 1, clock 1000 x 0.046 = 46: 100 pJ; data movement 45 %, MAC 9 %
 *   conv5: MAC 4, SPad 20, GLB 10, NoC 1, clock 65: 100 pJ
 *   conv3: MAC 5, SPad 30, GLB 10, NoC 1, clock 46: 92 pJ
 * so Fig. 16's shares hold exactly (45 % and 9 % in CONV1, below in CONV5) and the fit must return the parameters.
 */
const layer = (name: string, mac: number, spad: number, glb: number, noc: number, cycles: number, measuredMw: number): CalibrationSample => ({
  layer: name, measuredMw, seconds: 1e-9, cycles, numPes: 100, clockedPeCycles: 100 * cycles, busyPeCycles: 50 * cycles,
  mac, spad, glb, noc,
});

const samples = [
  layer('conv1', 9, 20, 2, 0.5, 1000, 100),
  layer('conv3', 5, 15, 5, 0.5, 1000, 92),
  layer('conv5', 4, 10, 5, 0.5, 65 / 0.046, 100),
];

describe('calibrate: the constrained fit', () => {
  const fit = fitSamples(samples);

  it('recovers the parameters the layers were built from', () => {
    expect(fit.scalePj).toBeCloseTo(2, 9);
    expect(fit.macFactor).toBeCloseTo(0.5, 9);
    // c split 0.6 to the PEs (per clocked PE-cycle: 0.6 x 0.046 / 100) and 0.4 to the chip per cycle.
    expect(fit.clockActivePePj).toBeCloseTo(2.76e-4, 12);
    expect(fit.clockIdlePePj).toBeCloseTo(2.76e-5, 12);
    expect(fit.clockChipPj).toBeCloseTo(0.0184, 12);
    expect(fit.controlActivePePj).toBe(0);
    expect(fit.meanAbsErrorPercent).toBeLessThan(1e-9);
    for (const l of fit.layers) expect(l.fittedMw, l.layer).toBeCloseTo(l.measuredMw, 6);
  });

  it('reports the Fig. 16 shares and checks every condition', () => {
    const conv1 = fit.layers.find((l) => l.layer === 'conv1')!.shares;
    expect(conv1.mac).toBeCloseTo(0.09, 9);
    expect(conv1.spad + conv1.glb + conv1.noc).toBeCloseTo(0.45, 9);
    expect(conv1.clock).toBeCloseTo(0.46, 9);
    expect(fit.constraints).toHaveLength(8);
    expect(fit.constraints.every((c) => c.holds)).toBe(true);
  });

  it('needs CONV1 or CONV5, the layers of Fig. 16', () => {
    expect(() => fitSamples(samples.filter((s) => s.layer === 'conv3'))).toThrow(/neither conv1 nor conv5/);
  });
});
