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

/**
 * Where compressed data's metadata (CSC addresses and zero-run counts) is stored or moved: bits of it written
 * into GLB banks and read out, crossing the NoC, moved off-chip, and written into the PE SPads. Dense data has
 * none; a dense layer run compressed shows what the format costs it.
 */
export const METADATA_PLACES = ['dram', 'glb', 'noc', 'spad'] as const;
export type MetadataPlace = (typeof METADATA_PLACES)[number];
export type MetadataReport = Record<MetadataPlace, Record<DataType, number>>;

export function metadataIndex(place: MetadataPlace, dataType: DataType): number {
  return METADATA_PLACES.indexOf(place) * ND + DATA_TYPES.indexOf(dataType);
}

export class AccessCounts {
  readonly c = new Float64Array(NL * ND * NA);
  /** Metadata bits per (place, data type), see METADATA_PLACES. */
  readonly metadataBits = new Float64Array(METADATA_PLACES.length * ND);

  /** Counts rebuilt from their arrays (after crossing a worker thread, which keeps the data, not the class). */
  static from(data: { c: Float64Array; metadataBits: Float64Array }): AccessCounts {
    const counts = new AccessCounts();
    counts.c.set(data.c);
    counts.metadataBits.set(data.metadataBits);
    return counts;
  }

  add(level: Level, dataType: DataType, action: Action, n: number): void {
    this.c[counterIndex(level, dataType, action)] += n;
  }

  get(level: Level, dataType: DataType, action: Action): number {
    return this.c[counterIndex(level, dataType, action)]!;
  }

  addAll(other: AccessCounts): void {
    for (let i = 0; i < this.c.length; i++) this.c[i] += other.c[i]!;
    for (let i = 0; i < this.metadataBits.length; i++) this.metadataBits[i] += other.metadataBits[i]!;
  }

  metadataReport(): MetadataReport {
    const out = {} as MetadataReport;
    for (const place of METADATA_PLACES) {
      out[place] = {} as Record<DataType, number>;
      for (const dt of DATA_TYPES) out[place][dt] = this.metadataBits[metadataIndex(place, dt)]!;
    }
    return out;
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
