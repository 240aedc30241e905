import type { Command } from 'commander';
import { readResults } from '../sweep/results.js';
import { checkOutputPaths, writeFileAtomic } from './io.js';

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('write a self-contained HTML report with charts of a sweep or a run')
    .argument('<results>', 'a sweep output directory, a results.jsonl, or a JSON report of `eyeriss-sim run --json`')
    .requiredOption('-o, --out <file>', 'the HTML file to write')
    .action(async (path: string, flags: { out: string }) => {
      checkOutputPaths([{ flag: '--out', file: flags.out }]);
      const results = readResults(path);
      // Still written (results are usable as points finish), but never passed off as a finished sweep's.
      if (results.incomplete) process.stderr.write(`eyeriss-sim: warning: ${results.incomplete}\n`);
      // Loaded here, not at the top: vega is large and only this command needs it (keeps `run` starting fast).
      const { buildHtmlReport } = await import('../report/html-report.js');
      writeFileAtomic(flags.out, await buildHtmlReport(results));
      process.stdout.write(`wrote ${flags.out}\n`);
    });
}
