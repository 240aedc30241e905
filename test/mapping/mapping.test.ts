import { describe, expect, it } from 'vitest';
import { InputError } from '../../sim/errors.js';
import { mappingProblem } from '../../sim/mapping/constraints.js';
import { formatMapping, parseMappingText } from '../../sim/mapping/mapping.js';
import { rankMappings } from '../../sim/mapping/mapper.js';
import { MappingPlan } from '../../sim/mapping/plan.js';
import { toProblem } from '../../sim/mapping/problem.js';
import { arrayShape } from '../../sim/mapping/constraints.js';
import { layer, v2 } from '../support/layers.js';

const conv3 = layer({ type: 'CONV', C: 256, M: 384, H: 13, W: 13, R: 3, S: 3, padTop: 1, padBottom: 1, padLeft: 1, padRight: 1, iactDensity: 0.3, weightDensity: 0.35 });

describe('mappings', () => {
  it('print and parse back to the same mapping', () => {
    const text = 'clusterRow=E2.M4 clusterCol=M2 peRow=R3 peCol=E4 M0=16 C0=5 rows=N1.E2 mode=uncompressed';
    const m = parseMappingText(text, 'x');
    expect(formatMapping(m)).toBe(text);
    expect(m.spatial.clusterRow).toEqual([['E', 2], ['M', 4]]);
  });

  it('reject malformed text with the token that is wrong', () => {
    expect(() => parseMappingText('peRow=Q3 M0=1 C0=1', 'pins.yaml: field conv1')).toThrow(InputError);
    expect(() => parseMappingText('peRow=Q3 M0=1 C0=1', 'pins.yaml: field conv1')).toThrow(/pins\.yaml: field conv1: mapping token "peRow=Q3"/);
    expect(() => parseMappingText('peRow=R3', 'x')).toThrow(/M0=<n>/);
  });

  it('respect the hardware: reductions only vertical, factors within the axis, windows within the SPads', () => {
    const p = toProblem(conv3);
    const ok = parseMappingText('clusterRow=M8 clusterCol=E2 peRow=R3 peCol=E4 M0=16 C0=5 rows=N1.E1', 'x');
    expect(mappingProblem(p, ok, v2)).toBeNull();
    expect(mappingProblem(p, { ...ok, spatial: { ...ok.spatial, peCol: [['C', 4]] } }, v2)).toMatch(/peCol cannot carry C/);
    expect(mappingProblem(p, { ...ok, spatial: { ...ok.spatial, peCol: [['E', 8]] } }, v2)).toMatch(/peCol factors multiply to 8 > 4/);
    expect(mappingProblem(p, { ...ok, C0: 6 }, v2)).toMatch(/iact window of 18 values/);
    expect(mappingProblem(p, { ...ok, M0: 33 }, v2)).toMatch(/M0=33 exceeds the 32-entry psum SPad/);
    // C spread over cluster rows while C also runs in time: psums would have to go back north.
    expect(mappingProblem(p, { ...ok, spatial: { ...ok.spatial, clusterRow: [['C', 8]] } }, v2)).toMatch(/reduction across cluster rows must finish in one pass/);
  });

  it('the mapper is deterministic and every candidate is legal', () => {
    const p = toProblem(conv3);
    const a = rankMappings(p, v2, { iact: 0.3, weight: 0.35 });
    const b = rankMappings({ ...p }, JSON.parse(JSON.stringify(v2)), { iact: 0.3, weight: 0.35 });
    expect(a.length).toBeGreaterThan(10);
    expect(a.map((r) => formatMapping(r.mapping))).toEqual(b.map((r) => formatMapping(r.mapping)));
    for (const r of a.slice(0, 50)) expect(mappingProblem(p, r.mapping, v2)).toBeNull();
    for (let i = 1; i < a.length; i++) expect(a[i]!.estimatedCycles).toBeGreaterThanOrEqual(a[i - 1]!.estimatedCycles);
  });

  it('place every output exactly once across PEs and passes', () => {
    const l = layer({ type: 'CONV', N: 2, C: 5, M: 7, H: 6, W: 6, R: 3, S: 3 });
    const p = toProblem(l);
    const plan = new MappingPlan(p, parseMappingText('clusterRow=M2.N2 clusterCol=E2 peRow=R3 peCol=E2 M0=2 C0=5 rows=N1.E1', 'x'), arrayShape(v2));
    const seen = new Map<string, number>();
    for (let pe = 0; pe < plan.numPes; pe++) {
      if (plan.coord(pe, 'R') !== 0) continue; // one PE per psum chain
      for (let pass = 0; pass < plan.passCount; pass++) {
        const out = plan.outputSlice(pe, pass);
        if (!out || plan.reductionIndex(pass) !== plan.reductionIters - 1) continue;
        for (let row = 0; row < plan.rowItersPerPass; row++) {
          const job = plan.rowJob(pe, pass, row);
          if (!job) continue;
          for (let m = out.mBase; m < Math.min(out.mBase + 2, p.M); m++) {
            const key = `${job.n}/${m}/${job.e}`;
            seen.set(key, (seen.get(key) ?? 0) + 1);
          }
        }
      }
    }
    expect(seen.size).toBe(p.N * p.M * p.E);
    expect([...seen.values()].every((v) => v === 1)).toBe(true);
  });
});

describe('whole filters and raw iacts in a mapping', () => {
  const dw = toProblem(layer({ type: 'DWCONV', G: 16, C: 16, M: 16, H: 8, W: 8, R: 3, S: 3, padTop: 1, padBottom: 1, padLeft: 1, padRight: 1 }));

  it('round-trips R0 and iacts=raw through the one-line form', () => {
    const text = 'clusterRow=G8 clusterCol=G2 peRow=- peCol=E4 M0=1 C0=1 rows=N1.E2 mode=compressed iacts=raw R0=3';
    expect(formatMapping(parseMappingText(text, 'x'))).toBe(text);
    expect(() => parseMappingText('M0=1 C0=1 mode=uncompressed iacts=raw', 'x')).toThrow(/iacts=raw only with mode=compressed/);
  });

  it('holds a whole filter only where the SPads do, and no R across PEs then', () => {
    const ok = parseMappingText('clusterRow=G8 clusterCol=G2 peCol=E4 M0=1 C0=1 rows=N1.E2 iacts=raw R0=3', 'x');
    expect(mappingProblem(dw, ok, v2)).toBeNull();
    // CSC iacts: 9 segments fit the 9-entry iact address SPad; R0 = 2 is neither one row nor the filter.
    expect(mappingProblem(dw, { ...ok, iacts: undefined }, v2)).toBeNull();
    expect(mappingProblem(dw, { ...ok, R0: 2 }, v2)).toMatch(/one filter row or all 3/);
    // A 5x5 filter is 25 segments: more than the iact SPads hold in either format.
    const dw5 = toProblem(layer({ type: 'DWCONV', G: 4, C: 4, M: 4, H: 8, W: 8, R: 5, S: 5 }));
    expect(mappingProblem(dw5, { ...ok, R0: 5 }, v2)).toMatch(/segments the iact SPads hold/);
  });

  it('the mapper offers whole-filter mappings for a depth-wise layer, with R nowhere in space', () => {
    const ranked = rankMappings(dw, v2, { iact: 0.5, weight: 0.9 });
    const whole = ranked.filter((r) => r.mapping.R0 === 3);
    expect(whole.length).toBeGreaterThan(0);
    for (const r of whole) for (const axis of Object.values(r.mapping.spatial)) expect(axis.some(([d]) => d === 'R')).toBe(false);
  });
});
