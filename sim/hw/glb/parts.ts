import { PsumStore } from './psum-store.js';
import type { FinalOutput } from '../final-output.js';
import type { GlbContext } from './glb.js';
import { StagingBank } from './source-bank.js';

/*
 * The parts both GLB implementations build the same way; they differ in what feeds the iact banks, where
 * final outputs go and whether passes wait for off-chip loads.
 */

/** The psum storage behind each psum store port of the topology; `finals`: where final outputs written into it go (null: they skip it). */
export function psumStores(ctx: GlbContext, finals: FinalOutput | null): PsumStore[] {
  return ctx.topology.stores.map((spec) => {
    const store = new PsumStore(spec.name, ctx.sim, ctx.plan, ctx.hw.precision.psumBits, spec, ctx.counts, ctx.traffic, finals);
    store.id = ctx.sim.add(store);
    return store;
  });
}

/**
 * The iact bank behind an iact router's source port, fetching from off-chip: `bufferBytes` of storage (a bank,
 * glb.iactBankBytes, unless the GLB gives its iacts more).
 */
export function iactBank(ctx: GlbContext, loadedByOthers: Uint8Array | null, bufferBytes = ctx.hw.glb.iactBankBytes): StagingBank {
  const { hw, iactDramBits } = ctx;
  return new StagingBank({
    dataType: 'iact', bufferBits: bufferBytes * 8, glbPortBits: hw.noc.iact.portBits,
    dramBits: (pk) => iactDramBits[pk.payload]!, loadedByOthers, payloads: ctx.iacts.start.length - 1, metadataBits: ctx.iactMeta,
  }, ctx.offChip, ctx.counts);
}

/** The filter GLB behind a weight channel (glb.filterBytes; 0: weights stream from off-chip through the port). */
export function weightBank(ctx: GlbContext): StagingBank {
  const { hw } = ctx;
  return new StagingBank({
    dataType: 'weight', bufferBits: hw.glb.filterBytes * 8, glbPortBits: hw.noc.weight.portBits,
    dramBits: (pk) => pk.bits, loadedByOthers: null, payloads: ctx.weightTiles, metadataBits: ctx.weightMeta,
  }, ctx.offChip, ctx.counts);
}
