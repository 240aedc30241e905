/**
 * Synthetic layer tensors for traces that carry only densities.
 *
 * Sparsity is exact, not statistical: a tensor of `count` values with density d gets exactly round(d * count)
 * non-zeros at positions drawn uniformly over all such subsets (selection sampling, Knuth's Algorithm S). The
 * simulator's zero-skipping results then depend on the trace's density, not on coin-flip noise.
 *
 * Values of the non-zeros are our choice, typical of 8-bit quantised CNNs (not taken from a paper):
 * - input activations are unsigned 8-bit after ReLU: 1 + floor(X) with X exponential of mean 23.5, i.e. mean
 *   about 24, clamped to [1, 255] (most activations are small, a few are large);
 * - weights are signed 8-bit, symmetric around 0: sign * (1 + floor(X)) with X exponential of mean 11.5, i.e. a
 *   rounded Laplace-like law with scale about 12, clamped to [-127, 127] and never 0.
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

/** Deterministic in (runSeed, layer.seed, layer.name); iacts and weights use separate streams, so the weights do
 * not change with the batch size. */
export function synthesizeLayerTensors(layer: LayerSpec, runSeed: number): SyntheticTensors {
  const seed = `${runSeed}/${layer.seed}/${layer.name}`;
  // Alea: a fast, well-mixed generator (the default ARC4 is several times slower on VGG-sized layers).
  const iactRng = seedrandom.alea(`${seed}/iacts`);
  const weightRng = seedrandom.alea(`${seed}/weights`);

  const iacts = new Int16Array(layer.N * layer.C * layer.H * layer.W);
  fillExactDensity(iacts, layer.iactDensity, iactRng, () =>
    Math.min(255, 1 + Math.floor(-ACTIVATION_EXP_MEAN * Math.log(1 - iactRng()))),
  );

  const weights = new Int8Array(isOnChip(layer.type) ? weightCount(layer) : 0);
  fillExactDensity(weights, layer.weightDensity, weightRng, () => {
    const magnitude = Math.min(127, 1 + Math.floor(-WEIGHT_EXP_MEAN * Math.log(1 - weightRng())));
    return weightRng() < 0.5 ? -magnitude : magnitude;
  });
  return { iacts, weights };
}

/** Writes exactly round(density * length) non-zeros from `value` at uniformly chosen positions (rest stay 0). */
function fillExactDensity(
  out: Int16Array | Int8Array,
  density: number,
  rng: () => number,
  value: () => number,
): void {
  const count = out.length;
  let left = Math.round(density * count);
  // Algorithm S: take position i with probability left / (count - i). When left = count - i every remaining
  // position is taken, so the total is exact.
  for (let i = 0; i < count && left > 0; i++) {
    if (rng() * (count - i) < left) {
      out[i] = value();
      left--;
    }
  }
}
