/**
 * `eyeriss-sim energy --report RUN.json --table T`: re-costs a saved run with another energy table, without simulating
 * again. A report carries each layer's access counts and activity (cycles, active PE- and cluster-cycles, clock), which
 * is all computeEnergy needs, so the same table gives exactly the run's numbers and another table changes only the
 * energy fields (layers' energyJoules/energyBreakdown, the energy totals, the card's power, the table's name).
 */
import { type Command, Option } from 'commander';
import { z } from 'zod';
import { parseYamlText, readInputFile, validateDocument } from '../config/validate.js';
import { parseAccelergyErt } from '../energy/accelergy-ert.js';
import { computeEnergy } from '../energy/energy-model.js';
import { type EnergyTable, loadEnergyTable, parseEnergyTable } from '../energy/energy-table.js';
import { InputError } from '../errors.js';
import { looksLikePath } from '../paths.js';
import { cardEnergyFields } from '../report/card.js';
import { energyTotals, type JsonReport } from '../report/json-report.js';
import { breakdownTable } from '../report/table.js';
import { writeFileAtomic } from './io.js';

/**
 * An energy table by name (hw-configs/energy/), or a file: our table format, or an Accelergy ERT, recognised by its
 * top-level `ERT:` key and imported with importAccelergyErt's rules (whose notes come back as warnings).
 */
export function loadAnyEnergyTable(nameOrPath: string): { table: EnergyTable; warnings: string[] } {
  if (!looksLikePath(nameOrPath)) return { table: loadEnergyTable(nameOrPath), warnings: [] };
  const { bytes, sha256 } = readInputFile(nameOrPath);
  const text = bytes.toString('utf8');
  const doc = parseYamlText(nameOrPath, text);
  if (doc !== null && typeof doc === 'object' && 'ERT' in doc) return parseAccelergyErt(nameOrPath, text, {}, sha256);
  return { table: parseEnergyTable(nameOrPath, text, sha256), warnings: [] };
}

const count = z.number().min(0);

/** The part of a JSON report re-costing reads; everything else is carried over untouched. */
const reportSchema = z
  .object({
    schemaVersion: z.literal(1),
    batch: z.number().int().min(1),
    layers: z.array(
      z
        .object({
          name: z.string(),
          accesses: z.object({ counts: z.record(z.string(), z.record(z.string(), z.record(z.string(), z.number()))) }).loose(),
          activity: z
            .object({
              cycles: count, numPes: count, peActiveCycles: count, clusterActiveCycles: count, numClusters: count, activePes: count, activeClusters: count,
              clockMHz: z.number().positive(),
            })
            .strict(),
        })
        .loose(),
    ),
    totals: z.object({ latencySeconds: z.number().positive(), nominalMacs: count }).loose(),
    card: z.object({ powerMw: z.number() }).loose(),
  })
  .loose();

/** Reads a report of `eyeriss-sim run --json`; every problem is a one-line InputError naming the file. */
export function readJsonReport(file: string): JsonReport {
  const text = readInputFile(file).bytes.toString('utf8');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new InputError(`${file}: not valid JSON (${err instanceof Error ? err.message : String(err)}), expected a report of eyeriss-sim run --json`);
  }
  const layers = (doc as { layers?: unknown })?.layers;
  const old = Array.isArray(layers) ? layers.find((l) => l && typeof l === 'object' && !('activity' in l)) : undefined;
  if (old) {
    // Reports written before the activity was saved cannot be re-costed: the per-cycle terms need it.
    throw new InputError(`${file}: layer ${JSON.stringify((old as { name?: unknown }).name)} has no activity (a report from an older eyeriss-sim?), expected a report of eyeriss-sim run --json; run it again`);
  }
  validateDocument(file, doc, reportSchema);
  return doc as JsonReport;
}

/** The report with every energy field computed with `table` (see the module comment). */
export function recostReport(report: JsonReport, table: EnergyTable): JsonReport {
  const layers = report.layers.map((l) => {
    const { clockMHz, ...activity } = l.activity;
    const energy = computeEnergy(l.accesses.counts, activity, table, clockMHz);
    return { ...l, energyJoules: energy.totalJoules, energyBreakdown: energy };
  });
  const t = report.totals;
  const totals = { ...t, ...energyTotals(layers.map((l) => l.energyBreakdown), report.batch, t.latencySeconds, t.nominalMacs) };
  return {
    ...report,
    energyTable: { name: table.name, sha256: table.sha256 },
    layers,
    totals,
    card: { ...report.card, ...cardEnergyFields(totals) },
  };
}

interface EnergyFlags {
  report?: string;
  table: string;
  json?: string;
  quiet?: boolean;
}

export function registerEnergy(program: Command): void {
  program
    .command('energy')
    .description('re-cost a saved run (eyeriss-sim run --json) with another energy table, without simulating again')
    // The report is an argument, as in `eyeriss-sim report FILE` and `compare FILE ...`; --report is the old spelling.
    .argument('[report]', 'JSON report of eyeriss-sim run --json')
    .addOption(new Option('--report <file>').hideHelp())
    .requiredOption('--table <name|file>', 'energy table: a name in hw-configs/energy/, a table file, or an Accelergy ERT (ERT.yaml)')
    .option('--json <file>', 'write the report with its energy fields re-costed; - for stdout')
    .option('--quiet', 'print nothing but errors and import notes')
    .action((file: string | undefined, flags: EnergyFlags) => {
      const reportFile = file ?? flags.report;
      if (!reportFile) throw new InputError('energy: missing the report: eyeriss-sim energy RUN.json --table NAME|FILE');
      const report = readJsonReport(reportFile);
      const { table, warnings } = loadAnyEnergyTable(flags.table);
      for (const w of warnings) process.stderr.write(`eyeriss-sim: note: ${table.file}: ${w}\n`);
      const out = recostReport(report, table);
      const json = `${JSON.stringify(out, null, 2)}\n`;
      if (flags.json === '-') process.stdout.write(json);
      else if (flags.json) writeFileAtomic(flags.json, json);
      if (flags.quiet || flags.json === '-') return;
      const was = report.totals.energyJoulesPerInference;
      const now = out.totals.energyJoulesPerInference;
      process.stdout.write(
        `${report.hw.name} running ${report.trace.name}, batch ${report.batch}: ${reportFile} re-costed with table ${table.name} (${table.file})\n` +
          `${breakdownTable(out)}\n` +
          `${(now * 1e6).toFixed(3)} uJ per inference with ${table.name}, ${(was * 1e6).toFixed(3)} uJ with ${report.energyTable.name} ` +
          `(x${was > 0 ? (now / was).toFixed(3) : '-'}); chip ${(out.totals.chipPowerWatts * 1e3).toFixed(1)} mW + DRAM ${(out.totals.dramPowerWatts * 1e3).toFixed(1)} mW average\n`,
      );
    });
}
