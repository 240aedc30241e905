import type { Command } from 'commander';
import { InputError } from '../errors.js';
import { formatTable } from '../report/table.js';
import { METRICS } from '../validation/jssc17.js';
import { type MappingSource, NETWORKS, runValidation } from '../validation/validate.js';
import { checkOutputPaths, writeFileAtomic } from './io.js';

interface ValidateFlags {
  json?: string;
  hw: string;
  networks: string;
  layers?: string;
  mapping: string;
}

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('compare the simulated Eyeriss v1 with its measured silicon (JSSC17 Tables V and VI)')
    .option('--json <file>', 'write {rows, summary} as JSON; - for stdout')
    .option('--hw <name|file>', 'hardware config', 'eyeriss-v1')
    .option('--networks <names>', `comma-separated: ${Object.keys(NETWORKS).join(', ')}`, Object.keys(NETWORKS).join(','))
    .option('--layers <names>', 'only these layers (names from the tables, e.g. conv4,conv5)')
    .option('--mapping <which>', 'paper, mapper or both', 'both')
    .action((flags: ValidateFlags) => {
      checkOutputPaths([{ flag: '--json', file: flags.json }]); // before the simulations, not after
      const mappings: MappingSource[] = flags.mapping === 'both' ? ['paper', 'mapper'] : [flags.mapping as MappingSource];
      if (!mappings.every((m) => m === 'paper' || m === 'mapper')) {
        throw new InputError(`--mapping: got ${JSON.stringify(flags.mapping)}, expected paper, mapper or both`);
      }
      const networks = flags.networks.split(',').map((s) => s.trim()).filter(Boolean);
      const layerList = flags.layers?.split(',').map((s) => s.trim());
      const layers = layerList ? Object.fromEntries(networks.map((n) => [n, layerList.filter((l) => NETWORKS[n]?.layers.some((m) => m.layer === l))])) : undefined;
      const started = performance.now();
      const report = runValidation({
        hw: flags.hw, networks, layers, mappings,
        onLayer: (n, m, l) => process.stderr.isTTY && process.stderr.write(`\r${n} ${m} ${l} done   `),
      });
      if (process.stderr.isTTY) process.stderr.write('\n');
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
          lines.push(`${n}, ${m === 'paper' ? "the paper's mapping (JSSC17 Table III)" : "the mapper's mapping"}: measured / simulated, error`);
          lines.push(formatTable(['layer', ...METRICS.flatMap((metric) => [metric, 'err'])], table), '');
        }
      }
      lines.push(`validated in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      const json = `${JSON.stringify(report, null, 2)}\n`;
      if (flags.json === '-') process.stdout.write(json);
      else {
        if (flags.json) writeFileAtomic(flags.json, json);
        process.stdout.write(`${lines.join('\n')}\n`);
      }
    });
}
