/**
 * `eyeriss-sim compare TRACE|REPORT ...`: several networks side by side: weights, MACs, and energy per inference
 * normalised to the first network, split by data type. A trace is simulated on --hw; a saved report of
 * `eyeriss-sim run --json` is read as it is (so two saved runs give a diff: with two runs of the same layers, a
 * per-layer table of cycles and energy with their ratio follows). The talk's point (AlexNet vs SqueezeNet,
 * "number of weights alone is not a good metric for energy"): iacts and psums move too, so a network with far fewer
 * weights need not use proportionally less energy. The numbers are whatever the simulator gives; nothing is tuned.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { loadHwConfig } from '../config/hw-config.js';
import { BREAKDOWN_DATA_TYPES, type BreakdownDataType } from '../energy/energy-model.js';
import { loadEnergyTable } from '../energy/energy-table.js';
import { InputError } from '../errors.js';
import { buildJsonReport, type JsonReport } from '../report/json-report.js';
import { formatTable } from '../report/table.js';
import { runNetwork, selectLayers } from '../run/network.js';
import { nominalMacs, weightCount } from '../workloads/layer.js';
import { loadTrace, type LoadedTrace } from '../workloads/trace.js';
import { readJsonReport } from './energy-command.js';
import { addOptions, emit, layerList, parseBatch, parsePeMode, parseSeed, type SharedFlags, stdoutClaimed } from './options.js';
import { layerProgressBar } from './run-command.js';
import { checkOutputPaths } from './io.js';

export interface CompareRow {
  trace: { name: string; sha256: string };
  /** The hardware the network ran on (saved reports may differ from --hw). */
  hw: { name: string; sha256: string };
  /** The saved report it was read from; null when simulated here. */
  report: string | null;
  batch: number;
  onChipLayers: number;
  /** Weights of the on-chip layers (all groups; zeros included: the dense count the slide compares). */
  weights: number;
  /** Nominal MACs per inference. */
  nominalMacs: number;
  latencySeconds: number;
  energyJoulesPerInference: number;
  /** Relative to the first network. */
  relativeWeights: number;
  relativeEnergy: number;
  /** Each data type's energy per inference over the first network's total energy per inference: adds up to relativeEnergy. */
  relativeEnergyByDataType: Record<BreakdownDataType, number>;
  /** The network's report totals (energy breakdown by level, data type and term, for the batch). */
  totals: JsonReport['totals'];
  simSeconds: number;
}

export interface CompareReport {
  schemaVersion: 1;
  hw: { name: string; sha256: string };
  energyTable: { name: string; sha256: string | null };
  seed: number;
  networks: CompareRow[];
}

interface CompareFlags extends SharedFlags {
  hw: string;
  check: boolean;
}

const ratio = (a: number, b: number): number => (b > 0 ? a / b : 0);

export function compareTable(c: CompareReport): string {
  const x = (v: number): string => v.toFixed(3);
  const rows = c.networks.map((n) => [
    c.networks.some((o) => o.hw.name !== c.hw.name) ? `${n.trace.name} on ${n.hw.name}` : n.trace.name, String(n.onChipLayers), (n.weights / 1e6).toFixed(3), x(n.relativeWeights), (n.nominalMacs / 1e6).toFixed(1),
    (n.energyJoulesPerInference * 1e6).toFixed(1), (n.totals.chipEnergyJoulesPerInference * 1e6).toFixed(1),
    (n.totals.dramEnergyJoulesPerInference * 1e6).toFixed(1), x(n.relativeEnergy), ...BREAKDOWN_DATA_TYPES.map((d) => x(n.relativeEnergyByDataType[d])),
    (ratio(n.relativeEnergy, n.relativeWeights)).toFixed(2),
  ]);
  const first = c.networks[0]!;
  return [
    `${c.hw.name}, energy table ${c.energyTable.name}, seed ${c.seed}; energy per inference relative to ${first.trace.name}, ` +
      'split by data type (iact + weight + psum + none = energy rel.; none = clock, control, leakage)',
    formatTable(['network', 'layers', 'weights M', 'weights rel.', 'MMACs', 'energy uJ', 'chip uJ', 'DRAM uJ', 'energy rel.',
      ...BREAKDOWN_DATA_TYPES.map((d) => `${d} rel.`), 'energy rel. / weights rel.'], rows),
  ].join('\n');
}

/** Per-layer cycles and energy of two runs of the same layers, with B over A. */
export function layerDiffTable(a: JsonReport, b: JsonReport, names: [string, string]): string {
  const x = (v: number, w: number): string => (v > 0 ? (w / v).toFixed(3) : '');
  const rows = a.layers.flatMap((la) => {
    const lb = b.layers.find((l) => l.name === la.name);
    return lb ? [[la.name, String(la.cycles), String(lb.cycles), x(la.cycles, lb.cycles), (la.energyJoules * 1e6).toFixed(2), (lb.energyJoules * 1e6).toFixed(2), x(la.energyJoules, lb.energyJoules)]] : [];
  });
  rows.push(['total', String(a.totals.cycles), String(b.totals.cycles), x(a.totals.cycles, b.totals.cycles),
    (a.totals.energyJoules * 1e6).toFixed(2), (b.totals.energyJoules * 1e6).toFixed(2), x(a.totals.energyJoules, b.totals.energyJoules)]);
  return [`per layer, A = ${names[0]}, B = ${names[1]} (batch ${a.batch} and ${b.batch})`,
    formatTable(['layer', 'cycles A', 'cycles B', 'B/A', 'energy uJ A', 'energy uJ B', 'B/A'], rows)].join('\n');
}

/** One CSV row per network. */
function compareCsv(c: CompareReport): string {
  const header = ['network', 'hw', 'batch', 'onChipLayers', 'weights', 'nominalMacs', 'latencySeconds', 'energyJoulesPerInference', 'relativeWeights', 'relativeEnergy',
    ...BREAKDOWN_DATA_TYPES.map((d) => `relativeEnergy.${d}`), 'simSeconds'];
  const rows = c.networks.map((n) => [n.trace.name, n.hw.name, n.batch, n.onChipLayers, n.weights, n.nominalMacs, n.latencySeconds, n.energyJoulesPerInference,
    n.relativeWeights, n.relativeEnergy, ...BREAKDOWN_DATA_TYPES.map((d) => n.relativeEnergyByDataType[d]), n.simSeconds]);
  return [header, ...rows].map((r) => r.join(',')).join('\n') + '\n';
}

/** A saved report (`run --json`) when the argument is a JSON file with a schemaVersion; a trace otherwise. */
function isSavedReport(arg: string): boolean {
  if (!arg.endsWith('.json') || !existsSync(arg)) return false;
  return /^\s*\{\s*"schemaVersion"/.test(readFirstBytes(arg));
}

function readFirstBytes(file: string): string {
  return readFileSync(file, 'utf8').slice(0, 200);
}

type Input = { kind: 'report'; file: string; report: JsonReport } | { kind: 'trace'; trace: LoadedTrace; macs: number };

const seconds = (s: number): string => (s < 90 ? `${s.toFixed(0)} s` : `${(s / 60).toFixed(1)} min`);

export function registerCompare(program: Command): void {
  const cmd = program
    .command('compare')
    .description('compare networks (traces, simulated here, or saved reports of run --json) by weights, MACs and energy by data type')
    .argument('<traces...>', 'layer traces (names in traces/ or files) or reports of eyeriss-sim run --json; the first is the reference');
  addOptions(cmd, ['hw', 'layers', 'batch', 'seed', 'energyTable', 'peMode', 'check', 'quiet', 'json', 'csv'], {
    layers: 'comma-separated layer names to simulate in every trace that has them (default: all on-chip layers)',
    json: 'write the comparison as JSON; - for stdout (then nothing else is printed there)',
    csv: 'write one CSV row per network; - for stdout',
  });
  cmd.action((names: string[], flags: CompareFlags) => {
      checkOutputPaths([{ flag: '--json', file: flags.json }, { flag: '--csv', file: flags.csv }]); // before the simulations, not after
      const seed = parseSeed(flags.seed);
      const batch = parseBatch(flags.batch);
      const peMode = parsePeMode(flags.peMode);
      const wanted = layerList(flags.layers);
      const hw = loadHwConfig(flags.hw);
      if (flags.json === '-' && flags.csv === '-') throw new InputError('--json - and --csv -: only one of them can have stdout');
      // All inputs are read and checked before the first (long) simulation.
      const inputs: Input[] = names.map((n) => {
        if (isSavedReport(n)) return { kind: 'report', file: n, report: readJsonReport(n) };
        const trace = loadTrace(n);
        const layers = wanted?.filter((l) => trace.layers.some((x) => x.name === l));
        if (wanted && !layers?.length) throw new InputError(`--layers: none of ${wanted.join(', ')} is a layer of trace ${trace.name}`);
        const macs = selectLayers(trace, layers, batch).onChip.reduce((a, l) => a + nominalMacs(l), 0);
        return { kind: 'trace', trace, macs };
      });
      const energyTable = loadEnergyTable(flags.energyTable ?? hw.config.energyTable);
      const toSimulate = inputs.filter((i) => i.kind === 'trace');
      const totalMacs = toSimulate.reduce((a, i) => a + (i.kind === 'trace' ? i.macs : 0), 0);
      const started = performance.now();
      let macsDone = 0;
      let simulatedCount = 0;
      const note = (s: string): void => {
        if (!flags.quiet) process.stderr.write(`${s}\n`);
      };
      const runs = inputs.map((input) => {
        if (input.kind === 'report') {
          const r = input.report;
          const weights = r.layers.reduce((a, l) => a + l.shape.M * (l.shape.C / l.shape.G) * l.shape.R * l.shape.S, 0);
          return { report: r, weights, file: input.file };
        }
        const { trace } = input;
        const elapsed = (performance.now() - started) / 1000;
        const left = macsDone > 0 ? `, about ${seconds((elapsed / macsDone) * (totalMacs - macsDone))} left (from the MAC rate so far)` : '';
        note(`simulating ${trace.name} (${++simulatedCount}/${toSimulate.length}, ${(input.macs / 1e6).toFixed(0)} MMACs${left})`);
        const layers = wanted?.filter((l) => trace.layers.some((x) => x.name === l));
        const progress = layerProgressBar(flags.quiet);
        try {
          const run = runNetwork({ hw, trace, layers, batch, seed, engine: 'event', check: flags.check, energyTable, peMode, onLayerDone: progress.onLayerDone, onLayerProgress: progress.onLayerProgress });
          const report = buildJsonReport(run, hw, trace, seed, 'event');
          macsDone += input.macs;
          const weights = selectLayers(trace, layers, batch).onChip.reduce((a, l) => a + weightCount(l), 0);
          const failed = report.layers.filter((l) => l.check === 'fail');
          if (failed.length) throw new InputError(`${trace.name}: outputs differ from the reference in ${failed.map((l) => `${l.name} (${l.checkDetail})`).join(', ')}`);
          return { report, weights, file: null };
        } finally {
          progress.stop();
        }
      });
      const ref = runs[0]!;
      const refEnergy = ref.report.totals.energyJoulesPerInference;
      const compare: CompareReport = {
        schemaVersion: 1,
        hw: ref.file === null ? { name: hw.config.name, sha256: hw.sha256 } : ref.report.hw,
        energyTable: ref.file === null ? { name: energyTable.name, sha256: energyTable.sha256 } : ref.report.energyTable,
        seed,
        networks: runs.map(({ report: r, weights, file }) => ({
          trace: r.trace,
          hw: r.hw,
          report: file,
          batch: r.batch,
          onChipLayers: r.layers.length,
          weights,
          nominalMacs: r.totals.nominalMacs / r.batch,
          latencySeconds: r.totals.latencySeconds,
          energyJoulesPerInference: r.totals.energyJoulesPerInference,
          relativeWeights: ratio(weights, ref.weights),
          relativeEnergy: ratio(r.totals.energyJoulesPerInference, refEnergy),
          relativeEnergyByDataType: Object.fromEntries(BREAKDOWN_DATA_TYPES.map((d) =>
            [d, ratio(r.totals.energyBreakdown.byDataType[d] / r.batch, refEnergy)])) as Record<BreakdownDataType, number>,
          totals: r.totals,
          simSeconds: r.sim.wallSeconds,
        })),
      };
      emit(flags.json, `${JSON.stringify(compare, null, 2)}\n`);
      emit(flags.csv, compareCsv(compare));
      if (flags.quiet || stdoutClaimed(flags)) return;
      const lines = [compareTable(compare)];
      const [a, b] = runs;
      if (runs.length === 2 && a && b && a.report.layers.some((l) => b.report.layers.some((m) => m.name === l.name))) {
        const label = (r: typeof a): string => r.file ?? `${r.report.trace.name} on ${r.report.hw.name}`;
        lines.push('', layerDiffTable(a.report, b.report, [label(a), label(b)]));
      }
      const took = compare.networks.map((n) => `${n.trace.name} ${n.simSeconds.toFixed(1)} s${n.report ? ` (when ${n.report} was made)` : ''}`).join(', ');
      process.stdout.write(`${lines.join('\n')}\nsimulated in ${took}\n`);
    });
}
