import type { HwConfig } from '../../config/hw-config.js';
import { bankedGlb } from './banked.js';
import type { GlbModel } from './glb.js';
import { sharedGlb } from './shared.js';

/** GLB implementations by the name a hardware config gives in `glb.type` (as sim/hw/pe/registry.ts for the PE). */
const GLB_MODELS: Record<HwConfig['glb']['type'], () => GlbModel> = {
  banked: () => bankedGlb,
  shared: () => sharedGlb,
};

export function glbModel(hw: HwConfig): GlbModel {
  return GLB_MODELS[hw.glb.type]();
}
