import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { loadHwConfig } from '../../sim/config/hw-config.js';
import { type PipelineTiming, RecurrenceTiming, SteppedTiming } from '../../sim/hw/pe/pipeline.js';
import { ringSize } from '../../sim/hw/pe/processing-element.js';
import { parseMappingText } from '../../sim/mapping/mapping.js';
import { simulateLayer } from '../../sim/run/layer-sim.js';
import { synthesizeLayerTensors } from '../../sim/workloads/tensors.js';
import { layer, randomLayers } from '../support/layers.js';

interface Window { arrival: number; words: Int32Array; mark: number }

/** Random windows: arrival cycles (non-decreasing) and BE words per FE token (0 = dropped after stage 3). */
function windows(seed: string, count: number): Window[] {
  const rng = seedrandom(seed);
  const out: Window[] = [];
  let t = 0;
  for (let i = 0; i < count; i++) {
    t += Math.floor(rng() * 4);
    const n = Math.floor(rng() * 7);
    const words = new Int32Array(n);
    for (let k = 0; k < n; k++) words[k] = rng() < 0.3 ? 0 : 1 + Math.floor(rng() * 3);
    out.push({ arrival: t, words, mark: Math.floor(rng() * (n + 1)) });
  }
  return out;
}

const SLOTS = 3; // windows in flight, as psum slots bound them in the PE

/**
 * Drives a timing model as the PE does: window i starts at the latest of its arrival, the cycle the FE freed
 * from window i-1 and the completion of window i-SLOTS (its psum slot), once those cycles are known.
 * Returns each window's (feMark, feEnd, done).
 */
function drive(timing: PipelineTiming, ws: Window[]): number[][] {
  const times = ws.map(() => [Infinity, Infinity, Infinity]);
  let next = 0;
  for (let now = 0; now < 100000 && (next < ws.length || timing.stepping); now++) {
    while (next < ws.length) {
      const prevFe = next > 0 ? timing.feEnd(next - 1) : 0;
      const slotFree = next >= SLOTS ? timing.done(next - SLOTS) : 0;
      if (Math.max(ws[next]!.arrival, prevFe, slotFree) > now) break;
      timing.start(next, now, ws[next]!.words, ws[next]!.words.length, ws[next]!.mark);
      next++;
    }
    timing.advance(now);
    for (let i = Math.max(0, next - SLOTS - 1); i < next; i++) times[i] = [timing.feMark(i), timing.feEnd(i), timing.done(i)];
  }
  return times;
}

// The event engine's closed recurrence and the tick engine's cycle-by-cycle model of the PE pipeline must
// give every window the same FE end and completion cycle, whatever the lead (0 on Eyeriss v1, whose SPads are
// read in one stage; 2 on v2) and queue depth.
describe('PE pipeline: recurrence equals the stepped model', () => {
  for (const [lead, depth, tail] of [[0, 2, 2], [2, 2, 3], [1, 1, 2], [0, 1, 0], [3, 4, 1]] as const) {
    it(`lead ${lead}, queue ${depth}, tail ${tail}`, () => {
      const ws = windows(`pipe-${lead}-${depth}-${tail}`, 300);
      const rec = drive(new RecurrenceTiming(depth, lead, tail, ringSize(SLOTS)), ws);
      const stepped = drive(new SteppedTiming(depth, lead, tail, ringSize(SLOTS)), ws);
      expect(stepped).toEqual(rec);
      expect(rec.every((t) => t.every(Number.isFinite))).toBe(true);
    });
  }

  it('with lead 0 a token reaches stage 4 in its fetch cycle (hand-worked)', () => {
    // One window at cycle 0, tokens of 2 and 1 words, queue 2, tail 2: token 1 fetched at 0 (its entries
    // free from 1) and in stage 4 at 0-1; token 2 fetched at 1, in stage 4 at 2; last word ends at 3, psums
    // complete at 3 + 2 = 5.
    for (const timing of [new RecurrenceTiming(2, 0, 2, ringSize(SLOTS)), new SteppedTiming(2, 0, 2, ringSize(SLOTS))]) {
      const [[mark, fe, done]] = drive(timing, [{ arrival: 0, words: Int32Array.from([2, 1]), mark: 1 }]) as [number[]];
      expect([mark, fe, done]).toEqual([1, 2, 5]);
    }
  });
});

// The lead-0 fix seen from a whole layer: Eyeriss v1 (iact and weight read in one stage), both engines.
describe('tick and event engines on a lead-0 PE', () => {
  for (const name of ['eyeriss-v1', 'eyeriss-v1-192'] as const) {
    it(`agree on cycles and counts on ${name}`, () => {
      const hw = loadHwConfig(name).config;
      for (const spec of randomLayers(`lead0-${name}`, 2)) {
        const { iacts, weights } = synthesizeLayerTensors(spec, 2);
        const event = simulateLayer(hw, spec, iacts, weights, { engine: 'event', check: true });
        const tick = simulateLayer(hw, spec, iacts, weights, { engine: 'tick', check: true, mapping: event.mapping });
        expect(event.check, event.checkDetail).toBe('pass');
        expect(tick.cycles).toBe(event.cycles);
        expect(tick.counts.toReport()).toEqual(event.counts.toReport());
      }
    });
  }
});

// The PE's newer paths, pinned so they are surely taken: whole filters in a PE (R0), raw iacts with CSC
// weights, many windows in flight (M0 = 1), two weight tiles in the SPad; on v2 and the one-PE harness.
describe('tick and event engines on whole-filter, raw-iact PEs', () => {
  const cases = [
    ['eyeriss-v2', layer({ type: 'DWCONV', G: 8, C: 8, M: 8, H: 9, W: 9, R: 3, S: 3, padTop: 1, padBottom: 1, padLeft: 1, padRight: 1, iactDensity: 0.5, weightDensity: 0.6 }), 'clusterRow=G8 peCol=E4 M0=1 C0=1 rows=N1.E3 mode=compressed iacts=raw R0=3'],
    ['eyeriss-v2', layer({ type: 'DWCONV', G: 4, C: 4, M: 4, H: 9, W: 9, R: 3, S: 3, strideH: 2, strideW: 2, padBottom: 1, padRight: 1, iactDensity: 0.6, weightDensity: 0.7 }), 'clusterCol=G2 peCol=E2 clusterRow=G2 M0=1 C0=1 rows=N1.E2 mode=compressed R0=3'],
    ['eyeriss-v2-1pe', layer({ type: 'CONV', C: 3, M: 6, H: 7, W: 7, R: 3, S: 3, iactDensity: 0.7, weightDensity: 0.5 }), 'M0=2 C0=1 rows=N1.E5 mode=compressed iacts=raw R0=3'],
    ['eyeriss-v2-1pe', layer({ type: 'FC', C: 64, M: 32, iactDensity: 0.5, weightDensity: 0.4 }), 'M0=16 C0=8 mode=compressed mblock=2'],
  ] as const;
  for (const [hwName, spec, text] of cases) {
    it(`agree on ${hwName} ${spec.type} with ${text}`, () => {
      const hw = loadHwConfig(hwName).config;
      const mapping = parseMappingText(text, 'test');
      const { iacts, weights } = synthesizeLayerTensors(spec, 4);
      const event = simulateLayer(hw, spec, iacts, weights, { engine: 'event', check: true, mapping });
      const tick = simulateLayer(hw, spec, iacts, weights, { engine: 'tick', check: true, mapping });
      expect(event.check, event.checkDetail).toBe('pass');
      expect(tick.cycles).toBe(event.cycles);
      expect(tick.counts.toReport()).toEqual(event.counts.toReport());
      expect(event.effectiveMacs + event.gatedMacs + event.skippedMacs).toBe(event.nominalMacs);
    });
  }
});
