/**
 * Compressed sparse column (CSC) format of the Eyeriss v2 PE scratchpads (JETCAS19 §IV, Fig. 16).
 *
 * A `rows x cols` matrix is stored column by column as parallel `data`/`count` entries: one entry per
 * non-zero, whose count is the number of zeros skipped since the previous entry of the column (or since the
 * column start). Counts have `countBits` bits (4 on the chip), so a longer zero run is broken by *filler*
 * entries (data 0, count maxCount), each covering maxCount zeros plus one explicit zero. Trailing zeros of a
 * column need no entry. With `padColumnsToEven` (weights under SIMD-2, two entries per SPad word) a column
 * with an odd number of entries gets a *pad* entry (data 0, count 0), which covers no matrix position.
 * `addr[k]` is where column k starts; an all-zero column repeats the next column's address.
 */
import { SimulationError } from '../errors.js';

export interface Csc {
  rows: number;
  cols: number;
  /** addr[k] = index of the first entry of column k (entries of k are [addr[k], addr[k+1] or length)). */
  addr: Uint16Array;
  /** Zeros skipped before each entry. */
  count: Uint8Array;
  /** Value of each entry (0 for fillers and pads). */
  data: Int16Array;
  /** Number of entries in use (the arrays may be longer when they are a reused buffer). */
  length: number;
}

export interface CscOptions {
  /** Width of the count field; maxCount = 2^countBits - 1. Default 4, as on the chip. */
  countBits?: number;
  /** Append a pad entry to every column with an odd number of entries. Default false. */
  padColumnsToEven?: boolean;
}

/** Dense source values: small integers. */
export type CscValues = Int8Array | Int16Array;

/** Largest number of entries a `rows x cols` matrix can need: one per position, plus a pad per column. */
export function cscCapacity(rows: number, cols: number, padColumnsToEven = false): number {
  return cols * (rows + (padColumnsToEven ? 1 : 0));
}

/** A reusable buffer for `encodeCscInto`, large enough for any matrix of up to `maxRows x maxCols`. */
export function createCscBuffer(maxRows: number, maxCols: number, padColumnsToEven = false): Csc {
  const capacity = cscCapacity(maxRows, maxCols, padColumnsToEven);
  return {
    rows: 0,
    cols: 0,
    addr: new Uint16Array(maxCols),
    count: new Uint8Array(capacity),
    data: new Int16Array(capacity),
    length: 0,
  };
}

/** Encodes a dense column-major matrix (value(row, col) = values[col*rows + row]) into new, exact-size arrays. */
export function encodeCsc(values: CscValues, rows: number, cols: number, options: CscOptions = {}): Csc {
  const { countBits = 4, padColumnsToEven = false } = options;
  if (values.length !== rows * cols) {
    throw new SimulationError(`CSC: ${values.length} values for a ${rows}x${cols} matrix`);
  }
  const buffer = createCscBuffer(rows, cols, padColumnsToEven);
  const length = encodeCscInto(buffer, values, 0, 1, rows, rows, cols, countBits, padColumnsToEven);
  return { ...buffer, count: buffer.count.slice(0, length), data: buffer.data.slice(0, length) };
}

/**
 * Encodes a `rows x cols` block of `values` into `out`'s preallocated arrays and returns the entry count
 * (also set as `out.length`, with `out.rows` and `out.cols`). Nothing is allocated, so it suits the hot path
 * that encodes many small columns; use `createCscBuffer` once for the largest block.
 *
 * The block is read in place: element (row, col) is `values[base + row*rowStride + col*colStride]`. So a
 * whole column-major matrix is (base 0, rowStride 1, colStride rows); rows r0.. of a column-major tensor
 * with `R` rows are (base r0, 1, R); a block of a row-major tensor `W` wide is (r0*W + c0, W, 1).
 *
 * With `outOffset`, entries are written from `out.count[outOffset]` on and `out.addr` from `addrOffset` on, with
 * addresses relative to `outOffset`: many matrices can be packed into one pair of big arrays, each with its
 * own address vector (the return value is then this matrix's entry count, and `out.length` is not touched).
 *
 * Throws a SimulationError if the block falls outside `values`, `out` is too small, or a column would start
 * past entry 65535 (the address vector is 16-bit).
 */
export function encodeCscInto(
  out: Csc,
  values: CscValues,
  base: number,
  rowStride: number,
  colStride: number,
  rows: number,
  cols: number,
  countBits: number,
  padColumnsToEven: boolean,
  outOffset = -1,
  addrOffset = 0,
): number {
  if (!(countBits >= 1 && countBits <= 8 && Number.isInteger(countBits))) {
    throw new SimulationError(`CSC: countBits ${countBits} is not an integer in 1..8`);
  }
  if (rows > 0 && cols > 0) {
    // The extreme indices are at the corners of the block, whatever the strides' signs.
    const lastRow = (rows - 1) * rowStride;
    const lastCol = (cols - 1) * colStride;
    const lo = base + Math.min(0, lastRow) + Math.min(0, lastCol);
    const hi = base + Math.max(0, lastRow) + Math.max(0, lastCol);
    if (lo < 0 || hi >= values.length) {
      throw new SimulationError(`CSC: block [${lo}, ${hi}] is outside the ${values.length} values`);
    }
  }
  const { addr, count, data } = out;
  if (addr.length < addrOffset + cols) throw new SimulationError(`CSC: address buffer of ${addr.length} for ${cols} columns`);
  const capacity = Math.min(count.length, data.length);
  const maxCount = (1 << countBits) - 1;
  const packed = outOffset >= 0;
  const first = packed ? outOffset : 0;
  let n = first;
  for (let k = 0; k < cols; k++) {
    if (n - first > 0xffff) throw new SimulationError(`CSC: column ${k} starts at entry ${n - first}, past the 16-bit address`);
    addr[addrOffset + k] = n - first;
    const columnStart = n;
    let zeros = 0;
    let p = base + k * colStride;
    for (let row = 0; row < rows; row++, p += rowStride) {
      const v = values[p];
      if (v === 0) {
        zeros++;
        continue;
      }
      while (zeros > maxCount) {
        if (n === capacity) throw overflow(capacity);
        data[n] = 0;
        count[n] = maxCount;
        n++;
        zeros -= maxCount + 1;
      }
      if (n === capacity) throw overflow(capacity);
      data[n] = v;
      count[n] = zeros;
      n++;
      zeros = 0;
    }
    if (padColumnsToEven && (n - columnStart) & 1) {
      if (n === capacity) throw overflow(capacity);
      data[n] = 0;
      count[n] = 0;
      n++;
    }
  }
  if (packed) return n - first;
  out.rows = rows;
  out.cols = cols;
  out.length = n;
  return n;
}

function overflow(capacity: number): SimulationError {
  return new SimulationError(`CSC: more than ${capacity} entries for the output buffer`);
}

/** One past the last entry of column k. */
export function cscColumnEnd(csc: Csc, k: number): number {
  return k + 1 < csc.cols ? csc.addr[k + 1] : csc.length;
}

/** Number of entries (non-zeros, fillers and pads) of column k; they start at `csc.addr[k]`. */
export function cscColumnEntries(csc: Csc, k: number): number {
  return cscColumnEnd(csc, k) - csc.addr[k];
}

/**
 * Decodes to a dense column-major matrix, walking the counts as the PE does: each entry lands `count` rows
 * after the previous one plus one (fillers land on an explicit zero), and pads (data 0, count 0) are skipped.
 * Throws a SimulationError on a malformed encoding (addresses out of order, a column running past `rows`).
 */
export function decodeCsc(csc: Csc): Int16Array {
  const { rows, cols, addr, count, data, length } = csc;
  const out = new Int16Array(rows * cols);
  for (let k = 0; k < cols; k++) {
    const start = addr[k];
    const end = cscColumnEnd(csc, k);
    if (start > end || end > length) {
      throw new SimulationError(`CSC: column ${k} spans entries [${start}, ${end}) of ${length}`);
    }
    let row = -1;
    for (let e = start; e < end; e++) {
      const d = data[e];
      const c = count[e];
      if (d === 0 && c === 0) continue;
      row += c + 1;
      if (row >= rows) throw new SimulationError(`CSC: entry ${e} of column ${k} lands on row ${row} of ${rows}`);
      out[k * rows + row] = d;
    }
  }
  return out;
}

export interface CscStats {
  nonZeros: number;
  fillers: number;
  pads: number;
  entries: number;
}

export function cscStats(csc: Csc): CscStats {
  let nonZeros = 0;
  let pads = 0;
  for (let e = 0; e < csc.length; e++) {
    if (csc.data[e] !== 0) nonZeros++;
    else if (csc.count[e] === 0) pads++;
  }
  return { nonZeros, fillers: csc.length - nonZeros - pads, pads, entries: csc.length };
}

/** Storage size in bits: one address per column plus the entries. */
export function cscBits(csc: Csc, widths: { addrBits: number; entryBits: number }): number {
  return csc.cols * widths.addrBits + csc.length * widths.entryBits;
}
