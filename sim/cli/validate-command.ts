import { type Command, Option } from 'commander';
import { InputError } from '../errors.js';
import { parseObjective } from '../mapping/objective.js';
import { formatTable } from '../report/table.js';
import { METRICS } from '../validation/jssc17.js';
import { type MappingSource, NETWORKS, runValidation, type ValidationSummary } from '../validation/validate.js';
import { checkOutputPaths, writeFileAtomic } from './io.js';

interface ValidateFlags {
  json?: string;
  hw: string;
  networks: string;
  layers?: string;
  mappings: string;
  mapping?: string;
  objective: string;
}

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description(
      'compare the simulated Eyeriss v1 with its measured silicon (JSSC17 Tables V and VI); AlexNet takes about 1 min per mapping ' +
        'on an idle machine (several times that on a loaded one), VGG-16 about 31 min more (mapper only: Table VI has no mappings)',
    )
    .option('--json <file>', 'write {rows, summary} as JSON; - for stdout')
    .option('--hw <name|file>', 'hardware config', 'eyeriss-v1')
    .option('--networks <names>', `comma-separated: ${Object.keys(NETWORKS).join(', ')}, or all`, 'alexnet')
    .option('--layers <names>', 'only these layers (names from the tables, e.g. conv4,conv5)')
    .option('--mappings <which>', 'whose mappings: paper (JSSC17 Table III), mapper, or both', 'both')
    // The old name, kept working but out of --help: `run --mappings` and this are one option now.
    .addOption(new Option('--mapping <which>').hideHelp())
    .option('--objective <what>', 'what the mapper minimises for --mappings mapper/both: latency, energy or edp (ISCA16 chose v1\'s mappings for energy)', 'latency')
    .action((flags: ValidateFlags) => {
      checkOutputPaths([{ flag: '--json', file: flags.json }]); // before the simulations, not after
      const which = flags.mapping ?? flags.mappings;
      const mappings: MappingSource[] = which === 'both' ? ['paper', 'mapper'] : [which as MappingSource];
      if (!mappings.every((m) => m === 'paper' || m === 'mapper')) {
        throw new InputError(`--mappings: got ${JSON.stringify(which)}, expected paper, mapper or both`);
      }
      const networks = flags.networks.trim() === 'all' ? Object.keys(NETWORKS) : flags.networks.split(',').map((s) => s.trim()).filter(Boolean);
      const layerList = flags.layers?.split(',').map((s) => s.trim());
      const layers = layerList ? Object.fromEntries(networks.map((n) => [n, layerList.filter((l) => NETWORKS[n]?.layers.some((m) => m.layer === l))])) : undefined;
      const started = performance.now();
      const report = runValidation({
        hw: flags.hw, networks, layers, mappings, objective: parseObjective(flags.objective),
        onLayer: (n, m, l, p) => {
          // Time left from the MACs still to simulate at the rate so far (simulation time grows with the MACs).
          const s = (performance.now() - started) / 1000;
          const left = p.macsDone > 0 ? (s / p.macsDone) * (p.macs - p.macsDone) : 0;
          process.stderr.write(`validate: ${n} ${m} ${l} done (${p.layersDone}/${p.layers} layers), ${s.toFixed(0)} s, about ${left.toFixed(0)} s left\n`);
        },
      });
      const pct = (x: number): string => `${x >= 0 ? '+' : ''}${x.toFixed(1)}%`;
      const lines: string[] = [];
      for (const n of networks) {
        for (const m of mappings) {
          const rows = report.rows.filter((r) => r.network === n && r.mapping === m);
          if (!rows.length) continue;
          const layersOf = [...new Set(rows.map((r) => r.layer))];
          const table = layersOf.map((layer) => [
            layer,
            ...METRICS.flatMap((metric) => {
              const r = rows.find((x) => x.layer === layer && x.metric === metric)!;
              return [`${+r.measured.toFixed(1)} / ${+r.simulated.toFixed(1)}`, pct(r.errorPercent)];
            }),
          ]);
          table.push(['mean |error|', ...METRICS.flatMap((metric) => ['', `${report.summary.find((s) => s.network === n && s.mapping === m && s.metric === metric)!.meanAbsErrorPercent.toFixed(1)}%`])]);
          lines.push(`${n}, ${m === 'paper' ? "the paper's mapping (JSSC17 Table III)" : `the mapper's mapping (objective ${flags.objective})`}: measured / simulated, error`);
          lines.push(formatTable(['layer', ...METRICS.flatMap((metric) => [metric, 'err'])], table), '');
        }
      }
      lines.push(...sampleLines(report.summary), `validated in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      const json = `${JSON.stringify(report, null, 2)}\n`;
      if (flags.json === '-') process.stdout.write(json);
      else {
        if (flags.json) writeFileAtomic(flags.json, json);
        process.stdout.write(`${lines.join('\n')}\n`);
      }
    });
}

/** Power errors apart: in sample (the calibration's own data) and out of sample (the prediction). */
export function sampleLines(summary: ValidationSummary[]): string[] {
  const power = summary.filter((s) => s.metric === 'powerMw');
  const list = (which: 'in' | 'out'): string =>
    power.filter((s) => s.sample === which).map((s) => `${s.network} (${s.mapping}'s mappings) ${s.meanAbsErrorPercent.toFixed(1)}%`).join(', ') || 'not run';
  return [
    `power, mean |error|, in sample (fitted by eyeriss-sim calibrate: AlexNet CONV1-5): ${list('in')}`,
    `power, mean |error|, out of sample (not fitted: VGG-16, run with --networks vgg16 or all): ${list('out')}`,
    'the other metrics are not fitted to anything',
  ];
}
