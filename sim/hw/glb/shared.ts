import type { Component } from '../../engine/simulator.js';
import { SimulationError } from '../../errors.js';
import { sharedGlbBytes, sharedGlbPsumBytes } from '../../mapping/constraints.js';
import { counterIndex } from '../../stats/access-counts.js';
import type { ChannelKind, Glb, GlbContext, GlbModel, SourceBank } from './glb.js';
import { iactBank, psumStores, weightBank } from './parts.js';
import { GlbPassController } from './passes.js';
import type { PsumStore, StoredChain } from './psum-store.js';
import { GatedBank } from './source-bank.js';

/**
 * Eyeriss v1's GLB (JSSC17 §III-B): one buffer whose banks are split between ifmaps and psums per layer, plus
 * a filter GLB; the ifmap GIN reads it, the GON writes psums and final outputs into it and the psum GIN reads
 * partial sums back. Behind a slow off-chip link (`offChip.blocksProcessing`) it is loaded a block of passes
 * at a time while the array waits (sim/hw/glb/passes.ts); otherwise its ifmap bank fetches as needed.
 */
class SharedGlb implements Glb {
  readonly finalsInGlb = true;
  readonly psumStores: readonly PsumStore[];
  private controller: GlbPassController | null = null;

  constructor(private readonly ctx: GlbContext) {
    this.psumStores = psumStores(ctx, ctx.final);
  }

  get stallCycles(): number {
    return this.controller?.stallCycles ?? 0;
  }

  /** The pass controller counts the vectors the chains write per pass to know when a block is done. */
  connect(chains: readonly StoredChain[]): void {
    const { ctx } = this;
    const { hw, plan } = ctx;
    if (!hw.offChip.blocksProcessing) {
      // No pass controller stores the outputs: each final vector leaves the GLB for off-chip as it is written
      // (our choice, as v2's outputs leave as they come), read from its psum bank at the port's width.
      const read = counterIndex('glb', 'psum', 'read');
      for (const store of this.psumStores) {
        store.onWrite = (_pass, time, values, mCount) => {
          if (!values) return;
          ctx.counts.c[read] += Math.ceil((mCount * hw.precision.outputBits) / hw.noc.psum.portBits);
          ctx.final.store(time, mCount);
        };
      }
      return;
    }
    if (ctx.topology.iact.length !== 1) throw new SimulationError('blocking GLB passes need one ifmap channel');
    const vectorsWritten = (pass: number): number => {
      let n = 0;
      for (const c of chains) {
        const last = c.lastRow(pass);
        for (let row = 0; row <= last; row++) if (c.rowJob(pass, row)) n += plan.problem.F;
      }
      return n;
    };
    const controller = new GlbPassController(ctx.sim, plan, ctx.offChip, ctx.counts, ctx.iacts, ctx.iactProgram(0),
      hw.offChip.rlc, ctx.networkInput, hw.precision.iactBits, hw.precision.outputBits,
      { iact: hw.noc.iact.portBits, psum: hw.noc.psum.portBits }, { vectorsWritten }, ctx.outputDensity);
    controller.id = ctx.sim.add(controller);
    ctx.sim.wake(controller.id, 0);
    for (const store of this.psumStores) store.onWrite = (pass, time, values, mCount) => controller.vectorWritten(pass, time, values, mCount);
    this.controller = controller;
  }

  bank(kind: ChannelKind): SourceBank {
    if (kind === 'weight') return weightBank(this.ctx);
    const { ctx } = this;
    if (this.controller) return new GatedBank(this.controller, 'iact', ctx.hw.noc.iact.portBits, ctx.counts);
    // Fetching as needed, the ifmaps have the pool less the psums the mapping holds in it (mappingProblem checks
    // that a block fits; our choice, for the v1 NoC with v2's storage: one ifmap source port reads it).
    return iactBank(ctx, null, sharedGlbBytes(ctx.hw) - sharedGlbPsumBytes(ctx.plan.problem, ctx.plan.mapping, ctx.hw));
  }

  unfinished(): Component[] {
    const stuck: Component[] = this.psumStores.filter((s) => !s.finished);
    if (this.controller && !this.controller.finished) stuck.push(this.controller);
    return stuck;
  }
}

export const sharedGlb: GlbModel = { name: 'shared', create: (ctx) => new SharedGlb(ctx) };
