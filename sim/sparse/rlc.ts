/**
 * Run-length coding of feature maps off-chip, Eyeriss v1 style (JSSC17 §III-B): the stream is a sequence of
 * (run, level) pairs, `run` zeros (at most 2^runBits - 1) followed by the value `level`; pairs are packed
 * `pairsPerWord` to a word (three 5-bit runs and 16-bit levels in 64 bits on v1, the last bit flagging the
 * final word). A run longer than the run field is split by a pair whose level is 0; zeros at the end of the
 * stream take pairs with level 0 as well.
 */
export interface RlcFormat {
  runBits: number;
  levelBits: number;
  pairsPerWord: number;
  wordBits: number;
}

export interface Rlc {
  runs: Uint8Array;
  levels: Int32Array;
  pairs: number;
  /** Values encoded (the decoder's output length). */
  length: number;
}

/** Counts the (run, level) pairs of a stream fed in pieces (one stream: runs carry across pieces). */
export class RlcPairCounter {
  pairs = 0;
  private zeros = 0;
  private readonly maxRun: number;

  constructor(runBits: number) {
    this.maxRun = (1 << runBits) - 1;
  }

  add(values: ArrayLike<number>, from = 0, to = values.length): void {
    for (let i = from; i < to; i++) {
      if (values[i] === 0) {
        // maxRun zeros and an explicit zero make a full pair.
        if (++this.zeros === this.maxRun + 1) {
          this.pairs++;
          this.zeros = 0;
        }
      } else {
        this.pairs++;
        this.zeros = 0;
      }
    }
  }

  /** Pairs of the whole stream, trailing zeros included. */
  total(): number {
    return this.zeros > 0 ? this.pairs + 1 : this.pairs;
  }
}

/** Number of (run, level) pairs a stream needs. */
export function rlcPairs(values: ArrayLike<number>, runBits: number, from = 0, to = values.length): number {
  const counter = new RlcPairCounter(runBits);
  counter.add(values, from, to);
  return counter.total();
}

/** Bits a stream takes in words of `pairsPerWord` pairs. */
export function rlcBits(pairs: number, f: RlcFormat): number {
  return Math.ceil(pairs / f.pairsPerWord) * f.wordBits;
}

export function encodeRlc(values: ArrayLike<number>, runBits: number): Rlc {
  const maxRun = (1 << runBits) - 1;
  const n = rlcPairs(values, runBits);
  const runs = new Uint8Array(n);
  const levels = new Int32Array(n);
  let k = 0;
  let zeros = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v === 0 && zeros < maxRun) {
      zeros++;
      continue;
    }
    runs[k] = zeros;
    levels[k++] = v;
    zeros = 0;
  }
  if (zeros > 0) {
    // Trailing zeros: a last pair of `zeros - 1` zeros and an explicit zero.
    runs[k] = zeros - 1;
    levels[k++] = 0;
  }
  return { runs, levels, pairs: k, length: values.length };
}

export function decodeRlc(rlc: Rlc): Int32Array {
  const out = new Int32Array(rlc.length);
  let i = 0;
  for (let k = 0; k < rlc.pairs; k++) {
    i += rlc.runs[k]!;
    out[i++] = rlc.levels[k]!;
  }
  return out;
}
