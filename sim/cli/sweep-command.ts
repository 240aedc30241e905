import { createHash } from 'node:crypto';
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { InputError } from '../errors.js';
import { formatTable } from '../report/table.js';
import { SweepOut } from '../sweep/out-dir.js';
import { isTotalRow, mergeResults, paramNamesOf, type ResultRow, writeResults } from '../sweep/results.js';
import { runSweep, type Shard } from '../sweep/runner.js';
import { basename } from 'node:path';
import { parseYamlText, readInputFile, validateDocument } from '../config/validate.js';
import { planSweep, type SweepPlan, sweepSchema } from '../sweep/spec.js';
import { positiveInt } from './io.js';
import { addOptions, layerList, parsePeMode, parseSeed } from './options.js';

interface SweepFlags {
  out?: string;
  shard?: string;
  jobs?: string;
  seed?: string;
  check?: boolean;
  trace?: string;
  peMode?: string;
  quiet?: boolean;
}

/**
 * Loads a sweep file with the command line's overrides of its fields: --seed, --check/--no-check and --pe-mode
 * replace the file's seed, check and peMode; --trace keeps only the file's traces named there (by name or as written).
 */
function loadSweepWithFlags(file: string, flags: SweepFlags): SweepPlan {
  const { bytes, sha256 } = readInputFile(file);
  const spec = validateDocument(file, parseYamlText(file, bytes.toString('utf8')), sweepSchema);
  if (flags.seed !== undefined) spec.seed = parseSeed(flags.seed);
  if (flags.check !== undefined) spec.check = flags.check;
  if (flags.peMode !== undefined) spec.peMode = parsePeMode(flags.peMode);
  const wanted = layerList(flags.trace);
  if (wanted) {
    const traces = Array.isArray(spec.trace) ? spec.trace : [spec.trace];
    const baseName = (t: string): string => basename(t).replace(/\.(json|pb)$/, '');
    const kept = traces.filter((t) => wanted.includes(t) || wanted.includes(baseName(t)));
    const unknown = wanted.filter((w) => !traces.some((t) => t === w || baseName(t) === w));
    if (unknown.length) throw new InputError(`--trace: got ${JSON.stringify(unknown.join(','))}, expected traces of ${file}: ${traces.join(', ')}`);
    spec.trace = kept;
  }
  // Results record the sweep file's hash (edited by the flags above), so points of different sweeps never mix.
  const edited = sha256 + (flags.seed ?? '') + (flags.check ?? '') + (flags.peMode ?? '') + (flags.trace ?? '');
  return { ...planSweep(file, spec), sha256: edited === sha256 ? sha256 : createHash('sha256').update(edited).digest('hex') };
}

function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const k = Number(m?.[1]);
  const n = Number(m?.[2]);
  if (!m || n < 1 || k < 1 || k > n) throw new InputError(`--shard: got ${JSON.stringify(text)}, expected K/N with 1 <= K <= N (e.g. 1/4)`);
  return { k, n };
}

/** One line per point: its parameters and the totals people compare. */
export function sweepTable(rows: readonly ResultRow[]): string {
  const params = paramNamesOf(rows);
  const totals = rows.filter(isTotalRow);
  return formatTable(
    ['point', 'trace', ...params, 'cycles', 'inferences/s', 'energy uJ', 'PE util', 'DRAM kB'],
    totals.map((r) => [String(r.point), r.trace, ...params.map((p) => (p in r.params ? String(r.params[p]) : '')),
      String(r.cycles), (r.inferencesPerSecond ?? 0).toFixed(1), (r.energyJoules * 1e6).toFixed(1),
      `${(100 * r.peUtilization).toFixed(1)}%`, (r.dramBytes / 1024).toFixed(1)]),
  );
}

export function registerSweep(program: Command): void {
  const sweep = program
    .command('sweep')
    .description('simulate every point of a sweep file (parallel, resumable with --out, shardable)')
    .argument('<spec>', 'sweep file (YAML, version: 1)')
    .option('--out <dir>', 'write DIR/results.csv and DIR/results.jsonl; finished points are kept in DIR/points/ and reused')
    .option('--shard <K/N>', 'run only points with index % N == K-1')
    .option('--jobs <n>', 'worker threads (default: available cores)');
  addOptions(sweep, ['trace', 'seed', 'peMode', 'quiet'], {
    trace: 'comma-separated: run only these of the sweep file\'s traces',
    seed: 'seed of the synthetic tensors (default: the sweep file\'s, else 1)',
    peMode: 'sparse PE mode per layer, as in run (default: the sweep file\'s, else auto)',
  }, false);
  // Off by default in a sweep (the file's check: field): a sweep is about numbers; --check turns it on.
  sweep.option('--check', 'check every layer bit for bit against the reference convolution (default: the sweep file\'s check, else off)');
  addOptions(sweep, ['check'], { check: 'do not check (overrides check: true in the sweep file)' });
  sweep
    .action(async (file: string, flags: SweepFlags) => {
      const shard = flags.shard === undefined ? undefined : parseShard(flags.shard);
      const jobs = flags.jobs === undefined ? undefined : positiveInt('--jobs', flags.jobs);
      const plan = loadSweepWithFlags(file, flags); // validates every point before any runs
      const started = performance.now();
      const bar = process.stderr.isTTY && !flags.quiet
        ? new SingleBar({ format: 'sweep {bar} {value}/{total} points | {rate} points/s | {eta_formatted} left', stream: process.stderr, clearOnComplete: true, hideCursor: true })
        : null;
      const outcome = await runSweep(plan, {
        out: flags.out, shard, jobs,
        onProgress: (done, total) => {
          if (!bar) return;
          const rate = (done / ((performance.now() - started) / 1000)).toPrecision(3);
          if (done === 0) bar.start(total, 0, { rate });
          else bar.update(done, { rate });
          if (done === total) bar.stop();
        },
      }).finally(() => bar?.stop());
      const seconds = (performance.now() - started) / 1000;
      const what = `${outcome.points} points: ${outcome.ran} simulated, ${outcome.reused} reused, in ${seconds.toFixed(1)} s` +
        (outcome.ran ? ` (${(outcome.ran / seconds).toPrecision(3)} points/s)` : '');
      if (flags.quiet) return;
      if (flags.out) process.stdout.write(`${what}; wrote ${flags.out}/results.csv and results.jsonl\n`);
      else process.stdout.write(`${sweepTable(outcome.rows)}\n${what}\n`);
    });

  sweep
    .command('merge')
    .description('join the results of shards (by point and key, in point order)')
    .argument('<dirs...>', 'sweep output directories')
    .option('--out <dir>', 'directory for the merged results.csv and results.jsonl (required)')
    .action((dirs: string[], flags: { out?: string }) => {
      // Commander gives `--out` to the parent `sweep` when it appears after the directories; take it from either.
      const out = flags.out ?? sweep.opts<SweepFlags>().out;
      if (!out) throw new InputError('sweep merge: --out: got nothing, expected the directory for the merged results');
      const merged = mergeResults(dirs);
      const points = new Set(merged.rows.map((r) => r.point)).size;
      // The merged folder is a sweep folder like any other: locked while written, recorded, refusing other sweeps.
      const folder = SweepOut.open(out, {
        sweep: merged.sweep, file: merged.file || dirs.join(' + '), points: merged.points ?? points, shardPoints: merged.points ?? points, shard: null,
      }, () => new Set());
      let ok = false;
      try {
        writeResults(out, merged.rows);
        folder.progress(points);
        ok = merged.complete;
      } finally {
        folder.close(ok ? 'finished' : 'stopped');
      }
      const missing = merged.points !== null && points < merged.points ? ` (${merged.points - points} of the sweep's ${merged.points} points missing)` : '';
      process.stdout.write(`${points} points from ${dirs.length} directories${missing}; wrote ${out}/results.csv and results.jsonl\n`);
    });
}
