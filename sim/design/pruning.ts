/**
 * Energy-aware pruning order (Yang, Chen, Sze, "Designing Energy-Efficient Convolutional Neural Networks using
 * Energy-Aware Pruning", CVPR 2017): prune first the layers that cost the most energy, judged by what the modelled
 * hardware spends on them, not by their weight or MAC counts.
 *
 * For each on-chip layer: its simulated energy and share of the network's, split by data type and by level of the
 * hierarchy, and the energy saved per removed weight at its current density: the layer re-run with `step` of its
 * non-zero weights removed by magnitude (the smallest |w| first, as magnitude pruning does; ties by position), on
 * the same data otherwise and in the same PE mode as the full run.
 */
import type { LoadedHwConfig } from '../config/hw-config.js';
import { BREAKDOWN_DATA_TYPES, LEVEL_GROUPS, type BreakdownDataType, type EnergyBreakdown, type LevelGroup } from '../energy/energy-model.js';
import type { EngineKind } from '../engine/simulator.js';
import { InputError } from '../errors.js';
import { layerTensors, type PeModeOption, runNetwork } from '../run/network.js';
import { weightCount } from '../workloads/layer.js';
import { nonZeroFraction } from '../workloads/tensors.js';
import type { LoadedTrace } from '../workloads/trace.js';

export interface PruneOrderOptions {
  hw: LoadedHwConfig;
  trace: LoadedTrace;
  seed: number;
  engine: EngineKind;
  check: boolean;
  peMode?: PeModeOption;
  /** Only these layers; all on-chip layers when absent. */
  layers?: string[];
  /** Fraction of a layer's non-zero weights removed to measure the saving; default 0.1. */
  step?: number;
  onLayerDone?: (done: number, total: number, name: string) => void;
}

export interface PruneOrderLayer {
  /** 1 = the layer to prune first (the most energy). */
  rank: number;
  name: string;
  type: string;
  weights: number;
  /** Non-zero fraction of the weights the layer ran with. */
  weightDensity: number;
  cycles: number;
  energyJoules: number;
  /** Of the network's energy (the layers simulated). */
  share: number;
  /** Fractions of the layer's energy by data type ('none': clock, control, leakage) and by level group. */
  byDataType: Record<BreakdownDataType, number>;
  byLevel: Record<LevelGroup, number>;
  peMode: string;
  /** The re-run with fewer weights. */
  pruned: { removedWeights: number; weightDensity: number; cycles: number; energyJoules: number };
  /** (energy - pruned energy) / removed weights, in pJ; negative if removing weights cost energy. */
  savedPjPerWeight: number;
}

export interface PruneOrder {
  trace: { name: string; sha256: string };
  hw: { name: string; sha256: string };
  seed: number;
  step: number;
  totalEnergyJoules: number;
  layers: PruneOrderLayer[];
}

/** The weights with the `remove` smallest-magnitude non-zeros set to zero (ties: lower index first). */
export function pruneByMagnitude(weights: Int8Array, remove: number): Int8Array {
  const nonZero: number[] = [];
  for (let i = 0; i < weights.length; i++) if (weights[i] !== 0) nonZero.push(i);
  if (!(remove >= 0 && remove <= nonZero.length)) throw new InputError(`cannot remove ${remove} of ${nonZero.length} non-zero weights`);
  nonZero.sort((a, b) => Math.abs(weights[a]!) - Math.abs(weights[b]!) || a - b);
  const out = Int8Array.from(weights);
  for (const i of nonZero.slice(0, remove)) out[i] = 0;
  return out;
}

const fractions = <K extends string>(keys: readonly K[], parts: Record<K, number>, total: number): Record<K, number> =>
  Object.fromEntries(keys.map((k) => [k, total > 0 ? parts[k] / total : 0])) as Record<K, number>;

export function pruneOrder(o: PruneOrderOptions): PruneOrder {
  const step = o.step ?? 0.1;
  if (!(step > 0 && step < 1)) throw new InputError(`--step: got ${step}, expected a fraction in (0, 1)`);
  const base = { hw: o.hw, seed: o.seed, engine: o.engine, check: o.check };
  const full = runNetwork({ ...base, trace: o.trace, layers: o.layers, peMode: o.peMode });
  const total = full.layers.reduce((s, l) => s + l.energy.totalJoules, 0);
  const rows: Omit<PruneOrderLayer, 'rank'>[] = full.layers.map((r, k) => {
    const spec = o.trace.layers.find((l) => l.name === r.name)!;
    const { weights } = layerTensors(o.trace, spec, o.seed);
    const nonZeros = Math.round(nonZeroFraction(weights) * weights.length);
    const remove = Math.max(1, Math.round(step * nonZeros));
    if (nonZeros === 0) throw new InputError(`layer "${r.name}": has no non-zero weights to prune`);
    const pruned = pruneByMagnitude(weights, remove);
    const tensors = new Map(o.trace.tensors);
    tensors.set(r.name, { ...tensors.get(r.name), weights: pruned });
    const rerun = runNetwork({ ...base, trace: { ...o.trace, tensors }, layers: [r.name], peMode: r.peModeChoice.picked }).layers[0]!;
    o.onLayerDone?.(k + 1, full.layers.length, r.name);
    const e: EnergyBreakdown = r.energy;
    return {
      name: r.name,
      type: r.type,
      weights: weightCount(spec),
      weightDensity: nonZeros / weights.length,
      cycles: r.cycles,
      energyJoules: e.totalJoules,
      share: total > 0 ? e.totalJoules / total : 0,
      byDataType: fractions(BREAKDOWN_DATA_TYPES, e.byDataType, e.totalJoules),
      byLevel: fractions(LEVEL_GROUPS, e.byLevel, e.totalJoules),
      peMode: r.peModeChoice.picked,
      pruned: { removedWeights: remove, weightDensity: (nonZeros - remove) / weights.length, cycles: rerun.cycles, energyJoules: rerun.energy.totalJoules },
      savedPjPerWeight: ((e.totalJoules - rerun.energy.totalJoules) / remove) * 1e12,
    };
  });
  rows.sort((a, b) => b.energyJoules - a.energyJoules);
  return {
    trace: { name: o.trace.name, sha256: o.trace.sha256 },
    hw: { name: o.hw.config.name, sha256: o.hw.sha256 },
    seed: o.seed,
    step,
    totalEnergyJoules: total,
    layers: rows.map((r, i) => ({ rank: i + 1, ...r })),
  };
}
