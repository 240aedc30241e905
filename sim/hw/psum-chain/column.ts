import { SimulationError } from '../../errors.js';
import type { MappingPlan } from '../../mapping/plan.js';
import type { FinalOutput } from '../final-output.js';
import type { ChainPort, PsumStore } from '../glb/psum-store.js';
import type { ChainSpec } from '../noc/noc.js';
import type { PsumTraffic } from '../noc/psum-traffic.js';
import type { CreditSink, ProcessingElement, PsumReceiver, PsumRole, WindowMeta } from '../pe/processing-element.js';
import type { PsumChain, PsumChainContext, PsumChainModel } from './chain.js';

/** The psum link from a chain member to the one above it: counts the traffic and hands the vector on. */
class PsumLink implements PsumReceiver {
  readonly needsCredits = true;

  constructor(private readonly to: ProcessingElement, private readonly hops: number, private readonly traffic: PsumTraffic) {}

  receivePsums(sent: number, arrival: number, src: Int32Array, from: number, mCount: number, meta: WindowMeta): void {
    this.traffic.up(mCount, this.hops);
    this.to.receivePsums(sent, arrival, src, from, mCount, meta);
  }
}

const FINAL_QUEUE = 2; // psum vectors a psum router buffers on their way off-chip, per chain; our choice (= WRITE_QUEUE)

/**
 * A chain's way out for final outputs when they skip the GLB (v2): the top PE's vectors cross its column's
 * psum router port (JETCAS19 §III-C, noc.psum.portBits a cycle) on their way off-chip. The port is
 * cut-through: it streams a vector while the PE's link delivers it, so a vector is out at the later of the
 * link's end and the port's own pace; the router holds FINAL_QUEUE vectors and frees a credit as one leaves,
 * so a port narrower than the PE's link holds the column back.
 */
class FinalPort implements PsumReceiver {
  readonly needsCredits = true;
  private free = 0;

  constructor(
    private readonly out: FinalOutput,
    private readonly top: ProcessingElement,
    private readonly traffic: PsumTraffic,
    /** Whether the top PE's credits are this port's alone (no store shares the router's buffer). */
    ownCredits: boolean,
  ) {
    if (ownCredits) top.upCredits.give(0, FINAL_QUEUE);
  }

  receivePsums(sent: number, arrival: number, src: Int32Array, from: number, mCount: number, meta: WindowMeta): void {
    const start = sent > this.free ? sent : this.free;
    const paced = start + Math.ceil((mCount * this.traffic.psumBits) / this.traffic.portBits);
    const done = paced > arrival ? paced : arrival;
    this.free = done;
    this.traffic.out(mCount);
    this.out.leave(sent, done, src, from, mCount, meta);
    this.top.returnCredit(-1, done + 1, 0, 1);
  }
}

/**
 * A psum accumulation chain: the PEs of one PE column bottom to top (and, when a reduction spans cluster
 * rows, on through the psum routers into the next cluster south, JETCAS19 §III-C), ending in a psum store
 * for partial sums and in the final outputs for the last reduction pass.
 */
export class ColumnChain implements PsumChain {
  private cachedPass = -1;
  private cachedRoles: PsumRole[] = [];
  private cachedLastRow = -1;
  private readonly refPe: number;
  /** The store side of this chain, once attached. */
  port: ChainPort | null = null;
  private readonly links: PsumLink[];
  private readonly exit: FinalPort | null;

  constructor(
    readonly members: ProcessingElement[],
    private readonly plan: MappingPlan,
    readonly store: PsumStore | null,
    final: FinalOutput,
    /** Whether final outputs go through the store (into the GLB) rather than straight off-chip. */
    finalsInGlb: boolean,
    linkHops: readonly number[],
    traffic: PsumTraffic,
  ) {
    this.links = members.slice(1).map((m, k) => new PsumLink(m, linkHops[k]!, traffic));
    this.exit = finalsInGlb ? null : new FinalPort(final, members[members.length - 1]!, traffic, store === null);
    const used = members.find((m) => plan.isUsed(m.pe));
    this.refPe = used ? used.pe : -1;
    if (!store && (plan.reductionIters > 1 || finalsInGlb)) {
      throw new SimulationError('a psum chain without a store cannot carry a reduction across passes');
    }
    if (store) this.port = store.attach(this);
  }

  private load(pass: number): void {
    if (this.cachedPass === pass) return;
    this.cachedPass = pass;
    const active = this.members.map((m) => this.plan.passSlice(m.pe, pass) !== null);
    const first = active.indexOf(true);
    const fromStore = this.store !== null && this.plan.reductionIndex(pass) > 0;
    this.cachedRoles = this.members.map((_, i): PsumRole => {
      if (first < 0) return { kind: 'off', psumIn: false };
      if (i < first) return fromStore ? { kind: 'forward', psumIn: true } : { kind: 'off', psumIn: false };
      if (i === first) return { kind: 'compute', psumIn: fromStore };
      return active[i] ? { kind: 'compute', psumIn: true } : { kind: 'forward', psumIn: true };
    });
    let last = -1;
    if (first >= 0 && this.refPe >= 0) {
      for (let r = this.plan.rowItersPerPass - 1; r >= 0; r--) {
        if (this.plan.rowJob(this.refPe, pass, r)) {
          last = r;
          break;
        }
      }
    }
    this.cachedLastRow = last;
  }

  roleOf(member: number, pass: number): PsumRole {
    this.load(pass);
    return this.cachedRoles[member]!;
  }

  rowJob(pass: number, row: number): { n: number; e: number } | null {
    return this.refPe < 0 ? null : this.plan.rowJob(this.refPe, pass, row);
  }

  outputOf(pass: number): { g: number; mBase: number } | null {
    return this.refPe < 0 ? null : this.plan.outputSlice(this.refPe, pass);
  }

  lastRow(pass: number): number {
    this.load(pass);
    return this.cachedLastRow;
  }

  isFinal(pass: number): boolean {
    return this.plan.reductionIndex(pass) === this.plan.reductionIters - 1;
  }

  receiverOf(member: number, pass: number): PsumReceiver {
    if (member + 1 < this.members.length) return this.links[member]!;
    if (this.exit && this.isFinal(pass)) return this.exit;
    return this.port!;
  }
}

/** Receives nothing: the psum input of the bottom PE of a chain without a store. */
const NO_SENDER: CreditSink = { returnCredit: () => undefined };

/** The one shipped chain: a PE column (JETCAS19 §III-C, JSSC17 §III-C), as ColumnChain above. */
export const columnChain: PsumChainModel = {
  name: 'column',
  build(spec: ChainSpec, members: ProcessingElement[], store: PsumStore | null, ctx: PsumChainContext): PsumChain {
    const chain = new ColumnChain(members, ctx.plan, store, ctx.final, ctx.finalsInGlb, spec.linkHops, ctx.traffic);
    members.forEach((m, k) => {
      m.chain = chain;
      m.member = k;
      m.psumInSender = k === 0 ? (chain.port ?? NO_SENDER) : members[k - 1]!;
      if (k + 1 < members.length) m.upCredits.give(0, 1); // the PE above has a one-vector input FIFO
    });
    return chain;
  },
};
