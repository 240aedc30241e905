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

/** A psum GLB store and its ports (see sim/hw/psum-chain.ts). */
export interface StoreSpec {
  name: string;
  shared: boolean;
  writeBits: number;
  readBits: number;
  readLatency: number;
}

export interface NocTopology {
  iact: ChannelSpec[];
  weight: ChannelSpec[];
  chains: ChainSpec[];
  stores: StoreSpec[];
  /** Whether final outputs go into the GLB through the psum stores (v1) or straight off-chip (v2). */
  finalsThroughStore: boolean;
  modes: { iact: NocMode; weight: NocMode; psum: PsumMode };
}

/** A NoC implementation turns a mapping into channels, or says why the mapping cannot be routed. */
export interface NocModel {
  readonly name: string;
  build(plan: MappingPlan, hw: HwConfig): NocTopology | string;
}
