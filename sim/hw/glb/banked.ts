import type { Component } from '../../engine/simulator.js';
import type { Packet } from '../channel.js';
import type { ChannelKind, Glb, GlbContext, GlbModel, SourceBank } from './glb.js';
import { iactBank, psumStores, weightBank } from './parts.js';
import type { PsumStore } from './psum-store.js';

/**
 * Eyeriss v2's GLB (JETCAS19 §II): in every cluster, iact banks each paired with an iact router's source port
 * and psum banks each paired with a PE column's psum router; final outputs skip the GLB on their way
 * off-chip. A bank fetches its channel's data from off-chip as the channel needs it, and processing never
 * waits for a whole pass to load.
 */
class BankedGlb implements Glb {
  readonly finalsInGlb = false;
  readonly stallCycles = 0;
  readonly psumStores: readonly PsumStore[];
  private readonly iactLoads: Uint8Array[] | null;

  constructor(private readonly ctx: GlbContext) {
    this.psumStores = psumStores(ctx, null);
    this.iactLoads = sharedIactLoads(ctx);
  }

  connect(): void {}

  bank(kind: ChannelKind, index: number): SourceBank {
    return kind === 'iact' ? iactBank(this.ctx, this.iactLoads?.[index] ?? null) : weightBank(this.ctx);
  }

  unfinished(): Component[] {
    return this.psumStores.filter((s) => !s.finished);
  }
}

/**
 * Which iact loads other channels' loads make free: when the GLB can hold every segment the layer's routers
 * share (its distinct segments fit the chip's iact banks), each segment is read from off-chip once, by the
 * first channel (in channel order) that sends it, and written into every bank that needs it. Null when the
 * data does not fit, or there is only one channel.
 */
function sharedIactLoads(ctx: GlbContext): Uint8Array[] | null {
  const { hw, topology, iacts, iactDramBits } = ctx;
  if (topology.iact.length < 2) return null;
  const segments = iacts.start.length - 1;
  const owner = new Int32Array(segments).fill(-1);
  const used = topology.iact.map((_, ch) => {
    const mine = new Uint8Array(segments);
    const program = ctx.iactProgram(ch);
    const pk: Packet = { payload: 0, pass: 0, bits: 0, entries: 0, rows: 0, dests: [] };
    while (program.next(pk)) {
      mine[pk.payload] = 1;
      if (owner[pk.payload] === -1) owner[pk.payload] = ch;
    }
    return mine;
  });
  let bits = 0;
  for (let seg = 0; seg < segments; seg++) if (owner[seg]! >= 0) bits += iactDramBits[seg]!;
  const glbBits = hw.array.clusterRows * hw.array.clusterCols * hw.glb.iactBanksPerCluster * hw.glb.iactBankBytes * 8;
  if (bits > glbBits) return null;
  // In place, a flat loop: a channel loads from DRAM only what no earlier channel already loaded.
  used.forEach((mine, ch) => {
    for (let seg = 0; seg < segments; seg++) if (mine[seg] && owner[seg] !== ch) mine[seg] = 1; else mine[seg] = 0;
  });
  return used;
}

export const bankedGlb: GlbModel = { name: 'banked', create: (ctx) => new BankedGlb(ctx) };
