import type { HwConfig } from '../../config/hw-config.js';
import type { PsumChainModel } from './chain.js';
import { columnChain } from './column.js';

/** Psum chain implementations by the name a hardware config gives in `noc.psum.chain` (as sim/hw/pe/registry.ts). */
const PSUM_CHAINS: Record<HwConfig['noc']['psum']['chain'], () => PsumChainModel> = {
  column: () => columnChain,
};

export function psumChainModel(hw: HwConfig): PsumChainModel {
  return PSUM_CHAINS[hw.noc.psum.chain]();
}
