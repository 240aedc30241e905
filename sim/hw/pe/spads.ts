import { SimulationError } from '../../errors.js';

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
  // weight address and data SPads: the tile in use (and, see loadWeights, the next one).
  weightAddr!: Uint16Array;
  weightCount!: Uint8Array;
  weightData!: Int16Array;
  weightEntries = 0;
  weightCols = 0;
  /**
   * The weight column decode (stages 3-5 walk the counts to find each weight's output row) done once when
   * the tile is loaded rather than per use: the row of every entry, and per column its non-zeros, fillers
   * and pads. Pads and fillers hold 0, so their (harmless) row is 0 or the filler's own.
   */
  weightRow!: Uint8Array;
  colNonZeros!: Uint8Array;
  colFillers!: Uint8Array;
  colPads!: Uint8Array;
  /**
   * Tiles loaded and not yet in use, oldest first (at most two: the credits of the sender allow two tiles in
   * the SPad, and the one in use is released before a third is sent; the simulator keeps the released tile's
   * arrays apart from them because it has finished with them, while the hardware reuses that space).
   */
  private readonly tiles: WeightTileArrays[];
  private active = 0;
  private readonly loaded = new Int32Array(2);
  private loadedCount = 0;
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
    this.tiles = [0, 1, 2].map(() => ({
      addr: new Uint16Array(weightAddrEntries), count: new Uint8Array(weightEntries), data: new Int16Array(weightEntries),
      row: new Uint8Array(weightEntries), nonZeros: new Uint8Array(weightAddrEntries), fillers: new Uint8Array(weightAddrEntries),
      pads: new Uint8Array(weightAddrEntries), entries: 0, cols: 0,
    }));
    this.show(0);
    this.psum = new Int32Array(psumEntries);
  }

  /** Makes the oldest loaded tile the one in use. */
  useLoadedWeights(): void {
    this.active = this.loaded[0]!;
    this.loaded[0] = this.loaded[1]!;
    this.loadedCount--;
    this.show(this.active);
  }

  /** Points the weight fields the datapath reads at one tile's arrays. */
  private show(tile: number): void {
    const t = this.tiles[tile]!;
    this.weightAddr = t.addr;
    this.weightCount = t.count;
    this.weightData = t.data;
    this.weightRow = t.row;
    this.colNonZeros = t.nonZeros;
    this.colFillers = t.fillers;
    this.colPads = t.pads;
    this.weightEntries = t.entries;
    this.weightCols = t.cols;
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

  /**
   * Loads a tile behind those loaded before it (useLoadedWeights makes it the one in use): CSC (rows from the
   * counts) or dense (rows by position, `mCount` per column plus pads).
   */
  loadWeights(
    addr: Uint16Array, addrFrom: number, cols: number, count: Uint8Array, data: Int16Array, from: number, len: number,
    compressed: boolean, mCount: number,
  ): void {
    if (this.loadedCount === 2) throw new SimulationError('weight SPad: a third tile arrived before one was used');
    let slot = 0;
    while (slot === this.active || (this.loadedCount > 0 && slot === this.loaded[0])) slot++;
    this.loaded[this.loadedCount++] = slot;
    const t = this.tiles[slot]!;
    for (let k = 0; k < cols; k++) t.addr[k] = addr[addrFrom + k]!;
    for (let e = 0; e < len; e++) {
      t.count[e] = count[from + e]!;
      t.data[e] = data[from + e]!;
    }
    t.cols = cols;
    t.entries = len;
    const { addr: weightAddr, count: weightCount, data: weightData, row: weightRow } = t;
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
      t.nonZeros[k] = nonZeros;
      t.fillers[k] = fillers;
      t.pads[k] = pads;
    }
  }
}

interface WeightTileArrays {
  entries: number;
  cols: number;
  addr: Uint16Array;
  count: Uint8Array;
  data: Int16Array;
  row: Uint8Array;
  nonZeros: Uint8Array;
  fillers: Uint8Array;
  pads: Uint8Array;
}
