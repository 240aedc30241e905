/**
 * What the mapper minimises: the estimated cycles (latency, the default), an estimated energy, or their product
 * (energy-delay product). Eyeriss v1's mappings were chosen for energy (ISCA16), so the energy objective lets a
 * validation ask which objective explains the chip's measured latency and accesses.
 *
 * The energy estimate ranks candidates; it is not the reported energy (that comes from simulating the chosen
 * mapping and costing its counters). It keeps the terms a mapping changes, first order: per-cycle energy of the
 * clock network and control (the chip's, plus each PE the mapping uses), DRAM traffic (weights fetched again for
 * every block of images x output rows, iacts for every block of filters, outputs written once), and psums going
 * through the GLB between the passes over channels and filter rows. MACs and SPad accesses per MAC hardly depend
 * on the mapping and are left out. Prices come from the energy table (sim/energy/objective-prices.ts), passed in
 * as plain numbers so that the mapper does not depend on the energy model.
 */
import type { HwConfig } from '../config/hw-config.js';
import { InputError } from '../errors.js';
import { AXES, type Mapping, temporalCounts } from './mapping.js';
import type { Problem } from './problem.js';

export const OBJECTIVES = ['latency', 'energy', 'edp'] as const;
export type ObjectiveName = (typeof OBJECTIVES)[number];

/** `--objective` as given on a command line: one of OBJECTIVES, else a one-line input error. */
export function parseObjective(value: string): ObjectiveName {
  if (!(OBJECTIVES as readonly string[]).includes(value)) {
    throw new InputError(`--objective: got ${JSON.stringify(value)}, expected ${OBJECTIVES.join(', ')}`);
  }
  return value as ObjectiveName;
}

/** pJ, from the energy table in use. */
export interface ObjectivePrices {
  perCycle: number; // the chip's clock root and clusters, leakage
  perPeCycle: number; // clock and control of one PE the mapping uses
  dramPerBit: number;
  glbPsumPerAccess: number; // one psum port access (read or write)
}

export interface MappingObjective {
  name: ObjectiveName;
  prices: ObjectivePrices | null; // null for latency
}

const ceilDiv = (a: number, b: number): number => Math.ceil(a / b);

/** The estimated energy of a candidate, pJ (see the module comment for what it keeps). */
export function estimateEnergyPj(p: Problem, m: Mapping, hw: HwConfig, cycles: number, prices: ObjectivePrices): number {
  const t = temporalCounts(p, m);
  let pes = 1;
  for (const axis of AXES) for (const [, f] of m.spatial[axis]) pes *= f;
  const blocksNE = ceilDiv(t.N, Math.min(m.rowsPerPass.N, t.N)) * ceilDiv(t.E, Math.min(m.rowsPerPass.E, t.E));
  const blocksM = ceilDiv(t.M, Math.min(m.mBlock, t.M));
  const { iactBits, weightBits, psumBits, outputBits } = hw.precision;
  const outputs = p.N * p.G * p.M * p.E * p.F;
  const dramBits =
    p.G * p.M * p.C * p.R * p.S * weightBits * blocksNE + p.N * p.G * p.C * p.H * p.W * iactBits * blocksM + outputs * outputBits;
  const psumPasses = t.C * t.R - 1; // every pass but the last writes psums to the GLB and the next reads them back
  const psumAccesses = 2 * psumPasses * outputs * ceilDiv(psumBits, hw.noc.psum.portBits);
  return cycles * (prices.perCycle + pes * prices.perPeCycle) + dramBits * prices.dramPerBit + psumAccesses * prices.glbPsumPerAccess;
}

/** Whether the objective's score is the estimated cycles themselves. */
export const scoresCycles = (o: MappingObjective | undefined): boolean => !o || o.name === 'latency' || !o.prices;

/** The score a candidate is ranked by (lower is better). */
export function objectiveScore(o: MappingObjective | undefined, p: Problem, m: Mapping, hw: HwConfig, cycles: number): number {
  if (scoresCycles(o)) return cycles;
  const e = estimateEnergyPj(p, m, hw, cycles, o!.prices!);
  return o!.name === 'energy' ? e : e * cycles;
}
