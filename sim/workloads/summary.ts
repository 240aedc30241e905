/**
 * One-line summaries of traces, for listing them (`eyeriss-sim traces`). Only the layers the chip runs count:
 * pooling, ADD, CONCAT, SOFTMAX and FLATTEN run off-chip and have no MACs or weights.
 */
import { isOnChip, nominalMacs, weightCount } from './layer.js';
import { listTraceNames, loadTrace, type LoadedTrace } from './trace.js';

export interface TraceSummary {
  name: string;
  /** Number of on-chip layers. */
  layers: number;
  /** Nominal MACs (zeros included) of one inference, i.e. at batch 1, over the on-chip layers. */
  macs: number;
  /** Weights of the on-chip layers (biases are not in traces). */
  weights: number;
  /** Iact and weight densities (non-zero fractions) the trace gives, averaged over the on-chip layers weighted by MACs. */
  iactDensity: number;
  weightDensity: number;
}

export function traceSummary(trace: LoadedTrace): TraceSummary {
  const onChip = trace.layers.filter((l) => isOnChip(l.type));
  // nominalMacs counts the whole batch; per inference is the same layer at N = 1.
  const macsOf = onChip.map((l) => nominalMacs({ ...l, N: 1 }));
  const macs = macsOf.reduce((a, b) => a + b, 0);
  const weighted = (f: (l: (typeof onChip)[number]) => number): number => (macs > 0 ? onChip.reduce((a, l, i) => a + f(l) * macsOf[i]!, 0) / macs : 0);
  return {
    name: trace.name,
    layers: onChip.length,
    macs,
    weights: onChip.reduce((sum, l) => sum + weightCount(l), 0),
    iactDensity: weighted((l) => l.iactDensity),
    weightDensity: weighted((l) => l.weightDensity),
  };
}

/** Summaries of every shipped trace (traces/), sorted by name. */
export function shippedTraceSummaries(): TraceSummary[] {
  return listTraceNames().map((name) => traceSummary(loadTrace(name)));
}
