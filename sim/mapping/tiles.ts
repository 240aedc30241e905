import { SimulationError } from '../errors.js';
import { createCscBuffer, encodeCscInto } from '../sparse/csc.js';
import type { IactFormat, PeMode } from './mapping.js';
import type { Problem } from './problem.js';

/*
 * The layer's tensors cut into the pieces the array moves, in the form the hardware moves them (JETCAS19
 * §IV-A): iacts as CSC segments of C0 channels x V input columns (V = horizontal stride), each encoded
 * separately so a PE's window can slide one segment at a time; weights as one CSC matrix per PE tile, with
 * one column per (filter column s, input channel c) holding the tile's M0 output channels. In uncompressed
 * mode every value is stored (count 0), as in the PE's dense mode.
 */

/** A growable pair of entry arrays (count, data) shared by all pieces of one store. */
class EntryArrays {
  count: Uint8Array;
  data: Int16Array;
  length = 0;
  constructor(capacity: number) {
    this.count = new Uint8Array(Math.max(16, capacity));
    this.data = new Int16Array(Math.max(16, capacity));
  }
  reserve(extra: number): void {
    if (this.length + extra <= this.count.length) return;
    const cap = Math.max(this.length + extra, this.count.length * 2);
    const count = new Uint8Array(cap);
    const data = new Int16Array(cap);
    count.set(this.count.subarray(0, this.length));
    data.set(this.data.subarray(0, this.length));
    this.count = count;
    this.data = data;
  }
  trim(): void {
    this.count = this.count.slice(0, this.length);
    this.data = this.data.slice(0, this.length);
  }
}

/** Iact segments of every (n, g, channel tile, padded input row, segment index). */
export class IactSegmentStore {
  /** Segments per padded input row: enough for the F windows of an output row. */
  readonly segmentsPerRow: number;
  readonly channelTiles: number;
  /** Entries of segment i are [start[i], start[i+1]). */
  readonly start: Uint32Array;
  readonly count: Uint8Array;
  readonly data: Int16Array;
  /** Non-zero values per segment (equals the entries in compressed mode). */
  readonly nonZeros: Uint16Array;

  constructor(
    readonly problem: Problem,
    readonly C0: number,
    readonly format: IactFormat,
    iacts: Int16Array,
    countBits: number,
    windowSegments: number,
  ) {
    const { N, G, C, H, W, Hp, V, padTop, padLeft, F } = problem;
    this.segmentsPerRow = F + windowSegments - 1;
    this.channelTiles = Math.ceil(C / C0);
    const total = N * G * this.channelTiles * Hp * this.segmentsPerRow;
    this.start = new Uint32Array(total + 1);
    this.nonZeros = new Uint16Array(total);
    const entries = new EntryArrays(format === 'csc' ? Math.ceil(iacts.length * 0.6) + total : total * C0 * V);
    const column = new Int16Array(C0 * V);
    const csc = createCscBuffer(C0 * V, 1);
    let seg = 0;
    for (let n = 0; n < N; n++) {
      for (let g = 0; g < G; g++) {
        for (let ct = 0; ct < this.channelTiles; ct++) {
          const cBase = ct * C0;
          const cCount = Math.min(C0, C - cBase);
          const rows = cCount * V;
          for (let h = 0; h < Hp; h++) {
            const y = h - padTop;
            for (let k = 0; k < this.segmentsPerRow; k++, seg++) {
              // Row index inside the segment is p * cCount + c (position-major), as the PE decodes it.
              let nz = 0;
              for (let p = 0; p < V; p++) {
                const x = k * V + p - padLeft;
                const inside = y >= 0 && y < H && x >= 0 && x < W;
                for (let c = 0; c < cCount; c++) {
                  const v = inside ? iacts[(((n * G + g) * C + cBase + c) * H + y) * W + x]! : 0;
                  column[p * cCount + c] = v;
                  if (v !== 0) nz++;
                }
              }
              this.nonZeros[seg] = nz;
              this.start[seg] = entries.length;
              if (format === 'csc') {
                encodeCscInto(csc, column, 0, 1, rows, rows, 1, countBits, false);
                entries.reserve(csc.length);
                // Segments are a few entries: a loop, not a subarray view per segment.
                for (let e = 0, at = entries.length; e < csc.length; e++, at++) {
                  entries.count[at] = csc.count[e]!;
                  entries.data[at] = csc.data[e]!;
                }
                entries.length += csc.length;
              } else {
                entries.reserve(rows);
                for (let e = 0, at = entries.length; e < rows; e++, at++) entries.data[at] = column[e]!;
                entries.length += rows; // counts stay 0: the dense mode fixes the count at 0
              }
            }
          }
        }
      }
    }
    this.start[total] = entries.length;
    entries.trim();
    this.count = entries.count;
    this.data = entries.data;
  }

  index(n: number, g: number, cTile: number, h: number, k: number): number {
    const { G, Hp } = this.problem;
    return (((n * G + g) * this.channelTiles + cTile) * Hp + h) * this.segmentsPerRow + k;
  }

  entries(seg: number): number {
    return this.start[seg + 1]! - this.start[seg]!;
  }
}

/**
 * Weight tiles of every (g, M0 tile, C0 tile, R0 filter rows), encoded once per layer (the "compiler" step).
 * Column k = (r * cCount + c) * S + s of a tile holds output channels m = 0..mCount-1 of input channel c,
 * filter row r (of the tile's R0), filter column s; in the weight tensor (M x C x R x S) that column is a
 * strided run, so it is encoded in place.
 */
export class WeightTileStore {
  readonly mTiles: number;
  readonly channelTiles: number;
  readonly rowTiles: number;
  /** Columns of tile t are colStart[t] .. colStart[t+1]-1 in `addr` (start entry of each column, tile-local). */
  readonly colStart: Uint32Array;
  readonly addr: Uint16Array;
  /** Entries of tile t are [entryStart[t], entryStart[t+1]). */
  readonly entryStart: Uint32Array;
  readonly count: Uint8Array;
  readonly data: Int16Array;
  /** Largest tile, in SPad words (simdWidth entries each) and in columns. */
  readonly maxWords: number;
  readonly maxColumns: number;

  constructor(
    readonly problem: Problem,
    readonly M0: number,
    readonly C0: number,
    readonly mode: PeMode,
    weights: Int8Array,
    countBits: number,
    readonly simdWidth: number,
    /** Filter rows per tile: 1 or R (mapping R0). */
    readonly R0 = 1,
  ) {
    const { G, M, C, R, S } = problem;
    this.mTiles = Math.ceil(M / M0);
    this.channelTiles = Math.ceil(C / C0);
    this.rowTiles = Math.ceil(R / R0);
    const tiles = G * this.mTiles * this.channelTiles * this.rowTiles;
    this.colStart = new Uint32Array(tiles + 1);
    this.entryStart = new Uint32Array(tiles + 1);
    this.addr = new Uint16Array(G * this.mTiles * R * S * C);
    let nonZeros = 0;
    for (let i = 0; i < weights.length; i++) if (weights[i] !== 0) nonZeros++;
    const compressed = mode === 'compressed';
    const entries = new EntryArrays(compressed ? nonZeros + tiles * S * C0 : weights.length + tiles * S * C0);
    const packed = { rows: 0, cols: 0, addr: this.addr, count: entries.count, data: entries.data, length: 0 };
    const rowStride = C * R * S;
    let maxWords = 0;
    let maxColumns = 0;
    let t = 0;
    let cols = 0;
    for (let g = 0; g < G; g++) {
      for (let mt = 0; mt < this.mTiles; mt++) {
        const mBase = mt * M0;
        const mCount = Math.min(M0, M - mBase);
        for (let ct = 0; ct < this.channelTiles; ct++) {
          const cBase = ct * C0;
          const cCount = Math.min(C0, C - cBase);
          for (let rt = 0; rt < this.rowTiles; rt++, t++) {
            this.colStart[t] = cols;
            this.entryStart[t] = entries.length;
            const start = entries.length;
            const rCount = Math.min(R0, R - rt * R0);
            entries.reserve(rCount * cCount * S * (mCount + 1));
            packed.count = entries.count;
            packed.data = entries.data;
            for (let rc = 0; rc < rCount * cCount; rc++) {
              const r = rt * R0 + Math.floor(rc / cCount);
              const c = rc % cCount;
              const base = (((g * M + mBase) * C + cBase + c) * R + r) * S;
              const k0 = rc * S;
              if (compressed) {
                // S columns (one per filter column) of mCount rows, each column padded for SIMD words.
                const n = encodeCscInto(packed, weights, base, rowStride, 1, mCount, S, countBits, simdWidth === 2, entries.length, cols + k0);
                for (let k = 0; k < S; k++) this.addr[cols + k0 + k] += entries.length - start;
                entries.length += n;
              } else {
                // Dense mode: every value stored, each column padded to whole SPad words.
                const perColumn = Math.ceil(mCount / simdWidth) * simdWidth;
                for (let s = 0; s < S; s++) {
                  this.addr[cols + k0 + s] = entries.length - start;
                  for (let m = 0; m < mCount; m++) entries.data[entries.length + m] = weights[base + m * rowStride + s]!;
                  for (let m = mCount; m < perColumn; m++) entries.data[entries.length + m] = 0;
                  entries.length += perColumn;
                }
              }
            }
            cols += rCount * cCount * S;
            maxWords = Math.max(maxWords, Math.ceil((entries.length - start) / simdWidth));
            maxColumns = Math.max(maxColumns, rCount * cCount * S);
          }
        }
      }
    }
    if (t !== tiles) throw new SimulationError(`weight tiles: encoded ${t} of ${tiles}`);
    this.colStart[tiles] = cols;
    this.entryStart[tiles] = entries.length;
    entries.trim();
    this.count = entries.count;
    this.data = entries.data;
    this.maxWords = maxWords;
    this.maxColumns = maxColumns;
  }

  /** The tile holding filter rows from `r` (a multiple of R0). */
  index(g: number, mTile: number, cTile: number, r: number): number {
    return ((g * this.mTiles + mTile) * this.channelTiles + cTile) * this.rowTiles + r / this.R0;
  }

  entries(tile: number): number {
    return this.entryStart[tile + 1]! - this.entryStart[tile]!;
  }

  columns(tile: number): number {
    return this.colStart[tile + 1]! - this.colStart[tile]!;
  }
}
