/**
 * Energy = counts x energy per action, plus per-cycle terms (Accelergy style). It runs once on a finished run's
 * counters (or a saved report), never inside the simulator's loop, so any run can be re-costed with another table.
 */
import { InputError } from '../errors.js';
import { ACTIONS, DATA_TYPES, LEVELS, type AccessReport, type DataType, type Level } from '../stats/access-counts.js';
import type { EnergyTable } from './energy-table.js';

/**
 * What the per-cycle terms need from a run. Clock gating follows the chips: a PE or PE cluster that the layer's
 * mapping leaves without work is clock-gated for the whole layer (JSSC17 §III: PEs and buses not covered by a PE
 * set are gated; JETCAS19 configures each cluster per layer), while a mapped PE's clock runs for the whole layer,
 * stalled or not. PE control (pipeline, address generation) switches only while the PE works.
 */
export interface Activity {
  cycles: number;
  numPes: number;
  peActiveCycles: number; // sum over PEs of the cycles the PE was doing work (PE control)
  clusterActiveCycles: number; // sum over clusters of the cycles any of its PEs was doing work (informative)
  numClusters: number;
  activePes: number; // PEs the mapping gave work: clocked for the whole layer, the others gated
  activeClusters: number; // PE clusters with at least one such PE: clocked, the others gated
}

/**
 * Energy categories: those of the Eyeriss v2 power breakdown (JETCAS19 Fig. 22: clock network, HM-NoC, GLB, SPad,
 * MAC, PE control), leakage (static power; 0 where a table folds it into the clock root), and DRAM, the one
 * off-chip category. Everything but DRAM is the chip's.
 */
export const LEVEL_GROUPS = ['dram', 'glb', 'noc', 'spad', 'mac', 'clock', 'control', 'leakage'] as const;
export type LevelGroup = (typeof LEVEL_GROUPS)[number];
/** The categories as JETCAS19 Fig. 22 names them, for tables. */
export const GROUP_LABELS: Record<LevelGroup, string> = {
  dram: 'DRAM', glb: 'GLB', noc: 'HM-NoC', spad: 'SPad', mac: 'MAC', clock: 'clock network', control: 'PE control', leakage: 'leakage',
};
export const BREAKDOWN_DATA_TYPES = [...DATA_TYPES, 'none'] as const; // 'none': the per-cycle terms
export type BreakdownDataType = (typeof BREAKDOWN_DATA_TYPES)[number];

export interface EnergyBreakdown {
  /** Chip + DRAM. */
  totalJoules: number;
  /** The chip alone (every category but DRAM), what a chip's measured power covers; = totalJoules - dramJoules exactly. */
  chipJoules: number;
  /** Off-chip DRAM accesses alone (= byLevel.dram). */
  dramJoules: number;
  byLevel: Record<LevelGroup, number>;
  byDataType: Record<BreakdownDataType, number>;
  /** Joules per term with non-zero energy: 'level.dataType.action' (e.g. 'glb.psum.read'), 'clock.activePe',
   * 'clock.idlePe', 'clock.activeCluster', 'clock.idleCluster', 'clock.chip', 'control.activePe', 'leakage'. */
  byTerm: Record<string, number>;
}

const GROUP_OF_LEVEL: Record<Level, LevelGroup> = {
  dram: 'dram',
  glb: 'glb',
  nocSource: 'noc',
  nocHop: 'noc',
  nocDelivery: 'noc',
  iactAddrSpad: 'spad',
  iactDataSpad: 'spad',
  weightAddrSpad: 'spad',
  weightDataSpad: 'spad',
  psumSpad: 'spad',
  mac: 'mac',
};

/** Level group and data type of a byTerm key. */
function classify(key: string): [LevelGroup, BreakdownDataType] {
  const [head, dt] = key.split('.');
  if (head === 'clock' || head === 'control' || head === 'leakage') return [head, 'none'];
  const group = GROUP_OF_LEVEL[head as Level];
  if (!group || !(DATA_TYPES as readonly string[]).includes(dt!)) throw new Error(`energy: bad term key "${key}"`);
  return [group, dt as DataType];
}

/**
 * Builds the breakdown from its terms. Floating-point addition is not associative, so summing the same terms by
 * level and by data type would normally differ in the last bits. Each term is therefore rounded to a multiple of
 * a power of two q small enough that every partial sum stays below 2^53 q: then all sums are exact, in any order
 * and grouping, and the total equals each breakdown exactly. q is a fixed 2^-56 J (1.4e-5 pJ, far below any single
 * action's price) while the terms add up to at most 2^-4 J = 62.5 mJ, so re-costing with one price changed leaves
 * every other term bit-identical; above that it grows with the total, keeping the sums exact.
 */
function fromTerms(terms: Map<string, number>): EnergyBreakdown {
  let bound = 0;
  for (const j of terms.values()) bound += Math.abs(j);
  const q = 2 ** Math.max(-56, Math.ceil(Math.log2(bound * (1 + 1e-9) || 1)) - 52);
  const byLevel = Object.fromEntries(LEVEL_GROUPS.map((g) => [g, 0])) as Record<LevelGroup, number>;
  const byDataType = Object.fromEntries(BREAKDOWN_DATA_TYPES.map((d) => [d, 0])) as Record<BreakdownDataType, number>;
  const byTerm: Record<string, number> = {};
  let totalJoules = 0;
  for (const [key, joules] of terms) {
    const j = Math.round(joules / q) * q;
    if (j === 0) continue;
    const [group, dt] = classify(key);
    byTerm[key] = j;
    byLevel[group] += j;
    byDataType[dt] += j;
    totalJoules += j;
  }
  // Exact: every term is a multiple of q and every partial sum stays below 2^53 q.
  return { totalJoules, chipJoules: totalJoules - byLevel.dram, dramJoules: byLevel.dram, byLevel, byDataType, byTerm };
}

const isIn = (list: readonly string[], x: string) => list.includes(x);

function checkCount(what: string, n: number): void {
  if (!Number.isFinite(n) || n < 0) throw new InputError(`energy: ${what}: got ${n}, expected a finite number >= 0`);
}

/**
 * Joules of a run: every counted action times its price in the table, plus clock (clocked and gated PEs and
 * clusters, per cycle of the layer, and the chip's root), PE control (per PE-cycle of work) and leakage (per
 * cycle; mW converted with clockMHz).
 */
export function computeEnergy(
  accesses: AccessReport,
  activity: Activity,
  table: EnergyTable,
  clockMHz: number,
): EnergyBreakdown {
  if (!(clockMHz > 0) || !Number.isFinite(clockMHz)) {
    throw new InputError(`energy: clockMHz: got ${clockMHz}, expected a positive number`);
  }
  const { cycles, numPes, peActiveCycles, clusterActiveCycles, numClusters, activePes, activeClusters } = activity;
  const fields = { cycles, numPes, peActiveCycles, clusterActiveCycles, numClusters, activePes, activeClusters };
  for (const [k, v] of Object.entries(fields)) checkCount(`activity.${k}`, v);
  if (activePes > numPes || activeClusters > numClusters) {
    throw new InputError(`energy: activity: ${activePes} active PEs of ${numPes} and ${activeClusters} active clusters of ${numClusters}, expected at most all`);
  }
  if (peActiveCycles > numPes * cycles) {
    throw new InputError(
      `energy: activity.peActiveCycles: got ${peActiveCycles}, expected <= numPes x cycles = ${numPes * cycles}`,
    );
  }
  if (clusterActiveCycles > numClusters * cycles) {
    throw new InputError(
      `energy: activity.clusterActiveCycles: got ${clusterActiveCycles}, expected <= numClusters x cycles = ${numClusters * cycles}`,
    );
  }

  // A saved report from another version may carry counters this one does not know: refuse, do not drop them.
  for (const [level, byType] of Object.entries(accesses)) {
    for (const [dt, byAction] of Object.entries(byType ?? {})) {
      for (const [action, n] of Object.entries(byAction ?? {})) {
        const known = isIn(LEVELS, level) && isIn(DATA_TYPES, dt) && isIn(ACTIONS, action);
        if (!known && n !== 0) throw new InputError(`energy: unknown access counter ${level}.${dt}.${action} = ${String(n)}`);
      }
    }
  }

  const PJ = 1e-12;
  const terms = new Map<string, number>();
  for (const level of LEVELS) {
    for (const dt of DATA_TYPES) {
      for (const action of ACTIONS) {
        const n = accesses[level]?.[dt]?.[action] ?? 0;
        if (n === 0) continue;
        const key = `${level}.${dt}.${action}`;
        checkCount(`access count ${key}`, n);
        const price = table.pj[level][dt][action];
        if (price === undefined) {
          const where = `energy table "${table.name}" (${table.file})`;
          throw new InputError(`energy: access count ${key} = ${n} has no price in ${where}`);
        }
        terms.set(key, n * price * PJ);
      }
    }
  }

  const c = table.clock;
  const leakPjPerCycle = 'mW' in table.leakage ? (table.leakage.mW * 1e3) / clockMHz : table.leakage.pJPerCycle;
  terms.set('clock.activePe', activePes * cycles * c.activePe * PJ);
  terms.set('clock.idlePe', (numPes - activePes) * cycles * c.idlePe * PJ);
  terms.set('clock.activeCluster', activeClusters * cycles * c.activeCluster * PJ);
  terms.set('clock.idleCluster', (numClusters - activeClusters) * cycles * c.idleCluster * PJ);
  terms.set('clock.chip', cycles * c.chip * PJ);
  terms.set('control.activePe', peActiveCycles * table.control.activePe * PJ);
  terms.set('leakage', cycles * leakPjPerCycle * PJ);
  return fromTerms(terms);
}

/** Network (or any) total of several breakdowns, term by term, still exactly equal to its own breakdowns. */
export function sumBreakdowns(list: readonly EnergyBreakdown[]): EnergyBreakdown {
  const terms = new Map<string, number>();
  for (const b of list) for (const [k, j] of Object.entries(b.byTerm)) terms.set(k, (terms.get(k) ?? 0) + j);
  return fromTerms(terms);
}

/** Average power over a run of `seconds` (cycles / clock): chip + DRAM, or one of them. */
export function powerWatts(b: EnergyBreakdown, seconds: number, part: 'total' | 'chip' | 'dram' = 'total'): number {
  if (!(seconds > 0)) throw new InputError(`energy: seconds: got ${seconds}, expected a positive number`);
  return (part === 'chip' ? b.chipJoules : part === 'dram' ? b.dramJoules : b.totalJoules) / seconds;
}

/** pJ per nominal MAC (zeros included, as JETCAS19 counts operations). */
export function pjPerMac(b: EnergyBreakdown, nominalMacs: number): number {
  if (!(nominalMacs > 0)) throw new InputError(`energy: nominalMacs: got ${nominalMacs}, expected a positive number`);
  return (b.totalJoules * 1e12) / nominalMacs;
}
