import type { HwConfig } from '../../config/hw-config.js';
import type { MappingPlan } from '../../mapping/plan.js';

/**
 * The four HM-NoC operating modes (JETCAS19 §III, Fig. 8), per data type per layer; Eyeriss v1's buses
 * multicast by ID matching (JSSC17 §III-C).
 */
export type NocMode = 'unicast' | 'grouped-multicast' | 'interleaved-multicast' | 'broadcast' | 'bus-multicast';
/** Psums: per-column banks, chains across clusters (HM-NoC), or a shared bus to the GLB (v1's GON). */
export type PsumMode = 'unicast' | 'chained' | 'bus';

/**
 * One source port with its statically configured tree (a channel). Each key is a set of PEs that receive
 * the same packets; a channel sends its keys' packets interleaved.
 */
export interface ChannelSpec {
  name: string;
  /** Cluster index (clusterRow * clusterCols + clusterCol) of the source port, and the router in it. */
  sourceCluster: number;
  router: number;
  keys: number[][];
  /** Inter-cluster links of the multicast tree. */
  hops: number;
}

/** A psum accumulation chain: PE ids bottom to top, cluster after cluster; the psum store it uses, if any. */
export interface ChainSpec {
  name: string;
  pes: number[];
  /**
   * Inter-cluster mesh links between member k and member k+1 (length pes.length - 1): 0 for the local
   * PE-to-PE link inside a cluster, 1 where the chain goes through the psum routers into the next cluster.
   */
  linkHops: number[];
  /** Index into `stores` of the GLB store holding its partial sums between passes (null: none needed). */
  store: number | null;
}

/** A psum store port of the GLB: one port for reads and writes (a v2 psum bank), or a write bus and a read bus (v1). */
export interface StoreSpec {
  name: string;
  /** One port for reads and writes (true), or separate write and read buses. */
  shared: boolean;
  writeBits: number;
  readBits: number;
  /** Cycles from a read leaving the store to the vector being in the bottom PE. */
  readLatency: number;
}

export interface NocTopology {
  iact: ChannelSpec[];
  weight: ChannelSpec[];
  chains: ChainSpec[];
  stores: StoreSpec[];
  modes: { iact: NocMode; weight: NocMode; psum: PsumMode };
}

/** A NoC implementation turns a mapping into channels, or says why the mapping cannot be routed. */
export interface NocModel {
  readonly name: string;
  build(plan: MappingPlan, hw: HwConfig): NocTopology | string;
}
