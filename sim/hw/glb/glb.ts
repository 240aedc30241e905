import type { HwConfig } from '../../config/hw-config.js';
import type { Component, Simulator } from '../../engine/simulator.js';
import type { MappingPlan } from '../../mapping/plan.js';
import type { IactSegmentStore } from '../../mapping/tiles.js';
import type { AccessCounts } from '../../stats/access-counts.js';
import type { Packet, PacketProgram } from '../channel.js';
import type { FinalOutput } from '../final-output.js';
import type { NocTopology } from '../noc/noc.js';
import type { PsumTraffic } from '../noc/psum-traffic.js';
import type { OffChipInterface } from '../off-chip.js';
import type { PsumStore, StoredChain } from './psum-store.js';

/**
 * The GLB storage behind one channel's source port, as the channel sees it: the channel generates packets
 * ahead into a ring of `lookahead` slots, asks the bank to stage each one's data (from off-chip, or from what
 * the bank still holds), waits until the data is there, and tells the bank when it has sent it. The channel
 * keeps the port, the multicast and the credits; the bank keeps the data and its off-chip fetches.
 */
export interface SourceBank {
  /** Packets the channel may generate ahead of the port (1: no bank, one packet staged at the port). */
  readonly lookahead: number;
  /**
   * Stages the data of `pk` for ring slot `slot` at `now` (an off-chip fetch for `requester`, or a hit in the
   * bank); false when the bank has no room yet (a later send frees it, and the channel asks again).
   */
  stage(slot: number, pk: Packet, now: number, requester: number): boolean;
  /**
   * Cycle from which slot `slot`'s data is in the bank (it never changes once known), or Infinity while
   * unknown; then the bank has arranged for `requester` to be woken when it becomes known.
   */
  readyAt(slot: number, pk: Packet, requester: number): number;
  /** Slot `slot`'s packet left the port at `t`; `meta` of its bits are CSC metadata. Frees what it can. */
  sent(slot: number, pk: Packet, t: number, meta: number): void;
}

/** Which channel of the layer's topology a bank serves. */
export type ChannelKind = 'iact' | 'weight';

/** Everything a GLB needs from the layer being built. */
export interface GlbContext {
  hw: HwConfig;
  sim: Simulator;
  plan: MappingPlan;
  counts: AccessCounts;
  offChip: OffChipInterface;
  topology: NocTopology;
  iacts: IactSegmentStore;
  /** Off-chip bits of each iact segment (0: padding made on chip). */
  iactDramBits: Float64Array;
  /** A fresh program of iact channel `index` (to look ahead at what it will send). */
  iactProgram: (index: number) => PacketProgram;
  /** Weight tiles the weight channels send (payload ids range over [0, weightTiles)). */
  weightTiles: number;
  /** CSC metadata bits of a packet. */
  iactMeta: (pk: Packet) => number;
  weightMeta: (pk: Packet) => number;
  /** Where final outputs are collected (and, when they skip the GLB, written off-chip). */
  final: FinalOutput;
  traffic: PsumTraffic;
  /** Whether the layer reads the network input (stored raw off-chip, not run-length coded). */
  networkInput: boolean;
  /** Fraction of outputs the layer's ReLU keeps, when the trace gives it. */
  outputDensity: number | undefined;
}

/**
 * The global buffer of one layer: the iact and weight storage behind the channels' source ports, the psum
 * storage at the ends of the psum chains, and (Eyeriss v1) the passes that load it from off-chip.
 *
 * Built in two phases (as Ramulator's components): `create` makes the psum stores the chains attach to;
 * `connect`, once the chains exist, wires what depends on them; then the channels ask for their banks.
 */
export interface Glb {
  /** Whether final outputs are written into the GLB (v1) or skip it on their way off-chip (v2, JETCAS19 §II). */
  readonly finalsInGlb: boolean;
  /** The psum storage behind each of the topology's psum store ports (index as in `topology.stores`). */
  readonly psumStores: readonly PsumStore[];
  /** Second phase: the psum chains, by topology index. */
  connect(chains: readonly StoredChain[]): void;
  /** The bank behind channel `index` of `kind` in the topology. */
  bank(kind: ChannelKind, index: number): SourceBank;
  /** Its components with work left (for the deadlock report). */
  unfinished(): Component[];
  /** Cycles the array waited for the GLB's off-chip loads and stores (v1's passes; 0 otherwise). */
  readonly stallCycles: number;
}

/** A GLB implementation, chosen by `glb.type` (sim/hw/glb/registry.ts). */
export interface GlbModel {
  readonly name: HwConfig['glb']['type'];
  create(ctx: GlbContext): Glb;
}
