import { describe, expect, test } from 'vitest';
import { InputError } from '../../sim/errors.js';
import { computeEnergy, pjPerMac, powerWatts, sumBreakdowns, type Activity, type EnergyBreakdown } from '../../sim/energy/energy-model.js';
import { COSTED, loadEnergyTable, type EnergyTable } from '../../sim/energy/energy-table.js';
import { withPerCycleTerms } from '../support/energy.js';
import { AccessCounts, LEVELS, type AccessReport } from '../../sim/stats/access-counts.js';

const CLOCK_MHZ = 200;
const table = withPerCycleTerms(loadEnergyTable('eyeriss-65nm'));

/** A report with a different, awkward (non-round) count in every costed slot. */
function fullReport(seed = 1): AccessReport {
  const counts = new AccessCounts();
  let i = seed;
  for (const level of LEVELS) {
    for (const dt of COSTED[level].dataTypes) {
      for (const action of COSTED[level].actions) counts.add(level, dt, action, 1000 + ((i++ * 7919) % 104729) * 13);
    }
  }
  return counts.toReport();
}

const activity: Activity = {
  cycles: 1_234_567, numPes: 192, peActiveCycles: 150_000_001, clusterActiveCycles: 15_000_003, numClusters: 16, activePes: 150, activeClusters: 13,
};

function sum(values: Iterable<number>): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}

/**
 * Terms are rounded to multiples of 2^-56 J (1.4e-5 pJ) so that the breakdown sums are exact (energy-model.ts):
 * a term is within half a quantum of count x price, and comparisons of two computed terms within one.
 */
function expectNear(actual: number | undefined, expected: number, what = ''): void {
  expect(Math.abs(actual! - expected), what).toBeLessThanOrEqual(2 ** -56 + Math.abs(expected) * 1e-15);
}

function clone(t: EnergyTable): EnergyTable {
  return structuredClone(t);
}

describe('energy equals the sum of its breakdown, exactly', () => {
  test.each([1, 2, 3])('by level, by data type and by term (report %i)', (seed) => {
    const b = computeEnergy(fullReport(seed), activity, table, CLOCK_MHZ);
    expect(b.totalJoules).toBeGreaterThan(0);
    expect(sum(Object.values(b.byLevel))).toBe(b.totalJoules);
    expect(sum(Object.values(b.byDataType))).toBe(b.totalJoules);
    expect(sum(Object.values(b.byTerm))).toBe(b.totalJoules);
    expect(sum(Object.values(b.byTerm).reverse())).toBe(b.totalJoules); // any order
  });

  test('per-cycle terms are data type "none" and levels clock/control/leakage', () => {
    const b = computeEnergy(fullReport(), activity, table, CLOCK_MHZ);
    expect(b.byDataType.none).toBe(b.byLevel.clock + b.byLevel.control + b.byLevel.leakage);
    expect(b.byLevel.noc).toBe(
      sum(Object.entries(b.byTerm).filter(([k]) => k.startsWith('noc')).map(([, j]) => j)),
    );
  });

  test('sumBreakdowns adds term by term and stays exact', () => {
    const parts = [1, 2, 3].map((s) => computeEnergy(fullReport(s), activity, table, CLOCK_MHZ));
    const total = sumBreakdowns(parts);
    expectNear(total.totalJoules, sum(parts.map((p) => p.totalJoules)));
    expect(sum(Object.values(total.byLevel))).toBe(total.totalJoules);
    expect(sum(Object.values(total.byDataType))).toBe(total.totalJoules);
    expectNear(total.byTerm['mac.psum.compute'], sum(parts.map((p) => p.byTerm['mac.psum.compute']!)));
  });
});

describe('each term is count x price', () => {
  test('doubling exactly one table entry changes exactly the matching term', () => {
    const report = fullReport();
    const base = computeEnergy(report, activity, table, CLOCK_MHZ);
    const entries: [string, (t: EnergyTable) => void][] = [
      ['glb.psum.read', (t) => (t.pj.glb.psum.read! *= 2)],
      ['weightDataSpad.weight.write', (t) => (t.pj.weightDataSpad.weight.write! *= 2)],
      ['nocHop.iact.transfer', (t) => (t.pj.nocHop.iact.transfer! *= 2)],
      ['mac.weight.gate', (t) => (t.pj.mac.weight.gate! *= 2)],
      ['clock.idlePe', (t) => (t.clock.idlePe *= 2)],
      ['control.activePe', (t) => (t.control.activePe *= 2)],
      ['leakage', (t) => ('mW' in t.leakage ? (t.leakage.mW *= 2) : (t.leakage.pJPerCycle *= 2))],
    ];
    for (const [key, edit] of entries) {
      const t = clone(table);
      edit(t);
      const b = computeEnergy(report, activity, t, CLOCK_MHZ);
      for (const k of Object.keys(base.byTerm)) {
        if (k === key) expectNear(b.byTerm[k], 2 * base.byTerm[k]!, k);
        else expect(b.byTerm[k], `${k} after doubling ${key}`).toBe(base.byTerm[k]);
      }
      expectNear(b.totalJoules - base.totalJoules, base.byTerm[key]!, key);
    }
  });

  test('a term is count x pJ x 1e-12', () => {
    const counts = new AccessCounts();
    counts.add('dram', 'weight', 'read', 8_000_000);
    const idle: Activity = { cycles: 0, numPes: 192, peActiveCycles: 0, clusterActiveCycles: 0, numClusters: 16, activePes: 0, activeClusters: 0 };
    const b = computeEnergy(counts.toReport(), idle, table, CLOCK_MHZ);
    expectNear(b.byTerm['dram.weight.read'], 8e6 * table.pj.dram.weight.read! * 1e-12);
    expect(Object.keys(b.byTerm)).toEqual(['dram.weight.read']); // zero terms are left out
    expect(b.byDataType.weight).toBe(b.totalJoules);
    expect(b.byLevel.dram).toBe(b.totalJoules);
  });

  test('per-cycle terms: clocked/gated PEs and clusters, chip, control, leakage (mW at the clock)', () => {
    const empty = new AccessCounts().toReport();
    const b = computeEnergy(empty, activity, table, CLOCK_MHZ);
    const { cycles, peActiveCycles } = activity;
    const c = table.clock;
    const close = (key: string, pj: number) => expectNear(b.byTerm[key], pj * 1e-12, key);
    // 150 of 192 PEs and 13 of 16 clusters mapped: those clocked the whole layer, the rest gated.
    close('clock.activePe', 150 * cycles * c.activePe);
    close('clock.idlePe', 42 * cycles * c.idlePe);
    close('clock.activeCluster', 13 * cycles * c.activeCluster);
    close('clock.idleCluster', 3 * cycles * c.idleCluster);
    close('clock.chip', cycles * c.chip);
    close('control.activePe', peActiveCycles * table.control.activePe);
    // 5 mW at 200 MHz = 25 pJ per cycle.
    expect(table.leakage).toEqual({ mW: 5 });
    close('leakage', cycles * 25);
    // Leakage energy per cycle halves when the clock doubles (same power, shorter cycle).
    expect(computeEnergy(empty, activity, table, 400).byTerm['leakage']! / b.byTerm['leakage']!).toBeCloseTo(0.5, 12);
  });

  test('a gated MAC costs less than an active one', () => {
    const active = new AccessCounts();
    active.add('mac', 'psum', 'compute', 1e6);
    const gated = new AccessCounts();
    gated.add('mac', 'psum', 'gate', 1e6);
    const idle: Activity = { cycles: 0, numPes: 192, peActiveCycles: 0, clusterActiveCycles: 0, numClusters: 16, activePes: 0, activeClusters: 0 };
    const eActive = computeEnergy(active.toReport(), idle, table, CLOCK_MHZ).totalJoules;
    const eGated = computeEnergy(gated.toReport(), idle, table, CLOCK_MHZ).totalJoules;
    expect(eGated).toBeGreaterThan(0);
    expect(eGated).toBeLessThan(eActive / 10);
  });
});

describe('chip and DRAM apart', () => {
  test('chip + DRAM = total exactly; DRAM is the dram level alone', () => {
    const b = computeEnergy(fullReport(), activity, table, CLOCK_MHZ);
    expect(b.dramJoules).toBe(b.byLevel.dram);
    expect(b.chipJoules + b.dramJoules).toBe(b.totalJoules);
    expect(b.chipJoules).toBe(sum(Object.entries(b.byLevel).filter(([g]) => g !== 'dram').map(([, j]) => j)));
    const seconds = activity.cycles / (CLOCK_MHZ * 1e6);
    expect(powerWatts(b, seconds, 'chip') + powerWatts(b, seconds, 'dram')).toBeCloseTo(powerWatts(b, seconds), 12);
  });

  test('a layer that keeps few PEs busy pays the clock of those PEs only (hand-checked)', () => {
    // 1000 cycles on 192 PEs in 16 clusters, table per-cycle terms: activePe 4.4, idlePe 0.44, activeCluster 5,
    // idleCluster 0.5, chip 42, control 2.1 pJ, leakage 5 mW = 25 pJ/cycle at 200 MHz.
    const empty = new AccessCounts().toReport();
    const few: Activity = { cycles: 1000, numPes: 192, peActiveCycles: 12 * 900, clusterActiveCycles: 900, numClusters: 16, activePes: 12, activeClusters: 1 };
    const all: Activity = { cycles: 1000, numPes: 192, peActiveCycles: 192 * 900, clusterActiveCycles: 16 * 900, numClusters: 16, activePes: 192, activeClusters: 16 };
    const pj = (a: Activity): number => computeEnergy(empty, a, table, CLOCK_MHZ).chipJoules * 1e12;
    // few: 12 x 1000 x 4.4 + 180 x 1000 x 0.44 + 1 x 1000 x 5 + 15 x 1000 x 0.5 + 1000 x 42 + 10800 x 2.1 + 1000 x 25
    expect(pj(few)).toBeCloseTo(52800 + 79200 + 5000 + 7500 + 42000 + 22680 + 25000, 3);
    // all: 192 x 1000 x 4.4 + 16 x 1000 x 5 + 1000 x 42 + 172800 x 2.1 + 1000 x 25
    expect(pj(all)).toBeCloseTo(844800 + 80000 + 42000 + 362880 + 25000, 3);
  });
});

describe('re-costing and derived metrics', () => {
  test('a saved (JSON) report re-costs to the same energy', () => {
    const report = fullReport();
    const saved = JSON.parse(JSON.stringify(report)) as AccessReport;
    expect(computeEnergy(saved, activity, table, CLOCK_MHZ)).toEqual(computeEnergy(report, activity, table, CLOCK_MHZ));
  });

  test('powerWatts and pjPerMac', () => {
    const b: EnergyBreakdown = computeEnergy(fullReport(), activity, table, CLOCK_MHZ);
    const seconds = activity.cycles / (CLOCK_MHZ * 1e6);
    expect(powerWatts(b, seconds)).toBeCloseTo(b.totalJoules / seconds, 12);
    expect(pjPerMac(b, 1e9)).toBeCloseTo(b.totalJoules * 1e3, 9);
    expect(() => powerWatts(b, 0)).toThrow(InputError);
    expect(() => pjPerMac(b, 0)).toThrow(InputError);
  });

  test('a count the table cannot price, and impossible activity, are refused', () => {
    const counts = new AccessCounts();
    counts.add('psumSpad', 'iact', 'read', 5);
    expect(() => computeEnergy(counts.toReport(), activity, table, CLOCK_MHZ)).toThrow(
      /access count psumSpad\.iact\.read = 5 has no price in energy table "eyeriss-65nm"/,
    );
    const future = { ...counts.toReport(), weightGlb: { weight: { read: 3 } } } as unknown as AccessReport;
    expect(() => computeEnergy(future, activity, table, CLOCK_MHZ)).toThrow(/unknown access counter weightGlb\.weight\.read = 3/);
    const empty = new AccessCounts().toReport();
    expect(() => computeEnergy(empty, { ...activity, peActiveCycles: 192 * activity.cycles + 1 }, table, CLOCK_MHZ)).toThrow(
      /activity\.peActiveCycles/,
    );
    expect(() => computeEnergy(empty, { ...activity, cycles: -1 }, table, CLOCK_MHZ)).toThrow(InputError);
    expect(() => computeEnergy(empty, activity, table, 0)).toThrow(/clockMHz/);
  });
});
