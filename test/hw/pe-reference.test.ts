import { afterAll, describe, expect, it } from 'vitest';
import { loadHwConfig } from '../../sim/config/hw-config.js';
import type { HwConfig } from '../../sim/config/hw-config.js';
import { type Mapping, iactFormat } from '../../sim/mapping/mapping.js';
import { rankMappings } from '../../sim/mapping/mapper.js';
import { toProblem } from '../../sim/mapping/problem.js';
import { simulateLayer } from '../../sim/run/layer-sim.js';
import { InputError } from '../../sim/errors.js';
import { CANDIDATES_WITHIN } from '../../sim/run/network.js';
import type { LayerSpec } from '../../sim/workloads/layer.js';
import { countsEveryIact, nonZeroPairs, referenceLayers, referenceSpec, referenceTensors } from './pe-reference-data.js';

// The Eyeriss v2 PE against its ground truth: the 28 layers of sparse MobileNet-0.5-128 that the MICRO'22
// Sparseloop artifact counts on one v2 PE (test/hw/fixtures/sparseloop-v2-pe.json), run through our PE on a
// one-PE config whose delivery does not limit it (hw-configs/eyeriss-v2-1pe.yaml), outputs checked bit for
// bit. Target (issue 9): mean |error| <= 3%, no layer worse than 10%. The README ("The v2 PE against its
// ground truth") explains each remaining deviation.
const hw = loadHwConfig('eyeriss-v2-1pe').config;
const rows: string[] = [];

/**
 * The fastest of the mapper's best few candidates (`--candidates 3`: up to 3 estimated within CANDIDATES_WITHIN
 * of the best), so that the test measures the PE and not the estimate's ranking of near-equal mappings on this
 * one-PE config. Where the ground truth counts every iact (L01 and the depth-wise layers: zero iacts and padding
 * not skipped) the candidates keep their iacts raw, as the reference PE does; with CSC iacts our PE would skip
 * them and beat the reference.
 */
function candidatesFor(hw: HwConfig, spec: LayerSpec, everyIact: boolean): Mapping[] {
  const ranked = rankMappings(toProblem(spec), hw, { iact: spec.iactDensity, weight: spec.weightDensity }, 'compressed')
    .filter((r) => !everyIact || iactFormat(r.mapping) === 'raw');
  return ranked.filter((r) => r.estimatedCycles <= CANDIDATES_WITHIN * ranked[0]!.estimatedCycles).slice(0, 3).map((r) => r.mapping);
}

const density = (a: ArrayLike<number>): number => {
  let nz = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== 0) nz++;
  return nz / a.length;
};
const errors: Record<string, number[]> = {};

describe('one v2 PE against the Sparseloop ground truth', () => {
  for (const l of referenceLayers) {
    it(`${l.id} ${l.type} within 10% of ${l.groundTruthCycles} cycles`, () => {
      const { iacts, weights } = referenceTensors(l);
      // The data follow the ground truth's own model exactly (or are the artifact's masks).
      if (countsEveryIact(l)) expect(weights.reduce((a, w) => a + (w ? 1 : 0), 0) * l.E * l.F).toBe(l.groundTruthCycles);
      else expect(nonZeroPairs(l, iacts, weights)).toBe(l.groundTruthCycles);
      const spec = { ...referenceSpec(l), iactDensity: density(iacts), weightDensity: density(weights) };
      // A candidate whose weight tiles do not fit once the real weights are encoded is skipped, as --candidates does.
      const runs = candidatesFor(hw, spec, countsEveryIact(l)).flatMap((mapping) => {
        try {
          return [simulateLayer(hw, spec, iacts, weights, { engine: 'event', check: true, mapping })];
        } catch (e) {
          if (e instanceof InputError) return [];
          throw e;
        }
      });
      const r = runs.reduce((a, b) => (b.cycles < a.cycles ? b : a));
      expect(r.check, r.checkDetail).toBe('pass');
      const err = r.cycles / l.groundTruthCycles - 1;
      (errors[l.type] ??= []).push(err);
      rows.push(`${l.id} ${l.type.padEnd(6)} gt ${String(l.groundTruthCycles).padStart(8)} sim ${String(r.cycles).padStart(8)} ${(100 * err).toFixed(1).padStart(6)}%  ${r.mappingText}`);
      expect(Math.abs(err)).toBeLessThanOrEqual(0.1);
    });
  }

  it('mean |error| over the 28 layers <= 3%', () => {
    const all = Object.values(errors).flat();
    expect(all).toHaveLength(referenceLayers.length);
    expect(all.reduce((a, e) => a + Math.abs(e), 0) / all.length).toBeLessThanOrEqual(0.03);
  });

  afterAll(() => {
    const summary = Object.entries(errors).map(([type, es]) =>
      `${type}: mean |error| ${(100 * es.reduce((a, e) => a + Math.abs(e), 0) / es.length).toFixed(1)}%, worst ${(100 * Math.max(...es.map(Math.abs))).toFixed(1)}% (${es.length} layers)`);
    console.log(['PE reference (cycles vs Sparseloop v2 PE ground truth):', ...rows, ...summary].join('\n'));
  });
});
