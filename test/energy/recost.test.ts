import { describe, expect, it } from 'vitest';
import { recostReport } from '../../sim/cli/energy-command.js';
import { loadHwConfig } from '../../sim/config/hw-config.js';
import { LEVEL_GROUPS } from '../../sim/energy/energy-model.js';
import { type EnergyTable, loadEnergyTable } from '../../sim/energy/energy-table.js';
import { withPerCycleTerms } from '../support/energy.js';
import { buildJsonReport, type JsonReport } from '../../sim/report/json-report.js';
import { runNetwork } from '../../sim/run/network.js';
import { ACTIONS, DATA_TYPES, LEVELS, type Action, type DataType, type Level } from '../../sim/stats/access-counts.js';
import { loadTrace } from '../../sim/workloads/trace.js';

// A real run (AlexNet-sparse CONV5), saved as JSON and read back, as `eyeriss-sim energy` sees it.
const hw = loadHwConfig('eyeriss-v2');
const trace = loadTrace('alexnet-sparse');
const table = withPerCycleTerms(loadEnergyTable('eyeriss-65nm'));
const run = runNetwork({ hw, trace, layers: ['conv5'], seed: 1, engine: 'event', check: false, energyTable: table });
const saved: JsonReport = JSON.parse(JSON.stringify(buildJsonReport(run, hw, trace, 1, 'event')));

/** Term keys of the per-action prices: level.dataType.action. */
function isActionTerm(key: string): boolean {
  const [level, dt, action] = key.split('.');
  return LEVELS.includes(level as Level) && DATA_TYPES.includes(dt as DataType) && ACTIONS.includes(action as Action);
}

describe('re-costing a saved report', () => {
  it('with the run\'s own table gives exactly the run\'s energy, layer by layer and in total', () => {
    const again = recostReport(saved, table);
    expect(again.totals).toEqual(saved.totals);
    expect(again.totals.energyJoules).toBe(saved.totals.energyJoules);
    expect(again.layers.map((l) => l.energyBreakdown)).toEqual(saved.layers.map((l) => l.energyBreakdown));
    expect(again.card).toEqual(saved.card);
    expect(again.energyTable).toEqual(saved.energyTable);
  });

  it('the report carries the activity the run was costed with', () => {
    const a = saved.layers[0]!.activity;
    expect(a).toEqual({ cycles: saved.layers[0]!.cycles, numPes: 192, peActiveCycles: run.layers[0]!.peBusyCycles,
      clusterActiveCycles: run.layers[0]!.activity.clusterActiveCycles, numClusters: 16, activePes: run.layers[0]!.activePes,
      activeClusters: run.layers[0]!.activity.activeClusters, clockMHz: 200 });
    expect(a.peActiveCycles).toBeGreaterThan(0);
  });

  /** Doubles one price, re-costs, and checks that exactly the matching term moved (and by the right amount). */
  function expectOnlyTermDoubled(key: string, edit: (t: EnergyTable) => void): void {
    const t = structuredClone(table);
    edit(t);
    const before = saved.totals.energyBreakdown;
    const after = recostReport(saved, t).totals.energyBreakdown;
    const old = before.byTerm[key]!;
    expect(old, key).toBeGreaterThan(0);
    // Terms are rounded to multiples of 2^-56 J so that breakdown sums are exact (energy-model.ts): 2x within one quantum.
    expect(Math.abs(after.byTerm[key]! - 2 * old), key).toBeLessThanOrEqual(2 ** -56);
    for (const other of Object.keys(before.byTerm)) if (other !== key) expect(after.byTerm[other], `${key}: ${other}`).toBe(before.byTerm[other]);
    expect(Object.keys(after.byTerm).sort()).toEqual(Object.keys(before.byTerm).sort());
    expect(after.totalJoules - before.totalJoules).toBe(after.byTerm[key]! - old);
    const group = key.startsWith('clock') ? 'clock' : key.startsWith('control') ? 'control' : key === 'leakage' ? 'leakage' : null;
    const changedLevels = LEVEL_GROUPS.filter((g) => after.byLevel[g] !== before.byLevel[g]);
    expect(changedLevels, key).toHaveLength(1);
    if (group) expect(changedLevels).toEqual([group]);
  }

  it('doubling one per-action price changes exactly its term, for every priced term of the run', () => {
    const keys = Object.keys(saved.totals.energyBreakdown.byTerm).filter(isActionTerm);
    expect(keys.length).toBeGreaterThan(10);
    for (const key of keys) {
      const [level, dt, action] = key.split('.') as [Level, DataType, Action];
      expectOnlyTermDoubled(key, (t) => {
        t.pj[level][dt][action]! *= 2;
      });
    }
  });

  it('doubling a per-cycle term changes exactly its term', () => {
    expectOnlyTermDoubled('clock.chip', (t) => {
      t.clock.chip *= 2;
    });
    expectOnlyTermDoubled('control.activePe', (t) => {
      t.control.activePe *= 2;
    });
    expectOnlyTermDoubled('leakage', (t) => {
      if (!('mW' in t.leakage)) throw new Error('eyeriss-65nm gives leakage in mW');
      t.leakage.mW *= 2;
    });
  });

  it('updates the derived totals and the card\'s power with the new energy', () => {
    const t = structuredClone(table);
    t.pj.dram.weight.read! *= 2;
    const r = recostReport(saved, t);
    const e = r.totals.energyJoules;
    expect(e).toBeGreaterThan(saved.totals.energyJoules);
    expect(r.totals.energyJoulesPerInference).toBe(e / r.batch);
    expect(r.totals.powerWatts).toBe(e / r.totals.latencySeconds);
    expect(r.totals.pJPerNominalMac).toBeCloseTo((e * 1e12) / r.totals.nominalMacs, 9);
    expect(r.totals.gopsPerWatt).toBeCloseTo((2 * r.totals.nominalMacs) / e / 1e9, 9);
    expect(r.card.powerMw).toBe(r.totals.chipPowerWatts * 1e3); // the card's power is the chip's
    expect(r.layers[0]!.energyJoules).toBe(r.layers[0]!.energyBreakdown.totalJoules);
    // Everything else is the run's.
    expect(r.totals.cycles).toBe(saved.totals.cycles);
    expect(r.layers[0]!.accesses).toEqual(saved.layers[0]!.accesses);
  });

  it('totals carry energy by level and by data type that add up to the total exactly', () => {
    const b = saved.totals.energyBreakdown;
    expect(Object.keys(b.byLevel)).toEqual(['dram', 'glb', 'noc', 'spad', 'mac', 'clock', 'control', 'leakage']);
    expect(Object.keys(b.byDataType)).toEqual(['iact', 'weight', 'psum', 'none']);
    expect(Object.values(b.byLevel).reduce((a, x) => a + x, 0)).toBe(b.totalJoules);
    expect(Object.values(b.byDataType).reduce((a, x) => a + x, 0)).toBe(b.totalJoules);
  });
});
