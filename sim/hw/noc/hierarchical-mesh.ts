import type { HwConfig } from '../../config/hw-config.js';
import { REDUCTION_DIMS } from '../../mapping/mapping.js';
import type { MappingPlan } from '../../mapping/plan.js';
import type { ChainSpec, ChannelSpec, NocMode, NocModel, NocTopology, StoreSpec } from './noc.js';

/**
 * The Eyeriss v2 hierarchical mesh (JETCAS19 §III): per data type, one router per source port in every
 * cluster, a 2-D mesh between router clusters and an all-to-all from each router cluster into its PEs.
 *
 * - iacts: clusters that need the same iacts form a group; the group gets up to one channel per iact
 *   router (router i's mesh is separate from router j's), each sourced from a bank in one of the group's
 *   clusters and multicast along an XY tree to all of them. Routers are circuit-switched, so on one router
 *   index no mesh link and no router may serve two groups: a group whose tree would collide gets fewer
 *   channels, and a group left with none makes the mapping unroutable.
 * - weights: no weight GLB and no vertical weight links (§III-C): weights come from off-chip into each
 *   cluster's weight router for its PE row; clusters of a group in the same cluster row share them over the
 *   horizontal link, other clusters get the same off-chip transfer.
 * - psums: one chain per PE column, bottom to top; a reduction spread over cluster rows continues the chain
 *   through the psum routers into the next cluster south (vertical links only).
 */
export class HierarchicalMesh implements NocModel {
  readonly name = 'hierarchical-mesh';

  build(plan: MappingPlan, hw: HwConfig): NocTopology | string {
    const { clusterRows, clusterCols, peRowsPerCluster: peRows, peColsPerCluster: peCols } = hw.array;
    const clusters = clusterRows * clusterCols;
    const pesPerCluster = peRows * peCols;
    const { U } = plan.problem;

    // --- iacts ---
    const iactKeyOf = (pe: number): string | null =>
      plan.isUsed(pe)
        ? `${plan.coord(pe, 'N')},${plan.coord(pe, 'G')},${plan.coord(pe, 'C')},${plan.coord(pe, 'E') * U + plan.coord(pe, 'R')}`
        : null;
    const iactGroups = groupClusters(clusters, pesPerCluster, iactKeyOf);
    const routers = hw.noc.iact.routersPerCluster;
    const used: Set<string>[] = Array.from({ length: routers }, () => new Set<string>());
    const channelsOf: { router: number; source: number; edges: string[] }[][] = iactGroups.map(() => []);
    // Meshes are handed out round-robin, each starting with a different group, so that groups whose trees
    // collide share the meshes instead of the first group taking them all.
    for (let r = 0; r < routers; r++) {
      for (let k = 0; k < iactGroups.length; k++) {
        const gi = (k + r) % iactGroups.length;
        const group = iactGroups[gi]!;
        for (let s = 0; s < group.clusters.length; s++) {
          const source = group.clusters[(r + s) % group.clusters.length]!;
          const edges = xyTree(source, group.clusters, clusterCols);
          // Circuit switching: each directed link and each router's PE port on mesh r serves one group.
          const claims = [...edges, ...group.clusters.map((c) => `pe${c}`), `src${source}`];
          if (claims.some((e) => used[r]!.has(e))) continue;
          for (const e of claims) used[r]!.add(e);
          channelsOf[gi]!.push({ router: r, source, edges });
          break;
        }
      }
    }
    const iact: ChannelSpec[] = [];
    for (const [gi, group] of iactGroups.entries()) {
      const channels = channelsOf[gi]!;
      if (channels.length === 0) return `iact group ${gi} (clusters ${group.clusters.join(',')}) cannot be routed on the mesh`;
      channels.forEach((ch, k) => {
        iact.push({
          name: `iact g${gi} r${ch.router}`,
          sourceCluster: ch.source,
          router: ch.router,
          keys: group.keys.filter((_, j) => j % channels.length === k).map((key) => group.pesOfKey.get(key)!),
          hops: ch.edges.length,
        });
      });
    }

    // --- weights ---
    const weightKeyOf = (pe: number): string | null =>
      plan.isUsed(pe) ? `${plan.coord(pe, 'G')},${plan.coord(pe, 'M')},${plan.coord(pe, 'C')},${plan.coord(pe, 'R')}` : null;
    const weightGroups = groupClusters(clusters, pesPerCluster, weightKeyOf);
    const weight: ChannelSpec[] = [];
    for (const [gi, group] of weightGroups.entries()) {
      // Clusters sharing a cluster row share over the horizontal link: one hop per extra cluster.
      const perRow = new Map<number, number>();
      for (const c of group.clusters) perRow.set(Math.floor(c / clusterCols), (perRow.get(Math.floor(c / clusterCols)) ?? 0) + 1);
      const hops = [...perRow.values()].reduce((a, n) => a + n - 1, 0);
      for (let row = 0; row < peRows; row++) {
        const keys = group.keys
          .map((key) => group.pesOfKey.get(key)!.filter((pe) => Math.floor(pe / peCols) % peRows === row))
          .filter((pes) => pes.length > 0);
        if (keys.length === 0) continue;
        weight.push({ name: `weight g${gi} row${row}`, sourceCluster: group.clusters[0]!, router: row, keys, hops });
      }
    }

    // --- psums ---
    const chainLength = plan.mapping.spatial.clusterRow
      .filter(([d]) => REDUCTION_DIMS.includes(d))
      .reduce((a, [, f]) => a * f, 1);
    const chains: ChainSpec[] = [];
    const stores: StoreSpec[] = [];
    for (let cr0 = 0; cr0 < clusterRows; cr0 += chainLength) {
      for (let cc = 0; cc < clusterCols; cc++) {
        for (let col = 0; col < peCols; col++) {
          const pes: number[] = [];
          const linkHops: number[] = [];
          for (let k = 0; k < chainLength && cr0 + k < clusterRows; k++) {
            for (let row = 0; row < peRows; row++) {
              // The first PE of a cluster after the first is reached over one vertical psum-router link.
              if (pes.length > 0) linkHops.push(row === 0 ? 1 : 0);
              pes.push(plan.peId(cr0 + k, cc, row, col));
            }
          }
          if (!pes.some((pe) => plan.isUsed(pe))) continue;
          const cluster = cr0 * clusterCols + cc;
          // One psum bank per PE column, with one port for reads and writes; a chain across clusters
          // (no reduction left for later passes) needs none.
          let store: number | null = null;
          if (chainLength === 1) {
            store = stores.length;
            stores.push({ name: `psum bank c${cluster} col${col}`, shared: true, writeBits: hw.noc.psum.portBits, readBits: hw.noc.psum.portBits, readLatency: hw.noc.localLatencyCycles });
          }
          chains.push({ name: `psum c${cluster} col${col}`, pes, linkHops, store });
        }
      }
    }

    return {
      iact,
      weight,
      chains,
      stores,
      modes: {
        iact: modeOf(iactGroups.map((g) => g.clusters), clusters, clusterCols),
        weight: modeOf(weightGroups.map((g) => g.clusters), clusters, clusterCols),
        psum: chainLength > 1 ? 'chained' : 'unicast',
      },
    };
  }
}

interface ClusterGroup {
  clusters: number[];
  keys: string[];
  pesOfKey: Map<string, number[]>;
}

/** Groups clusters whose PEs need the same set of data keys; keys in first-seen order. */
function groupClusters(clusters: number, pesPerCluster: number, keyOf: (pe: number) => string | null): ClusterGroup[] {
  const bySignature = new Map<string, ClusterGroup>();
  const groups: ClusterGroup[] = [];
  for (let c = 0; c < clusters; c++) {
    const keys: string[] = [];
    for (let p = 0; p < pesPerCluster; p++) {
      const k = keyOf(c * pesPerCluster + p);
      if (k !== null && !keys.includes(k)) keys.push(k);
    }
    if (keys.length === 0) continue;
    const signature = [...keys].sort().join('|');
    let group = bySignature.get(signature);
    if (!group) {
      group = { clusters: [], keys, pesOfKey: new Map(keys.map((k) => [k, []])) };
      bySignature.set(signature, group);
      groups.push(group);
    }
    group.clusters.push(c);
    for (let p = 0; p < pesPerCluster; p++) {
      const pe = c * pesPerCluster + p;
      const k = keyOf(pe);
      if (k !== null) group.pesOfKey.get(k)!.push(pe);
    }
  }
  return groups;
}

/** Directed mesh links of an XY multicast tree: along the source's row, then up/down each column. */
function xyTree(source: number, dests: number[], cols: number): string[] {
  const edges = new Set<string>();
  const sr = Math.floor(source / cols);
  const sc = source % cols;
  for (const d of dests) {
    const dr = Math.floor(d / cols);
    const dc = d % cols;
    for (let c = sc; c !== dc; c += Math.sign(dc - sc)) edges.add(`${sr * cols + c}>${sr * cols + c + Math.sign(dc - sc)}`);
    for (let r = sr; r !== dr; r += Math.sign(dr - sr)) edges.add(`${r * cols + dc}>${(r + Math.sign(dr - sr)) * cols + dc}`);
  }
  return [...edges].sort();
}

/** Names the mode from which clusters share data: one each, all, contiguous blocks, or interleaved sets. */
function modeOf(groups: number[][], clusters: number, cols: number): NocMode {
  if (groups.every((g) => g.length === 1)) return 'unicast';
  if (groups.length === 1 && groups[0]!.length === clusters) return 'broadcast';
  const contiguous = groups.every((g) => {
    const rows = g.map((c) => Math.floor(c / cols));
    const cs = g.map((c) => c % cols);
    const h = Math.max(...rows) - Math.min(...rows) + 1;
    const w = Math.max(...cs) - Math.min(...cs) + 1;
    return h * w === g.length; // the group fills its bounding rectangle
  });
  return contiguous ? 'grouped-multicast' : 'interleaved-multicast';
}
