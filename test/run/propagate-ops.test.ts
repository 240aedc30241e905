import { describe, expect, it } from 'vitest';
import { offChipLayer, reluRequantise } from '../../sim/reference/offchip-ops.js';
import { layer } from '../support/layers.js';

const i16 = (values: number[]): Int16Array => Int16Array.from(values);

describe('reference path between on-chip layers', () => {
  it('requantises per image: ReLU, then the shift that brings the maximum under 256', () => {
    // Image 0: max 1000 -> shift 2 (1000 >> 2 = 250); image 1: max 200 -> no shift.
    expect(Array.from(reluRequantise(Int32Array.from([1000, -5, 3, 513, 200, -200, 0, 7]), 2))).toEqual([250, 0, 0, 128, 200, 0, 0, 7]);
    expect(Array.from(reluRequantise(Int32Array.from([-1, -2]), 1))).toEqual([0, 0]);
  });

  it('pools max and average over in-bounds values (average rounded half up)', () => {
    // 1 channel 3x3, window 2x2, stride 2, padding 1 on the bottom/right: the right and bottom windows are partial.
    const x = i16([1, 2, 3, 4, 5, 6, 7, 8, 10]);
    const shape = { N: 1, G: 1, C: 1, M: 1, H: 3, W: 3, R: 2, S: 2, strideH: 2, strideW: 2, padBottom: 1, padRight: 1 };
    expect(Array.from(offChipLayer(layer({ type: 'POOL_MAX', ...shape }), [x]))).toEqual([5, 6, 8, 10]);
    // (1+2+4+5)/4 = 3, (3+6)/2 = 4.5 -> 5, (7+8)/2 = 7.5 -> 8, 10.
    expect(Array.from(offChipLayer(layer({ type: 'POOL_AVG', ...shape }), [x]))).toEqual([3, 5, 8, 10]);
    // Global average pooling of 2 images x 2 channels of 2x2.
    const global = layer({ type: 'POOL_AVG', N: 2, C: 2, M: 2, G: 2, H: 2, W: 2, R: 2, S: 2 });
    expect(Array.from(offChipLayer(global, [i16([1, 1, 1, 2, 0, 0, 0, 0, 4, 4, 4, 4, 9, 9, 9, 8])]))).toEqual([1, 0, 4, 9]);
  });

  it('adds saturating at 255, concatenates channels per image, passes FLATTEN and SOFTMAX through', () => {
    expect(Array.from(offChipLayer(layer({ type: 'ADD' }), [i16([100, 200]), i16([100, 100])]))).toEqual([200, 255]);
    // 2 images; input a has 1 channel of 1x1, input b 2 channels.
    const cat = layer({ type: 'CONCAT', N: 2, C: 3, M: 3 });
    expect(Array.from(offChipLayer(cat, [i16([1, 2]), i16([10, 11, 20, 21])]))).toEqual([1, 10, 11, 2, 20, 21]);
    const x = i16([3, 1, 4]);
    expect(offChipLayer(layer({ type: 'FLATTEN' }), [x])).toBe(x);
    expect(offChipLayer(layer({ type: 'SOFTMAX' }), [x])).toBe(x);
  });
});
