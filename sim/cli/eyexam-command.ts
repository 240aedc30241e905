import type { Command } from 'commander';
import { loadHwConfig } from '../config/hw-config.js';
import type { EngineKind } from '../engine/simulator.js';
import { InputError } from '../errors.js';
import { runEyexam } from '../eyexam/run.js';
import { eyexamTable } from '../eyexam/table.js';
import { peModes } from '../mapping/constraints.js';
import { PE_MODE_OPTIONS, type PeModeOption } from '../run/network.js';
import { loadTrace } from '../workloads/trace.js';
import { nonNegativeInt, positiveInt, writeFileAtomic } from './io.js';

interface EyexamFlags {
  hw: string;
  trace: string;
  layers?: string;
  batch?: string;
  seed: string;
  json?: string;
  check: boolean;
  quiet?: boolean;
  peMode: string;
}

export function registerEyexam(program: Command): void {
  program
    .command('eyexam')
    .description('why each layer runs at its speed: the throughput bound after each Eyexam step (SSC Magazine 2020), the last one simulated')
    .option('--hw <name|file>', 'hardware config: a name in hw-configs/ or a YAML file', 'eyeriss-v2')
    .option('--trace <name|file>', 'layer trace: a name in traces/ or a .json/.pb file', 'alexnet-sparse')
    .option('--layers <names>', 'comma-separated layer names (default: all on-chip layers)')
    .option('--batch <n>', 'batch size (default: the trace\'s)')
    .option('--seed <s>', 'seed of the synthetic tensors', '1')
    .option('--pe-mode <mode>', 'sparse PE mode per layer: auto, compressed or uncompressed (as for run)', 'auto')
    .option('--json <file>', 'write the run\'s JSON report with each layer\'s eyexam; - for stdout')
    .option('--no-check', 'skip the bit-exact check against the reference convolution (faster)')
    .option('--quiet', 'print nothing but errors')
    .action((flags: EyexamFlags) => {
      if (!PE_MODE_OPTIONS.includes(flags.peMode as PeModeOption)) {
        throw new InputError(`--pe-mode: got ${JSON.stringify(flags.peMode)}, expected ${PE_MODE_OPTIONS.join(', ')}`);
      }
      const peMode = flags.peMode as PeModeOption;
      const seed = nonNegativeInt('--seed', flags.seed);
      const batch = flags.batch === undefined ? undefined : positiveInt('--batch', flags.batch);
      const hw = loadHwConfig(flags.hw);
      const trace = loadTrace(flags.trace);
      if (peMode !== 'auto' && !peModes(hw.config).includes(peMode)) {
        throw new InputError(`--pe-mode: the ${hw.config.pe.type} PE of ${hw.config.name} has no ${peMode} mode (it has: ${peModes(hw.config).join(', ')})`);
      }
      const layers = flags.layers?.split(',').map((s) => s.trim()).filter(Boolean);
      const engine: EngineKind = 'event';
      const report = runEyexam({ hw, trace, layers, batch, seed, engine, check: flags.check, peMode });
      const json = `${JSON.stringify(report, null, 2)}\n`;
      if (flags.json === '-') process.stdout.write(json);
      else if (flags.json) writeFileAtomic(flags.json, json);
      if (!flags.quiet && flags.json !== '-') process.stdout.write(`${eyexamTable(report)}\n`);
      const failed = report.layers.filter((l) => l.check === 'fail');
      if (failed.length) {
        throw new InputError(`outputs differ from the reference in ${failed.map((l) => `${l.name} (${l.checkDetail})`).join(', ')}`);
      }
    });
}
