/**
 * Traces under damage: every truncation of a binary trace (at each layer boundary and at sampled byte offsets),
 * byte flips, truncated JSON and arbitrary JSON documents must give a one-line error, never a crash and never a
 * trace that loads as something else (before the integrity header, a .pb cut at a layer boundary loaded as a
 * smaller network).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { traceMessageType, loadTrace } from '../../sim/workloads/trace.js';
import { convertTrace, type TraceObject, writeTrace } from '../../sim/workloads/trace-io.js';
import { HEADER_BYTES } from '../../sim/workloads/trace-container.js';
import { expectClear, robustnessSuite } from './tally.js';

const { tally, tmp } = robustnessSuite('traces');

/** A chain of small CONV layers with random shapes (each feeding the next). */
const traceArb = fc.record({
  c: fc.integer({ min: 1, max: 4 }),
  hw: fc.integer({ min: 3, max: 8 }),
  layers: fc.array(fc.record({ m: fc.integer({ min: 1, max: 6 }), r: fc.constantFrom(1, 3), d: fc.double({ min: 0, max: 1, noNaN: true }) }), { minLength: 1, maxLength: 6 }),
}).map(({ c, hw, layers }): TraceObject => ({
  version: 1, name: 'fuzz', batch: 1, inputShape: [c, hw, hw],
  layers: layers.map((l, i) => ({ name: `l${i}`, type: 'CONV', m: l.m, r: l.r, s: l.r, padTop: (l.r - 1) / 2, padBottom: (l.r - 1) / 2,
    padLeft: (l.r - 1) / 2, padRight: (l.r - 1) / 2, iactDensity: Math.round(l.d * 100) / 100, weightDensity: 0.5 })),
}));

let n = 0;
function write(bytes: Uint8Array | string, ext: string): string {
  const file = path.join(tmp, `case-${n++}${ext}`);
  writeFileSync(file, bytes);
  return file;
}

/** Byte offsets where the payload's pieces end: after the trace's fields, then after each layer. */
function layerBoundaries(pb: Uint8Array): number[] {
  const type = traceMessageType();
  const decoded = type.toObject(type.decode(pb.subarray(HEADER_BYTES))) as { layers: unknown[] };
  const layerType = type.lookupType('Layer');
  const sizes = decoded.layers.map((l) => type.encode(type.fromObject({ layers: [layerType.toObject(layerType.fromObject(l as object))] })).finish().length);
  const ends: number[] = [];
  let at = pb.length;
  for (const s of sizes.reverse()) ends.unshift((at -= s));
  return ends; // the offset where each layer starts = where the file would end if cut just before it
}

describe('binary traces', () => {
  test('cut at every layer boundary, at sampled offsets, or with bytes flipped: a clear error, never a smaller network', () => {
    fc.assert(fc.property(traceArb, fc.integer({ min: 0, max: 2 ** 31 }), (trace, seed) => {
      const file = path.join(tmp, `ok-${n++}.pb`);
      writeTrace(trace, file);
      const bytes = readFileSync(file);
      expect(loadTrace(file).layers).toHaveLength(trace.layers.length);
      const cuts = [...layerBoundaries(bytes), 0, 8, HEADER_BYTES - 1, HEADER_BYTES, bytes.length - 1, seed % bytes.length];
      for (const cut of cuts) {
        if (cut >= bytes.length) continue;
        const damaged = write(bytes.subarray(0, cut), '.pb');
        if (tally.run(`cut at ${cut} of ${bytes.length}`, () => loadTrace(damaged)) === 'accepted') tally.silentlyWrong(`${damaged}: cut at ${cut} loaded`);
      }
      const flipped = Buffer.from(bytes);
      const at = seed % bytes.length;
      flipped[at] = flipped[at]! ^ (1 + (seed % 255));
      const f = write(flipped, '.pb');
      if (tally.run(`flip at ${at}`, () => loadTrace(f)) === 'accepted') tally.silentlyWrong(`${f}: flipped byte ${at} loaded`);
    }), { numRuns: 40, seed: 13 });
  });

  test('a headerless .pb is refused naming trace convert, which upgrades it', () => {
    const json = write(JSON.stringify({ version: 1, batch: 1, inputShape: [1, 4, 4], layers: [{ name: 'a', type: 'CONV', m: 2, r: 3, s: 3, iactDensity: 1, weightDensity: 1 }] }), '.json');
    const type = traceMessageType();
    const legacy = write(type.encode(type.fromObject(JSON.parse(readFileSync(json, 'utf8')) as object)).finish(), '.pb');
    expectClear(tally, 'legacy', () => loadTrace(legacy), /no integrity header.*trace convert/);
    const warned: number[] = [];
    const upgraded = path.join(tmp, 'upgraded.pb');
    expect(convertTrace(legacy, upgraded, (_f, layers) => warned.push(layers))).toBe(1);
    expect(warned).toEqual([1]);
    expect(loadTrace(upgraded).layers).toHaveLength(1);
  });
});

describe('JSON traces', () => {
  test('every truncation of a JSON trace is an error, never a smaller network', () => {
    fc.assert(fc.property(traceArb, fc.double({ min: 0, max: 1, noNaN: true }), (trace, frac) => {
      const file = path.join(tmp, `ok-${n++}.json`);
      writeTrace(trace, file);
      const text = readFileSync(file, 'utf8');
      const cut = Math.floor(frac * (text.trimEnd().length - 1)); // dropping only the final newline leaves it whole
      const damaged = write(text.slice(0, cut), '.json');
      if (tally.run(`json cut ${cut}`, () => loadTrace(damaged)) === 'accepted') tally.silentlyWrong(`${damaged} loaded`);
    }), { numRuns: 100, seed: 14 });
  });

  test('arbitrary JSON documents and deep nesting: a clear error or a valid trace', () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 6 }), (doc) => {
      const file = write(JSON.stringify(doc), '.json');
      tally.run('json value', () => loadTrace(file));
    }), { numRuns: 200, seed: 15 });
    const deep = write(`${'['.repeat(100_000)}${']'.repeat(100_000)}`, '.json');
    expectClear(tally, 'deep', () => loadTrace(deep), /nesting: got 100000 levels/);
  });

  test('sizes beyond what the simulator can hold are refused before allocating', () => {
    const layer = { name: 'a', type: 'CONV', m: 2, r: 1, s: 1, iactDensity: 1, weightDensity: 1 };
    const cases: [object, RegExp][] = [
      [{ version: 1, batch: 1, inputShape: [1e9, 1e9, 1], layers: [layer] }, /input activations.*at most 268435456/],
      [{ version: 1, batch: 1_000_000_000, inputShape: [1, 4, 4], layers: [layer] }, /field batch: got 1000000000, expected at most 4096/],
      [{ version: 1, batch: 1, inputShape: [1, 4, 4], layers: Array.from({ length: 10_001 }, (_, i) => ({ ...layer, name: `l${i}`, m: 1 })) }, /field layers: got "10001 layers", expected at most 10000/],
    ];
    for (const [doc, message] of cases) {
      const file = write(JSON.stringify(doc), '.json');
      expectClear(tally, String(message), () => loadTrace(file), message);
    }
  });
});
