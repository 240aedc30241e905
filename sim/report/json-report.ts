import type { LoadedHwConfig } from '../config/hw-config.js';
import { type Activity, type EnergyBreakdown, pjPerMac, powerWatts, sumBreakdowns } from '../energy/energy-model.js';
import type { EngineKind } from '../engine/simulator.js';
import { LEVEL_UNITS, type AccessReport, type MetadataReport } from '../stats/access-counts.js';
import type { LoadedTrace } from '../workloads/trace.js';
import type { MappingChoice, NetworkResult, PeModeChoice, SimulatedLayer } from '../run/network.js';
import { buildCard, type MetricsCard } from './card.js';

/** The JSON report: a contract other tools read (schemaVersion 1). */
export interface JsonReport {
  schemaVersion: 1;
  hw: { name: string; sha256: string };
  trace: { name: string; sha256: string };
  seed: number;
  engine: EngineKind;
  batch: number;
  energyTable: { name: string; sha256: string | null };
  layers: JsonLayer[];
  offChipLayers: { name: string; type: string; runOnChip: false }[];
  totals: {
    cycles: number;
    latencySeconds: number;
    inferencesPerSecond: number;
    nominalMacs: number;
    effectiveMacs: number;
    dramBytesPerInference: number;
  } & EnergyTotals;
  /** The metrics card of the talk, filled from this run (sim/report/card.ts). */
  card: MetricsCard;
  sim: { wallSeconds: number; events: number; simulatedCyclesPerSecond: number };
}

/** The totals that depend on the energy table: what `eyeriss-sim energy` replaces when it re-costs a report. */
export interface EnergyTotals {
  /** Chip + DRAM, as every field below without `chip` or `dram` in its name. */
  energyJoulesPerInference: number;
  inferencesPerJoule: number;
  /** Average power over the run (energy / latency), chip + DRAM. */
  powerWatts: number;
  energyJoules: number;
  /** The chip alone (what a chip's measured power covers) and the DRAM alone; chip + DRAM = the totals above. */
  chipEnergyJoules: number;
  dramEnergyJoules: number;
  chipEnergyJoulesPerInference: number;
  dramEnergyJoulesPerInference: number;
  chipPowerWatts: number;
  dramPowerWatts: number;
  /** pJ per nominal MAC (zeros included, as JETCAS19 counts operations). */
  pJPerNominalMac: number;
  /** Nominal ops (2 x nominal MACs) per second per watt, in GOPS/W: = 2 x nominal MACs / energy / 1e9. */
  gopsPerWatt: number;
  energyBreakdown: EnergyBreakdown;
}

/** Network totals of the layers' energies; the one place they are derived, for runs and re-costed reports. */
export function energyTotals(layerEnergies: readonly EnergyBreakdown[], batch: number, latencySeconds: number, nominalMacs: number): EnergyTotals {
  const energy = sumBreakdowns(layerEnergies);
  const joules = energy.totalJoules;
  return {
    energyJoulesPerInference: joules / batch,
    inferencesPerJoule: joules > 0 ? batch / joules : 0,
    powerWatts: powerWatts(energy, latencySeconds),
    energyJoules: joules,
    chipEnergyJoules: energy.chipJoules,
    dramEnergyJoules: energy.dramJoules,
    chipEnergyJoulesPerInference: energy.chipJoules / batch,
    dramEnergyJoulesPerInference: energy.dramJoules / batch,
    chipPowerWatts: powerWatts(energy, latencySeconds, 'chip'),
    dramPowerWatts: powerWatts(energy, latencySeconds, 'dram'),
    pJPerNominalMac: nominalMacs > 0 ? pjPerMac(energy, nominalMacs) : 0,
    gopsPerWatt: joules > 0 ? (2 * nominalMacs) / joules / 1e9 : 0,
    energyBreakdown: energy,
  };
}

/** A layer's activity plus the clock: with the access counts, all computeEnergy needs to re-cost the layer. */
export type JsonActivity = Activity & { clockMHz: number };

export interface JsonLayer {
  name: string;
  type: string;
  shape: Record<string, number>;
  mapping: { text: string; spec: SimulatedLayer['mapping']; nocModes: SimulatedLayer['nocModes']; estimatedCycles: number | null };
  cycles: number;
  latencySeconds: number;
  nominalMacs: number;
  effectiveMacs: number;
  gatedMacs: number;
  skippedMacs: number;
  peUtilization: number;
  macUtilization: number;
  activePes: number;
  accesses: { units: typeof LEVEL_UNITS; counts: AccessReport };
  /** Bits of CSC metadata (addresses, zero-run counts) stored or moved per place and data type; 0 when uncompressed. */
  metadataBits: MetadataReport;
  /** The sparse PE's mode this layer ran in, why, and what each mode cost where simulated. */
  peModeChoice: PeModeChoice;
  /** With --candidates: the mapping kept, the runner-up, and each candidate's estimate and simulated cycles. */
  mappingChoice?: MappingChoice;
  dramBytes: { read: number; write: number };
  activity: JsonActivity;
  energyJoules: number;
  energyBreakdown: EnergyBreakdown;
  check: 'pass' | 'fail' | 'skipped';
  checkDetail: string;
  psumOverflows: number | null;
  /** Non-zero fraction of the input activations: the trace's, and the one of the iacts the layer was fed. */
  iactDensityAssumed: number;
  iactDensityMeasured: number;
}

function layerJson(l: SimulatedLayer, clockMHz: number): JsonLayer {
  const p = l.problem;
  return {
    name: l.name,
    type: l.type,
    shape: { N: p.N, G: p.G, C: p.C * p.G, M: p.M * p.G, H: p.H, W: p.W, R: p.R, S: p.S, E: p.E, F: p.F, strideH: p.U, strideW: p.V },
    mapping: { text: l.mappingText, spec: l.mapping, nocModes: l.nocModes, estimatedCycles: l.estimatedCycles },
    cycles: l.cycles,
    latencySeconds: l.latencySeconds,
    nominalMacs: l.nominalMacs,
    effectiveMacs: l.effectiveMacs,
    gatedMacs: l.gatedMacs,
    skippedMacs: l.skippedMacs,
    peUtilization: l.peUtilization,
    macUtilization: l.macUtilization,
    activePes: l.activePes,
    accesses: { units: LEVEL_UNITS, counts: l.counts.toReport() },
    metadataBits: l.counts.metadataReport(),
    peModeChoice: l.peModeChoice,
    ...(l.mappingChoice ? { mappingChoice: l.mappingChoice } : {}),
    // Whole bytes: run-length-coded streams need not end on a byte boundary, and DRAM moves whole bytes.
    dramBytes: { read: Math.ceil(l.dramBits.read / 8), write: Math.ceil(l.dramBits.write / 8) },
    activity: { ...l.activity, clockMHz },
    energyJoules: l.energy.totalJoules,
    energyBreakdown: l.energy,
    check: l.check,
    checkDetail: l.checkDetail,
    psumOverflows: l.psumOverflows,
    iactDensityAssumed: l.iactDensityAssumed,
    iactDensityMeasured: l.iactDensityMeasured,
  };
}

export function buildJsonReport(run: NetworkResult, hw: LoadedHwConfig, trace: LoadedTrace, seed: number, engine: EngineKind): JsonReport {
  const layers = run.layers.map((l) => layerJson(l, hw.config.clockMHz));
  const cycles = layers.reduce((a, l) => a + l.cycles, 0);
  const latencySeconds = cycles / (hw.config.clockMHz * 1e6);
  const nominalMacs = layers.reduce((a, l) => a + l.nominalMacs, 0);
  const batch = run.batch;
  const dramBytes = layers.reduce((a, l) => a + l.dramBytes.read + l.dramBytes.write, 0);
  const report: Omit<JsonReport, 'card' | 'sim'> = {
    schemaVersion: 1,
    hw: { name: hw.config.name, sha256: hw.sha256 },
    trace: { name: trace.name, sha256: trace.sha256 },
    seed,
    engine,
    batch,
    energyTable: { name: run.energyTable.name, sha256: run.energyTable.sha256 },
    layers,
    offChipLayers: run.offChip.map((l) => ({ ...l, runOnChip: false as const })),
    totals: {
      cycles,
      latencySeconds,
      inferencesPerSecond: latencySeconds > 0 ? batch / latencySeconds : 0,
      nominalMacs,
      effectiveMacs: layers.reduce((a, l) => a + l.effectiveMacs, 0),
      dramBytesPerInference: dramBytes / batch,
      ...energyTotals(run.layers.map((l) => l.energy), batch, latencySeconds, nominalMacs),
    },
  };
  return {
    ...report,
    card: buildCard(hw.config, report),
    sim: { wallSeconds: run.wallSeconds, events: run.events, simulatedCyclesPerSecond: run.wallSeconds > 0 ? cycles / run.wallSeconds : 0 },
  };
}
