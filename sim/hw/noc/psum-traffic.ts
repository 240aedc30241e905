import { type AccessCounts, counterIndex } from '../../stats/access-counts.js';

const C_SOURCE = counterIndex('nocSource', 'psum', 'transfer');
const C_HOP = counterIndex('nocHop', 'psum', 'transfer');
const C_DELIVERY = counterIndex('nocDelivery', 'psum', 'transfer');

/**
 * Counts psum flits on every link they cross, each at its own width (JETCAS19 §III-C: 40-b psum router
 * ports; the PE-to-PE link of a column is `pe.psumLinkBits`). A flit injected into the psum network by a PE
 * output or a bank read is a source flit; one crossing a link between clusters' psum routers a hop; one
 * entering a PE (from the PE below over the local link, or from a bank) a delivery.
 */
export class PsumTraffic {
  constructor(
    private readonly counts: AccessCounts,
    readonly psumBits: number,
    /** Bits per cycle of the local link between vertically adjacent PEs. */
    private readonly linkBits: number,
    /** Bits per cycle of a psum router port. */
    readonly portBits: number,
  ) {}

  /** A vector from one PE to the next up its chain: the local link, or through the routers `hops` links. */
  up(mCount: number, hops: number): void {
    if (hops === 0) {
      this.counts.c[C_DELIVERY] += Math.ceil((mCount * this.psumBits) / this.linkBits);
      return;
    }
    const flits = Math.ceil((mCount * this.psumBits) / this.portBits);
    this.counts.c[C_SOURCE] += flits;
    this.counts.c[C_HOP] += flits * hops;
    this.counts.c[C_DELIVERY] += flits;
  }

  /** A vector the top PE sends into its psum router (to a bank, a GLB bus, or off-chip), at `bits` a flit. */
  out(mCount: number, bits = this.portBits): void {
    this.counts.c[C_SOURCE] += Math.ceil((mCount * this.psumBits) / bits);
  }

  /** A vector a bank reads back into the bottom PE of its chain. */
  back(flits: number): void {
    this.counts.c[C_SOURCE] += flits;
    this.counts.c[C_DELIVERY] += flits;
  }
}
