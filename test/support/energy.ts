import type { EnergyTable } from '../../sim/energy/energy-table.js';

/**
 * A table with every per-cycle term non-zero (the shipped, calibrated tables fold some of them into others and
 * set those to 0), so tests of the per-cycle arithmetic have something to measure.
 */
export function withPerCycleTerms(t: EnergyTable): EnergyTable {
  return {
    ...t,
    clock: { activePe: 4.4, idlePe: 0.44, activeCluster: 5, idleCluster: 0.5, chip: 42 },
    control: { activePe: 2.1 },
    leakage: { mW: 5 },
  };
}
