import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { LIMITS } from '../config/bounds.js';
import { loadHwConfig } from '../config/hw-config.js';
import { parseYamlText, readInputFile } from '../config/validate.js';
import { loadEnergyTable } from '../energy/energy-table.js';
import type { EngineKind } from '../engine/simulator.js';
import { InputError, showValue, SimulationError } from '../errors.js';
import { type Mapping, parseMappingText } from '../mapping/mapping.js';
import { buildJsonReport } from '../report/json-report.js';
import { breakdownTable, runCsv, runTable } from '../report/table.js';
import { cardTable } from '../report/card.js';
import { PE_MODE_OPTIONS, type PeModeOption, runNetwork } from '../run/network.js';
import { peModes } from '../mapping/constraints.js';
import { readImageFile } from '../workloads/tensors.js';
import { isOnChip } from '../workloads/layer.js';
import { type LoadedTrace, loadTrace } from '../workloads/trace.js';
import { checkOutputPaths, nonNegativeInt, positiveInt, writeAll, writeAtomicAll } from './io.js';

interface RunFlags {
  hw: string;
  trace: string;
  layers?: string;
  batch?: string;
  seed: string;
  engine: string;
  json?: string;
  csv?: string;
  check: boolean;
  mappings?: string;
  energyTable?: string;
  quiet?: boolean;
  propagate?: boolean;
  input?: string;
  card?: boolean;
  breakdown?: boolean;
  peMode: string;
}

/**
 * Reads `--mappings FILE`: YAML or JSON mapping layer names to one-line mappings. A name that is no on-chip layer
 * of the trace is an error: a typo would otherwise run the mapper's choice as if the pin had been applied.
 */
function loadPinnedMappings(file: string, trace: LoadedTrace): Map<string, Mapping> {
  const doc = parseYamlText(file, readInputFile(file).bytes.toString('utf8'));
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new InputError(`${file}: expected a map from layer names to mappings like "peRow=R3 peCol=E4 M0=16 C0=5"`);
  }
  const out = new Map<string, Mapping>();
  for (const [layer, text] of Object.entries(doc)) {
    if (typeof text !== 'string') throw new InputError(`${file}: field ${layer}: got ${showValue(text)}, expected a mapping string`);
    if (!trace.layers.some((l) => l.name === layer && isOnChip(l.type))) {
      const names = trace.layers.filter((l) => isOnChip(l.type)).map((l) => l.name);
      throw new InputError(`${file}: field ${layer}: no on-chip layer ${JSON.stringify(layer)} in trace ${trace.name}, expected one of ${names.slice(0, 12).join(', ')}${names.length > 12 ? ', ...' : ''}`);
    }
    out.set(layer, parseMappingText(text, `${file}: field ${layer}`));
  }
  return out;
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('simulate a network (trace) on a hardware config and report cycles, energy and accesses per layer')
    .option('--hw <name|file>', 'hardware config: a name in hw-configs/ or a YAML file', 'eyeriss-v2')
    .option('--trace <name|file>', 'layer trace: a name in traces/ or a .json/.pb file', 'alexnet-sparse')
    .option('--layers <names>', 'comma-separated layer names to simulate (default: all on-chip layers)')
    .option('--batch <n>', 'batch size (default: the trace\'s)')
    .option('--seed <s>', 'seed of the synthetic tensors', '1')
    .option('--engine <kind>', 'event (default) or tick (reference scheduler, small layers only)', 'event')
    .option('--json <file>', 'write the JSON report (schemaVersion 1); - for stdout')
    .option('--csv <file>', 'write one CSV row per layer')
    .option('--mappings <file>', 'pin mappings per layer: YAML map from layer name to a one-line mapping')
    .option('--energy-table <name|file>', 'energy table overriding the hardware config\'s')
    .option('--propagate', 'feed each layer the previous layers\' real outputs (ReLU, requantised to 8 bits) instead of synthetic iacts')
    .option('--input <file>', 'with --propagate: the network input, raw uint8 C*H*W bytes per image or a uint8 .npy (default: a seeded synthetic image per image)')
    .option('--pe-mode <mode>', 'sparse PE mode per layer: auto (simulate both unless far apart, keep the lower energy), compressed or uncompressed', 'auto')
    .option('--no-check', 'skip the bit-exact check against the reference convolution (faster)')
    .option('--quiet', 'print nothing but errors')
    .option('--card', 'also print the metrics card (chip and run metrics the talk asks every accelerator to publish)')
    .option('--breakdown', 'also print energy per layer by level and by data type')
    .action((flags: RunFlags) => {
      if (flags.engine !== 'event' && flags.engine !== 'tick') {
        throw new InputError(`--engine: got ${JSON.stringify(flags.engine)}, expected event or tick`);
      }
      const engine = flags.engine as EngineKind;
      if (!PE_MODE_OPTIONS.includes(flags.peMode as PeModeOption)) {
        throw new InputError(`--pe-mode: got ${JSON.stringify(flags.peMode)}, expected ${PE_MODE_OPTIONS.join(', ')}`);
      }
      const peMode = flags.peMode as PeModeOption;
      const seed = nonNegativeInt('--seed', flags.seed);
      const batch = flags.batch === undefined ? undefined : positiveInt('--batch', flags.batch, LIMITS.batch);
      // Before any simulation: a run that cannot write its outputs must not cost the simulation first.
      checkOutputPaths([{ flag: '--json', file: flags.json }, { flag: '--csv', file: flags.csv }]);
      const hw = loadHwConfig(flags.hw);
      const trace = loadTrace(flags.trace);
      if (peMode !== 'auto' && !peModes(hw.config).includes(peMode)) {
        throw new InputError(`--pe-mode: the ${hw.config.pe.type} PE of ${hw.config.name} has no ${peMode} mode (it has: ${peModes(hw.config).join(', ')})`);
      }
      const layers = flags.layers?.split(',').map((s) => s.trim()).filter(Boolean);
      const mappings = flags.mappings ? loadPinnedMappings(flags.mappings, trace) : undefined;
      const energyTable = flags.energyTable ? loadEnergyTable(flags.energyTable) : undefined;
      if (flags.input && !flags.propagate) throw new InputError('--input: only read with --propagate (without it every layer\'s iacts are synthetic)');
      const input = flags.input ? readImageFile(flags.input, trace.inputShape) : undefined;
      const bar = process.stderr.isTTY && !flags.quiet
        ? new SingleBar({ format: 'simulating {bar} {value}/{total} layers | {layer}', stream: process.stderr, clearOnComplete: true, hideCursor: true })
        : null;
      let started = false;
      const run = runNetwork({
        hw, trace, layers, batch, seed, engine, check: flags.check, mappings, energyTable, propagate: flags.propagate, input, peMode,
        onLayerDone: (done, total, r) => {
          if (!bar) return;
          if (!started) {
            bar.start(total, 0, { layer: '' });
            started = true;
          }
          bar.update(done, { layer: r.name });
          if (done === total) bar.stop();
        },
      });
      const report = buildJsonReport(run, hw, trace, seed, engine);
      const failed = report.layers.filter((l) => l.check === 'fail');
      if (failed.length) {
        // A simulator fault (exit 3): nothing is written, so no wrong numbers are left behind to be used.
        throw new SimulationError(`outputs differ from the reference in ${failed.map((l) => `${l.name} (${l.checkDetail})`).join(', ')}; no outputs written`);
      }
      const json = `${JSON.stringify(report, null, 2)}\n`;
      if (flags.json === '-') process.stdout.write(json);
      // Both files or neither (a full disk while writing the CSV must not leave the JSON).
      writeAtomicAll([
        ...(flags.json && flags.json !== '-' ? [{ file: flags.json, write: (fd: number) => writeAll(fd, json) }] : []),
        ...(flags.csv ? [{ file: flags.csv, write: (fd: number) => writeAll(fd, runCsv(report)) }] : []),
      ]);
      if (!flags.quiet) process.stdout.write(`${runTable(report, { iactDensities: flags.propagate })}\n`);
      if (!flags.quiet && flags.breakdown) process.stdout.write(`\n${breakdownTable(report)}\n`);
      if (!flags.quiet && flags.card) process.stdout.write(`\n${cardTable(report.card)}\n`);
    });
}
