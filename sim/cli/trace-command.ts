import type { Command } from 'commander';
import { convertTrace } from '../workloads/trace-io.js';

/** `eyeriss-sim trace convert IN OUT`: JSON <-> binary protobuf, lossless (trace-io.ts writes canonical forms). */
export function registerTrace(program: Command): void {
  const trace = program.command('trace').description('work with trace files');
  trace
    .command('convert')
    .description('convert a trace between JSON (.json) and binary protobuf (.pb), by the files\' extensions; lossless')
    .argument('<in>', 'the trace to read (.json or .pb)')
    .argument('<out>', 'the trace to write (.json or .pb)')
    .action((input: string, output: string) => {
      const layers = convertTrace(input, output, (shown, n) => {
        process.stderr.write(`eyeriss-sim: warning: ${shown} has no integrity header; read as ${n} layers, which cannot be checked against a truncated file: compare with the network\n`);
      });
      process.stdout.write(`wrote ${output} (${layers} layers)\n`);
    });
}
