import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { writeAll, writeAtomicAll } from '../files.js';
import { loadHwConfig } from '../config/hw-config.js';
import { parseMappingText } from '../mapping/mapping.js';
import { runNetwork } from '../run/network.js';
import { JSSC17_ALEXNET } from '../validation/jssc17.js';
import { loadTrace } from '../workloads/trace.js';
import { computeEnergy } from './energy-model.js';
import { energyTableDir, loadEnergyTable, parseEnergyTable, type EnergyTable } from './energy-table.js';

/**
 * Calibrates the 65 nm energy tables to Eyeriss v1 silicon. The measured numbers used, and only these: the
 * power of AlexNet CONV1-5 on the chip (JSSC17 Table V, batch 4, with the chip's own mappings, Table III), which
 * is the chip's own power (DRAM excluded; the DRAM per-bit energy stays the table's ISCA16 200x). The
 * model P = (scalePj x A + activePe x PEcycles + chip x cycles) / t, with A the layer's actions priced in
 * units of one 8-bit MAC (the table's relative hierarchy, unchanged), PEcycles the active PE-cycles plus 10 %
 * of the idle ones, and cycles the layer's length, has three parameters, fitted by non-negative least squares
 * on relative errors. The fit goes into eyeriss-v1-65nm.yaml; the v2 table (same process) takes the same
 * scale, the per-PE term scaled by the v2/v1 PE area, 1.73 (JETCAS19 §V-A), and the chip term scaled by the
 * logic gate counts, 2695k / 1176k NAND-2 (JETCAS19 §V, JSSC17 Table IV).
 */
export interface CalibrationFit {
  scalePj: number;
  activePePj: number;
  chipPj: number;
  layers: { layer: string; measuredMw: number; fittedMw: number; errorPercent: number }[];
  meanAbsErrorPercent: number;
}

const V2_PE_AREA_RATIO = 1.73; // JETCAS19 §V-A: the v2 PE is 73 % larger than the v1 PE
const V2_LOGIC_RATIO = 2695 / 1176; // NAND-2 gates of logic: JETCAS19 §V (v2) over JSSC17 Table IV (v1)

interface Sample {
  layer: string;
  measuredMw: number;
  seconds: number;
  actionsU: number; // pJ at scalePj = 1
  peCycles: number;
  cycles: number;
}

/** Least squares on relative errors for a subset of the parameters (the others fixed at 0). */
function fitSubset(samples: Sample[], use: boolean[]): number[] | null {
  const cols = [(s: Sample) => s.actionsU, (s: Sample) => s.peCycles, (s: Sample) => s.cycles].filter((_, i) => use[i]);
  const n = cols.length;
  const a = Array.from({ length: n }, () => new Array<number>(n + 1).fill(0));
  for (const s of samples) {
    // Row: x_j(s) / (t * P) (pJ to mW: x 1e-9 / seconds) against 1.
    const row = cols.map((c) => (c(s) * 1e-9) / s.seconds / s.measuredMw);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) a[i]![j]! += row[i]! * row[j]!;
      a[i]![n]! += row[i]!;
    }
  }
  // Gauss-Jordan on the normal equations.
  for (let i = 0; i < n; i++) {
    let p = i;
    for (let r = i + 1; r < n; r++) if (Math.abs(a[r]![i]!) > Math.abs(a[p]![i]!)) p = r;
    [a[i], a[p]] = [a[p]!, a[i]!];
    if (Math.abs(a[i]![i]!) < 1e-30) return null;
    for (let r = 0; r < n; r++) {
      if (r === i) continue;
      const f = a[r]![i]! / a[i]![i]!;
      for (let c = i; c <= n; c++) a[r]![c]! -= f * a[i]![c]!;
    }
  }
  const x = a.map((row, i) => row[n]! / row[i]!);
  if (x.some((v) => v < 0)) return null;
  const out = [0, 0, 0];
  let k = 0;
  use.forEach((u, i) => {
    if (u) out[i] = x[k++]!;
  });
  return out;
}

function predictMw(s: Sample, p: number[]): number {
  return ((p[0]! * s.actionsU + p[1]! * s.peCycles + p[2]! * s.cycles) * 1e-9) / s.seconds;
}

export function calibrate(onLayer?: (layer: string) => void): CalibrationFit {
  const hw = loadHwConfig('eyeriss-v1');
  const net = JSSC17_ALEXNET;
  const table = loadEnergyTable(hw.config.energyTable);
  const run = runNetwork({
    hw, trace: loadTrace(net.trace), layers: net.layers.map((l) => l.layer), batch: net.batch, seed: 1, engine: 'event', check: false,
    mappings: new Map(Object.entries(net.paperMappings!).map(([l, t]) => [l, parseMappingText(t, `JSSC17 Table III ${l}`)])),
    onLayerDone: (_d, _t, r) => onLayer?.(r.name),
  });
  // Price the on-chip actions alone, at scale 1: the table's relative energies, no per-cycle terms, and no
  // DRAM (the chip's measured power does not include the DRAM's).
  const scale = (parseYaml(readFileSync(table.file, 'utf8')) as { scalePj?: number }).scalePj ?? 1;
  const relative = JSON.parse(JSON.stringify(table.pj), (_k, v) => (typeof v === 'number' ? v / scale : v)) as EnergyTable['pj'];
  for (const dt of Object.keys(relative.dram)) relative.dram[dt as 'iact'] = { read: 0, write: 0 };
  const unitTable: EnergyTable = {
    ...table,
    pj: relative,
    clock: { activePe: 0, idlePe: 0, activeCluster: 0, idleCluster: 0, chip: 0 },
    control: { activePe: 0 },
    leakage: { pJPerCycle: 0 },
  };
  const samples: Sample[] = run.layers.map((l) => {
    const measured = net.layers.find((m) => m.layer === l.name)!;
    const energy = computeEnergy(l.counts.toReport(), l.activity, unitTable, hw.config.clockMHz);
    const idle = l.activity.numPes * l.activity.cycles - l.activity.peActiveCycles;
    return {
      layer: l.name, measuredMw: measured.powerMw, seconds: l.latencySeconds,
      actionsU: energy.totalJoules * 1e12, peCycles: l.activity.peActiveCycles + 0.1 * idle, cycles: l.activity.cycles,
    };
  });
  let best: number[] | null = null;
  let bestErr = Infinity;
  for (let mask = 1; mask < 8; mask++) {
    const use = [0, 1, 2].map((i) => (mask & (1 << i)) !== 0);
    const p = fitSubset(samples, use);
    if (!p) continue;
    const err = samples.reduce((e, s) => e + ((predictMw(s, p) - s.measuredMw) / s.measuredMw) ** 2, 0);
    if (err < bestErr) {
      bestErr = err;
      best = p;
    }
  }
  const p = best!;
  const layers = samples.map((s) => {
    const fittedMw = predictMw(s, p);
    return { layer: s.layer, measuredMw: s.measuredMw, fittedMw, errorPercent: ((fittedMw - s.measuredMw) / s.measuredMw) * 100 };
  });
  return {
    scalePj: p[0]!, activePePj: p[1]!, chipPj: p[2]!, layers,
    meanAbsErrorPercent: layers.reduce((a, l) => a + Math.abs(l.errorPercent), 0) / layers.length,
  };
}

/**
 * Replaces the value and comment of `section.key` (or top-level `key`) in a YAML table's text, keeping the
 * rest of the file as written.
 */
function setLine(text: string, path: string[], value: number, note: string): string {
  const lines = text.split('\n');
  let from = 0;
  let indent = '';
  if (path.length === 2) {
    from = lines.findIndex((l) => l.startsWith(`${path[0]}:`)) + 1;
    if (from === 0) throw new Error(`no ${path[0]} in the table`);
    indent = '  ';
  }
  for (let i = from; i < lines.length; i++) {
    if (path.length === 2 && i > from && /^\S/.test(lines[i]!)) break;
    const m = new RegExp(`^${indent}${path[path.length - 1]}:\\s*\\S+`).exec(lines[i]!);
    if (!m) continue;
    const head = `${indent}${path[path.length - 1]}: ${value}`;
    lines[i] = `${head.padEnd(37)}# ${note}`;
    return lines.join('\n');
  }
  throw new Error(`no ${path.join('.')} in the table`);
}

/** Writes a fit into the v1 and v2 65 nm tables; returns the files written. */
export function writeCalibration(fit: CalibrationFit): string[] {
  const round = (x: number): number => Number(x.toPrecision(4));
  const fitted = 'fitted by `eyeriss-sim calibrate` to JSSC17 Table V power (AlexNet CONV1-5)';
  const edits: [string, [string[], number, string][]][] = [
    ['eyeriss-v1-65nm.yaml', [
      [['scalePj'], round(fit.scalePj), `CALIBRATED: pJ per u, ${fitted}`],
      [['clock', 'activePe'], round(fit.activePePj), `CALIBRATED: pJ per active PE-cycle (clock + control), ${fitted}`],
      [['clock', 'idlePe'], round(0.1 * fit.activePePj), '10 % of activePe: a clock-gated PE (our choice)'],
      [['clock', 'chip'], round(fit.chipPj), `CALIBRATED: pJ per cycle (clock root, control, leakage), ${fitted}`],
    ]],
    ['eyeriss-65nm.yaml', [
      [['scalePj'], round(fit.scalePj), `CALIBRATED: the v1 fit (same 65 nm process), ${fitted}`],
      [['clock', 'activePe'], round(fit.activePePj * V2_PE_AREA_RATIO), 'CALIBRATED: v1 fit x 1.73 (v2/v1 PE area, JETCAS19 §V-A); includes control'],
      [['clock', 'idlePe'], round(0.1 * fit.activePePj * V2_PE_AREA_RATIO), '10 % of activePe (our choice)'],
      [['clock', 'chip'], round(fit.chipPj * V2_LOGIC_RATIO), 'CALIBRATED: v1 fit x 2695k/1176k NAND-2 gates (JETCAS19 §V / JSSC17); includes leakage'],
      [['control', 'activePe'], 0, 'folded into clock.activePe by the calibration'],
      [['leakage', 'mW'], 0, 'folded into clock.chip by the calibration'],
    ]],
  ];
  const tables = edits.map(([name, sets]) => {
    const file = join(energyTableDir(), name);
    let text = readFileSync(file, 'utf8');
    for (const [path, value, note] of sets) text = setLine(text, path, value, note);
    parseEnergyTable(file, text); // the edited text is still a valid table
    return { file, write: (fd: number) => writeAll(fd, text) };
  });
  writeAtomicAll(tables); // both tables or neither
  return tables.map((t) => t.file);
}
