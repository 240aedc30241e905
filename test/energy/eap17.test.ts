import { describe, expect, it } from 'vitest';
import { computeEnergy, type Activity } from '../../sim/energy/energy-model.js';
import { loadEnergyTable } from '../../sim/energy/energy-table.js';
import { AccessCounts } from '../../sim/stats/access-counts.js';

/** The CVPR 2017 energy-aware-pruning model: per 16-bit value, MAC 1, SPad 1, NoC 2, GLB 6, DRAM 200, no clock. */
describe('eap17-eyeriss-v1: the talk\'s normalised energy model', () => {
  const table = loadEnergyTable('eap17-eyeriss-v1');
  const busy: Activity = { cycles: 1000, numPes: 168, peActiveCycles: 168_000, clusterActiveCycles: 1000, numClusters: 1, activePes: 168, activeClusters: 1 };

  it('prices one 16-bit value at each level as ISCA16 does (hand-checked)', () => {
    const c = new AccessCounts();
    c.add('mac', 'psum', 'compute', 10); // 10 MACs: 10
    c.add('weightDataSpad', 'weight', 'read', 10); // 10 SPad reads: 10
    c.add('nocDelivery', 'iact', 'transfer', 3); // 3 one-value flits into PEs: 3 x 2 = 6
    c.add('nocSource', 'iact', 'transfer', 3); // the source is free: the NoC's 2 is counted once
    c.add('glb', 'iact', 'read', 2); // 2 ifmap port accesses of one value: 12
    c.add('glb', 'psum', 'write', 1); // one 64-b psum port access, four values: 24
    c.add('dram', 'weight', 'read', 32); // two 16-b values: 400
    const b = computeEnergy(c.toReport(), busy, table, 200);
    // "pJ" here are MAC-equivalents: 10 + 10 + 6 + 12 + 24 + 400 = 462.
    expect(b.totalJoules * 1e12).toBeCloseTo(462, 4) // terms are rounded to 2^-56 J (energy-model.ts);
    expect(b.dramJoules * 1e12).toBeCloseTo(400, 4);
  });

  it('has no clock, control or leakage term: a busy array costs nothing by itself', () => {
    const b = computeEnergy(new AccessCounts().toReport(), busy, table, 200);
    expect(b.totalJoules).toBe(0);
  });
});
