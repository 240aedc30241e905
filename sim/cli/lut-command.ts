/** `eyeriss-sim lut TRACE --keep 1,0.75,0.5,0.25 --out DIR`: NetAdapt's per-layer latency and energy tables. */
import type { Command } from 'commander';
import { loadHwConfig } from '../config/hw-config.js';
import { buildLut, type Lut, lutCsv } from '../design/netadapt.js';
import { InputError } from '../errors.js';
import { formatTable } from '../report/table.js';
import { PE_MODE_OPTIONS, type PeModeOption } from '../run/network.js';
import { loadTrace } from '../workloads/trace.js';
import { nonNegativeInt, positiveInt, writeFileAtomic } from './io.js';

interface Flags {
  keep: string;
  out: string;
  hw: string;
  seed: string;
  peMode: string;
  jobs?: string;
  quiet?: boolean;
}

/** One line per layer and keep: channels, cycles and energy, and the change from the full layer. */
export function lutTable(lut: Lut): string {
  const rows = lut.layers.flatMap((l) => {
    const full = l.entries[0]!;
    return l.entries.map((e) => [
      l.name, l.type, e.keep.toFixed(3), `${e.channels}/${l.channels}`, String(e.cycles), (e.energyJoules * 1e6).toFixed(2),
      String(e.cycles - full.cycles), ((e.energyJoules - full.energyJoules) * 1e6).toFixed(2), l.chain.join(' '),
    ]);
  });
  const head = `${lut.trace.name} on ${lut.hw.name}, seed ${lut.seed}: the network at full size takes ${lut.network.cycles} cycles, ` +
    `${(lut.network.energyJoules * 1e6).toFixed(2)} uJ; each entry is the layer and the layers reading it (chain)`;
  const skipped = lut.skipped.map((s) => `not in the table: ${s.name}: ${s.reason}`);
  return [head, formatTable(['layer', 'type', 'keep', 'channels', 'cycles', 'energy uJ', 'd cycles', 'd uJ', 'chain'], rows), ...skipped].join('\n');
}

export function registerLut(program: Command): void {
  program
    .command('lut')
    .description('NetAdapt tables: each layer simulated with its output channels cut to fractions (the layers reading it shrink too); parallel, resumable')
    .argument('<trace>', 'layer trace: a name in traces/ or a .json/.pb file')
    .requiredOption('--out <dir>', 'write DIR/lut.json and DIR/lut.csv; finished points are kept under DIR/sweep/ and reused')
    .option('--keep <fractions>', 'comma-separated fractions of output channels to keep, in (0, 1]', '1,0.75,0.5,0.25')
    .option('--hw <name|file>', 'hardware config: a name in hw-configs/ or a YAML file', 'eyeriss-v2')
    .option('--seed <s>', 'seed of the synthetic tensors', '1')
    .option('--pe-mode <mode>', `sparse PE mode: ${PE_MODE_OPTIONS.join(', ')}`, 'auto')
    .option('--jobs <n>', 'worker threads (default: available cores)')
    .option('--quiet', 'print nothing but errors')
    .action(async (traceName: string, flags: Flags) => {
      const keep = flags.keep.split(',').map((s) => {
        const k = Number(s.trim());
        if (!/^\s*(1(\.0*)?|0?\.\d+)\s*$/.test(s) || !(k > 0 && k <= 1)) throw new InputError(`--keep: got ${JSON.stringify(s)}, expected fractions in (0, 1] like 1,0.75,0.5`);
        return k;
      });
      if (!PE_MODE_OPTIONS.includes(flags.peMode as PeModeOption)) {
        throw new InputError(`--pe-mode: got ${JSON.stringify(flags.peMode)}, expected ${PE_MODE_OPTIONS.join(', ')}`);
      }
      const { lut, ran, reused } = await buildLut({
        hw: loadHwConfig(flags.hw), hwName: flags.hw, trace: loadTrace(traceName), keep, out: flags.out,
        seed: nonNegativeInt('--seed', flags.seed), peMode: flags.peMode as PeModeOption,
        jobs: flags.jobs === undefined ? undefined : positiveInt('--jobs', flags.jobs),
      });
      writeFileAtomic(`${flags.out}/lut.json`, `${JSON.stringify(lut, null, 2)}\n`);
      writeFileAtomic(`${flags.out}/lut.csv`, lutCsv(lut));
      if (!flags.quiet) process.stdout.write(`${lutTable(lut)}\n${ran} points simulated, ${reused} reused; wrote ${flags.out}/lut.json and lut.csv\n`);
    });
}
