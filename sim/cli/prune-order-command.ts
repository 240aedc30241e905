/** `eyeriss-sim prune-order TRACE`: which layers to prune first for energy (Yang et al., CVPR 2017). */
import type { Command } from 'commander';
import { loadHwConfig } from '../config/hw-config.js';
import { pruneOrder, type PruneOrder } from '../design/pruning.js';
import { InputError } from '../errors.js';
import { formatTable } from '../report/table.js';
import { PE_MODE_OPTIONS, type PeModeOption } from '../run/network.js';
import { loadTrace } from '../workloads/trace.js';
import { nonNegativeInt, writeFileAtomic } from './io.js';

interface Flags {
  hw: string;
  seed: string;
  step: string;
  layers?: string;
  peMode: string;
  json?: string;
  check: boolean;
  quiet?: boolean;
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

/** The ranking as a text table: energy, shares by data type and level, and the saving per removed weight. */
export function pruneOrderTable(p: PruneOrder): string {
  const header = ['rank', 'layer', 'type', 'energy uJ', 'share', 'iact', 'weight', 'psum', 'clk/ctl', 'DRAM', 'GLB', 'NoC', 'SPad', 'MAC', 'density', 'pJ saved/weight'];
  const rows = p.layers.map((l) => [
    String(l.rank), l.name, l.type, (l.energyJoules * 1e6).toFixed(2), pct(l.share),
    pct(l.byDataType.iact), pct(l.byDataType.weight), pct(l.byDataType.psum), pct(l.byDataType.none),
    pct(l.byLevel.dram), pct(l.byLevel.glb), pct(l.byLevel.noc), pct(l.byLevel.spad), pct(l.byLevel.mac),
    l.weightDensity.toFixed(3), l.savedPjPerWeight.toFixed(2),
  ]);
  const note = `${p.trace.name} on ${p.hw.name}, seed ${p.seed}: ${(p.totalEnergyJoules * 1e6).toFixed(2)} uJ in the layers ranked; ` +
    `saving measured by removing ${pct(p.step)} of each layer's non-zero weights (smallest magnitude first)`;
  return `${note}\n${formatTable(header, rows)}`;
}

export function registerPruneOrder(program: Command): void {
  program
    .command('prune-order')
    .description('rank layers by simulated energy, with shares by data type and level and the energy saved per removed weight (energy-aware pruning, Yang et al. CVPR 2017)')
    .argument('<trace>', 'layer trace: a name in traces/ or a .json/.pb file')
    .option('--hw <name|file>', 'hardware config: a name in hw-configs/ or a YAML file', 'eyeriss-v2')
    .option('--seed <s>', 'seed of the synthetic tensors', '1')
    .option('--step <fraction>', 'fraction of each layer\'s non-zero weights removed to measure the saving', '0.1')
    .option('--layers <names>', 'comma-separated layer names (default: all on-chip layers)')
    .option('--pe-mode <mode>', `sparse PE mode: ${PE_MODE_OPTIONS.join(', ')}`, 'auto')
    .option('--json <file>', 'write the ranking as JSON; - for stdout')
    .option('--no-check', 'skip the bit-exact check against the reference convolution (faster)')
    .option('--quiet', 'print nothing but errors')
    .action((traceName: string, flags: Flags) => {
      if (!PE_MODE_OPTIONS.includes(flags.peMode as PeModeOption)) {
        throw new InputError(`--pe-mode: got ${JSON.stringify(flags.peMode)}, expected ${PE_MODE_OPTIONS.join(', ')}`);
      }
      const step = Number(flags.step);
      if (!/^(0?\.\d+|0)$/.test(flags.step) || !(step > 0 && step < 1)) {
        throw new InputError(`--step: got ${JSON.stringify(flags.step)}, expected a fraction between 0 and 1 (e.g. 0.1)`);
      }
      const layers = flags.layers?.split(',').map((s) => s.trim()).filter(Boolean);
      const result = pruneOrder({
        hw: loadHwConfig(flags.hw), trace: loadTrace(traceName), seed: nonNegativeInt('--seed', flags.seed),
        engine: 'event', check: flags.check, peMode: flags.peMode as PeModeOption, layers, step,
      });
      const json = `${JSON.stringify(result, null, 2)}\n`;
      if (flags.json === '-') process.stdout.write(json);
      else if (flags.json) writeFileAtomic(flags.json, json);
      if (!flags.quiet && flags.json !== '-') process.stdout.write(`${pruneOrderTable(result)}\n`);
    });
}
