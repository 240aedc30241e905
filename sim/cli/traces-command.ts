import type { Command } from 'commander';
import { formatTable } from '../report/table.js';
import { shippedTraceSummaries } from '../workloads/summary.js';

/** `eyeriss-sim traces`: the shipped traces, with on-chip layers, MACs and weights of one inference. */
export function registerTraces(program: Command): void {
  program
    .command('traces')
    .description('list the shipped traces (traces/) with their on-chip layers, MACs and weights per inference')
    .option('--json', 'print [{name, layers, macs, weights}] as JSON')
    .action((flags: { json?: boolean }) => {
      const summaries = shippedTraceSummaries();
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(summaries.map(({ name, layers, macs, weights }) => ({ name, layers, macs, weights })), null, 2)}\n`);
        return;
      }
      const rows = summaries.map((s) => [s.name, String(s.layers), (s.macs / 1e6).toFixed(1), (s.weights / 1e6).toFixed(2)]);
      process.stdout.write(`${formatTable(['trace', 'on-chip layers', 'MMACs', 'M weights'], rows)}\n`);
      process.stdout.write('MACs (zeros included) and weights of one inference (batch 1) over the on-chip layers\n');
    });
}
