/**
 * Sweep files: which base config and traces to run, which parameters to vary and how to combine them. Loading a
 * sweep validates every point (each edited config goes through parseHwConfig) before anything runs, so a typo in
 * point 97 cannot cost the 96 simulations before it.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { hwConfigDir, listHwConfigNames, parseHwConfig, type LoadedHwConfig } from '../config/hw-config.js';
import { parseYamlText, readInputFile, validateDocument } from '../config/validate.js';
import { loadEnergyTable } from '../energy/energy-table.js';
import { LIMITS } from '../config/bounds.js';
import { InputError, showValue } from '../errors.js';
import { looksLikePath, packageRoot } from '../paths.js';
import { isOnChip } from '../workloads/layer.js';
import { listTraceNames, loadTrace, type LoadedTrace } from '../workloads/trace.js';
import { peModes } from '../mapping/constraints.js';
import { PE_MODE_OPTIONS, type PeModeOption } from '../run/network.js';
import { describeParams, type ParamValue } from '../report/result-rows.js';

export { describeParams, type ParamValue } from '../report/result-rows.js';


const scalar = z.union([z.number(), z.string(), z.boolean(), z.null()], { error: 'a number, string, boolean or null' });
const range = z.object({ from: z.number(), to: z.number(), step: z.number().optional(), times: z.number().optional() }).strict();
const values = z.union([z.array(scalar).min(1), range], {
  error: 'a non-empty list of values or a range {from, to, step} or {from, to, times}',
});
const block = z.record(z.string(), values);

export const sweepSchema = z
  .object({
    version: z.literal(1),
    name: z.string().optional(),
    description: z.string().optional(),
    hw: z.string().min(1).default('eyeriss-v2'),
    trace: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)], { error: 'a trace name or path, or a list of them' }),
    // Seeds are exact integers: beyond 2^53 - 1 a YAML number is already rounded, so it is refused.
    seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER, { error: '2^53 - 1, the largest exact integer' }).default(1),
    batch: z.number().int().min(1).max(LIMITS.batch, { error: 'our bound' }).optional(),
    layers: z.array(z.string().min(1)).min(1).optional(),
    // Off by default: a sweep is about numbers, and `eyeriss-sim run` already checks bit-exactness.
    check: z.boolean().default(false),
    // The sparse PE's mode per layer, as `eyeriss-sim run --pe-mode`.
    peMode: z.enum(PE_MODE_OPTIONS).default('auto'),
    combine: z.enum(['crossed', 'zipped']).default('crossed'),
    // Edits applied to every point (constants of the study); they are part of each point's key but not columns.
    set: z.record(z.string(), scalar).optional(),
    // One block, or a list of blocks whose points are concatenated (one-parameter-at-a-time studies). Checked
    // by parameterBlocks: a zod union would hide which value inside was wrong.
    parameters: z.unknown().optional(),
  })
  .strict();

export type SweepSpec = z.output<typeof sweepSchema>;

/** Density edits of a trace: for every on-chip layer ('*') or for one layer by name. */
export type DensityEdits = Record<string, { iactDensity?: number; weightDensity?: number }>;

/** Everything a worker needs to simulate one point. */
export interface PointJob {
  index: number;
  key: string;
  hw: LoadedHwConfig;
  /** Absolute path of the trace file (workers cache traces by it). */
  traceFile: string;
  edits: DensityEdits;
  seed: number;
  batch?: number;
  layers?: string[];
  check: boolean;
  peMode: PeModeOption;
}

export interface SweepPoint extends PointJob {
  traceName: string;
  hwName: string;
  /** The varied parameters of this point, by path (the columns of the results). */
  params: Record<string, ParamValue>;
  /** Processing elements of the edited config (for scaling plots). */
  pes: number;
  /** The batch the point runs: the sweep's, else the trace's. */
  runBatch: number;
}

export interface SweepPlan {
  file: string;
  /** SHA-256 of the sweep file's bytes: results record it, so results of different sweeps never mix. */
  sha256: string;
  spec: SweepSpec;
  /** Parameter paths in column order. */
  paramNames: string[];
  points: SweepPoint[];
}

const DENSITY_FIELDS = ['iactDensity', 'weightDensity'] as const;

let simulatorVersion: string | undefined;
/** The package version: part of every point's key, so results of an older simulator are never reused. */
export function simVersion(): string {
  simulatorVersion ??= (JSON.parse(readFileSync(resolve(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  return simulatorVersion;
}

/** Expands a range into its values; rounded to 12 significant digits so 0.1 steps give 0.3, not 0.30000000000000004. */
function expandValues(file: string, field: string, v: z.output<typeof values>): ParamValue[] {
  if (Array.isArray(v)) return v;
  const fail = (expected: string): never => {
    throw new InputError(`${file}: field ${field}: got ${showValue(v)}, expected ${expected}`);
  };
  if ((v.step === undefined) === (v.times === undefined)) fail('a range with exactly one of step (arithmetic) or times (geometric)');
  if (v.from > v.to) fail('from <= to');
  if (v.step !== undefined && !(v.step > 0)) fail('step > 0');
  if (v.times !== undefined && (!(v.times > 1) || !(v.from > 0))) fail('times > 1 and from > 0 (geometric range)');
  // Counted before anything is built: {from: 1, to: 1e12, step: 1} must fail at once, not after filling memory.
  const count = v.step !== undefined
    ? Math.floor((v.to - v.from) / v.step + 1e-9) + 1
    : Math.floor(Math.log((v.to * (1 + 1e-9)) / v.from) / Math.log(v.times!)) + 1;
  if (!(count <= LIMITS.sweepValues)) fail(`a range of at most ${LIMITS.sweepValues} values (this one has ${count.toPrecision(3)})`);
  const out: number[] = [];
  const round = (x: number): number => Number(x.toPrecision(12));
  if (v.step !== undefined) {
    for (let i = 0; v.from + i * v.step <= v.to + 1e-9 * v.step && i <= count; i++) out.push(round(v.from + i * v.step));
  } else {
    for (let x = v.from; x <= v.to * (1 + 1e-9) && out.length <= count; x *= v.times!) out.push(round(x));
  }
  return out;
}

/** The points of one block: the cartesian product (first parameter outermost) or the parameters zipped. */
function combineBlock(file: string, field: string, lists: [string, ParamValue[]][], how: 'crossed' | 'zipped'): Record<string, ParamValue>[] {
  if (how === 'zipped') {
    const n = lists[0]?.[1].length ?? 0;
    const odd = lists.find(([, l]) => l.length !== n);
    if (odd) {
      throw new InputError(`${file}: field ${field}: zipped lists differ in length (${lists[0]![0]} has ${n} values, ${odd[0]} has ${odd[1].length}), expected equal lengths`);
    }
    return Array.from({ length: n }, (_, i) => Object.fromEntries(lists.map(([p, l]) => [p, l[i]!])));
  }
  const size = lists.reduce((n, [, l]) => n * l.length, 1);
  if (size > LIMITS.sweepPoints) {
    throw new InputError(`${file}: field ${field}: the crossed product of ${lists.map(([p, l]) => `${p} (${l.length})`).join(' x ')} has ${size.toPrecision(3)} points, expected at most ${LIMITS.sweepPoints} (the sweep point cap)`);
  }
  let points: Record<string, ParamValue>[] = [{}];
  for (const [p, l] of lists) points = points.flatMap((pt) => l.map((v) => ({ ...pt, [p]: v })));
  return points;
}

/** The `parameters` field as a list of blocks, validated one form or the other so errors point inside. */
function parameterBlocks(file: string, parameters: unknown): z.output<typeof block>[] {
  if (parameters === undefined) return [{}];
  if (Array.isArray(parameters)) return validateDocument(file, { parameters }, z.object({ parameters: z.array(block).min(1) })).parameters;
  return [validateDocument(file, { parameters }, z.object({ parameters: block })).parameters];
}

/** Parses `trace.iactDensity` / `trace.layers.<name>.weightDensity`; null when the path is not a trace path. */
function traceParam(path: string): { layer: string; field: (typeof DENSITY_FIELDS)[number] } | 'bad' | null {
  if (!path.startsWith('trace.')) return null;
  const field = DENSITY_FIELDS.find((f) => path.endsWith(`.${f}`));
  if (!field) return 'bad';
  if (path === `trace.${field}`) return { layer: '*', field };
  const prefix = 'trace.layers.';
  const layer = path.slice(prefix.length, -field.length - 1);
  return path.startsWith(prefix) && layer ? { layer, field } : 'bad';
}

/** The value at a dotted path of a config document, or undefined when the path does not exist. */
function getPath(doc: unknown, path: string): unknown {
  let v = doc;
  for (const key of path.split('.')) {
    if (v === null || typeof v !== 'object' || !Object.hasOwn(v, key)) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

function setPath(doc: Record<string, unknown>, path: string, value: ParamValue): void {
  const keys = path.split('.');
  let v = doc;
  for (const key of keys.slice(0, -1)) v = v[key] as Record<string, unknown>;
  v[keys.at(-1)!] = value;
}

/** Resolves `hw:`/`trace:` of a sweep: a shipped name, or a path relative to the sweep file. */
function resolveHwFile(file: string, hw: string): string {
  if (looksLikePath(hw)) return resolve(dirname(file), hw);
  const names = listHwConfigNames();
  if (!names.includes(hw)) throw new InputError(`${file}: field hw: got ${showValue(hw)}, expected one of ${names.join(', ')} or a path`);
  return resolve(hwConfigDir(), `${hw}.yaml`);
}

function resolveTrace(file: string, trace: string): LoadedTrace {
  const isName = !/[/\\]/.test(trace) && !/\.(json|pb)$/.test(trace);
  if (isName && !listTraceNames().includes(trace)) {
    throw new InputError(`${file}: field trace: got ${showValue(trace)}, expected one of ${listTraceNames().join(', ')} or a path`);
  }
  return loadTrace(isName ? trace : resolve(dirname(file), trace));
}

/** A point's parameters as `path=value ...`, for messages and tables. */

/** Loads and validates a sweep file and every point of it (all of them, whatever the shard). */
export function loadSweep(file: string): SweepPlan {
  const { bytes, sha256 } = readInputFile(file);
  return { ...planSweep(file, validateDocument(file, parseYamlText(file, bytes.toString('utf8')), sweepSchema)), sha256 };
}

/** Expands a validated spec into points, each with its edited config validated and its key computed. */
export function planSweep(file: string, spec: SweepSpec): Omit<SweepPlan, 'sha256'> {
  const hwFile = resolveHwFile(file, spec.hw);
  const hwText = readInputFile(hwFile).bytes.toString('utf8');
  const baseDoc = parseYamlText(hwFile, hwText);
  parseHwConfig(hwFile, hwText, dirname(hwFile)); // the base must be valid on its own, or every point's error would blame the sweep
  const traces = (Array.isArray(spec.trace) ? spec.trace : [spec.trace]).map((t) => resolveTrace(file, t));
  for (const t of traces) {
    const unknown = spec.layers?.find((n) => !t.layers.some((l) => l.name === n));
    if (unknown !== undefined) {
      throw new InputError(`${file}: field layers: got ${showValue(unknown)}, expected layer names of trace ${t.name} (${t.layers.map((l) => l.name).join(', ')})`);
    }
  }

  // Every parameter path must exist: a trace density, or a scalar field of the base config.
  const checkPath = (field: string, path: string): void => {
    const tp = traceParam(path);
    if (tp === null) {
      const v = getPath(baseDoc, path);
      if (v === undefined || (v !== null && typeof v === 'object')) {
        throw new InputError(`${file}: field ${field}: unknown parameter ${showValue(path)}, expected a hw-config field (e.g. noc.iact.portBits, offChip.bandwidthGBps) or trace.iactDensity, trace.weightDensity, trace.layers.<layer>.iactDensity`);
      }
      return;
    }
    if (tp === 'bad') throw new InputError(`${file}: field ${field}: unknown trace parameter ${showValue(path)}, expected trace.iactDensity, trace.weightDensity or trace.layers.<layer>.iactDensity/weightDensity`);
    for (const t of traces) {
      if (tp.layer !== '*' && !t.layers.some((l) => l.name === tp.layer)) {
        throw new InputError(`${file}: field ${field}: no layer ${showValue(tp.layer)} in trace ${t.name}, expected one of ${t.layers.map((l) => l.name).join(', ')}`);
      }
    }
  };
  const checkDensity = (field: string, path: string, v: ParamValue): void => {
    if (traceParam(path) !== null && (typeof v !== 'number' || !(v >= 0 && v <= 1))) {
      throw new InputError(`${file}: field ${field}: got ${showValue(v)}, expected a fraction of non-zeros in [0, 1]`);
    }
  };
  const set = Object.entries(spec.set ?? {});
  for (const [path, v] of set) {
    checkPath(`set.${path}`, path);
    checkDensity(`set.${path}`, path, v);
  }
  const blocks = parameterBlocks(file, spec.parameters);
  const combos: Record<string, ParamValue>[] = [];
  const paramNames: string[] = [];
  blocks.forEach((b, bi) => {
    const at = Array.isArray(spec.parameters) ? `parameters.${bi}` : 'parameters';
    const lists = Object.entries(b).map(([path, v]): [string, ParamValue[]] => {
      checkPath(`${at}.${path}`, path);
      const list = expandValues(file, `${at}.${path}`, v);
      for (const x of list) checkDensity(`${at}.${path}`, path, x);
      if (!paramNames.includes(path)) paramNames.push(path);
      return [path, list];
    });
    combos.push(...combineBlock(file, at, lists, spec.combine));
  });
  const total = combos.length * traces.length;
  if (total > LIMITS.sweepPoints) {
    throw new InputError(`${file}: field parameters: ${combos.length} parameter points x ${traces.length} traces = ${total} points, expected at most ${LIMITS.sweepPoints} (the sweep point cap)`);
  }

  const energySha = new Map<string, string | null>();
  const points: SweepPoint[] = [];
  for (const trace of traces) {
    for (let params of combos) {
      const index = points.length;
      const doc = structuredClone(baseDoc) as Record<string, unknown>;
      const edits: DensityEdits = {};
      for (const [path, v] of [...set, ...Object.entries(params)]) {
        const tp = traceParam(path);
        if (tp && tp !== 'bad') (edits[tp.layer] ??= {})[tp.field] = v as number;
        else setPath(doc, path, v);
      }
      // Parameters this point does not vary (another block's, in a one-at-a-time study) get their base value, so
      // every row of the results says what it ran with (a blank cell would read as "unknown").
      for (const name of paramNames) if (!(name in params)) params = { ...params, [name]: baseValue(name, doc, trace, edits) };
      const configText = JSON.stringify(doc);
      const label = `${file}: point ${index} (${describeParams(params) || 'base config'})`;
      const config = parseHwConfig(label, configText, dirname(hwFile));
      if (!energySha.has(config.energyTable)) energySha.set(config.energyTable, loadEnergyTable(config.energyTable).sha256);
      const sha256 = createHash('sha256').update(configText).digest('hex');
      const job = {
        index,
        hw: { config, file: hwFile, sha256 },
        traceFile: trace.file,
        edits,
        seed: spec.seed,
        batch: spec.batch,
        layers: spec.layers,
        check: spec.check,
        peMode: spec.peMode,
      };
      if (spec.peMode !== 'auto' && !peModes(config).includes(spec.peMode)) {
        throw new InputError(`${label}: field peMode: the ${config.pe.type} PE has no ${spec.peMode} mode (it has: ${peModes(config).join(', ')})`);
      }
      // The key names everything the result depends on; the index is not part of it, so reordering a sweep reuses results.
      const key = createHash('sha256')
        .update(JSON.stringify({
          simulator: simVersion(), hw: configText, energyTable: energySha.get(config.energyTable),
          trace: { name: trace.name, sha256: trace.sha256, edits }, seed: job.seed, batch: job.batch ?? null,
          layers: job.layers ?? null, check: job.check, peMode: job.peMode,
        }))
        .digest('hex');
      const a = config.array;
      points.push({
        ...job, key, traceName: trace.name, hwName: config.name, params,
        pes: a.clusterRows * a.clusterCols * a.peRowsPerCluster * a.peColsPerCluster, runBatch: spec.batch ?? trace.batch,
      });
    }
  }
  return { file, spec, paramNames, points };
}

/** The value a parameter has at a point that does not vary it: the config's, or the trace's density (null if its layers differ). */
function baseValue(path: string, doc: unknown, trace: LoadedTrace, edits: DensityEdits): ParamValue {
  const tp = traceParam(path);
  if (tp === null || tp === 'bad') return getPath(doc, path) as ParamValue;
  const layers = trace.layers.filter((l) => isOnChip(l.type) && (tp.layer === '*' || l.name === tp.layer));
  const values = new Set(layers.map((l) => edits[l.name]?.[tp.field] ?? edits['*']?.[tp.field] ?? l[tp.field]));
  return values.size === 1 ? [...values][0]! : null;
}

/** Applies density edits to a trace; edited layers lose pinned tensors, since the edit asks for synthetic data. */
export function applyDensityEdits(trace: LoadedTrace, edits: DensityEdits): LoadedTrace {
  if (Object.keys(edits).length === 0) return trace;
  const tensors = new Map(trace.tensors);
  const layers = trace.layers.map((l) => {
    const e = { ...edits['*'], ...edits[l.name] };
    if (Object.keys(e).length === 0 || !isOnChip(l.type)) return l;
    tensors.delete(l.name);
    return { ...l, ...e };
  });
  return { ...trace, layers, tensors };
}
