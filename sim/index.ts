/**
 * The library entry point: `import { loadHwConfig, loadTrace, runNetwork, ... } from 'eyeriss-sim'`.
 *
 * The result types exported here are the JSON report's contract (JsonReport is what `eyeriss-sim run --json`
 * writes). Runs share no state: each runNetwork call ranks mappings with its own cache, so results do not depend
 * on what ran before in the same process.
 */
export { loadHwConfig, listHwConfigNames, parseHwConfig, type HwConfig, type LoadedHwConfig } from './config/hw-config.js';
export { loadTrace, listTraceNames, checkTraceObject, layerOutputShape, type LoadedTrace, type LayerTensors, type Shape3 } from './workloads/trace.js';
export { writeTrace, type TraceObject, type LayerObject, type TensorObject } from './workloads/trace-io.js';
export { importOnnx, type OnnxImportOptions } from './workloads/onnx-import.js';
export { nominalMacs, weightCount, outHeight, outWidth, isOnChip, type LayerSpec, type LayerShape, type LayerType } from './workloads/layer.js';
export { synthesizeIacts, synthesizeWeights, nonZeroFraction } from './workloads/tensors.js';
export {
  runNetwork,
  layerTensors,
  layerActivity,
  type NetworkRunOptions,
  type NetworkResult,
  type SimulatedLayer,
  type PeModeChoice,
  type PeModeRun,
  type PeModeOption,
} from './run/network.js';
export { simulateLayer, type LayerRunOptions, type LayerResult } from './run/layer-sim.js';
export { computeEnergy, sumBreakdowns, type Activity, type EnergyBreakdown, type LevelGroup } from './energy/energy-model.js';
export { loadEnergyTable, type EnergyTable } from './energy/energy-table.js';
export { buildJsonReport, type JsonReport, type JsonLayer, type EnergyTotals } from './report/json-report.js';
export type { EngineKind } from './engine/simulator.js';
export type { Mapping, PeMode } from './mapping/mapping.js';
export { InputError, SimulationError } from './errors.js';
export { pruneOrder, pruneByMagnitude, type PruneOrder, type PruneOrderLayer, type PruneOrderOptions } from './design/pruning.js';
export { buildLut, lutCsv, type Lut, type LutLayer, type LutEntry, type LutOptions } from './design/netadapt.js';
