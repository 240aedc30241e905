import type { Command } from 'commander';
import { formatTable } from '../report/table.js';
import { shippedTraceSummaries } from '../workloads/summary.js';
import { addOptions, emit, type SharedFlags } from './options.js';

/** `eyeriss-sim traces`: the shipped traces, with on-chip layers, MACs, weights and densities of one inference. */
export function registerTraces(program: Command): void {
  const cmd = program
    .command('traces')
    .description('list the shipped traces (traces/) with their on-chip layers, MACs, weights and densities per inference');
  addOptions(cmd, ['json'], { json: 'write [{name, layers, macs, weights, iactDensity, weightDensity}] as JSON; - for stdout (then nothing else is printed there)' });
  cmd.action((flags: SharedFlags) => {
    const summaries = shippedTraceSummaries();
    emit(flags.json, `${JSON.stringify(summaries, null, 2)}\n`);
    if (flags.json === '-') return;
    const rows = summaries.map((s) => [s.name, String(s.layers), (s.macs / 1e6).toFixed(1), (s.weights / 1e6).toFixed(2), s.iactDensity.toFixed(2), s.weightDensity.toFixed(2)]);
    process.stdout.write(`${formatTable(['trace', 'on-chip layers', 'MMACs', 'M weights', 'iact density', 'weight density'], rows)}\n`);
    process.stdout.write('MACs (zeros included) and weights of one inference (batch 1) over the on-chip layers; densities (non-zero fractions) weighted by MACs\n');
  });
}
