import { type LayerSpec, outHeight, outWidth } from '../workloads/layer.js';

/**
 * A layer as the array sees it: per-group channel counts, padded input, and FC flattened to a 1x1 convolution
 * over C*H*W channels (the weight and iact memory layouts are unchanged by the flattening).
 */
export interface Problem {
  name: string;
  N: number;
  G: number;
  /** Input channels per group. */
  C: number;
  /** Output channels per group. */
  M: number;
  E: number;
  F: number;
  R: number;
  S: number;
  /** Vertical and horizontal stride. */
  U: number;
  V: number;
  /** Unpadded input size, and the padding before the first row/column. */
  H: number;
  W: number;
  padTop: number;
  padLeft: number;
  /** Padded input rows that windows can reach. */
  Hp: number;
  Wp: number;
}

export function toProblem(layer: LayerSpec): Problem {
  if (layer.type === 'FC') {
    const C = (layer.C / layer.G) * layer.H * layer.W;
    return {
      name: layer.name, N: layer.N, G: layer.G, C, M: layer.M / layer.G, E: 1, F: 1, R: 1, S: 1, U: 1, V: 1,
      H: 1, W: 1, padTop: 0, padLeft: 0, Hp: 1, Wp: 1,
    };
  }
  const E = outHeight(layer);
  const F = outWidth(layer);
  return {
    name: layer.name,
    N: layer.N,
    G: layer.G,
    C: layer.C / layer.G,
    M: layer.M / layer.G,
    E,
    F,
    R: layer.R,
    S: layer.S,
    U: layer.strideH,
    V: layer.strideW,
    H: layer.H,
    W: layer.W,
    padTop: layer.padTop,
    padLeft: layer.padLeft,
    Hp: (E - 1) * layer.strideH + layer.R,
    Wp: (F - 1) * layer.strideW + layer.S,
  };
}

export function problemMacs(p: Problem): number {
  return p.N * p.G * p.M * p.C * p.E * p.F * p.R * p.S;
}
