import type { HwConfig } from '../config/hw-config.js';
import type { MappingObjective, ObjectiveName } from '../mapping/objective.js';
import type { EnergyTable } from './energy-table.js';

/** The mapper's objective with the prices it needs taken from an energy table (sim/mapping/objective.ts). */
export function mappingObjective(name: ObjectiveName, table: EnergyTable, hw: HwConfig): MappingObjective {
  if (name === 'latency') return { name, prices: null };
  const clusters = hw.array.clusterRows * hw.array.clusterCols;
  const leakPj = 'mW' in table.leakage ? (table.leakage.mW * 1e3) / hw.clockMHz : table.leakage.pJPerCycle;
  const psum = table.pj.glb.psum;
  return {
    name,
    prices: {
      perCycle: table.clock.chip + clusters * table.clock.activeCluster + leakPj,
      perPeCycle: table.clock.activePe - table.clock.idlePe + table.control.activePe,
      dramPerBit: ((table.pj.dram.iact.read ?? 0) + (table.pj.dram.iact.write ?? 0)) / 2,
      glbPsumPerAccess: ((psum.read ?? 0) + (psum.write ?? 0)) / 2,
    },
  };
}
