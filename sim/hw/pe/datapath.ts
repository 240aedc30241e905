import { type AccessCounts, counterIndex } from '../../stats/access-counts.js';
import type { PeSpads } from './spads.js';

/**
 * The PE's data path for one window (one output position): walks the iact window in the iact SPads, looks
 * up each iact's weight column through the weight address SPad, multiplies it with the column's weights and
 * accumulates into the psum SPad. It moves the real 8-bit values; the timing of the same walk is the token
 * list it fills (words per FE token), which the pipeline model turns into cycles.
 *
 * Compressed mode (CSC): zeros are absent, so zero iacts and zero weights are skipped: they cost no cycle.
 * Fillers (long zero runs) and pads (odd columns under SIMD-2) are stored zeros whose MACs are gated.
 * Uncompressed mode: every value is stored; a zero iact still walks its weight column (cycles spent, weight
 * reads and MACs gated, JSSC17 §IV zero gating) and zero weights gate their MAC.
 *
 * Every MAC position of the window (cCount x S x mCount) is counted exactly once as compute, gate or skip:
 * the conservation check at the end of a layer compares their sum with the layer's nominal MACs.
 */
export interface WindowGeometry {
  /** Iacts in CSC (rows from the counts); raw iacts have count 0, so the same decode gives their position. */
  compressed: boolean;
  /**
   * Raw iacts with CSC weights: every iact's position in the window is fixed, so the PE issues only the
   * positions whose weight column holds weights. Our choice (JETCAS19 §IV-B only says an iact with no
   * non-zero weight is "not passed further" and need not cause a bubble): such a position costs no cycle.
   */
  issueByWeights: boolean;
  /** Segments of one input row in a window: ceil(S / V). */
  windowSegments: number;
  /** Filter rows in the PE (mapping R0): the window's segments are segment j of input rows 0..R0-1 in turn. */
  filterRows: number;
  /** Input columns per segment (horizontal stride). */
  V: number;
  S: number;
  cCount: number;
  mCount: number;
  simdWidth: number;
  /** Output: tokens of the window's oldest segments (its first segment of each input row). */
  markTokens: number;
}

const I = {
  iactAddrRead: counterIndex('iactAddrSpad', 'iact', 'read'),
  iactDataRead: counterIndex('iactDataSpad', 'iact', 'read'),
  weightAddrRead: counterIndex('weightAddrSpad', 'weight', 'read'),
  weightAddrGate: counterIndex('weightAddrSpad', 'weight', 'gate'),
  weightDataRead: counterIndex('weightDataSpad', 'weight', 'read'),
  weightDataGate: counterIndex('weightDataSpad', 'weight', 'gate'),
  macCompute: counterIndex('mac', 'psum', 'compute'),
  macGate: counterIndex('mac', 'psum', 'gate'),
  macSkip: counterIndex('mac', 'psum', 'skip'),
  psumRead: counterIndex('psumSpad', 'psum', 'read'),
  psumWrite: counterIndex('psumSpad', 'psum', 'write'),
  psumGate: counterIndex('psumSpad', 'psum', 'gate'),
};

/** Pad slots (odd columns under SIMD-2): gated MAC slots that are not MAC positions of the layer. */
export const padSlotCounter = counterIndex('mac', 'weight', 'gate');

/**
 * Computes one window into `spads.psum[psumOffset .. +mCount)` (overwriting it) and fills `tokens` with the
 * BE words of each FE token. Returns the number of tokens.
 */
export function computeWindow(spads: PeSpads, g: WindowGeometry, psumOffset: number, tokens: Int32Array, counts: AccessCounts): number {
  const c = counts.c;
  const { iactCount, iactData, segStart, segLen, weightAddr, weightData, weightRow, colNonZeros, colFillers, colPads, psum } = spads;
  const { compressed, issueByWeights, windowSegments, filterRows, V, S, cCount, mCount, simdWidth } = g;
  const iactCap = spads.iactEntries;
  const cols = spads.weightCols;
  const weightEnd = spads.weightEntries;
  for (let m = psumOffset, end = psumOffset + mCount; m < end; m++) psum[m] = 0; // a call to fill costs more at this size
  let n = 0;
  let validIacts = 0; // stored iacts that fall inside the filter
  let compute = 0;
  let gate = 0;
  let skip = 0;
  let padSlots = 0;
  let weightWords = 0;
  let weightGatedWords = 0;
  let lookups = 0;
  let iactReads = 0;
  const segments = windowSegments * filterRows;
  for (let i = 0, j = 0, r = 0; i < segments; i++) {
    let slot = spads.segHead + i; // i < segments <= iactSegments: one wrap at most
    if (slot >= spads.iactSegments) slot -= spads.iactSegments;
    if (i === filterRows) g.markTokens = n;
    if (i > 0 && ++r === filterRows) {
      r = 0;
      j++;
    }
    const rowColumns = r * cCount; // weight columns are (filter row, channel)-major: k = (r * cCount + c) * S + s
    const len = segLen[slot]!;
    let idx = segStart[slot]!;
    if (len === 0) {
      tokens[n++] = 0; // an all-zero column: only its address is read
      continue;
    }
    iactReads += len;
    let row = -1;
    for (let e = 0; e < len; e++, idx = idx + 1 === iactCap ? 0 : idx + 1) {
      const a = iactData[idx]!;
      row = compressed ? row + iactCount[idx]! + 1 : e;
      const p = (row / cCount) | 0;
      const x = j * V + p;
      if (x >= S) {
        if (!issueByWeights) tokens[n++] = 0; // past the filter's last column: no weight column matches
        continue;
      }
      validIacts++;
      const k = (rowColumns + row - p * cCount) * S + x;
      const start = weightAddr[k]!;
      const end = k + 1 < cols ? weightAddr[k + 1]! : weightEnd;
      const words = Math.ceil((end - start) / simdWidth);
      if (words > 0 || !issueByWeights) tokens[n++] = words;
      if (a === 0) {
        // Raw zero iact: the weight column is walked with reads and MACs gated (with CSC weights, only its
        // stored entries; the zero weights CSC left out are skipped).
        weightGatedWords += words;
        if (issueByWeights) {
          const stored = colNonZeros[k]! + colFillers[k]!;
          gate += stored;
          skip += mCount - stored;
        } else {
          gate += mCount;
        }
        continue;
      }
      lookups++;
      weightWords += words;
      // Each stored weight's row was decoded when the tile was loaded; pads and fillers hold 0 and add 0.
      for (let w = start; w < end; w++) {
        const at = psumOffset + weightRow[w]!;
        psum[at] = (psum[at]! + a * weightData[w]!) | 0;
      }
      const nonZeros = colNonZeros[k]!;
      const fillers = colFillers[k]!;
      compute += nonZeros;
      gate += fillers;
      padSlots += colPads[k]!;
      skip += mCount - nonZeros - fillers;
    }
  }
  if (segments === filterRows) g.markTokens = n;
  // Zero iacts inside the filter that compression left out: their whole weight columns are skipped.
  skip += (filterRows * cCount * S - validIacts) * mCount;
  c[I.iactAddrRead] += segments;
  c[I.iactDataRead] += iactReads;
  if (compressed) c[I.weightAddrRead] += lookups;
  else c[I.weightAddrGate] += lookups; // dense mode: address SPads are clock-gated (JETCAS19 §IV-C)
  c[I.weightDataRead] += weightWords;
  c[I.weightDataGate] += weightGatedWords;
  c[I.macCompute] += compute;
  c[I.macGate] += gate;
  c[I.macSkip] += skip;
  c[I.psumRead] += compute;
  c[I.psumWrite] += compute;
  c[I.psumGate] += gate;
  c[padSlotCounter] += padSlots;
  return n;
}
