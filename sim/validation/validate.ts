import { loadHwConfig, type HwConfig } from '../config/hw-config.js';
import { InputError } from '../errors.js';
import { parseMappingText } from '../mapping/mapping.js';
import type { ObjectiveName } from '../mapping/objective.js';
import { runNetwork, selectLayers, type SimulatedLayer } from '../run/network.js';
import { nominalMacs } from '../workloads/layer.js';
import { loadTrace } from '../workloads/trace.js';
import { JSSC17_ALEXNET, JSSC17_VGG16, METRICS, type MeasuredNetwork, type Metric } from './jssc17.js';

export type MappingSource = 'paper' | 'mapper';

export interface ValidationRow {
  network: string;
  layer: string;
  mapping: MappingSource;
  metric: Metric;
  measured: number;
  simulated: number;
  errorPercent: number;
}

/**
 * Whether a measurement was used to fit the model: 'in' for the power of AlexNet CONV1-5 (`eyeriss-sim calibrate`
 * fits the energy tables to it, whichever mapping simulates it here), 'out' for VGG-16's power (never fitted: the
 * prediction), 'none' for every other metric (nothing is fitted to latency, PEs, GLB or DRAM accesses).
 */
export type Sample = 'in' | 'out' | 'none';

export interface ValidationSummary {
  network: string;
  mapping: MappingSource;
  metric: Metric;
  meanAbsErrorPercent: number;
  sample: Sample;
}

/** The networks whose power `eyeriss-sim calibrate` fits (sim/validation/calibrate.ts). */
export const FITTED_POWER_NETWORKS = ['alexnet'];

export function sampleOf(network: string, metric: Metric): Sample {
  if (metric !== 'powerMw') return 'none';
  return FITTED_POWER_NETWORKS.includes(network) ? 'in' : 'out';
}

export interface ValidationReport {
  rows: ValidationRow[];
  summary: ValidationSummary[];
}

export const NETWORKS: Record<string, MeasuredNetwork> = { alexnet: JSSC17_ALEXNET, vgg16: JSSC17_VGG16 };

/** The measured metrics of a simulated layer, in the units of JSSC17's tables. */
export function simulatedMetrics(l: SimulatedLayer, hw: HwConfig): Record<Metric, number> {
  const seconds = l.latencySeconds;
  const clock = hw.clockMHz * 1e6;
  const glb = l.counts.toReport().glb;
  // GLB counts are port accesses; the tables count 16-bit values, in MB of 10^6 bytes. We read "GLB accesses"
  // as those of the 100 kB ifmap/psum buffer: the 8 kB filter buffer in front of the filter GIN is left out
  // (our reading; JSSC17 does not say, and with it every layer's count is 10-30% higher).
  const glbBytes = (glb.iact.read + glb.iact.write) * hw.noc.iact.portBits / 8 +
    (glb.psum.read + glb.psum.write) * hw.noc.psum.portBits / 8;
  return {
    totalLatencyMs: seconds * 1e3,
    processingLatencyMs: ((l.cycles - l.offChipStallCycles) / clock) * 1e3,
    // The chip's power, as measured: without the DRAM's energy.
    powerMw: (l.energy.chipJoules / seconds) * 1e3,
    activePes: l.activePes,
    glbAccesses: glbBytes / 1e6,
    dramAccesses: (l.dramBits.read + l.dramBits.write) / 8 / 1e6,
  };
}

/**
 * Runs the measured layers on a config (default eyeriss-v1) with the paper's mapping pinned and/or with the
 * mapper's choice, and compares every metric with the measurement (signed error in percent).
 */
export function runValidation(o: {
  hw?: string;
  networks: string[];
  layers?: Record<string, string[]>;
  mappings: MappingSource[];
  /** What the mapper minimises where it chooses (mapping 'mapper'); default latency. */
  objective?: ObjectiveName;
  /** Called after each layer with the nominal MACs simulated so far and in all (for a time-left estimate). */
  onLayer?: (network: string, mapping: MappingSource, layer: string, progress: { layersDone: number; layers: number; macsDone: number; macs: number }) => void;
}): ValidationReport {
  const hw = loadHwConfig(o.hw ?? 'eyeriss-v1');
  const rows: ValidationRow[] = [];
  const summary: ValidationSummary[] = [];
  for (const name of o.networks) {
    if (!NETWORKS[name]) throw new InputError(`validate: no measurements for "${name}", expected one of ${Object.keys(NETWORKS).join(', ')}`);
  }
  // The work ahead, in layers and nominal MACs (simulation time grows with the MACs), for the progress callback.
  const jobs = o.networks.flatMap((name) => {
    const net = NETWORKS[name]!;
    const trace = loadTrace(net.trace);
    const wanted = o.layers?.[name] ?? net.layers.map((l) => l.layer);
    const macs = new Map(selectLayers(trace, wanted, net.batch).onChip.map((l) => [l.name, nominalMacs(l)]));
    return o.mappings.filter((m) => m === 'mapper' || net.paperMappings).map((source) => ({ name, net, trace, wanted, source, macs }));
  });
  const progress = { layersDone: 0, layers: 0, macsDone: 0, macs: 0 };
  for (const j of jobs) {
    progress.layers += j.macs.size;
    for (const m of j.macs.values()) progress.macs += m;
  }
  for (const { name, net, trace, wanted, source, macs } of jobs) {
    const mappings = source === 'paper'
      ? new Map(Object.entries(net.paperMappings!).map(([l, text]) => [l, parseMappingText(text, `JSSC17 Table III ${l}`)]))
      : undefined;
    const run = runNetwork({
      hw, trace, layers: wanted, batch: net.batch, seed: 1, engine: 'event', check: false, mappings, objective: o.objective,
      onLayerDone: (_d, _t, r) => {
        progress.layersDone++;
        progress.macsDone += macs.get(r.name) ?? 0;
        o.onLayer?.(name, source, r.name, { ...progress });
      },
    });
    const errors = new Map<Metric, number[]>(METRICS.map((m) => [m, []]));
    for (const l of run.layers) {
      const measured = net.layers.find((m) => m.layer === l.name)!;
      const sim = simulatedMetrics(l, hw.config);
      for (const metric of METRICS) {
        const errorPercent = ((sim[metric] - measured[metric]) / measured[metric]) * 100;
        rows.push({ network: name, layer: l.name, mapping: source, metric, measured: measured[metric], simulated: sim[metric], errorPercent });
        errors.get(metric)!.push(Math.abs(errorPercent));
      }
    }
    for (const metric of METRICS) {
      const e = errors.get(metric)!;
      summary.push({ network: name, mapping: source, metric, meanAbsErrorPercent: e.reduce((a, b) => a + b, 0) / e.length, sample: sampleOf(name, metric) });
    }
  }
  return { rows, summary };
}
