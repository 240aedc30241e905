/**
 * Result rows: what one layer, or a whole point of a sweep or a run, measured, with the point's parameters. Sweeps
 * write them (sim/sweep/results.ts); reports, tables and charts read them. A total row is told apart by its type,
 * `total`, which no layer has: a layer may be named "total".
 */
import { BREAKDOWN_DATA_TYPES, LEVEL_GROUPS, type EnergyBreakdown } from '../energy/energy-model.js';
import type { PeModeChoice } from '../run/network.js';
import type { JsonReport } from './json-report.js';

/** A swept parameter's value. */
export type ParamValue = number | string | boolean | null;

/** Parameters as one line: `a=1 b="x"`. */
export const describeParams = (params: Record<string, ParamValue>): string =>
  Object.entries(params).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ');

/** What one layer (or the whole point: type TOTAL_TYPE) measured. */
export interface Metrics {
  layer: string;
  /** The layer's type, or TOTAL_TYPE on a point's total row. */
  type: string;
  cycles: number;
  latencySeconds: number;
  /** Batch / latency; only on total rows (a layer alone is not an inference). */
  inferencesPerSecond: number | null;
  energyJoules: number;
  peUtilization: number;
  macUtilization: number;
  dramBytes: number;
  nominalMacs: number;
  effectiveMacs: number;
  check: string;
  /** The sparse PE's mode the layer ran in ('' on total rows). */
  peMode: string;
  /** Compressed-mode energy / uncompressed-mode energy, when the run simulated both (see --pe-mode auto). */
  compressedEnergyRatio: number | null;
  energyByLevel: EnergyBreakdown['byLevel'];
  energyByDataType: EnergyBreakdown['byDataType'];
}

/** The type of a point's total row: no layer type, so a layer named "total" cannot be mistaken for it. */
export const TOTAL_TYPE = 'total';

/** True for a point's total row (rows written before TOTAL_TYPE had type '' and layer 'total'). */
export function isTotalRow(r: Pick<Metrics, 'layer' | 'type'>): boolean {
  return r.type === TOTAL_TYPE || (r.type === '' && r.layer === 'total');
}

/** A row of results.jsonl: which point, its swept parameters, and the metrics. */
export interface ResultRow extends Metrics {
  point: number;
  key: string;
  /** SHA-256 of the sweep file the row came from ('' for a run's report). */
  sweep: string;
  trace: string;
  hw: string;
  seed: number;
  batch: number;
  /** Processing elements of the point's config; null when unknown (a run's JSON report does not say). */
  pes: number | null;
  params: Record<string, ParamValue>;
}

/** The metric rows of one run: its layers, then the total (utilisations weighted by cycles). */
export function metricsOfReport(r: JsonReport): Metrics[] {
  const layers: Metrics[] = r.layers.map((l) => ({
    layer: l.name,
    type: l.type,
    cycles: l.cycles,
    latencySeconds: l.latencySeconds,
    inferencesPerSecond: null,
    energyJoules: l.energyJoules,
    peUtilization: l.peUtilization,
    macUtilization: l.macUtilization,
    dramBytes: l.dramBytes.read + l.dramBytes.write,
    nominalMacs: l.nominalMacs,
    effectiveMacs: l.effectiveMacs,
    check: l.check,
    peMode: l.peModeChoice.picked,
    compressedEnergyRatio: compressedEnergyRatio(l.peModeChoice),
    energyByLevel: l.energyBreakdown.byLevel,
    energyByDataType: l.energyBreakdown.byDataType,
  }));
  const t = r.totals;
  const weighted = (f: (m: Metrics) => number): number => (t.cycles > 0 ? layers.reduce((a, m) => a + f(m) * m.cycles, 0) / t.cycles : 0);
  const checks = new Set(layers.map((m) => m.check));
  layers.push({
    layer: 'total',
    type: TOTAL_TYPE,
    cycles: t.cycles,
    latencySeconds: t.latencySeconds,
    inferencesPerSecond: t.inferencesPerSecond,
    energyJoules: t.energyJoules,
    peUtilization: weighted((m) => m.peUtilization),
    macUtilization: weighted((m) => m.macUtilization),
    dramBytes: t.dramBytesPerInference * r.batch,
    nominalMacs: t.nominalMacs,
    effectiveMacs: t.effectiveMacs,
    check: checks.has('fail') ? 'fail' : checks.has('skipped') || checks.size === 0 ? 'skipped' : 'pass',
    peMode: '',
    compressedEnergyRatio: null,
    energyByLevel: t.energyBreakdown.byLevel,
    energyByDataType: t.energyBreakdown.byDataType,
  });
  return layers;
}

function compressedEnergyRatio(c: PeModeChoice): number | null {
  const energy = (mode: string): number | null => c.runs.find((r) => r.peMode === mode)?.energyJoules ?? null;
  const [compressed, uncompressed] = [energy('compressed'), energy('uncompressed')];
  return compressed !== null && uncompressed ? compressed / uncompressed : null;
}

/** A run's JSON report (`eyeriss-sim run --json`) as result rows of a single point without parameters. */
export function rowsOfRunReport(r: JsonReport): ResultRow[] {
  return metricsOfReport(r).map((m) => ({ point: 0, key: '', sweep: '', trace: r.trace.name, hw: r.hw.name, seed: r.seed, batch: r.batch, pes: null, params: {}, ...m }));
}

const METRIC_COLUMNS = ['layer', 'type', 'cycles', 'latencySeconds', 'inferencesPerSecond', 'energyJoules', 'peUtilization',
  'macUtilization', 'dramBytes', 'nominalMacs', 'effectiveMacs', 'check', 'peMode', 'compressedEnergyRatio'] as const;

/** Parameter paths in order of first appearance. */
export function paramNamesOf(rows: readonly ResultRow[]): string[] {
  return [...new Set(rows.flatMap((r) => Object.keys(r.params)))];
}

/** CSV with the parameters as columns beside the metrics; energy breakdowns flattened to energyByLevel.dram etc. */
export function resultsCsv(rows: readonly ResultRow[], paramNames = paramNamesOf(rows)): string {
  const header = ['point', 'trace', 'hw', 'seed', 'batch', 'pes', ...paramNames, ...METRIC_COLUMNS,
    ...LEVEL_GROUPS.map((g) => `energyByLevel.${g}`), ...BREAKDOWN_DATA_TYPES.map((d) => `energyByDataType.${d}`), 'key', 'sweep'];
  const cell = (v: unknown): string => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const lines = rows.map((r) => [r.point, r.trace, r.hw, r.seed, r.batch, r.pes, ...paramNames.map((p) => r.params[p]),
    ...METRIC_COLUMNS.map((c) => r[c]), ...LEVEL_GROUPS.map((g) => r.energyByLevel[g]),
    ...BREAKDOWN_DATA_TYPES.map((d) => r.energyByDataType[d]), r.key, r.sweep].map(cell).join(','));
  return [header.join(','), ...lines].join('\n') + '\n';
}

export interface LoadedResults {
  kind: 'sweep' | 'run';
  file: string;
  rows: ResultRow[];
  /** Set when the results are of a sweep that did not finish (stopped, or still running). */
  incomplete?: string;
}
