import { describe, expect, it } from 'vitest';
import { HierarchicalMesh } from '../../sim/hw/noc/hierarchical-mesh.js';
import type { NocTopology } from '../../sim/hw/noc/noc.js';
import { arrayShape } from '../../sim/mapping/constraints.js';
import { parseMappingText } from '../../sim/mapping/mapping.js';
import { MappingPlan } from '../../sim/mapping/plan.js';
import { toProblem } from '../../sim/mapping/problem.js';
import { simulateLayer } from '../../sim/run/layer-sim.js';
import { synthesizeLayerTensors } from '../../sim/workloads/tensors.js';
import type { LayerSpec } from '../../sim/workloads/layer.js';
import { layer, v2 } from '../support/layers.js';

const conv = layer({ type: 'CONV', C: 4, M: 8, H: 18, W: 18, R: 3, S: 3, iactDensity: 0.5, weightDensity: 0.5 });
const tall = layer({ type: 'CONV', C: 2, M: 4, H: 66, W: 10, R: 3, S: 3, iactDensity: 0.5, weightDensity: 0.5 });
const fc = layer({ type: 'FC', C: 96, M: 256, H: 1, W: 1, iactDensity: 0.5, weightDensity: 0.5 });
const pesPerCluster = 12;
const clusterOf = (pe: number): number => Math.floor(pe / pesPerCluster);

function topology(l: LayerSpec, text: string): { plan: MappingPlan; topo: NocTopology } {
  const plan = new MappingPlan(toProblem(l), parseMappingText(text, 'test'), arrayShape(v2));
  const topo = new HierarchicalMesh().build(plan, v2);
  if (typeof topo === 'string') throw new Error(topo);
  return { plan, topo };
}

/** The input row (n, g, channel tile, padded row offset) a PE reads, which decides who may share its iacts. */
function iactKey(plan: MappingPlan, pe: number): string {
  return ['N', 'G', 'C'].map((d) => plan.coord(pe, d as 'N')).join() + `/${plan.coord(pe, 'E') * plan.problem.U + plan.coord(pe, 'R')}`;
}

/**
 * Every used PE is reached by exactly one iact key, and a key's PEs all read the same input row. (Two groups
 * of clusters may both need a row at their boundary, the halo of a split E: each group gets its own copy.)
 */
function expectExactIactDelivery(plan: MappingPlan, topo: NocTopology): void {
  const seen = new Map<number, number>();
  for (const ch of topo.iact) {
    const rows = new Set<string>();
    for (const key of ch.keys) {
      const row = iactKey(plan, key[0]!);
      expect(rows.has(row), `row ${row} served twice by ${ch.name}`).toBe(false);
      rows.add(row);
      for (const pe of key) {
        expect(iactKey(plan, pe)).toBe(row);
        seen.set(pe, (seen.get(pe) ?? 0) + 1);
      }
    }
  }
  for (let pe = 0; pe < plan.numPes; pe++) expect(seen.get(pe) ?? 0, `PE ${pe}`).toBe(plan.isUsed(pe) ? 1 : 0);
}

function expectBitExact(l: LayerSpec, text: string): void {
  const { iacts, weights } = synthesizeLayerTensors(l, 9);
  const r = simulateLayer(v2, l, iacts, weights, { engine: 'event', check: true, mapping: parseMappingText(text, 'test') });
  expect(r.check, r.checkDetail).toBe('pass');
}

describe('hierarchical mesh modes', () => {
  it('broadcast: every cluster needs the same iacts (FC spread over output channels)', () => {
    const text = 'clusterRow=M8 clusterCol=M2 peRow=C3 peCol=M4 M0=2 C0=16';
    const { plan, topo } = topology(fc, text);
    expect(topo.modes.iact).toBe('broadcast');
    expect(topo.modes.weight).toBe('unicast');
    // One group of all 16 clusters fed by the three iact routers' meshes.
    expect(topo.iact).toHaveLength(3);
    for (const ch of topo.iact) expect(new Set(ch.keys.flat().map(clusterOf)).size).toBe(16);
    expectExactIactDelivery(plan, topo);
    expectBitExact(fc, text);
  });

  it('unicast: every cluster reads its own rows; weights, the same in all, are broadcast', () => {
    const text = 'clusterRow=E8 clusterCol=E2 peRow=R3 peCol=E4 M0=4 C0=2';
    const { plan, topo } = topology(tall, text);
    expect(topo.modes.iact).toBe('unicast');
    expect(topo.modes.weight).toBe('broadcast');
    for (const ch of topo.iact) {
      expect(ch.hops).toBe(0);
      expect(new Set(ch.keys.flat().map(clusterOf))).toEqual(new Set([ch.sourceCluster]));
    }
    expectExactIactDelivery(plan, topo);
    expectBitExact(tall, text);
  });

  it('grouped multicast: neighbouring clusters that differ only in output channels share iacts', () => {
    const text = 'clusterRow=E2.M2 clusterCol=M2 peRow=R3 peCol=E4 M0=2 C0=4';
    const { plan, topo } = topology(conv, text);
    expect(topo.modes.iact).toBe('grouped-multicast');
    // Two groups, each a 2x2 block of the mesh: cluster rows {0,1} and {2,3}.
    const groups = new Set(topo.iact.map((ch) => [...new Set(ch.keys.flat().map(clusterOf))].sort((a, b) => a - b).join()));
    expect(groups).toEqual(new Set(['0,1,2,3', '4,5,6,7']));
    expectExactIactDelivery(plan, topo);
    expectBitExact(conv, text);
  });

  it('interleaved multicast: clusters sharing iacts are not adjacent', () => {
    const text = 'clusterRow=M2.E2 clusterCol=- peRow=R3 peCol=E4 M0=4 C0=4';
    const { plan, topo } = topology(conv, text);
    expect(topo.modes.iact).toBe('interleaved-multicast');
    // Cluster rows 0 and 2 (clusters 0 and 4) share rows, as do 1 and 3 (clusters 2 and 6). Both trees cross
    // cluster 2 -> 4 going south if both are sourced at the top; circuit switching then lets only one use a
    // mesh, so the second group is sourced from its bottom cluster and runs north on separate links.
    const groups = topo.iact.map((ch) => [...new Set(ch.keys.flat().map(clusterOf))].sort((a, b) => a - b).join());
    expect(new Set(groups)).toEqual(new Set(['0,4', '2,6']));
    expect(topo.iact).toHaveLength(6);
    expect(new Set(topo.iact.filter((ch) => groups[topo.iact.indexOf(ch)] === '2,6').map((ch) => ch.sourceCluster))).toEqual(new Set([6]));
    for (const ch of topo.iact) expect(ch.hops).toBe(2);
    expectExactIactDelivery(plan, topo);
    expectBitExact(conv, text);
  });

  it('psums chain through the psum routers when a reduction spans cluster rows', () => {
    const text = 'clusterRow=C4 clusterCol=- peRow=R3 peCol=E4 M0=8 C0=1';
    const { topo } = topology(conv, text);
    expect(topo.modes.psum).toBe('chained');
    for (const chain of topo.chains) {
      expect(chain.pes).toHaveLength(12); // 4 clusters x 3 PE rows
      expect(chain.store).toBeNull();
    }
    expectBitExact(conv, text);
  });
});
