import { buildJsonReport, type JsonLayer, type JsonReport } from '../report/json-report.js';
import { simulateLayer } from '../run/layer-sim.js';
import { type NetworkRunOptions, layerTensors, runNetwork, selectLayers } from '../run/network.js';
import { peakMacsPerCycle } from './bounds.js';
import { chainSteps, costliestStep, type EyexamStep, layerEyexam, type LayerEyexam } from './eyexam.js';
import { withUnlimitedBandwidth } from './unlimited.js';

/** The run report (its contract unchanged) with each layer's Eyexam and a network summary. */
export interface EyexamReport extends JsonReport {
  layers: (JsonLayer & { eyexam: LayerEyexam })[];
  eyexam: EyexamSummary;
}

export interface EyexamSummary {
  peakMacsPerCycle: number;
  /**
   * The network's bound after each step: its nominal MACs over the layers' cycles at their bounds (a layer
   * without a sparse step keeps its previous step's bound there). Step 7 is the run's own throughput.
   */
  steps: EyexamStep[];
  costliestStep: number;
}

export type EyexamRunOptions = Omit<NetworkRunOptions, 'propagate' | 'input'>;

/**
 * Runs the network as `run` does (same options, same results) and, per layer, the chosen mapping again with every
 * bandwidth unlimited; returns the run report with the Eyexam of every layer.
 */
export function runEyexam(o: EyexamRunOptions): EyexamReport {
  const { hw, trace } = o;
  const unlimitedHw = withUnlimitedBandwidth(hw.config);
  const specs = new Map(selectLayers(trace, o.layers, o.batch).onChip.map((l) => [l.name, l]));
  const exams = new Map<string, LayerEyexam>();
  const run = runNetwork({
    ...o,
    onLayerDone: (done, total, r) => {
      const layer = specs.get(r.name)!;
      const { iacts, weights } = layerTensors(trace, layer, o.seed);
      const unlimited = simulateLayer(unlimitedHw, layer, iacts, weights, {
        engine: o.engine, check: false, mapping: r.mapping,
        networkInput: trace.layers[0]?.name === layer.name && layer.inputs.length === 0,
      });
      exams.set(r.name, layerEyexam(hw.config, r, unlimited.cycles));
      o.onLayerDone?.(done, total, r);
    },
  });
  const report = buildJsonReport(run, hw, trace, o.seed, o.engine);
  const layers = report.layers.map((l) => ({ ...l, eyexam: exams.get(l.name)! }));
  return { ...report, layers, eyexam: networkSummary(layers, peakMacsPerCycle(hw.config)) };
}

/** The network's steps: per step, total nominal MACs over the sum of the layers' cycles at that step's bound. */
export function networkSummary(layers: readonly { nominalMacs: number; eyexam: LayerEyexam }[], peak: number): EyexamSummary {
  const numbers = [...new Set(layers.flatMap((l) => l.eyexam.steps.map((s) => s.step)))].sort((a, b) => a - b);
  const macs = layers.reduce((a, l) => a + l.nominalMacs, 0);
  const bounds = numbers.map((step) => {
    const cycles = layers.reduce((a, l) => {
      const at = l.eyexam.steps.filter((s) => s.step <= step).at(-1)!;
      return a + l.nominalMacs / at.macsPerCycle;
    }, 0);
    return { step, bound: macs / cycles, own: true };
  });
  const steps = chainSteps(bounds, peak);
  return { peakMacsPerCycle: peak, steps, costliestStep: costliestStep(steps, peak) };
}
