/**
 * The metrics card: the table the tutorial "Efficient Processing of DNNs" (Sze, Chen, Yang, Emer) asks every DNN
 * accelerator to publish ("Example: Metrics of Eyeriss Chip"), filled from a simulated run. What the simulator
 * cannot know says 'not modelled': the core area unless the hardware config gives `coreAreaMm2`, and the accuracy
 * always (a trace carries shapes and densities, not a trained model).
 */
import type { HwConfig } from '../config/hw-config.js';
import { formatTable } from './table.js';

export const NOT_MODELLED = 'not modelled';
export type Maybe<T> = T | typeof NOT_MODELLED;

export interface MetricsCard {
  source: 'simulated';
  technologyNm: number;
  coreAreaMm2: Maybe<number>;
  /** kB = 1024 bytes, as the Eyeriss papers count SRAM; = glbKB + spadKB (see onChipMemoryBytes). */
  onChipMemoryKB: number;
  glbKB: number;
  spadKB: number;
  multipliers: number;
  clockMHz: number;
  coreAreaPerMultiplierMm2: Maybe<number>;
  onChipMemoryPerMultiplierKB: number;
  network: string;
  accuracy: typeof NOT_MODELLED;
  /** Layer types the run put on the chip, and those it left off chip (they only shape the data). */
  supportedLayers: string[];
  offChipLayerTypes: string[];
  bitsPerWeight: number;
  bitsPerIact: number;
  batch: number;
  /** Runtime of the whole batch, as the talk's table gives it (115.3 ms for a batch of 4). */
  runtimeMs: number;
  /** Average power of the chip over the run, DRAM excluded (as the talk's card gives the chip's 278 mW). */
  powerMw: number;
  /** MB = 1e6 bytes of DRAM traffic (reads + writes) per inference. */
  offChipMBPerInference: number;
  /** Inputs (images) simulated: the batch, each from its own synthetic or given tensor. */
  inputsSimulated: number;
}

/**
 * On-chip storage in bytes: GLB = clusters x (iact banks x iact bank bytes + psum banks x psum bank bytes); SPads =
 * PEs x (iact addr entries x bits + iact data entries x bits + weight addr entries x bits + weight data words x bits
 * + psum entries x bits) / 8. Every SPad counts, not only the SRAM weight data SPad that JETCAS19's recalled
 * "246 kB" includes (eyeriss-facts.md §1.4): the card asks for all on-chip memory.
 */
export function onChipMemoryBytes(hw: HwConfig): { glb: number; spads: number } {
  const clusters = hw.array.clusterRows * hw.array.clusterCols;
  const pes = clusters * hw.array.peRowsPerCluster * hw.array.peColsPerCluster;
  const g = hw.glb;
  const p = hw.pe;
  const spadBits =
    p.iactAddrSpadEntries * p.iactAddrBits +
    p.iactDataSpadEntries * p.iactDataEntryBits +
    p.weightAddrSpadEntries * p.weightAddrBits +
    p.weightDataSpadWords * p.weightDataWordBits +
    p.psumSpadEntries * p.psumEntryBits;
  return {
    glb: clusters * (g.iactBanksPerCluster * g.iactBankBytes + g.psumBanksPerCluster * g.psumBankBytes),
    spads: (pes * spadBits) / 8,
  };
}

/** The card fields that depend on the energy table, so that a re-costed report updates them in one place. */
export function cardEnergyFields(totals: { chipPowerWatts: number }): Pick<MetricsCard, 'powerMw'> {
  return { powerMw: totals.chipPowerWatts * 1e3 };
}

/** What the card needs from a run (a subset of the JSON report). */
export interface CardRun {
  trace: { name: string };
  batch: number;
  layers: { type: string }[];
  offChipLayers: { type: string }[];
  totals: { latencySeconds: number; chipPowerWatts: number; dramBytesPerInference: number };
}

export function buildCard(hw: HwConfig, run: CardRun): MetricsCard {
  const mem = onChipMemoryBytes(hw);
  const onChipMemoryKB = (mem.glb + mem.spads) / 1024;
  const pes = hw.array.clusterRows * hw.array.clusterCols * hw.array.peRowsPerCluster * hw.array.peColsPerCluster;
  const multipliers = pes * hw.pe.simdWidth;
  const area = hw.coreAreaMm2;
  const onChipTypes = [...new Set(run.layers.map((l) => l.type))];
  return {
    source: 'simulated',
    technologyNm: hw.technologyNm,
    coreAreaMm2: area ?? NOT_MODELLED,
    onChipMemoryKB,
    glbKB: mem.glb / 1024,
    spadKB: mem.spads / 1024,
    multipliers,
    clockMHz: hw.clockMHz,
    coreAreaPerMultiplierMm2: area === undefined ? NOT_MODELLED : area / multipliers,
    onChipMemoryPerMultiplierKB: onChipMemoryKB / multipliers,
    network: run.trace.name,
    accuracy: NOT_MODELLED,
    supportedLayers: onChipTypes,
    offChipLayerTypes: [...new Set(run.offChipLayers.map((l) => l.type))].filter((t) => !onChipTypes.includes(t)),
    bitsPerWeight: hw.precision.weightBits,
    bitsPerIact: hw.precision.iactBits,
    batch: run.batch,
    runtimeMs: run.totals.latencySeconds * 1e3,
    ...cardEnergyFields(run.totals),
    offChipMBPerInference: run.totals.dramBytesPerInference / 1e6,
    inputsSimulated: run.batch,
  };
}

const num = (x: Maybe<number>, digits: number): string => (typeof x === 'number' ? x.toFixed(digits) : x);

/** The card as the talk lays it out: the chip, then the run. */
export function cardTable(c: MetricsCard): string {
  const chip: [string, string, string][] = [
    ['Process technology', 'nm', String(c.technologyNm)],
    ['Total core area', 'mm2', num(c.coreAreaMm2, 2)],
    ['Total on-chip memory (GLB + SPads)', 'kB', `${c.onChipMemoryKB.toFixed(1)} (${c.glbKB.toFixed(1)} + ${c.spadKB.toFixed(1)})`],
    ['Number of multipliers', '#', String(c.multipliers)],
    ['Clock frequency', 'MHz', String(c.clockMHz)],
    ['Core area / multiplier', 'mm2', num(c.coreAreaPerMultiplierMm2, 4)],
    ['On-chip memory / multiplier', 'kB', c.onChipMemoryPerMultiplierKB.toFixed(3)],
    ['Measured or simulated', '', c.source],
  ];
  const run: [string, string, string][] = [
    ['Name of CNN model', 'text', c.network],
    ['Accuracy (e.g. top-5 error)', '%', c.accuracy],
    ['Supported layers', '', c.supportedLayers.join(', ') + (c.offChipLayerTypes.length ? ` (off chip: ${c.offChipLayerTypes.join(', ')})` : '')],
    ['Bits per weight', '#', String(c.bitsPerWeight)],
    ['Bits per input activation', '#', String(c.bitsPerIact)],
    ['Batch size', '#', String(c.batch)],
    ['Runtime', 'ms', c.runtimeMs.toFixed(3)],
    ['Power (chip, DRAM excluded)', 'mW', c.powerMw.toFixed(1)],
    ['Off-chip access per inference', 'MB', c.offChipMBPerInference.toFixed(3)],
    ['Number of inputs simulated', '#', String(c.inputsSimulated)],
  ];
  return [
    formatTable(['ASIC spec', 'units', 'value'], chip.map((r) => [...r])),
    '',
    formatTable(['metric', 'units', 'value'], run.map((r) => [...r])),
  ].join('\n');
}
