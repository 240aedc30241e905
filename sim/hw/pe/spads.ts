/**
 * The five scratchpads of a v2 PE (JETCAS19 §IV): iact address and data, weight address and data, psum.
 * The iact SPads hold a sliding window of CSC segments as a ring; the weight SPads hold one CSC tile; the
 * psum SPad holds the psums of as many windows as fit (mapping/constraints.ts psumSlots), so later windows
 * compute while earlier ones' psums leave the PE.
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
  /**
   * The weight column decode (stages 3-5 walk the counts to find each weight's output row) done once when
   * the tile is loaded rather than per use: the row of every entry, and per column its non-zeros, fillers
   * and pads. Pads and fillers hold 0, so their (harmless) row is 0 or the filler's own.
   */
  readonly weightRow: Uint8Array;
  readonly colNonZeros: Uint8Array;
  readonly colFillers: Uint8Array;
  readonly colPads: Uint8Array;
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
    this.weightRow = new Uint8Array(weightEntries);
    this.colNonZeros = new Uint8Array(weightAddrEntries);
    this.colFillers = new Uint8Array(weightAddrEntries);
    this.colPads = new Uint8Array(weightAddrEntries);
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

  /** Loads a tile: CSC (rows from the counts) or dense (rows by position, `mCount` per column plus pads). */
  loadWeights(
    addr: Uint16Array, addrFrom: number, cols: number, count: Uint8Array, data: Int16Array, from: number, len: number,
    compressed: boolean, mCount: number,
  ): void {
    this.weightAddr.set(addr.subarray(addrFrom, addrFrom + cols));
    this.weightCount.set(count.subarray(from, from + len));
    this.weightData.set(data.subarray(from, from + len));
    this.weightCols = cols;
    this.weightEntries = len;
    const { weightAddr, weightCount, weightData, weightRow } = this;
    for (let k = 0; k < cols; k++) {
      const start = weightAddr[k]!;
      const end = k + 1 < cols ? weightAddr[k + 1]! : len;
      let row = -1;
      let nonZeros = 0;
      let fillers = 0;
      let pads = 0;
      for (let w = start; w < end; w++) {
        const v = weightData[w]!;
        if (compressed) {
          const c = weightCount[w]!;
          if (v === 0 && c === 0) {
            pads++;
            weightRow[w] = 0;
            continue;
          }
          row += c + 1;
        } else {
          row = w - start;
          if (row >= mCount) {
            pads++;
            weightRow[w] = 0;
            continue;
          }
        }
        weightRow[w] = row;
        if (v !== 0) nonZeros++;
        else fillers++;
      }
      this.colNonZeros[k] = nonZeros;
      this.colFillers[k] = fillers;
      this.colPads[k] = pads;
    }
  }
}
