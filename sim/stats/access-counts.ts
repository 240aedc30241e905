/**
 * Action counts per (component level, data type, action), kept apart from their energy cost (Accelergy
 * style): the simulator only counts; sim/energy turns counts into joules afterwards, so a saved run can be
 * re-costed with another table. A flat Float64Array indexed by constants keeps the hot path to one add.
 */

export const LEVELS = [
  'dram', // bits moved to/from off-chip memory
  'glb', // accesses of a GLB bank port (one port-width word each)
  'nocSource', // flits injected by a source port (GLB bank, off-chip port or PE output) into a network
  'nocHop', // flit traversals of an inter-cluster mesh link
  'nocDelivery', // flits delivered into a PE (all-to-all inside a cluster, or PE-to-PE psum link)
  'iactAddrSpad', // entries of the iact address SPad
  'iactDataSpad', // entries of the iact data SPad
  'weightAddrSpad', // entries of the weight address SPad
  'weightDataSpad', // words of the weight data SPad (simdWidth entries each)
  'psumSpad', // entries of the psum SPad
  'mac', // multiply-accumulates
] as const;
export type Level = (typeof LEVELS)[number];

export const DATA_TYPES = ['iact', 'weight', 'psum'] as const;
export type DataType = (typeof DATA_TYPES)[number];

/** compute: an effective MAC; gate: done on a zero (costs a cycle, little energy); skip: never done. */
export const ACTIONS = ['read', 'write', 'transfer', 'compute', 'gate', 'skip'] as const;
export type Action = (typeof ACTIONS)[number];

export const LEVEL_UNITS: Record<Level, string> = {
  dram: 'bits',
  glb: 'port accesses',
  nocSource: 'flits',
  nocHop: 'flit-hops',
  nocDelivery: 'flits',
  iactAddrSpad: 'entries',
  iactDataSpad: 'entries',
  weightAddrSpad: 'entries',
  weightDataSpad: 'words',
  psumSpad: 'entries',
  mac: 'MACs',
};

const NL = LEVELS.length;
const ND = DATA_TYPES.length;
const NA = ACTIONS.length;

/** Index of a counter; use it once to make a constant, then `counts.c[i] += n` on the hot path. */
export function counterIndex(level: Level, dataType: DataType, action: Action): number {
  return (LEVELS.indexOf(level) * ND + DATA_TYPES.indexOf(dataType)) * NA + ACTIONS.indexOf(action);
}

export type AccessReport = Record<Level, Record<DataType, Record<Action, number>>>;

export class AccessCounts {
  readonly c = new Float64Array(NL * ND * NA);

  add(level: Level, dataType: DataType, action: Action, n: number): void {
    this.c[counterIndex(level, dataType, action)] += n;
  }

  get(level: Level, dataType: DataType, action: Action): number {
    return this.c[counterIndex(level, dataType, action)]!;
  }

  addAll(other: AccessCounts): void {
    for (let i = 0; i < this.c.length; i++) this.c[i] += other.c[i]!;
  }

  toReport(): AccessReport {
    const out = {} as AccessReport;
    for (const level of LEVELS) {
      out[level] = {} as Record<DataType, Record<Action, number>>;
      for (const dt of DATA_TYPES) {
        out[level][dt] = {} as Record<Action, number>;
        for (const a of ACTIONS) out[level][dt][a] = this.get(level, dt, a);
      }
    }
    return out;
  }
}
