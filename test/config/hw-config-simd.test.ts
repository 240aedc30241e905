/** SIMD width is one field: the weight SPad's word width and word count follow from it. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hwConfigDir, parseHwConfig } from '../../sim/config/hw-config.js';

const text = readFileSync(`${hwConfigDir()}/eyeriss-v2.yaml`, 'utf8');
const pe = (edited: string) => parseHwConfig('x.yaml', edited).pe;

describe('pe.simdWidth', () => {
  it('sets the word width (entries of data + count) and the word count of the 192-entry weight SPad', () => {
    expect([pe(text).weightDataWordBits, pe(text).weightDataSpadWords]).toEqual([24, 96]);
    const simd4 = pe(text.replace('simdWidth: 2', 'simdWidth: 4'));
    expect([simd4.weightDataWordBits, simd4.weightDataSpadWords]).toEqual([48, 48]);
    const simd1 = pe(text.replace('simdWidth: 2', 'simdWidth: 1'));
    expect([simd1.weightDataWordBits, simd1.weightDataSpadWords]).toEqual([12, 192]);
  });

  it('explicit words still work; giving both sizes or an indivisible one is an error', () => {
    const words = text.replace(/weightDataSpadEntries: 192[^\n]*/, 'weightDataSpadWords: 96 # w\n  weightDataWordBits: 24 # b');
    expect([pe(words).weightDataWordBits, pe(words).weightDataSpadWords]).toEqual([24, 96]);
    expect(() => pe(words.replace('weightDataSpadWords: 96', 'weightDataSpadWords: 96\n  weightDataSpadEntries: 192'))).toThrow(
      'x.yaml: field pe.weightDataSpadEntries: got 192, expected exactly one of pe.weightDataSpadEntries and pe.weightDataSpadWords',
    );
    expect(() => pe(text.replace('simdWidth: 2', 'simdWidth: 5'))).toThrow('field pe.weightDataSpadEntries: got 192, expected a multiple of pe.simdWidth = 5');
  });
});
