import { describe, expect, it } from 'vitest';
import { decodeRlc, encodeRlc, rlcBits, rlcPairs } from '../../sim/sparse/rlc.js';

const V1 = { runBits: 5, levelBits: 16, pairsPerWord: 3, wordBits: 64 };

describe('RLC (Eyeriss v1 feature maps off-chip)', () => {
  it('encodes runs and levels as the chip does, and decodes back', () => {
    const values = [0, 0, 7, 5, 0, 0, 0, -3];
    const rlc = encodeRlc(values, 5);
    expect(Array.from(rlc.runs)).toEqual([2, 0, 3]);
    expect(Array.from(rlc.levels)).toEqual([7, 5, -3]);
    expect(Array.from(decodeRlc(rlc))).toEqual(values);
    expect(rlcBits(rlc.pairs, V1)).toBe(64);
  });

  it('splits runs longer than 31 zeros and codes trailing zeros', () => {
    for (const zeros of [0, 1, 30, 31, 32, 33, 63, 64, 100]) {
      const values = [...Array(zeros).fill(0), 9, ...Array(zeros).fill(0)];
      const rlc = encodeRlc(values, 5);
      expect(Array.from(decodeRlc(rlc)), `${zeros} zeros`).toEqual(values);
      expect(rlcPairs(values, 5)).toBe(rlc.pairs);
      for (let k = 0; k < rlc.pairs; k++) expect(rlc.runs[k]).toBeLessThanOrEqual(31);
    }
    expect(rlcPairs(Array(64).fill(0), 5)).toBe(2); // 31 zeros + a zero, twice
    expect(rlcPairs([], 5)).toBe(0);
  });

  it('round-trips random streams of any density', () => {
    let x = 12345;
    const rand = (): number => ((x = (x * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (const density of [0, 0.02, 0.3, 0.7, 1]) {
      const values = Array.from({ length: 500 }, () => (rand() < density ? Math.floor(rand() * 200) + 1 : 0));
      const rlc = encodeRlc(values, 5);
      expect(Array.from(decodeRlc(rlc))).toEqual(values);
      expect(rlcPairs(values, 5)).toBe(rlc.pairs);
    }
  });
});
