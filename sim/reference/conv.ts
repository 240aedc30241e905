/**
 * Golden model: plain direct convolution with exact integer sums, which the simulated array's outputs are
 * checked against (after wrapping to the psum width, see wrapToBits).
 */
import { InputError, SimulationError } from '../errors.js';
import { outHeight, outWidth, type LayerShape } from '../workloads/layer.js';

const INT32_MAX = 2 ** 31 - 1;

function maxAbs(values: Int16Array | Int8Array): number {
  let max = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] < 0 ? -values[i] : values[i];
    if (v > max) max = v;
  }
  return max;
}

/**
 * Exact convolution: iacts N*C*H*W (unpadded, NCHW), weights M*(C/G)*R*S, result N*M*E*F.
 *
 * Why int32 accumulation is exact: every output is a sum of K = C/G*R*S products, and every partial sum of
 * some of them is bounded by K * max|iact| * max|weight|. For 8-bit operands (|iact| <= 255, int8 weights
 * |w| <= 128) and K <= 65535 that is at most 65535 * 255 * 128 = 2,139,062,400 < 2^31 - 1, so no partial sum
 * wraps, in any summation order. Iacts are Int16Array, so the bound is checked on the actual data and the
 * function throws rather than return a wrapped sum.
 */
export function referenceConv(layer: LayerShape, iacts: Int16Array, weights: Int8Array): Int32Array {
  const { N, G, C, H, W, M, R, S, strideH: U, strideW: V, padTop, padLeft } = layer;
  const E = outHeight(layer);
  const F = outWidth(layer);
  if (C % G !== 0 || M % G !== 0) throw new InputError(`groups ${G} do not divide C ${C} and M ${M}`);
  if (!(E >= 1 && F >= 1)) throw new InputError(`layer output is ${E}x${F}: the filter does not fit the padded input`);
  const Cg = C / G;
  const Mg = M / G;
  if (iacts.length !== N * C * H * W) throw new SimulationError(`${iacts.length} iacts for N*C*H*W = ${N * C * H * W}`);
  if (weights.length !== M * Cg * R * S) {
    throw new SimulationError(`${weights.length} weights for M*(C/G)*R*S = ${M * Cg * R * S}`);
  }
  const K = Cg * R * S;
  const bound = K * maxAbs(iacts) * maxAbs(weights);
  if (bound > INT32_MAX) {
    throw new InputError(`exact sums could reach ${bound} (${K} products per output), past the int32 range`);
  }

  // For each filter row r (column s), the outputs whose input row (column) is inside the unpadded input:
  // padding contributes zeros, so those products are skipped instead of tested in the inner loop.
  const eLo = new Int32Array(R);
  const eHi = new Int32Array(R);
  for (let r = 0; r < R; r++) {
    eLo[r] = Math.max(0, Math.ceil((padTop - r) / U));
    eHi[r] = Math.min(E, Math.floor((H - 1 + padTop - r) / U) + 1);
  }
  const fLo = new Int32Array(S);
  const fHi = new Int32Array(S);
  for (let s = 0; s < S; s++) {
    fLo[s] = Math.max(0, Math.ceil((padLeft - s) / V));
    fHi[s] = Math.min(F, Math.floor((W - 1 + padLeft - s) / V) + 1);
  }

  const out = new Int32Array(N * M * E * F);
  for (let n = 0; n < N; n++) {
    for (let m = 0; m < M; m++) {
      const outPlane = (n * M + m) * E * F;
      const firstChannel = Math.floor(m / Mg) * Cg;
      for (let cc = 0; cc < Cg; cc++) {
        const inPlane = (n * C + firstChannel + cc) * H * W;
        const filter = (m * Cg + cc) * R * S;
        for (let r = 0; r < R; r++) {
          for (let s = 0; s < S; s++) {
            const w = weights[filter + r * S + s];
            if (w === 0) continue;
            const f0 = fLo[s];
            const f1 = fHi[s];
            for (let e = eLo[r], e1 = eHi[r]; e < e1; e++) {
              const o = outPlane + e * F;
              // Input index of output column 0 (may be negative; only f in [f0, f1) are read).
              const i = inPlane + (e * U - padTop + r) * W - padLeft + s;
              for (let f = f0; f < f1; f++) out[o + f] += w * iacts[i + f * V];
            }
          }
        }
      }
    }
  }
  return out;
}

function checkBits(bits: number): void {
  if (!(Number.isInteger(bits) && bits >= 1 && bits <= 32)) throw new SimulationError(`bit width ${bits} not in 1..32`);
}

/** Two's-complement wrap of an integer to `bits` (1..32) bits, as a `bits`-wide psum register would hold it. */
export function wrapToBits(value: number, bits: number): number {
  checkBits(bits);
  const shift = 32 - bits;
  // `<<` first reduces modulo 2^32 (ToInt32), which 2^bits divides, so values beyond int32 wrap right too.
  return (value << shift) >> shift;
}

export function wrapArrayToBits(values: Int32Array, bits: number): Int32Array {
  checkBits(bits);
  const shift = 32 - bits;
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = (values[i] << shift) >> shift;
  return out;
}

/** How many exact values lie outside the signed range of `bits` bits (and so would wrap). */
export function countOverflows(exact: Int32Array, bits: number): number {
  checkBits(bits);
  const lo = -(2 ** (bits - 1));
  const hi = 2 ** (bits - 1) - 1;
  let overflows = 0;
  for (let i = 0; i < exact.length; i++) if (exact[i] < lo || exact[i] > hi) overflows++;
  return overflows;
}
