/**
 * The five scratchpads of a v2 PE (JETCAS19 §IV): iact address and data, weight address and data, psum.
 * The iact SPads hold a sliding window of CSC segments as a ring; the weight SPads hold one CSC tile; the
 * psum SPad holds one or two windows' psums (two when 2*M0 fits, so the next window can compute while the
 * previous one's psums leave the PE).
 */
export class PeSpads {
  // iact data SPad (ring of count+data entries) and iact address SPad (ring of segments).
  readonly iactCount: Uint8Array;
  readonly iactData: Int16Array;
  readonly segStart: Int32Array;
  readonly segLen: Int32Array;
  readonly segArrival: Float64Array;
  segHead = 0; // oldest resident segment
  segCount = 0;
  entryTail = 0; // where the next arriving entry goes
  // weight address and data SPads (one tile).
  readonly weightAddr: Uint16Array;
  readonly weightCount: Uint8Array;
  readonly weightData: Int16Array;
  weightEntries = 0;
  weightCols = 0;
  // psum SPad.
  readonly psum: Int32Array;

  constructor(
    readonly iactEntries: number,
    readonly iactSegments: number,
    weightAddrEntries: number,
    weightEntries: number,
    psumEntries: number,
  ) {
    this.iactCount = new Uint8Array(iactEntries);
    this.iactData = new Int16Array(iactEntries);
    this.segStart = new Int32Array(iactSegments);
    this.segLen = new Int32Array(iactSegments);
    this.segArrival = new Float64Array(iactSegments);
    this.weightAddr = new Uint16Array(weightAddrEntries);
    this.weightCount = new Uint8Array(weightEntries);
    this.weightData = new Int16Array(weightEntries);
    this.psum = new Int32Array(psumEntries);
  }

  /** Writes an arriving segment into the rings; the sender has checked (by credits) that it fits. */
  pushSegment(count: Uint8Array, data: Int16Array, from: number, len: number, arrival: number): void {
    const slot = (this.segHead + this.segCount) % this.iactSegments;
    this.segStart[slot] = this.entryTail;
    this.segLen[slot] = len;
    this.segArrival[slot] = arrival;
    this.segCount++;
    const cap = this.iactEntries;
    let t = this.entryTail;
    for (let e = 0; e < len; e++) {
      this.iactCount[t] = count[from + e]!;
      this.iactData[t] = data[from + e]!;
      t = t + 1 === cap ? 0 : t + 1;
    }
    this.entryTail = t;
  }

  /** Frees the oldest `n` segments; returns how many entries they held. */
  popSegments(n: number): number {
    let entries = 0;
    for (let i = 0; i < n; i++) {
      entries += this.segLen[this.segHead]!;
      this.segHead = (this.segHead + 1) % this.iactSegments;
    }
    this.segCount -= n;
    return entries;
  }

  /** Arrival cycle of the j-th resident segment (Infinity if not there yet). */
  segmentArrival(j: number): number {
    return j < this.segCount ? this.segArrival[(this.segHead + j) % this.iactSegments]! : Infinity;
  }

  loadWeights(addr: Uint16Array, addrFrom: number, cols: number, count: Uint8Array, data: Int16Array, from: number, len: number): void {
    this.weightAddr.set(addr.subarray(addrFrom, addrFrom + cols));
    this.weightCount.set(count.subarray(from, from + len));
    this.weightData.set(data.subarray(from, from + len));
    this.weightCols = cols;
    this.weightEntries = len;
  }
}
