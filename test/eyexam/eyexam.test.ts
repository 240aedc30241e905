import { describe, expect, it } from 'vitest';
import { type HwConfig, loadHwConfig, type LoadedHwConfig } from '../../sim/config/hw-config.js';
import { runEyexam, type EyexamReport } from '../../sim/eyexam/run.js';
import type { PeModeOption } from '../../sim/run/network.js';
import { runNetwork } from '../../sim/run/network.js';
import type { LayerSpec } from '../../sim/workloads/layer.js';
import type { LoadedTrace } from '../../sim/workloads/trace.js';
import { v2With } from '../support/configs.js';
import { layer, randomLayers } from '../support/layers.js';

const loaded = (config: HwConfig): LoadedHwConfig => ({ config, file: config.name, sha256: '' });

function traceOf(layers: LayerSpec[]): LoadedTrace {
  return { name: 'eyexam-test', file: '', sha256: '', description: '', sources: [], batch: 1, inputShape: [1, 1, 1], tensors: new Map(), layers };
}

function exam(hw: LoadedHwConfig, layers: LayerSpec[], peMode: PeModeOption = 'auto'): EyexamReport {
  const trace = traceOf(layers);
  return runEyexam({ hw, trace, seed: 1, engine: 'event', check: true, peMode });
}

const stepValues = (r: EyexamReport, i = 0): Record<number, number> =>
  Object.fromEntries(r.layers[i]!.eyexam.steps.map((s) => [s.step, s.macsPerCycle]));

/** Integer steps never raise the bound (only 5.5 and 6.5 may); losses are the differences of the bounds. */
function expectWellFormed(r: EyexamReport): void {
  for (const l of r.layers) {
    const steps = l.eyexam.steps;
    expect(steps.map((s) => s.step)).toEqual([...steps.map((s) => s.step)].sort((a, b) => a - b));
    for (let i = 1; i < steps.length; i++) {
      const [prev, cur] = [steps[i - 1]!, steps[i]!];
      if (Number.isInteger(cur.step)) expect(cur.macsPerCycle, `${l.name} step ${cur.step}`).toBeLessThanOrEqual(prev.macsPerCycle * (1 + 1e-12));
      expect(cur.lossMacsPerCycle).toBeCloseTo(prev.macsPerCycle - cur.macsPerCycle, 9);
      expect(cur.fractionOfPeak).toBeCloseTo(cur.macsPerCycle / l.eyexam.peakMacsPerCycle, 12);
    }
    expect(steps.at(-1)!.step).toBe(7);
    expect(steps.at(-1)!.macsPerCycle).toBe(l.nominalMacs / l.cycles);
    expect(l.eyexam.simulatedMacsPerCycle).toBe(l.nominalMacs / l.cycles);
  }
  const net = r.eyexam.steps;
  for (let i = 1; i < net.length; i++) {
    if (Number.isInteger(net[i]!.step)) expect(net[i]!.macsPerCycle).toBeLessThanOrEqual(net[i - 1]!.macsPerCycle * (1 + 1e-12));
  }
}

/*
 * One PE of SIMD-2 (a v2 PE, one 1x1 cluster), peak 2 MACs/cycle. The layer: CONV, C=2, M=4, 5x5 input, 3x3
 * filter, stride 1, no padding, so E=F=3 and MACs = M*C*E*F*R*S = 4*2*3*3*3*3 = 648; dense, run uncompressed.
 */
const onePe = (edits: Record<string, string | number | null> = {}): LoadedHwConfig => loaded(v2With({
  clusterRows: 1, clusterCols: 1, peRowsPerCluster: 1, peColsPerCluster: 1, routersPerCluster: 1, iactBanksPerCluster: 1, psumBanksPerCluster: 1, ...edits,
}));
const small = layer({ name: 'small', type: 'CONV', C: 2, M: 4, H: 5, W: 5, R: 3, S: 3 });

describe('eyexam on hand-worked layers', () => {
  it('one PE: each step as derived by hand', () => {
    const r = exam(onePe(), [small], 'uncompressed');
    const b = stepValues(r);
    // 1: all 648 MACs in one cycle.
    expect(b[1]).toBe(648);
    // 2: row stationary runs each S x F = 3 x 3 row convolution in one PE, in sequence: 648 / 9 = 72 units.
    expect(b[2]).toBe(72);
    // 3: 72 units on 2 MAC lanes: 36 full rounds, 72 / 36 = 2 (the peak).
    expect(b[3]).toBe(2);
    // 4: one PE holds everything: S*F*E*R*C = 9*3*3*2 = 162 iact positions, each walking ceil(M/2) = 2 SIMD
    //    words: 324 cycles, 648 / 324 = 2.
    expect(b[4]).toBe(2);
    // 5: M0 = 2 fits the 32-entry psum SPad, C0 = 1 the 16-entry iact SPad (3 columns each): still 2.
    expect(b[5]).toBe(2);
    // 6: the mapper's M0 = 4, C0 = 2 take 9 cycles (S*F) x E*R = 9 rows x 2 words x 2 channels = 324 cycles of
    //    compute; with 24/40-bit ports the traffic needs fewer cycles than that (iact: 3 filter-row passes x 3 rows x 5
    //    one-flit segments = 45; psum GLB: 9 windows x 2 flits written in each of 3 passes, read in 2 = 90; psum
    //    link: 27 rows x 3 windows x 2 flits = 54 ... per pass and row F=3 windows of 4 x 20 b over a 40-b link).
    const bw = r.layers[0]!.eyexam.averageBandwidth;
    expect(bw.compute).toBe(324);
    expect(bw.psumLinks).toBe(3 * 3 * 3 * 2);
    expect(bw.offChip).toBeNull();
    expect(Math.max(bw.iactPorts, bw.weightPorts, bw.psumGlbPorts, bw.psumLinks)).toBeLessThan(324);
    expect(b[6]).toBe(2);
    // 6.5: the same mapping with unlimited bandwidth still pays the PE pipeline (a cycle per window, fill per
    //      pass) that the bounds do not; 7: the simulation as configured.
    expect(b[6.5]).toBeLessThan(2);
    expect(b[7]).toBeLessThanOrEqual(b[6.5]!);
    expectWellFormed(r);
    expect(r.layers[0]!.check).toBe('pass');
  });

  it('one cluster of 3x4 PEs: steps 3 and 4 as derived by hand', () => {
    const r = exam(loaded(v2With({ clusterRows: 1, clusterCols: 1 })), [small], 'uncompressed');
    const b = stepValues(r);
    expect(b[1]).toBe(648);
    expect(b[2]).toBe(72);
    // 3: 72 units on 12 PEs x 2 = 24 lanes: 3 full rounds, 72 / 3 = 24 (the peak).
    expect(b[3]).toBe(24);
    // 4: PE rows carry only C and R (3 rows: R3 beats C2), PE columns N, G, M or E (4 columns). With R3, the best
    //    columns are E3 (9 positions x 1 row x C=2 x ceil(4/2)=2 words = 36 cycles) or M2.E2 (9 x ceil(3/2)=2 x 2 x
    //    ceil(4/(2*2))=1 = 36); M2 alone gives 9 x E=3 x 2 x 1 = 54. So 648 / 36 = 18, 75% of the peak.
    expect(b[4]).toBe(18);
    // 5: M0 = 2, C0 = 1 fit; C's two rounds keep psums in the GLB: one row of F=3 x M0=2 x 20 b fits a bank.
    expect(b[5]).toBe(18);
    expectWellFormed(r);
  });

  it('a one-entry psum SPad makes the layer storage-bound: the loss is at step 5', () => {
    const r = exam(onePe({ psumSpadEntries: 1 }), [small], 'uncompressed');
    const b = stepValues(r);
    // 4 as above (2); 5: M0 <= 1, so one MAC lane of the two: 9*3*3*2 = 162 positions x M=4 words = 648 cycles, 1.
    expect(b[4]).toBe(2);
    expect(b[5]).toBe(1);
    expect(r.layers[0]!.eyexam.costliestStep).toBe(5);
    expectWellFormed(r);
  });

  it('a 1-bit iact port makes the layer bandwidth-bound: the loss is at step 6 or 7', () => {
    const base = onePe();
    const narrowHw = loaded({ ...base.config, noc: { ...base.config.noc, iact: { ...base.config.noc.iact, portBits: 1 } } });
    const wide = exam(base, [small], 'uncompressed');
    const narrow = exam(narrowHw, [small], 'uncompressed');
    const b = stepValues(narrow);
    expect(b[5]).toBe(2);
    // 6: each pass (3 filter rows) sends 3 input rows of 5 one-column segments of C0 = 2 8-bit values: 45
    //    segments of 16 bits, 16 cycles each on a 1-bit port = 720 cycles > 324 of compute: 648 / 720 = 0.9.
    expect(narrow.layers[0]!.eyexam.averageBandwidth.iactPorts).toBe(720);
    expect(narrow.layers[0]!.eyexam.averageBandwidthLimit).toBe('iactPorts');
    expect(b[6]).toBeCloseTo(0.9, 12);
    expect([6, 7]).toContain(narrow.layers[0]!.eyexam.costliestStep);
    expect(narrow.layers[0]!.cycles).toBeGreaterThanOrEqual(720);
    expect(narrow.layers[0]!.cycles).toBeGreaterThan(1.5 * wide.layers[0]!.cycles);
    expectWellFormed(narrow);
  });
});

describe('eyexam on random layers of every type', () => {
  const configs = ['eyeriss-v2', 'eyeriss-v1.5', 'eyeriss-v1'].map((n) => loadHwConfig(n));
  const layers = randomLayers('eyexam', 5);
  for (const hw of configs) {
    it(`${hw.config.name}: integer steps never raise the bound and step 7 is the run's throughput`, () => {
      const r = exam(hw, layers);
      expectWellFormed(r);
      const plain = runNetwork({ hw, trace: traceOf(layers), seed: 1, engine: 'event', check: false });
      r.layers.forEach((l, i) => expect(l.eyexam.simulatedMacsPerCycle).toBe(plain.layers[i]!.nominalMacs / plain.layers[i]!.cycles));
      const total = r.eyexam.steps.at(-1)!.macsPerCycle;
      expect(total).toBe(r.totals.nominalMacs / r.totals.cycles);
      // Zero skipping only where the layer ran compressed (a dense-gating PE never does).
      for (const l of r.layers) {
        const skips = l.mapping.spec.peMode === 'compressed';
        expect(l.eyexam.steps.map((s) => s.step)).toEqual(skips ? [1, 2, 3, 4, 5, 5.5, 6, 6.5, 7] : [1, 2, 3, 4, 5, 6, 6.5, 7]);
      }
      if (hw.config.pe.type === 'sparse-csc') expect(r.layers.some((l) => l.mapping.spec.peMode === 'compressed')).toBe(true);
    });
  }
});
