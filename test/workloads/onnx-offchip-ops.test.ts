/** Reference ops of the off-chip layer types the ONNX import introduced (MUL, SLICE, SHUFFLE) on propagated data. */
import { describe, expect, it } from 'vitest';
import { offChipLayer } from '../../sim/reference/offchip-ops.js';
import { layer } from '../support/layers.js';

const i16 = (values: number[]): Int16Array => Int16Array.from(values);

describe('MUL, SLICE and SHUFFLE on the reference path', () => {
  it('MUL scales by a gate read per element or per channel, a * b / 256 rounded down', () => {
    // 1 image, 2 channels of 1x2; gate per channel 128 (0.5) and 256 would be 1.0 (255 here).
    const x = i16([100, 201, 10, 255]);
    expect(Array.from(offChipLayer(layer({ type: 'MUL', C: 2, M: 2, H: 1, W: 2 }), [x, i16([128, 255])]))).toEqual([50, 100, 9, 254]);
    expect(Array.from(offChipLayer(layer({ type: 'MUL', C: 2, M: 2, H: 1, W: 2 }), [x, i16([256, 0, 128, 128])]))).toEqual([100, 0, 5, 127]);
  });

  it('SLICE keeps a channel range of every image', () => {
    // 2 images x 3 channels of 1x1: keep channels 1..2.
    const slice = layer({ type: 'SLICE', N: 2, C: 3, M: 2, channelOffset: 1 });
    expect(Array.from(offChipLayer(slice, [i16([0, 1, 2, 10, 11, 12])]))).toEqual([1, 2, 11, 12]);
  });

  it('SHUFFLE interleaves the groups: output channel j * G + i is input channel i * C/G + j', () => {
    // 6 channels of 1x2 in 2 groups: [a0 a1 a2 | b0 b1 b2] -> [a0 b0 a1 b1 a2 b2].
    const shuffle = layer({ type: 'SHUFFLE', C: 6, M: 6, G: 2, H: 1, W: 2 });
    const x = i16([0, 0, 1, 1, 2, 2, 10, 10, 11, 11, 12, 12]);
    expect(Array.from(offChipLayer(shuffle, [x]))).toEqual([0, 0, 10, 10, 1, 1, 11, 11, 2, 2, 12, 12]);
  });
});
