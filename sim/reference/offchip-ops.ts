/**
 * Reference path for what happens between the on-chip layers when real activations are propagated
 * (`eyeriss-sim run --propagate`): turning a layer's psums into the next layer's 8-bit activations, and the layers
 * the chip does not run (pooling, ADD, CONCAT, FLATTEN, SOFTMAX) applied to those activations.
 *
 * Activations are N x C x H x W row-major, unsigned 8-bit values held in Int16Array like the synthetic ones.
 * The rules are ours, chosen to be simple and deterministic (the traces carry no quantisation scales):
 * - ReLU then requantisation, per image: shift = the smallest s >= 0 with (max >> s) <= 255, where max is the
 *   image's largest psum (after ReLU); each value becomes max(0, psum) >> s (an arithmetic shift, rounding down).
 *   So the largest output of every image lands in 128..255 (or below 256 unshifted), as a calibrated power-of-two
 *   scale would place it, and an image's activations do not depend on the other images of its batch.
 * - POOL_MAX: maximum over the window's in-bounds values (padding never wins: activations are >= 0).
 * - POOL_AVG (global included): mean over the window's in-bounds values, rounded half up.
 * - ADD: element-wise sum, saturated at 255. CONCAT: channels of the inputs in order.
 * - FLATTEN and SOFTMAX: identity (FLATTEN only reshapes; a SOFTMAX ends the network and feeds nothing).
 * - MUL: a * b / 256, rounded down, b read per element or per channel (C x 1 x 1): the second input is a gate
 *   (sigmoid-like, squeeze-excite) whose 8-bit code 256 would be 1.0.
 * - SLICE: channels [channelOffset, channelOffset + M) of each image. SHUFFLE: output channel j * G + i is input
 *   channel i * (C / G) + j (ShuffleNet's reshape to G x C/G, transpose, flatten).
 */
import { SimulationError } from '../errors.js';
import { outHeight, outWidth, type LayerSpec } from '../workloads/layer.js';

/** ReLU and requantisation of N images' psums to unsigned 8-bit activations (rule in the header). */
export function reluRequantise(psums: Int32Array, N: number): Int16Array {
  const out = new Int16Array(psums.length);
  const size = psums.length / N;
  for (let n = 0; n < N; n++) {
    const image = psums.subarray(n * size, (n + 1) * size);
    let max = 0;
    for (const v of image) if (v > max) max = v;
    let shift = 0;
    while (max >> shift > 255) shift++;
    for (let i = 0; i < size; i++) out[n * size + i] = image[i]! > 0 ? image[i]! >> shift : 0;
  }
  return out;
}

/** The output activations of an off-chip layer from its input activations (one array per name in its inputs). */
export function offChipLayer(layer: LayerSpec, inputs: Int16Array[]): Int16Array {
  switch (layer.type) {
    case 'POOL_MAX':
    case 'POOL_AVG':
      return pool(layer, inputs[0]!);
    case 'ADD': {
      const out = Int16Array.from(inputs[0]!);
      for (const other of inputs.slice(1)) for (let i = 0; i < out.length; i++) out[i] = Math.min(255, out[i]! + other[i]!);
      return out;
    }
    case 'CONCAT': {
      // Per image, each input's C_i x H x W block, in the order of the inputs.
      const out = new Int16Array(inputs.reduce((a, x) => a + x.length, 0));
      let at = 0;
      for (let n = 0; n < layer.N; n++) {
        for (const x of inputs) {
          const size = x.length / layer.N;
          out.set(x.subarray(n * size, (n + 1) * size), at);
          at += size;
        }
      }
      return out;
    }
    case 'FLATTEN':
    case 'SOFTMAX':
      return inputs[0]!;
    case 'MUL': {
      const [a, b] = inputs as [Int16Array, Int16Array];
      const plane = layer.H * layer.W;
      const perChannel = b.length * plane === a.length;
      const out = new Int16Array(a.length);
      for (let i = 0; i < a.length; i++) out[i] = (a[i]! * b[perChannel ? Math.floor(i / plane) : i]!) >> 8;
      return out;
    }
    case 'SLICE': {
      const plane = layer.H * layer.W;
      const out = new Int16Array(layer.N * layer.M * plane);
      for (let n = 0; n < layer.N; n++) {
        const from = (n * layer.C + (layer.channelOffset ?? 0)) * plane;
        out.set(inputs[0]!.subarray(from, from + layer.M * plane), n * layer.M * plane);
      }
      return out;
    }
    case 'SHUFFLE': {
      const x = inputs[0]!;
      const plane = layer.H * layer.W;
      const perGroup = layer.C / layer.G;
      const out = new Int16Array(x.length);
      for (let n = 0; n < layer.N; n++) {
        for (let i = 0; i < layer.G; i++) {
          for (let j = 0; j < perGroup; j++) {
            const src = (n * layer.C + i * perGroup + j) * plane;
            out.set(x.subarray(src, src + plane), (n * layer.C + j * layer.G + i) * plane);
          }
        }
      }
      return out;
    }
    default:
      throw new SimulationError(`layer "${layer.name}": ${layer.type} runs on chip, not on the reference path`);
  }
}

function pool(layer: LayerSpec, x: Int16Array): Int16Array {
  const { N, C, H, W, R, S, strideH, strideW, padTop, padLeft } = layer;
  const E = outHeight(layer);
  const F = outWidth(layer);
  const out = new Int16Array(N * C * E * F);
  const isMax = layer.type === 'POOL_MAX';
  for (let plane = 0; plane < N * C; plane++) {
    const inBase = plane * H * W;
    for (let e = 0; e < E; e++) {
      const h0 = Math.max(0, e * strideH - padTop);
      const h1 = Math.min(H, e * strideH - padTop + R);
      for (let f = 0; f < F; f++) {
        const w0 = Math.max(0, f * strideW - padLeft);
        const w1 = Math.min(W, f * strideW - padLeft + S);
        let acc = 0;
        for (let h = h0; h < h1; h++) {
          for (let w = w0; w < w1; w++) {
            const v = x[inBase + h * W + w]!;
            acc = isMax ? Math.max(acc, v) : acc + v;
          }
        }
        // A window wholly in the padding (possible only with padding >= the window) averages to 0.
        const count = Math.max(0, h1 - h0) * Math.max(0, w1 - w0);
        out[(plane * E + e) * F + f] = isMax || count === 0 ? acc : Math.floor((acc + count / 2) / count);
      }
    }
  }
  return out;
}
