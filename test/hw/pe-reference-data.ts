import { readFileSync } from 'node:fs';
import seedrandom from 'seedrandom';
import type { LayerSpec } from '../../sim/workloads/layer.js';

/*
 * The 28 layers of the Eyeriss v2 PE ground truth (MICRO'22 Sparseloop artifact, fig12: sparse
 * MobileNet-0.5-128 on one v2 PE), and tensors for them: the artifact's real non-zero masks where it has them
 * (8 point-wise layers), otherwise data built so that the ground truth's own model holds exactly (its
 * `gtModel`: the non-zero pair count, the non-zero weights x E x F, or the dense MACs).
 */

interface Mask { shape: number[]; order: string; nonZeros: number; bitsBase64: string }

export interface ReferenceLayer {
  id: string;
  type: 'CONV' | 'DWCONV' | 'PWCONV' | 'FC';
  C: number; M: number; G: number; R: number; S: number; H: number; W: number;
  strideH: number; strideW: number; padTop: number; padBottom: number; padLeft: number; padRight: number;
  E: number; F: number;
  nominalMacs: number;
  groundTruthCycles: number;
  sparseloopCycles: number;
  gtNonZeroWeights?: number;
  gtModel: string;
  masks?: { iacts: Mask; weights: Mask };
}

export const referenceLayers: ReferenceLayer[] = JSON.parse(
  readFileSync(new URL('./fixtures/sparseloop-v2-pe.json', import.meta.url), 'utf8'),
).layers;

/** Whether the ground truth counts every iact position, padding included (L01 and the depth-wise layers). */
export const countsEveryIact = (l: ReferenceLayer): boolean => l.type === 'CONV' || l.type === 'DWCONV';

/** L20's masks do not match its ground truth (the artifact's own finding): its shape only is used. */
const usableMasks = (l: ReferenceLayer): boolean => l.masks !== undefined && l.id !== 'L20';

export function referenceSpec(l: ReferenceLayer): LayerSpec {
  return {
    name: l.id, type: l.type, N: 1, G: l.G, C: l.C, H: l.H, W: l.W, M: l.M, R: l.R, S: l.S,
    strideH: l.strideH, strideW: l.strideW, padTop: l.padTop, padBottom: l.padBottom, padLeft: l.padLeft, padRight: l.padRight,
    iactDensity: 1, weightDensity: 1, seed: 1, inputs: [],
  };
}

function maskBits(m: Mask): Uint8Array {
  const bytes = Buffer.from(m.bitsBase64, 'base64');
  const count = m.shape.reduce((a, b) => a * b, 1);
  const bits = new Uint8Array(count);
  for (let i = 0; i < count; i++) bits[i] = (bytes[i >> 3]! >> (7 - (i & 7))) & 1;
  return bits;
}

/** Non-zero 8-bit values (iacts unsigned after ReLU, weights signed). */
const iactValue = (rng: () => number): number => 1 + Math.floor(rng() * 127);
const weightValue = (rng: () => number): number => (1 + Math.floor(rng() * 127)) * (rng() < 0.5 ? -1 : 1);

/**
 * Iacts (N=1, C x H x W) and weights (M x C/G x R x S) for a reference layer, deterministic in its id.
 * Pairs-model layers without masks: weights at density sqrt(d), d = groundTruth / nominal (our choice), then
 * iacts added until the (non-zero iact, non-zero weight) pair count equals the ground truth exactly.
 */
export function referenceTensors(l: ReferenceLayer): { iacts: Int16Array; weights: Int8Array } {
  const rng = seedrandom.alea(`pe-reference/${l.id}`);
  const Cg = l.C / l.G;
  const iacts = new Int16Array(l.C * l.H * l.W);
  const weights = new Int8Array(l.M * Cg * l.R * l.S);
  const HW = l.H * l.W;
  if (usableMasks(l)) {
    // Point-wise: iacts H,W,C (C fastest), weights M,C (C fastest).
    const mi = maskBits(l.masks!.iacts);
    for (let i = 0; i < mi.length; i++) if (mi[i]) iacts[(i % l.C) * HW + Math.floor(i / l.C)] = iactValue(rng);
    const mw = maskBits(l.masks!.weights);
    for (let i = 0; i < mw.length; i++) if (mw[i]) weights[i] = weightValue(rng);
    return { iacts, weights };
  }
  if (countsEveryIact(l)) {
    // Every iact counts in the ground truth, zero or not: half of them zero, as after a ReLU (our choice).
    for (let i = 0; i < iacts.length; i++) if (rng() < 0.5) iacts[i] = iactValue(rng);
    // Exactly gtNonZeroWeights non-zero weights (all of them for L01, whose count is the dense MACs).
    const nz = l.gtNonZeroWeights ?? weights.length;
    const order = shuffled(weights.length, rng);
    for (let k = 0; k < nz; k++) weights[order[k]!] = weightValue(rng);
    return { iacts, weights };
  }
  // Pairs model, 1x1 filters (PW, and FC flattened to C*H*W channels): weights first, then iacts to the count.
  const dw = Math.sqrt(l.groundTruthCycles / l.nominalMacs);
  const K = Cg * l.R * l.S; // weights per output channel = iact channels as the array sees them
  const perChannel = new Int32Array(K); // non-zero weights of each (flattened) input channel
  for (let m = 0; m < l.M; m++) {
    for (let k = 0; k < K; k++) {
      if (rng() < dw) {
        weights[m * K + k] = weightValue(rng);
        perChannel[k]!++;
      }
    }
  }
  // Iact positions (channel k at pixel p, k = flattened channel for FC) in random order: take them while the
  // pair count stays below the target by a margin, then hit the target exactly by a subset sum over the rest.
  const pixels = l.type === 'FC' ? 1 : HW;
  const at = (k: number, p: number): number => k * pixels + p;
  const order = shuffled(K * pixels, rng);
  let left = l.groundTruthCycles;
  const margin = 4 * l.M;
  let i = 0;
  for (; i < order.length && left > margin; i++) {
    const k = Math.floor(order[i]! / pixels);
    if (perChannel[k]! > left) continue;
    iacts[at(k, order[i]! % pixels)] = iactValue(rng);
    left -= perChannel[k]!;
  }
  // Subset sum over up to 4000 unused positions, coins = their channels' non-zero weights.
  const rest: number[] = [];
  for (let j = i; j < order.length && rest.length < 4000; j++) if (iacts[order[j]!] === 0 && perChannel[Math.floor(order[j]! / pixels)]! > 0) rest.push(order[j]!);
  const from = new Int32Array(left + 1).fill(-1); // from[s] = index in rest of the last coin reaching sum s
  from[0] = rest.length;
  for (let r = 0; r < rest.length && from[left] === -1; r++) {
    const coin = perChannel[Math.floor(rest[r]! / pixels)]!;
    for (let s = left; s >= coin; s--) if (from[s] === -1 && from[s - coin] !== -1 && from[s - coin] !== r) from[s] = r;
  }
  if (from[left] === -1) throw new Error(`${l.id}: cannot build data with ${l.groundTruthCycles} pairs`);
  for (let s = left; s > 0;) {
    const pos = rest[from[s]!]!;
    iacts[pos] = iactValue(rng);
    s -= perChannel[Math.floor(pos / pixels)]!;
  }
  return { iacts, weights };
}

function shuffled(n: number, rng: () => number): Int32Array {
  const a = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/** (non-zero iact, non-zero weight) pairs over all MAC positions (padding excluded), for checking the data. */
export function nonZeroPairs(l: ReferenceLayer, iacts: Int16Array, weights: Int8Array): number {
  const Cg = l.C / l.G;
  const Mg = l.M / l.G;
  let pairs = 0;
  if (l.type === 'FC') {
    const K = l.C * l.H * l.W;
    for (let m = 0; m < l.M; m++) for (let k = 0; k < K; k++) if (weights[m * K + k] && iacts[k]) pairs++;
    return pairs;
  }
  for (let g = 0; g < l.G; g++) {
    for (let m = 0; m < Mg; m++) {
      for (let c = 0; c < Cg; c++) {
        for (let r = 0; r < l.R; r++) {
          for (let s = 0; s < l.S; s++) {
            if (!weights[(((g * Mg + m) * Cg + c) * l.R + r) * l.S + s]) continue;
            const plane = (g * Cg + c) * l.H * l.W;
            for (let e = 0; e < l.E; e++) {
              const y = e * l.strideH + r - l.padTop;
              if (y < 0 || y >= l.H) continue;
              for (let f = 0; f < l.F; f++) {
                const x = f * l.strideW + s - l.padLeft;
                if (x >= 0 && x < l.W && iacts[plane + y * l.W + x]) pairs++;
              }
            }
          }
        }
      }
    }
  }
  return pairs;
}
