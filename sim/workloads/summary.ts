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
}

export function traceSummary(trace: LoadedTrace): TraceSummary {
  const onChip = trace.layers.filter((l) => isOnChip(l.type));
  return {
    name: trace.name,
    layers: onChip.length,
    // nominalMacs counts the whole batch; per inference is the same layer at N = 1.
    macs: onChip.reduce((sum, l) => sum + nominalMacs({ ...l, N: 1 }), 0),
    weights: onChip.reduce((sum, l) => sum + weightCount(l), 0),
  };
}

/** Summaries of every shipped trace (traces/), sorted by name. */
export function shippedTraceSummaries(): TraceSummary[] {
  return listTraceNames().map((name) => traceSummary(loadTrace(name)));
}
