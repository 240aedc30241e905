import type { HwConfig } from '../../config/hw-config.js';
import { type Dim, REDUCTION_DIMS } from '../../mapping/mapping.js';
import type { MappingPlan } from '../../mapping/plan.js';
import type { ChainSpec, ChannelSpec, NocModel, NocTopology, StoreSpec } from './noc.js';

/**
 * The Eyeriss v1 network (JSSC17 §III-C): per data type a global input network (GIN) — a Y-bus feeding one
 * X-bus per PE row, every bus and PE tagged with reconfigurable row and column IDs — that delivers one value
 * (ifmap: 16 b) or one 64-bit word (filters, psums) per cycle to all the PEs whose IDs match, and moves only
 * when all of them are ready; a global output network (GON) of the same shape back to the GLB; and local
 * links between vertically adjacent PEs for psums. Here each GIN is one channel whose keys are the sets of
 * PEs sharing data; psum chains are the runs of rows of a column that accumulate together (a set of R rows,
 * or r sets stacked for r channel groups), each writing to the GLB through the GON and reading partial sums
 * back through the psum GIN.
 */
export class FlatMulticast implements NocModel {
  readonly name = 'flat-multicast';

  build(plan: MappingPlan, hw: HwConfig): NocTopology | string {
    const { clusterRows, clusterCols, peRowsPerCluster: peRows, peColsPerCluster: peCols } = hw.array;
    const { U } = plan.problem;
    const coords = (pe: number, dims: readonly Dim[]): string => dims.map((d) => plan.coord(pe, d)).join(',');
    const keysOf = (keyOf: (pe: number) => string): number[][] => {
      const byKey = new Map<string, number[]>();
      for (let pe = 0; pe < plan.numPes; pe++) {
        if (!plan.isUsed(pe)) continue;
        const k = keyOf(pe);
        const list = byKey.get(k);
        if (list) list.push(pe);
        else byKey.set(k, [pe]);
      }
      return [...byKey.values()];
    };
    const iact: ChannelSpec[] = [{
      name: 'ifmap GIN', sourceCluster: 0, router: 0, hops: 0,
      keys: keysOf((pe) => `${coords(pe, ['N', 'G', 'C'])},${plan.coord(pe, 'E') * U + plan.coord(pe, 'R')}`),
    }];
    const weight: ChannelSpec[] = [{
      name: 'filter GIN', sourceCluster: 0, router: 0, hops: 0, keys: keysOf((pe) => coords(pe, ['G', 'M', 'C', 'R'])),
    }];
    // Psum chains: a column's consecutive used PEs that differ only in reduction dims accumulate together.
    const nonReduction = (['N', 'G', 'M', 'E'] as const).filter((d) => !REDUCTION_DIMS.includes(d));
    const chains: ChainSpec[] = [];
    const stores: StoreSpec[] = [{
      name: 'GLB (GON / psum GIN)', shared: false, writeBits: hw.noc.psum.portBits, readBits: hw.noc.psum.portBits,
      readLatency: hw.noc.localLatencyCycles,
    }];
    for (let cr = 0; cr < clusterRows; cr++) {
      for (let cc = 0; cc < clusterCols; cc++) {
        for (let col = 0; col < peCols; col++) {
          let run: number[] = [];
          let runKey = '';
          const flush = (): void => {
            if (run.length) chains.push({ name: `psum col${col} rows ${run.length}`, pes: run, linkHops: run.slice(1).map(() => 0), store: 0 });
            run = [];
          };
          for (let row = 0; row < peRows; row++) {
            const pe = plan.peId(cr, cc, row, col);
            if (!plan.isUsed(pe)) {
              flush();
              continue;
            }
            const key = coords(pe, nonReduction);
            if (run.length && key !== runKey) flush();
            runKey = key;
            run.push(pe);
          }
          flush();
        }
      }
    }
    return {
      iact, weight, chains, stores,
      modes: { iact: 'bus-multicast', weight: 'bus-multicast', psum: 'bus' },
    };
  }
}
