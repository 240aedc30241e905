import { describe, expect, test } from 'vitest';
import seedrandom from 'seedrandom';
import {
  createCscBuffer,
  cscBits,
  cscColumnEntries,
  cscStats,
  decodeCsc,
  encodeCsc,
  encodeCscInto,
  type Csc,
  type CscValues,
} from '../../sim/sparse/csc.js';
import { SimulationError } from '../../sim/errors.js';

/** Deterministic generator in [0, 1). */
const rng = (seed: number): (() => number) => seedrandom(String(seed));

/** Column-major Int16Array from per-column arrays. */
function fromColumns(columns: number[][]): Int16Array {
  return Int16Array.from(columns.flat());
}

function entries(csc: Csc): { addr: number[]; data: number[]; count: number[] } {
  return {
    addr: Array.from(csc.addr.subarray(0, csc.cols)),
    data: Array.from(csc.data.subarray(0, csc.length)),
    count: Array.from(csc.count.subarray(0, csc.length)),
  };
}

/** Checks the format's invariants and that decoding gives the matrix back. */
function checkRoundTrip(values: CscValues, rows: number, cols: number, countBits: number, pad: boolean): Csc {
  const csc = encodeCsc(values, rows, cols, { countBits, padColumnsToEven: pad });
  const maxCount = 2 ** countBits - 1;
  expect(decodeCsc(csc)).toEqual(Int16Array.from(values));
  expect(csc.data.length).toBe(csc.length);
  expect(csc.count.length).toBe(csc.length);
  expect(csc.addr.length).toBe(cols);

  // Entries expected from an independent count: a zero run of z before a non-zero needs floor(z / (maxCount+1))
  // fillers; trailing zeros need none.
  let nonZeros = 0;
  let fillers = 0;
  let pads = 0;
  for (let k = 0; k < cols; k++) {
    let run = 0;
    let columnEntries = 0;
    for (let r = 0; r < rows; r++) {
      if (values[k * rows + r] === 0) run++;
      else {
        nonZeros++;
        const f = Math.floor(run / (maxCount + 1));
        fillers += f;
        columnEntries += f + 1;
        run = 0;
      }
    }
    if (pad && columnEntries % 2 === 1) {
      pads++;
      columnEntries++;
    }
    expect(cscColumnEntries(csc, k)).toBe(columnEntries);
  }
  expect(cscStats(csc)).toEqual({ nonZeros, fillers, pads, entries: nonZeros + fillers + pads });
  // Counts fit their width; zero entries are fillers (count maxCount) or pads (count 0).
  const badEntries = Array.from(csc.count.keys()).filter(
    (e) => csc.count[e] > maxCount || (csc.data[e] === 0 && csc.count[e] !== 0 && csc.count[e] !== maxCount),
  );
  expect(badEntries).toEqual([]);
  return csc;
}

describe('CSC codec', () => {
  test('hand-written example, 4-bit counts', () => {
    const values = fromColumns([
      [0, 3, 0, 0],
      [0, 0, 0, 0],
      [5, 0, 0, -2],
      [1, 2, 0, 4],
      [0, 0, 0, 0],
    ]);
    const csc = encodeCsc(values, 4, 5);
    expect(entries(csc)).toEqual({
      addr: [0, 1, 1, 3, 6],
      data: [3, 5, -2, 1, 2, 4],
      count: [1, 0, 2, 0, 0, 1],
    });
    expect(csc.length).toBe(6);
    expect(cscColumnEntries(csc, 1)).toBe(0);
    expect(cscColumnEntries(csc, 4)).toBe(0);
    expect(decodeCsc(csc)).toEqual(values);

    const padded = encodeCsc(values, 4, 5, { padColumnsToEven: true });
    expect(entries(padded)).toEqual({
      addr: [0, 2, 2, 4, 8],
      data: [3, 0, 5, -2, 1, 2, 4, 0],
      count: [1, 0, 0, 2, 0, 0, 1, 0],
    });
    expect(cscStats(padded)).toEqual({ nonZeros: 6, fillers: 0, pads: 2, entries: 8 });
    expect(decodeCsc(padded)).toEqual(values);
  });

  test('hand-written example with fillers, 2-bit counts', () => {
    const values = fromColumns([
      [0, 0, 0, 0, 0, 0, 0, 0, 0, 7], // 9 zeros: filler (4) + filler (4) + count 1
      [6, 0, 0, 0, 0, 9, 0, 0, 0, 0], // 4 zeros: filler (4) + count 0; trailing zeros free
    ]);
    const csc = encodeCsc(values, 10, 2, { countBits: 2 });
    expect(entries(csc)).toEqual({
      addr: [0, 3],
      data: [0, 0, 7, 6, 0, 9],
      count: [3, 3, 1, 0, 3, 0],
    });
    expect(cscStats(csc)).toEqual({ nonZeros: 3, fillers: 3, pads: 0, entries: 6 });
    expect(decodeCsc(csc)).toEqual(values);

    const padded = encodeCsc(values, 10, 2, { countBits: 2, padColumnsToEven: true });
    expect(entries(padded)).toEqual({
      addr: [0, 4],
      data: [0, 0, 7, 0, 6, 0, 9, 0],
      count: [3, 3, 1, 0, 0, 3, 0, 0],
    });
    expect(decodeCsc(padded)).toEqual(values);
  });

  test('zero runs at the 4-bit filler boundary: 15, 16, 31, 32', () => {
    const expected: Record<number, { data: number[]; count: number[] }> = {
      15: { data: [1], count: [15] },
      16: { data: [0, 1], count: [15, 0] },
      31: { data: [0, 1], count: [15, 15] },
      32: { data: [0, 0, 1], count: [15, 15, 0] },
    };
    for (const [run, want] of Object.entries(expected)) {
      const z = Number(run);
      const values = new Int16Array(z + 1);
      values[z] = 1;
      const csc = encodeCsc(values, z + 1, 1);
      expect({ run: z, data: Array.from(csc.data), count: Array.from(csc.count) }).toEqual({ run: z, ...want });
      expect(decodeCsc(csc)).toEqual(values);
    }
  });

  test('all-zero columns: first, last, several in a row, and a fully zero matrix', () => {
    const values = fromColumns([[0, 0, 0], [0, 0, 0], [1, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 2], [0, 0, 0]]);
    const csc = checkRoundTrip(values, 3, 8, 4, false);
    expect(entries(csc)).toEqual({ addr: [0, 0, 0, 1, 1, 1, 1, 2], data: [1, 2], count: [0, 2] });
    checkRoundTrip(values, 3, 8, 4, true);

    const zero = encodeCsc(new Int16Array(6 * 5), 6, 5, { padColumnsToEven: true });
    expect(entries(zero)).toEqual({ addr: [0, 0, 0, 0, 0], data: [], count: [] });
    expect(zero.length).toBe(0);
    expect(decodeCsc(zero)).toEqual(new Int16Array(30));
  });

  test('fully dense matrix: one entry per element, all counts 0', () => {
    const values = Int16Array.from({ length: 5 * 3 }, (_, i) => i + 1);
    const csc = checkRoundTrip(values, 5, 3, 4, false);
    expect(entries(csc)).toEqual({ addr: [0, 5, 10], data: Array.from(values), count: new Array(15).fill(0) });
    const padded = checkRoundTrip(values, 5, 3, 4, true);
    expect(Array.from(padded.addr)).toEqual([0, 6, 12]);
    expect(cscStats(padded).pads).toBe(3);
  });

  test('odd entry counts get one pad per column; even ones none', () => {
    // Entries per column: 1, 2, 3 (the third column's 3 = filler + 2 non-zeros).
    const values = fromColumns([
      [4, ...new Array(19).fill(0)],
      [4, 5, ...new Array(18).fill(0)],
      [...new Array(16).fill(0), 1, 0, 0, 2],
    ]);
    const csc = checkRoundTrip(values, 20, 3, 4, true);
    expect(entries(csc)).toEqual({
      addr: [0, 2, 4],
      data: [4, 0, 4, 5, 0, 1, 2, 0],
      count: [0, 0, 0, 0, 15, 0, 2, 0],
    });
    expect(cscStats(csc)).toEqual({ nonZeros: 5, fillers: 1, pads: 2, entries: 8 });
  });

  test('1x1 matrices', () => {
    const one = encodeCsc(Int8Array.of(-7), 1, 1);
    expect(entries(one)).toEqual({ addr: [0], data: [-7], count: [0] });
    expect(decodeCsc(one)).toEqual(Int16Array.of(-7));
    const padded = encodeCsc(Int8Array.of(-7), 1, 1, { padColumnsToEven: true });
    expect(entries(padded)).toEqual({ addr: [0], data: [-7, 0], count: [0, 0] });
    expect(decodeCsc(padded)).toEqual(Int16Array.of(-7));
    const zero = encodeCsc(Int8Array.of(0), 1, 1);
    expect(zero.length).toBe(0);
    expect(decodeCsc(zero)).toEqual(Int16Array.of(0));
  });

  test('random round trips over shapes, densities and count widths', () => {
    const random = rng(0xc5c);
    for (const rows of [1, 2, 3, 7, 16, 17, 33, 100]) {
      for (const cols of [1, 2, 5, 13]) {
        for (const density of [0, 0.01, 0.1, 0.3, 0.5, 0.9, 1]) {
          for (const countBits of [1, 2, 4, 8]) {
            const values =
              random() < 0.5
                ? Int8Array.from({ length: rows * cols }, () => (random() < density ? 1 + Math.floor(random() * 127) : 0))
                : Int16Array.from({ length: rows * cols }, () =>
                    random() < density ? (random() < 0.5 ? -1 : 1) * (1 + Math.floor(random() * 32767)) : 0,
                  );
            checkRoundTrip(values, rows, cols, countBits, false);
            checkRoundTrip(values, rows, cols, countBits, true);
          }
        }
      }
    }
  });

  test('encodeCscInto reads a sub-block in place and reuses its buffer', () => {
    // A 12 x 9 row-major tensor; encode the 5 x 4 block at row 3, column 2.
    const random = rng(7);
    const width = 9;
    const tensor = Int16Array.from({ length: 12 * width }, () => (random() < 0.3 ? Math.floor(random() * 50) - 25 : 0));
    const block = new Int16Array(5 * 4); // column-major copy for the reference
    for (let c = 0; c < 4; c++) for (let r = 0; r < 5; r++) block[c * 5 + r] = tensor[(3 + r) * width + 2 + c];

    const buffer = createCscBuffer(20, 20, true);
    buffer.data.fill(99); // stale contents must not leak
    for (const pad of [false, true]) {
      const n = encodeCscInto(buffer, tensor, 3 * width + 2, width, 1, 5, 4, 4, pad);
      const want = encodeCsc(block, 5, 4, { padColumnsToEven: pad });
      expect(n).toBe(want.length);
      expect(entries(buffer)).toEqual(entries(want));
      expect(decodeCsc(buffer)).toEqual(block);
    }
    // A smaller block afterwards: rows/cols/length follow the latest call.
    encodeCscInto(buffer, tensor, 0, width, 1, 1, 1, 4, false);
    expect([buffer.rows, buffer.cols]).toEqual([1, 1]);
    expect(decodeCsc(buffer)).toEqual(Int16Array.of(tensor[0]));
  });

  test('errors: bad count width, block out of range, buffer too small, corrupt encodings', () => {
    const values = Int16Array.of(1, 2, 3, 4);
    expect(() => encodeCsc(values, 2, 2, { countBits: 0 })).toThrow(SimulationError);
    expect(() => encodeCsc(values, 2, 2, { countBits: 9 })).toThrow(SimulationError);
    expect(() => encodeCsc(values, 3, 2)).toThrow(SimulationError);
    const buffer = createCscBuffer(2, 2);
    expect(() => encodeCscInto(buffer, values, 1, 1, 2, 2, 2, 4, false)).toThrow(SimulationError);
    expect(() => encodeCscInto(createCscBuffer(1, 2), values, 0, 1, 2, 2, 2, 4, false)).toThrow(SimulationError);

    const runsPast = encodeCsc(Int16Array.of(0, 5), 2, 1);
    runsPast.count[0] = 2;
    expect(() => decodeCsc(runsPast)).toThrow(SimulationError);
    const badAddr = encodeCsc(values, 2, 2);
    badAddr.addr[1] = 9;
    expect(() => decodeCsc(badAddr)).toThrow(SimulationError);
  });

  test('storage size in bits', () => {
    const csc = encodeCsc(fromColumns([[0, 3], [0, 0], [1, 2]]), 2, 3);
    expect(csc.length).toBe(3);
    expect(cscBits(csc, { addrBits: 7, entryBits: 12 })).toBe(3 * 7 + 3 * 12);
  });
});
