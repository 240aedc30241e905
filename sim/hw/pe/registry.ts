import type { HwConfig } from '../../config/hw-config.js';
import type { AccessCounts } from '../../stats/access-counts.js';
import type { PipelineTiming } from './pipeline.js';
import { type PeStatic, ProcessingElement } from './processing-element.js';

/**
 * A PE implementation: builds the PEs of a layer. Both shipped PE types share one sequencer and data path;
 * they differ in the modes the mapper may choose (sim/mapping/constraints.ts peModes): a sparse-csc PE
 * (JETCAS19 §IV) runs CSC data with zero skipping or raw data with zero gating, a dense-gating PE (Eyeriss v1
 * and v1.5, JSSC17 §III-D) raw data only.
 */
export interface PeModel {
  readonly name: HwConfig['pe']['type'];
  create(name: string, pe: number, st: PeStatic, counts: AccessCounts, timing: PipelineTiming): ProcessingElement;
}

const sharedSequencer = (name: HwConfig['pe']['type']): PeModel => ({
  name,
  create: (label, pe, st, counts, timing) => new ProcessingElement(label, pe, st, counts, timing),
});

/** PE implementations by the name a hardware config gives in `pe.type` (as sim/hw/noc/registry.ts for the NoC). */
const PE_MODELS: Record<HwConfig['pe']['type'], () => PeModel> = {
  'sparse-csc': () => sharedSequencer('sparse-csc'),
  'dense-gating': () => sharedSequencer('dense-gating'),
};

export function peModel(hw: HwConfig): PeModel {
  return PE_MODELS[hw.pe.type]();
}
