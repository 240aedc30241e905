import type { Command } from 'commander';
import { InputError } from '../errors.js';
import { eyexamChartsOfFile } from '../eyexam/chart.js';
import { readResults } from '../sweep/results.js';
import { checkOutputPaths, writeFileAtomic } from './io.js';

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('write a self-contained HTML report with charts of a sweep, a run, or several runs side by side')
    .argument('<results...>', 'a sweep output directory or results.jsonl; or one or more JSON reports of `eyeriss-sim run --json` (several: side by side, each against the first)')
    .requiredOption('-o, --out <file>', 'the HTML file to write')
    .action(async (paths: string[], flags: { out: string }) => {
      checkOutputPaths([{ flag: '--out', file: flags.out }]);
      const results = paths.map((p) => readResults(p));
      // Still written (results are usable as points finish), but never passed off as a finished sweep's.
      for (const r of results) if (r.incomplete) process.stderr.write(`eyeriss-sim: warning: ${r.incomplete}\n`);
      if (results.length > 1) {
        const sweep = results.find((r) => r.kind === 'sweep');
        if (sweep) throw new InputError(`${sweep.file}: a sweep's results, expected reports of eyeriss-sim run --json (only runs can be put side by side)`);
      }
      // Loaded here, not at the top: vega is large and only this command needs it (keeps `run` starting fast).
      const { buildHtmlReport } = await import('../report/html-report.js');
      // A run's JSON from `eyexam --json` also gets its Eyexam waterfalls.
      const eyexam = results.length === 1 && results[0]!.kind === 'run' ? eyexamChartsOfFile(results[0]!.file) : [];
      writeFileAtomic(flags.out, await buildHtmlReport(results, eyexam));
      process.stdout.write(`wrote ${flags.out}\n`);
    });
}
