/**
 * Synthetic layer tensors for traces that carry only densities.
 *
 * Sparsity is exact, not statistical: a tensor of `count` values with density d gets exactly round(d * count)
 * non-zeros. The simulator's zero-skipping results then depend on the trace's density, not on coin-flip noise.
 * Where the non-zeros go is the layer's `weightSparsity` pattern for weights (uniform for iacts):
 * - uniform (the default): positions drawn uniformly over all sets of that size;
 * - per-output-channel: each filter (output channel m, K = C/G*R*S weights) gets its own count k_m. Filter shares
 *   s_m are drawn uniformly in [1 - spread, 1 + spread]; k_m is proportional to s_m, capped at K (the excess goes
 *   to the other filters in proportion, "water filling"), rounded down, and the few units left to reach the total
 *   go to the filters with the largest rounded-off fractions. Positions inside a filter are uniform. Real pruned
 *   layers have such uneven filters, and they load the PEs holding different output channels unevenly;
 * - block: weights are zero or non-zero in blocks of `block` consecutive output channels (axis "output") or input
 *   channels (axis "input") at the same filter position, the blocks drawn uniformly. If the total is not a multiple
 *   of the block size, one block (drawn uniformly among the non-zero ones) keeps only its first total % block
 *   weights, so the total is still exact.
 *
 * Values of the non-zeros are our choice, typical of 8-bit quantised CNNs (not taken from a paper):
 * - input activations are unsigned 8-bit after ReLU: 1 + floor(X) with X exponential of mean 23.5, i.e. mean
 *   about 24, clamped to [1, 255] (most activations are small, a few are large);
 * - weights are signed 8-bit, symmetric around 0: sign * (1 + floor(X)) with X exponential of mean 11.5, i.e. a
 *   rounded Laplace-like law with scale about 12, clamped to [-127, 127] and never 0.
 * X is drawn through a table of 2^16 quantiles, so the tail beyond the last quantile (probability 2^-17) is cut.
 */
import { readFileSync } from 'node:fs';
import seedrandom from 'seedrandom';
import { InputError } from '../errors.js';
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

/** Layout of a layer's synthetic weight zeros, from the trace's `weightSparsity` (validated in trace.ts). */
export type WeightSparsity =
  | { pattern: 'uniform' }
  | { pattern: 'per-output-channel'; spread: number }
  | { pattern: 'block'; block: number; axis: 'output' | 'input' };

/** A layer as the synthesiser reads it: the trace may add a weight sparsity pattern (uniform when absent). */
export type SynthesisLayer = LayerSpec & { weightSparsity?: WeightSparsity };

const streamSeed = (layer: LayerSpec, runSeed: number): string => `${runSeed}/${layer.seed}/${layer.name}`;

/** Fraction of non-zero values: a tensor's measured density. */
export function nonZeroFraction(values: ArrayLike<number>): number {
  let nonZeros = 0;
  for (let i = 0; i < values.length; i++) if (values[i] !== 0) nonZeros++;
  return values.length ? nonZeros / values.length : 0;
}

/** Deterministic in (runSeed, layer.seed, layer.name); iacts and weights use separate streams, so the weights do
 * not change with the batch size. */
export function synthesizeLayerTensors(layer: SynthesisLayer, runSeed: number): SyntheticTensors {
  return { iacts: synthesizeIacts(layer, runSeed), weights: synthesizeWeights(layer, runSeed) };
}

/**
 * The layer's N*C*H*W input activations. `image` > 0 draws from another stream: a batch synthesised one image at a
 * time (N = 1 each) gets a distinct image per index, each with the exact density, and image 0 is the batch-1 input.
 */
export function synthesizeIacts(layer: LayerSpec, runSeed: number, image = 0): Int16Array {
  // Alea: a fast, well-mixed generator (the default ARC4 is several times slower on VGG-sized layers).
  const rng = seedrandom.alea(`${streamSeed(layer, runSeed)}/iacts${image ? `/${image}` : ''}`);
  const iacts = new Int16Array(layer.N * layer.C * layer.H * layer.W);
  fillExact(iacts, Math.round(layer.iactDensity * iacts.length), rng, () => ACTIVATIONS[(rng() * (MASK + 1)) | 0]!);
  return iacts;
}

/** The layer's M*(C/G)*R*S weights, zeros laid out by its weightSparsity pattern; empty for off-chip layers. */
export function synthesizeWeights(layer: SynthesisLayer, runSeed: number): Int8Array {
  const rng = seedrandom.alea(`${streamSeed(layer, runSeed)}/weights`);
  const value = (): number => {
    const u = (rng() * 2 ** (TABLE_BITS + 1)) >>> 0;
    const magnitude = WEIGHTS[u & MASK]!;
    return u >>> TABLE_BITS ? -magnitude : magnitude;
  };
  const weights = new Int8Array(isOnChip(layer.type) ? weightCount(layer) : 0);
  const total = Math.round(layer.weightDensity * weights.length);
  const sparsity = layer.weightSparsity ?? { pattern: 'uniform' };
  const K = weights.length / layer.M; // weights per filter
  switch (sparsity.pattern) {
    case 'uniform':
      fillExact(weights, total, rng, value);
      break;
    case 'per-output-channel': {
      const shares = Array.from({ length: layer.M }, () => 1 + sparsity.spread * (2 * rng() - 1));
      splitTotal(total, K, shares).forEach((k, m) => fillExact(weights.subarray(m * K, (m + 1) * K), k, rng, value));
      break;
    }
    case 'block':
      fillBlocks(weights, total, layer, sparsity, rng, value);
      break;
  }
  return weights;
}

/**
 * Integer counts, each at most `cap`, summing to `total` (<= cap * shares.length), proportional to the shares
 * where the cap allows: the filters with the largest shares are capped one by one while the rest, scaled to the
 * remaining total, would pass the cap; the rounding-down deficit goes to the largest fractions first.
 */
function splitTotal(total: number, cap: number, shares: number[]): number[] {
  const order = shares.map((_, i) => i).sort((a, b) => shares[b]! - shares[a]! || a - b);
  let rest = shares.reduce((a, b) => a + b, 0);
  let capped = 0;
  let scale = 0;
  for (; capped < order.length; capped++) {
    scale = rest > 0 ? (total - capped * cap) / rest : 0;
    if (scale * shares[order[capped]!]! <= cap) break;
    rest -= shares[order[capped]!]!;
  }
  const targets = shares.map((s) => Math.min(cap, scale * s));
  for (const i of order.slice(0, capped)) targets[i] = cap;
  const counts = targets.map(Math.floor);
  let left = total - counts.reduce((a, b) => a + b, 0);
  const byFraction = order.slice().sort((a, b) => targets[b]! - counts[b]! - (targets[a]! - counts[a]!) || a - b);
  while (left > 0) {
    for (const i of byFraction) {
      if (left > 0 && counts[i]! < cap) (counts[i]! += 1), left--;
    }
  }
  return counts;
}

/** Block sparsity: `total` non-zeros in whole blocks of channels along the pattern's axis (see the header). */
function fillBlocks(
  out: Int8Array,
  total: number,
  layer: LayerSpec,
  { block, axis }: { block: number; axis: 'output' | 'input' },
  rng: () => number,
  value: () => number,
): void {
  const K = out.length / layer.M;
  const RS = layer.R * layer.S;
  // Unit u -> the index of its first weight and the step between its `block` weights.
  const perFilter = axis === 'output' ? K : (K / RS / block) * RS;
  const first = axis === 'output'
    ? (u: number): number => Math.floor(u / K) * block * K + (u % K)
    : (u: number): number => Math.floor(u / perFilter) * K + Math.floor((u % perFilter) / RS) * block * RS + (u % RS);
  const step = axis === 'output' ? K : RS;
  const units = pickPositions(out.length / block, Math.ceil(total / block), rng);
  const partial = total % block ? Math.floor(rng() * units.length) : -1;
  units.forEach((u, i) => {
    const filled = i === partial ? total % block : block;
    for (let j = 0, at = first(u); j < filled; j++, at += step) out[at] = value();
  });
}

/**
 * Writes exactly `k` non-zeros from `value` at uniformly chosen positions (rest stay 0). It picks the smaller of
 * the two sets (the non-zeros, or the zeros among all-filled values).
 */
function fillExact(out: Int16Array | Int8Array, k: number, rng: () => number, value: () => number): void {
  const n = out.length;
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

// ---------------------------------------------------------------------------------------------------------------
// Real input images

/**
 * Reads network input images (`run --propagate --input FILE`) as unsigned 8-bit activations, C x H x W per image,
 * images back to back. Two forms:
 * - `.npy`: NumPy's format (versions 1-3), dtype uint8, C order, shape (C, H, W) or (images, C, H, W);
 * - anything else: raw bytes, one per value, row-major C x H x W per image (e.g. `numpy_array.tofile(f)`).
 * Returns the values; their count is a whole number of images, checked here against `shape`.
 */
export function readImageFile(file: string, shape: [c: number, h: number, w: number]): Int16Array {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new InputError(`${file}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  const size = shape[0] * shape[1] * shape[2];
  const want = `${shape.join('x')} (C x H x W of the network input)`;
  let data: Uint8Array = bytes;
  if (file.endsWith('.npy')) {
    const { dims, offset } = npyHeader(bytes, file);
    const chw = dims.slice(-3).join('x');
    if ((dims.length !== 3 && dims.length !== 4) || chw !== shape.join('x')) {
      throw new InputError(`${file}: array shape (${dims.join(', ')}), expected images of ${want}, optionally with a leading image count`);
    }
    data = bytes.subarray(offset, offset + dims.reduce((a, b) => a * b, 1));
    if (data.length !== dims.reduce((a, b) => a * b, 1)) throw new InputError(`${file}: truncated array data`);
  } else if (data.length === 0 || data.length % size !== 0) {
    throw new InputError(`${file}: ${data.length} bytes, expected a multiple of ${size}: raw uint8 images of ${want}`);
  }
  return Int16Array.from(data);
}

/** The array shape and data offset of a .npy file; only uint8 arrays in C order are accepted. */
function npyHeader(bytes: Buffer, file: string): { dims: number[]; offset: number } {
  if (bytes.length < 10 || bytes.toString('latin1', 0, 6) !== '\x93NUMPY') throw new InputError(`${file}: not a .npy file (no \\x93NUMPY magic)`);
  const major = bytes[6]!;
  const lengthBytes = major === 1 ? 2 : 4;
  const headerLength = lengthBytes === 2 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const offset = 8 + lengthBytes + headerLength;
  const header = bytes.toString('latin1', 8 + lengthBytes, offset);
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  if (!descr || !/^[|<>=]?u1$/.test(descr)) throw new InputError(`${file}: dtype ${descr ?? '(none)'}, expected uint8 ('|u1')`);
  if (!/'fortran_order'\s*:\s*False/.test(header)) throw new InputError(`${file}: Fortran-ordered array, expected C order`);
  const dims = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1]?.split(',').map((d) => d.trim()).filter(Boolean).map(Number);
  if (!dims || dims.some((d) => !Number.isInteger(d))) throw new InputError(`${file}: unreadable .npy header ${JSON.stringify(header.trim())}`);
  return { dims, offset };
}
