/**
 * `eyeriss-sim compare TRACE TRACE ...`: several networks on one hardware config, side by side: weights, MACs, and
 * energy per inference normalised to the first network, split by data type. The talk's point (AlexNet vs SqueezeNet,
 * "number of weights alone is not a good metric for energy"): iacts and psums move too, so a network with far fewer
 * weights need not use proportionally less energy. The numbers are whatever the simulator gives; nothing is tuned.
 */
import type { Command } from 'commander';
import { loadHwConfig } from '../config/hw-config.js';
import { BREAKDOWN_DATA_TYPES, type BreakdownDataType } from '../energy/energy-model.js';
import { loadEnergyTable } from '../energy/energy-table.js';
import { buildJsonReport, type JsonReport } from '../report/json-report.js';
import { formatTable } from '../report/table.js';
import { runNetwork, selectLayers } from '../run/network.js';
import { weightCount } from '../workloads/layer.js';
import { loadTrace } from '../workloads/trace.js';
import { checkOutputPaths, nonNegativeInt, positiveInt, writeFileAtomic } from './io.js';

export interface CompareRow {
  trace: { name: string; sha256: string };
  batch: number;
  onChipLayers: number;
  /** Weights of the on-chip layers (all groups; zeros included: the dense count the slide compares). */
  weights: number;
  /** Nominal MACs per inference. */
  nominalMacs: number;
  latencySeconds: number;
  energyJoulesPerInference: number;
  /** Relative to the first network. */
  relativeWeights: number;
  relativeEnergy: number;
  /** Each data type's energy per inference over the first network's total energy per inference: adds up to relativeEnergy. */
  relativeEnergyByDataType: Record<BreakdownDataType, number>;
  /** The network's report totals (energy breakdown by level, data type and term, for the batch). */
  totals: JsonReport['totals'];
  simSeconds: number;
}

export interface CompareReport {
  schemaVersion: 1;
  hw: { name: string; sha256: string };
  energyTable: { name: string; sha256: string | null };
  seed: number;
  networks: CompareRow[];
}

interface CompareFlags {
  hw: string;
  seed: string;
  batch?: string;
  energyTable?: string;
  json?: string;
}

const ratio = (a: number, b: number): number => (b > 0 ? a / b : 0);

export function compareTable(c: CompareReport): string {
  const x = (v: number): string => v.toFixed(3);
  const rows = c.networks.map((n) => [
    n.trace.name, String(n.onChipLayers), (n.weights / 1e6).toFixed(3), x(n.relativeWeights), (n.nominalMacs / 1e6).toFixed(1),
    (n.energyJoulesPerInference * 1e6).toFixed(1), x(n.relativeEnergy), ...BREAKDOWN_DATA_TYPES.map((d) => x(n.relativeEnergyByDataType[d])),
    (ratio(n.relativeEnergy, n.relativeWeights)).toFixed(2),
  ]);
  const first = c.networks[0]!;
  return [
    `${c.hw.name}, energy table ${c.energyTable.name}, seed ${c.seed}; energy per inference relative to ${first.trace.name}, ` +
      'split by data type (iact + weight + psum + none = energy rel.; none = clock, control, leakage)',
    formatTable(['network', 'layers', 'weights M', 'weights rel.', 'MMACs', 'energy uJ', 'energy rel.',
      ...BREAKDOWN_DATA_TYPES.map((d) => `${d} rel.`), 'energy rel. / weights rel.'], rows),
  ].join('\n');
}

export function registerCompare(program: Command): void {
  program
    .command('compare')
    .description('run several networks on one config and compare weights, MACs and energy by data type')
    .argument('<traces...>', 'layer traces: names in traces/ or files (the first is the reference)')
    .option('--hw <name|file>', 'hardware config: a name in hw-configs/ or a YAML file', 'eyeriss-v2')
    .option('--seed <s>', 'seed of the synthetic tensors', '1')
    .option('--batch <n>', 'batch size of every network (default: each trace\'s)')
    .option('--energy-table <name|file>', 'energy table overriding the hardware config\'s')
    .option('--json <file>', 'write the comparison as JSON; - for stdout')
    .action((names: string[], flags: CompareFlags) => {
      checkOutputPaths([{ flag: '--json', file: flags.json }]); // before the simulations, not after
      const seed = nonNegativeInt('--seed', flags.seed);
      const batch = flags.batch === undefined ? undefined : positiveInt('--batch', flags.batch);
      const hw = loadHwConfig(flags.hw);
      const traces = names.map((n) => loadTrace(n)); // all inputs checked before the first (long) simulation
      const energyTable = loadEnergyTable(flags.energyTable ?? hw.config.energyTable);
      const runs = traces.map((trace, i) => {
        if (process.stderr.isTTY) process.stderr.write(`simulating ${trace.name} (${i + 1}/${traces.length})...\n`);
        // The bit-exact check is off: it verifies the datapath, not energy, and would double the time.
        const report = buildJsonReport(runNetwork({ hw, trace, batch, seed, engine: 'event', check: false, energyTable }), hw, trace, seed, 'event');
        const weights = selectLayers(trace, undefined, batch).onChip.reduce((a, l) => a + weightCount(l), 0);
        return { report, weights };
      });
      const ref = runs[0]!;
      const refEnergy = ref.report.totals.energyJoulesPerInference;
      const compare: CompareReport = {
        schemaVersion: 1,
        hw: { name: hw.config.name, sha256: hw.sha256 },
        energyTable: { name: energyTable.name, sha256: energyTable.sha256 },
        seed,
        networks: runs.map(({ report: r, weights }) => ({
          trace: r.trace,
          batch: r.batch,
          onChipLayers: r.layers.length,
          weights,
          nominalMacs: r.totals.nominalMacs / r.batch,
          latencySeconds: r.totals.latencySeconds,
          energyJoulesPerInference: r.totals.energyJoulesPerInference,
          relativeWeights: ratio(weights, ref.weights),
          relativeEnergy: ratio(r.totals.energyJoulesPerInference, refEnergy),
          relativeEnergyByDataType: Object.fromEntries(BREAKDOWN_DATA_TYPES.map((d) =>
            [d, ratio(r.totals.energyBreakdown.byDataType[d] / r.batch, refEnergy)])) as Record<BreakdownDataType, number>,
          totals: r.totals,
          simSeconds: r.sim.wallSeconds,
        })),
      };
      const json = `${JSON.stringify(compare, null, 2)}\n`;
      if (flags.json === '-') {
        process.stdout.write(json);
        return;
      }
      if (flags.json) writeFileAtomic(flags.json, json);
      const seconds = compare.networks.map((n) => `${n.trace.name} ${n.simSeconds.toFixed(1)} s`).join(', ');
      process.stdout.write(`${compareTable(compare)}\nsimulated in ${seconds}\n`);
    });
}
