import type { HwConfig } from '../../config/hw-config.js';
import { FlatMulticast } from './flat-multicast.js';
import { HierarchicalMesh } from './hierarchical-mesh.js';
import type { NocModel } from './noc.js';

/** NoC implementations by the name a hardware config gives in `noc.type` (Ramulator-style registry). */
const NOC_MODELS: Record<HwConfig['noc']['type'], () => NocModel> = {
  'hierarchical-mesh': () => new HierarchicalMesh(),
  'flat-multicast': () => new FlatMulticast(),
};

export function nocModel(hw: HwConfig): NocModel {
  return NOC_MODELS[hw.noc.type]();
}
