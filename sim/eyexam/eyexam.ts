import type { HwConfig } from '../config/hw-config.js';
import { problemMacs } from '../mapping/problem.js';
import type { LayerResult } from '../run/layer-sim.js';
import {
  dataflowBound, layerBound, mappingLaneCycles, mappingPes, mappingPsumLinkCycles, peakMacsPerCycle, peCountBound, physicalBound,
  storageBound,
} from './bounds.js';

/*
 * Eyexam (Sze, Chen, Yang, Emer, IEEE SSC Magazine 2020): a layer's throughput bound tightened one constraint at
 * a time. Each step's bound is the previous step's bound or the tighter bound its constraint adds, so the loss
 * between two steps is charged to the constraint added. Steps 1-6 are analytical (sim/eyexam/bounds.ts and
 * averageBandwidth below); step 7 is the simulated layer itself. Bounds count nominal MACs (zeros included) per
 * cycle, so only the sparse steps can raise a bound:
 *   5.5 zero skipping: a skipped MAC frees its lane-cycle. It acts on the tiles the storage allows (after 5) and
 *       it is what lets a sparse PE pass the dense lane limits of 3-5; it comes before 6 because the compressed
 *       data it needs also shrinks the traffic step 6 divides by the bandwidth.
 *   6.5 workload imbalance (and PE pipeline): PEs whose tiles hold different numbers of non-zeros finish at
 *       different times. It needs the actual data, not averages, so it comes after the average bandwidth (6); it
 *       is measured by a run of the same mapping with every bandwidth unlimited, which has the imbalance but no
 *       bandwidth effects, so it comes before the instantaneous bandwidth (7). That run also has the PE
 *       pipeline's own costs (a cycle per window, fill and drain per pass, psum drains that cannot overlap),
 *       which no step of the paper names: they are charged here too, and are all this step holds for a layer run
 *       uncompressed (equal work in every PE); step 7 is then the bandwidth's instantaneous effect alone.
 * Layers run uncompressed (zeros gated, not skipped: every MAC position takes its cycle) have no step 5.5.
 */

export const STEP_NAMES: Record<number, string> = {
  1: 'layer shape and size',
  2: 'dataflow',
  3: 'number of PEs',
  4: 'physical dimensions',
  5: 'storage capacity',
  5.5: 'zero skipping',
  6: 'average bandwidth',
  6.5: 'workload imbalance and PE pipeline',
  7: 'instantaneous bandwidth',
};

export interface EyexamStep {
  step: number;
  name: string;
  macsPerCycle: number;
  fractionOfPeak: number;
  /** Previous step's bound minus this one (negative where a sparse step raises the bound; 0 for step 1). */
  lossMacsPerCycle: number;
}

/** Cycles each resource needs at least under the layer's mapping, at its average bandwidth (step 6). */
export interface AverageBandwidth {
  /** The busiest MAC lane: the mapping's dense tiles, or (compressed) the MACs not skipped over the lanes used. */
  compute: number;
  iactPorts: number;
  weightPorts: number;
  psumGlbPorts: number;
  psumLinks: number;
  /** null: unlimited off-chip bandwidth. */
  offChip: number | null;
}

export interface LayerEyexam {
  peakMacsPerCycle: number;
  steps: EyexamStep[];
  /** The layer's simulated throughput: nominal MACs / simulated cycles (the last step's bound). */
  simulatedMacsPerCycle: number;
  /** The same mapping simulated with every bandwidth unlimited (sim/eyexam/unlimited.ts). */
  unlimitedBandwidthMacsPerCycle: number;
  /** The step losing the most throughput (steps 1-3 ranked by their loss below the peak only). */
  costliestStep: number;
  averageBandwidth: AverageBandwidth;
  /** The resource needing the most cycles at step 6. */
  averageBandwidthLimit: keyof AverageBandwidth;
}

/**
 * Step 6's cycle counts: what the mapping must move through each kind of port (the flits and accesses the run
 * counted for it) over the ports the config has of that kind, each moving one port-width flit a cycle; the psum
 * links per PE from the mapping; off-chip, every bit over the link's bits per cycle. The v2 psum GLB banks have
 * one port for reads and writes; v1's GLB takes psums in on the GON and out on the psum GIN at once.
 */
export function averageBandwidth(hw: HwConfig, r: LayerResult): AverageBandwidth {
  const clusters = hw.array.clusterRows * hw.array.clusterCols;
  const c = r.counts;
  const psumReads = c.get('glb', 'psum', 'read');
  const psumWrites = c.get('glb', 'psum', 'write');
  const compute = r.mapping.peMode === 'compressed'
    ? (r.nominalMacs - r.skippedMacs) / (mappingPes(r.mapping) * hw.pe.simdWidth)
    : mappingLaneCycles(r.problem, r.mapping, hw);
  const dramBits = r.dramBits.read + r.dramBits.write;
  return {
    compute,
    iactPorts: c.get('nocSource', 'iact', 'transfer') / (hw.noc.iact.routersPerCluster * clusters),
    weightPorts: c.get('nocSource', 'weight', 'transfer') / (hw.noc.weight.routersPerCluster * clusters),
    psumGlbPorts: hw.noc.type === 'hierarchical-mesh'
      ? (psumReads + psumWrites) / (hw.glb.psumBanksPerCluster * clusters)
      : Math.max(psumReads, psumWrites),
    psumLinks: mappingPsumLinkCycles(r.problem, r.mapping, hw),
    offChip: hw.offChip.bandwidthGBps === null ? null : dramBits / ((hw.offChip.bandwidthGBps * 8e9) / (hw.clockMHz * 1e6)),
  };
}

/**
 * The loss a step is ranked by: steps 1-3 only bring the unlimited layer down to the finite array, so of their
 * losses only the part below the peak counts (idle lanes); later steps' losses count whole, also above the peak,
 * which a sparse PE can pass in nominal MACs.
 */
function rankedLoss(step: number, before: number, after: number, peak: number): number {
  return step <= 3 ? Math.min(before, peak) - Math.min(after, peak) : before - after;
}

/**
 * A step's own bound; `own` marks a value taken as it is rather than tightened by the previous step's: a sparse
 * step that may raise the bound, and the simulated step 7 (which the analytical steps must therefore bound).
 */
export interface StepBound {
  step: number;
  bound: number;
  own?: boolean;
}

/** Builds the steps from their bounds (in order), each the tighter of its own bound and the previous step's. */
export function chainSteps(bounds: readonly StepBound[], peak: number): EyexamStep[] {
  const steps: EyexamStep[] = [];
  for (const { step, bound, own } of bounds) {
    const prev = steps.at(-1)?.macsPerCycle;
    const value = prev === undefined || own ? bound : Math.min(prev, bound);
    steps.push({ step, name: STEP_NAMES[step]!, macsPerCycle: value, fractionOfPeak: value / peak, lossMacsPerCycle: prev === undefined ? 0 : prev - value });
  }
  return steps;
}

/** The step with the largest ranked loss (the first of equals); the last step when nothing is lost. */
export function costliestStep(steps: readonly EyexamStep[], peak: number): number {
  let best = steps.at(-1)!.step;
  let most = 0;
  for (let i = 1; i < steps.length; i++) {
    const loss = rankedLoss(steps[i]!.step, steps[i - 1]!.macsPerCycle, steps[i]!.macsPerCycle, peak);
    if (loss > most) {
      most = loss;
      best = steps[i]!.step;
    }
  }
  return best;
}

/**
 * The Eyexam of one simulated layer: `r` is the layer as run, `unlimitedCycles` the cycles of the same mapping
 * with every bandwidth unlimited.
 */
export function layerEyexam(hw: HwConfig, r: LayerResult, unlimitedCycles: number): LayerEyexam {
  const p = r.problem;
  const macs = problemMacs(p);
  const peak = peakMacsPerCycle(hw);
  const bw = averageBandwidth(hw, r);
  const [limit, bwCycles] = (Object.entries(bw) as [keyof AverageBandwidth, number | null][])
    .reduce<[keyof AverageBandwidth, number]>((best, [k, v]) => ((v ?? 0) > best[1] ? [k, v!] : best), ['compute', bw.compute]);
  const sparse = r.mapping.peMode === 'compressed';
  const b5 = storageBound(p, hw);
  const bounds: StepBound[] = [
    { step: 1, bound: layerBound(p) },
    { step: 2, bound: dataflowBound(p) },
    { step: 3, bound: peCountBound(p, hw) },
    { step: 4, bound: physicalBound(p, hw) },
    { step: 5, bound: b5 },
  ];
  if (sparse) bounds.push({ step: 5.5, bound: (b5 * macs) / (macs - r.skippedMacs), own: true });
  bounds.push({ step: 6, bound: macs / bwCycles });
  bounds.push({ step: 6.5, bound: macs / unlimitedCycles });
  bounds.push({ step: 7, bound: macs / r.cycles, own: true });
  const steps = chainSteps(bounds, peak);
  return {
    peakMacsPerCycle: peak,
    steps,
    simulatedMacsPerCycle: macs / r.cycles,
    unlimitedBandwidthMacsPerCycle: macs / unlimitedCycles,
    costliestStep: costliestStep(steps, peak),
    averageBandwidth: bw,
    averageBandwidthLimit: limit,
  };
}
