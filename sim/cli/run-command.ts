import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { loadHwConfig } from '../config/hw-config.js';
import { parseYamlText, readInputFile } from '../config/validate.js';
import { loadEnergyTable } from '../energy/energy-table.js';
import type { EngineKind } from '../engine/simulator.js';
import { InputError } from '../errors.js';
import { type Mapping, parseMappingText } from '../mapping/mapping.js';
import { buildJsonReport } from '../report/json-report.js';
import { breakdownTable, runCsv, runTable } from '../report/table.js';
import { cardTable } from '../report/card.js';
import { PE_MODE_OPTIONS, type PeModeOption, runNetwork } from '../run/network.js';
import { peModes } from '../mapping/constraints.js';
import { readImageFile } from '../workloads/tensors.js';
import { loadTrace } from '../workloads/trace.js';
import { nonNegativeInt, positiveInt, writeFileAtomic } from './io.js';

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
  candidates: string;
}

/** Reads `--mappings FILE`: YAML or JSON mapping layer names to one-line mappings. */
function loadPinnedMappings(file: string): Map<string, Mapping> {
  const doc = parseYamlText(file, readInputFile(file).bytes.toString('utf8'));
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new InputError(`${file}: expected a map from layer names to mappings like "peRow=R3 peCol=E4 M0=16 C0=5"`);
  }
  const out = new Map<string, Mapping>();
  for (const [layer, text] of Object.entries(doc)) {
    if (typeof text !== 'string') throw new InputError(`${file}: field ${layer}: got ${JSON.stringify(text)}, expected a mapping string`);
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
    .option('--candidates <k>', 'simulate the mapper\'s best k mappings per layer (those within 1.25x of the best estimate) and keep the fastest', '1')
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
      const candidates = positiveInt('--candidates', flags.candidates);
      const batch = flags.batch === undefined ? undefined : positiveInt('--batch', flags.batch);
      const hw = loadHwConfig(flags.hw);
      const trace = loadTrace(flags.trace);
      if (peMode !== 'auto' && !peModes(hw.config).includes(peMode)) {
        throw new InputError(`--pe-mode: the ${hw.config.pe.type} PE of ${hw.config.name} has no ${peMode} mode (it has: ${peModes(hw.config).join(', ')})`);
      }
      const layers = flags.layers?.split(',').map((s) => s.trim()).filter(Boolean);
      const mappings = flags.mappings ? loadPinnedMappings(flags.mappings) : undefined;
      const energyTable = flags.energyTable ? loadEnergyTable(flags.energyTable) : undefined;
      if (flags.input && !flags.propagate) throw new InputError('--input: only read with --propagate (without it every layer\'s iacts are synthetic)');
      const input = flags.input ? readImageFile(flags.input, trace.inputShape) : undefined;
      const bar = process.stderr.isTTY && !flags.quiet
        ? new SingleBar({ format: 'simulating {bar} {value}/{total} layers | {layer}', stream: process.stderr, clearOnComplete: true, hideCursor: true })
        : null;
      let started = false;
      const run = runNetwork({
        hw, trace, layers, batch, seed, engine, check: flags.check, mappings, energyTable, propagate: flags.propagate, input, peMode, candidates,
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
      const json = `${JSON.stringify(report, null, 2)}\n`;
      if (flags.json === '-') process.stdout.write(json);
      else if (flags.json) writeFileAtomic(flags.json, json);
      if (flags.csv) writeFileAtomic(flags.csv, runCsv(report));
      if (!flags.quiet) process.stdout.write(`${runTable(report, { iactDensities: flags.propagate })}\n`);
      if (!flags.quiet && flags.breakdown) process.stdout.write(`\n${breakdownTable(report)}\n`);
      if (!flags.quiet && flags.card) process.stdout.write(`\n${cardTable(report.card)}\n`);
      const failed = report.layers.filter((l) => l.check === 'fail');
      if (failed.length) {
        throw new InputError(`outputs differ from the reference in ${failed.map((l) => `${l.name} (${l.checkDetail})`).join(', ')}`);
      }
    });
}
