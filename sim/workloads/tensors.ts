/**
 * Synthetic layer tensors for traces that carry only densities.
 *
 * Sparsity is exact, not statistical: a tensor of `count` values with density d gets exactly round(d * count)
 * non-zeros at positions drawn uniformly over all such subsets. The simulator's
 * zero-skipping results then depend on the trace's density, not on coin-flip noise.
 *
 * Values of the non-zeros are our choice, typical of 8-bit quantised CNNs (not taken from a paper):
 * - input activations are unsigned 8-bit after ReLU: 1 + floor(X) with X exponential of mean 23.5, i.e. mean
 *   about 24, clamped to [1, 255] (most activations are small, a few are large);
 * - weights are signed 8-bit, symmetric around 0: sign * (1 + floor(X)) with X exponential of mean 11.5, i.e. a
 *   rounded Laplace-like law with scale about 12, clamped to [-127, 127] and never 0.
 * X is drawn through a table of 2^16 quantiles, so the tail beyond the last quantile (probability 2^-17) is cut.
 */
import seedrandom from 'seedrandom';
import { isOnChip, weightCount, type LayerSpec } from './layer.js';

export interface SyntheticTensors {
  /** N*C*H*W activations (unpadded, N-C-H-W row-major), values 0..255. */
  iacts: Int16Array;
  /** M*(C/G)*R*S weights (M-C-R-S row-major), values -127..127; empty for off-chip layers, which have none. */
  weights: Int8Array;
}

const ACTIVATION_EXP_MEAN = 23.5;
const WEIGHT_EXP_MEAN = 11.5;
const TABLE_BITS = 16;

/**
 * Magnitudes 1 + floor(X), X exponential with the given mean, clamped, tabulated at 2^16 quantiles: one random
 * number then gives a value (and, from a spare bit, a sign) without a logarithm per value.
 */
function magnitudeTable(mean: number, max: number): Uint8Array {
  const size = 1 << TABLE_BITS;
  const table = new Uint8Array(size);
  for (let j = 0; j < size; j++) table[j] = Math.min(max, 1 + Math.floor(-mean * Math.log(1 - (j + 0.5) / size)));
  return table;
}
const ACTIVATIONS = magnitudeTable(ACTIVATION_EXP_MEAN, 255);
const WEIGHTS = magnitudeTable(WEIGHT_EXP_MEAN, 127);
const MASK = (1 << TABLE_BITS) - 1;

/** Deterministic in (runSeed, layer.seed, layer.name); iacts and weights use separate streams, so the weights do
 * not change with the batch size. */
export function synthesizeLayerTensors(layer: LayerSpec, runSeed: number): SyntheticTensors {
  const seed = `${runSeed}/${layer.seed}/${layer.name}`;
  // Alea: a fast, well-mixed generator (the default ARC4 is several times slower on VGG-sized layers).
  const iactRng = seedrandom.alea(`${seed}/iacts`);
  const weightRng = seedrandom.alea(`${seed}/weights`);

  const iacts = new Int16Array(layer.N * layer.C * layer.H * layer.W);
  fillExactDensity(iacts, layer.iactDensity, iactRng, () => ACTIVATIONS[(iactRng() * (MASK + 1)) | 0]!);

  const weights = new Int8Array(isOnChip(layer.type) ? weightCount(layer) : 0);
  fillExactDensity(weights, layer.weightDensity, weightRng, () => {
    const u = (weightRng() * 2 ** (TABLE_BITS + 1)) >>> 0;
    const magnitude = WEIGHTS[u & MASK]!;
    return u >>> TABLE_BITS ? -magnitude : magnitude;
  });
  return { iacts, weights };
}

/**
 * Writes exactly round(density * length) non-zeros from `value` at uniformly chosen positions (rest stay 0).
 * It picks the smaller of the two sets (the non-zeros, or the zeros among all-filled values).
 */
function fillExactDensity(
  out: Int16Array | Int8Array,
  density: number,
  rng: () => number,
  value: () => number,
): void {
  const n = out.length;
  const k = Math.round(density * n);
  if (k <= n - k) {
    for (const i of pickPositions(n, k, rng)) out[i] = value();
  } else {
    for (let i = 0; i < n; i++) out[i] = value();
    for (const i of pickPositions(n, n - k, rng)) out[i] = 0;
  }
}

/**
 * Exactly `want` distinct positions of [0, n), uniform over all such sets. A Bernoulli(want/n) pass with
 * geometric skips draws one random number per position taken; the count is then corrected by dropping
 * uniformly chosen taken positions, or adding uniformly chosen untaken ones. Both corrections are symmetric
 * in the positions, so every set of `want` positions stays equally likely.
 */
function pickPositions(n: number, want: number, rng: () => number): Int32Array {
  if (want === 0) return new Int32Array(0);
  if (want === n) return Int32Array.from({ length: n }, (_, i) => i);
  const logq = Math.log(1 - want / n);
  let taken = new Int32Array(want + 8 * Math.ceil(Math.sqrt(want)) + 16);
  let count = 0;
  for (let i = -1; ; ) {
    i += 1 + Math.floor(Math.log(1 - rng()) / logq);
    if (i >= n) break;
    if (count === taken.length) {
      const grown = new Int32Array(taken.length * 2);
      grown.set(taken);
      taken = grown;
    }
    taken[count++] = i;
  }
  while (count > want) {
    const j = Math.floor(rng() * count);
    taken[j] = taken[--count]!;
  }
  if (count < want) {
    // `taken` is still sorted here (nothing was dropped): binary search answers "already taken?".
    const sorted = taken.slice(0, count);
    const added = new Set<number>();
    const isTaken = (t: number): boolean => {
      let lo = 0;
      let hi = sorted.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (sorted[mid]! < t) lo = mid + 1;
        else hi = mid;
      }
      return (lo < sorted.length && sorted[lo] === t) || added.has(t);
    };
    if (taken.length < want) {
      const grown = new Int32Array(want);
      grown.set(taken.subarray(0, count));
      taken = grown;
    }
    while (count < want) {
      const t = Math.floor(rng() * n);
      if (isTaken(t)) continue;
      added.add(t);
      taken[count++] = t;
    }
  }
  return taken.subarray(0, want);
}
