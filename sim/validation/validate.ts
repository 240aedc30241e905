import { loadHwConfig, type HwConfig } from '../config/hw-config.js';
import { InputError } from '../errors.js';
import { parseMappingText } from '../mapping/mapping.js';
import { runNetwork, type SimulatedLayer } from '../run/network.js';
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

export interface ValidationSummary {
  network: string;
  mapping: MappingSource;
  metric: Metric;
  meanAbsErrorPercent: number;
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
    powerMw: ((l.energy.totalJoules - l.energy.byLevel.dram) / seconds) * 1e3,
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
  onLayer?: (network: string, mapping: MappingSource, layer: string) => void;
}): ValidationReport {
  const hw = loadHwConfig(o.hw ?? 'eyeriss-v1');
  const rows: ValidationRow[] = [];
  const summary: ValidationSummary[] = [];
  for (const name of o.networks) {
    const net = NETWORKS[name];
    if (!net) throw new InputError(`validate: no measurements for "${name}", expected one of ${Object.keys(NETWORKS).join(', ')}`);
    const trace = loadTrace(net.trace);
    const wanted = o.layers?.[name] ?? net.layers.map((l) => l.layer);
    for (const source of o.mappings) {
      if (source === 'paper' && !net.paperMappings) continue;
      const mappings = source === 'paper'
        ? new Map(Object.entries(net.paperMappings!).map(([l, text]) => [l, parseMappingText(text, `JSSC17 Table III ${l}`)]))
        : undefined;
      const run = runNetwork({
        hw, trace, layers: wanted, batch: net.batch, seed: 1, engine: 'event', check: false, mappings,
        onLayerDone: (_d, _t, r) => o.onLayer?.(name, source, r.name),
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
        summary.push({ network: name, mapping: source, metric, meanAbsErrorPercent: e.reduce((a, b) => a + b, 0) / e.length });
      }
    }
  }
  return { rows, summary };
}
