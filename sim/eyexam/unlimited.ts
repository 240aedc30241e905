import type { HwConfig } from '../config/hw-config.js';

/**
 * Port width standing in for an unlimited bandwidth: wider than any packet the simulator forms, so every packet
 * crosses a port in one cycle (the packet, not the bit, is then the unit of transfer: as unlimited as a port of
 * this design can be).
 */
export const UNLIMITED_PORT_BITS = 1 << 24;

/**
 * The config with every bandwidth unlimited (Eyexam's bound without bandwidth effects): NoC and GLB ports, the
 * PE-to-PE psum links and the off-chip link. Storage, array and PE timing are unchanged; the caller pins the
 * mapping, since the mapper would otherwise choose for the new bandwidths.
 */
export function withUnlimitedBandwidth(hw: HwConfig): HwConfig {
  const wide = { portBits: UNLIMITED_PORT_BITS };
  return {
    ...hw,
    name: `${hw.name} (bandwidths unlimited)`,
    pe: { ...hw.pe, psumLinkBits: UNLIMITED_PORT_BITS },
    noc: { ...hw.noc, iact: { ...hw.noc.iact, ...wide }, weight: { ...hw.noc.weight, ...wide }, psum: { ...hw.noc.psum, ...wide } },
    offChip: { ...hw.offChip, bandwidthGBps: null },
  };
}
