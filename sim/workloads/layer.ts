/**
 * The workload spec of one layer (Timeloop's "problem"): shapes only, no hardware. Dimension names follow the
 * Eyeriss papers: N batch, G groups, C input channels, M output channels (C and M are totals over all groups),
 * H x W input (unpadded), R x S filter (height x width), E x F output, U/V vertical/horizontal stride.
 */

/** Layers the array runs. Grouped CONV is CONV with groups > 1. */
export const ON_CHIP_LAYER_TYPES = ['CONV', 'DWCONV', 'PWCONV', 'FC'] as const;
/**
 * Layers the chip does not run (pooling is off-chip on Eyeriss v2, JETCAS19 §V-B); they only shape the data.
 * MUL scales its first input by its second, element-wise or per channel (squeeze-excite); SLICE keeps channels
 * [channelOffset, channelOffset + M) of its input; SHUFFLE is ShuffleNet's channel shuffle with G groups.
 */
export const OFF_CHIP_LAYER_TYPES = ['POOL_MAX', 'POOL_AVG', 'ADD', 'CONCAT', 'SOFTMAX', 'FLATTEN', 'MUL', 'SLICE', 'SHUFFLE'] as const;
export type OnChipLayerType = (typeof ON_CHIP_LAYER_TYPES)[number];
export type OffChipLayerType = (typeof OFF_CHIP_LAYER_TYPES)[number];
export type LayerType = OnChipLayerType | OffChipLayerType;

export interface LayerShape {
  /** Batch size (images processed together). */
  N: number;
  /** Number of groups; C and M are divisible by G. Depth-wise: G = C. */
  G: number;
  /** Input channels (all groups). */
  C: number;
  /** Input height and width, before padding. */
  H: number;
  W: number;
  /** Output channels (all groups). */
  M: number;
  /** Filter height and width. */
  R: number;
  S: number;
  /** Vertical and horizontal stride. */
  strideH: number;
  strideW: number;
  /** Zero padding on each side. */
  padTop: number;
  padBottom: number;
  padLeft: number;
  padRight: number;
}

export interface LayerSpec extends LayerShape {
  name: string;
  type: LayerType;
  /** Fraction of non-zero input activations in [0, 1], used to synthesise data when no tensor is given. */
  iactDensity: number;
  /** Fraction of non-zero weights in [0, 1]. */
  weightDensity: number;
  /** Fraction of non-zero outputs after the layer's ReLU and bias, when the trace knows it (see trace.proto). */
  outputDensity?: number;
  /** Seed of this layer's synthetic tensors (combined with the run's --seed). */
  seed: number;
  /** Names of the layers whose outputs feed this one; empty means the previous layer (or the network input). */
  inputs: string[];
  /** Where the layer's shape and densities come from. */
  source?: string;
  /** SLICE only: the first input channel kept. */
  channelOffset?: number;
}

/** Output height of a layer. */
export function outHeight(l: LayerShape): number {
  return Math.floor((l.H + l.padTop + l.padBottom - l.R) / l.strideH) + 1;
}

/** Output width of a layer. */
export function outWidth(l: LayerShape): number {
  return Math.floor((l.W + l.padLeft + l.padRight - l.S) / l.strideW) + 1;
}

/** Multiply-accumulates of the layer counting zeros (what GOPS figures count as "nominal"). */
export function nominalMacs(l: LayerShape): number {
  return l.N * l.M * outHeight(l) * outWidth(l) * (l.C / l.G) * l.R * l.S;
}

/** Number of weights (all groups). */
export function weightCount(l: LayerShape): number {
  return l.M * (l.C / l.G) * l.R * l.S;
}

export function isOnChip(type: LayerType): type is OnChipLayerType {
  return (ON_CHIP_LAYER_TYPES as readonly string[]).includes(type);
}
