import type { HwConfig } from '../../config/hw-config.js';
import type { MappingPlan } from '../../mapping/plan.js';
import type { FinalOutput } from '../final-output.js';
import type { PsumStore, StoredChain } from '../glb/psum-store.js';
import type { ChainSpec } from '../noc/noc.js';
import type { PsumTraffic } from '../noc/psum-traffic.js';
import type { ChainView, ProcessingElement } from '../pe/processing-element.js';

/** What every chain of a layer shares. */
export interface PsumChainContext {
  plan: MappingPlan;
  /** Where final outputs are collected. */
  final: FinalOutput;
  /** Whether final outputs go into the GLB through the chain's store (v1) or straight off-chip (v2): the GLB says. */
  finalsInGlb: boolean;
  traffic: PsumTraffic;
}

/** A built chain: the view its PEs ask (ChainView) and the one its psum store asks (StoredChain). */
export type PsumChain = ChainView & StoredChain;

/** A psum chain implementation, chosen by `noc.psum.chain` (sim/hw/psum-chain/registry.ts). */
export interface PsumChainModel {
  readonly name: HwConfig['noc']['psum']['chain'];
  /**
   * Builds the chain of `spec` over its member PEs (bottom to top) ending in `store` (null: none, when no
   * reduction is left for a later pass) and wires the PEs to it: their chain, their psum input's sender and
   * the credits for the receiver above each.
   */
  build(spec: ChainSpec, members: ProcessingElement[], store: PsumStore | null, ctx: PsumChainContext): PsumChain;
}
