import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { loadHwConfig } from '../config/hw-config.js';
import { parseYamlText, readInputFile } from '../config/validate.js';
import { loadEnergyTable } from '../energy/energy-table.js';
import type { EngineKind } from '../engine/simulator.js';
import { InputError, showValue, SimulationError } from '../errors.js';
import { type Mapping, parseMappingText } from '../mapping/mapping.js';
import { buildJsonReport } from '../report/json-report.js';
import { breakdownTable, runCsv, runTable } from '../report/table.js';
import { cardTable } from '../report/card.js';
import { type NetworkRunOptions } from '../run/network.js';
import { runNetworkParallel } from '../run/parallel.js';
import { peModes } from '../mapping/constraints.js';
import { parseObjective } from '../mapping/objective.js';
import { readImageFile } from '../workloads/tensors.js';
import { isOnChip } from '../workloads/layer.js';
import { type LoadedTrace, loadTrace } from '../workloads/trace.js';
import { checkOutputPaths, positiveInt, writeAll, writeAtomicAll } from './io.js';
import { addOptions, layerList, parseBatch, parsePeMode, parseSeed, type SharedFlags, stdoutClaimed } from './options.js';

interface RunFlags extends SharedFlags {
  hw: string;
  trace: string;
  engine: string;
  check: boolean;
  mappings?: string;
  propagate?: boolean;
  input?: string;
  card?: boolean;
  breakdown?: boolean;
  jobs?: string;
  objective: string;
  candidates: string;
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

/**
 * A progress bar on a terminal's stderr: layers done, and within a long layer the share of it simulated (the
 * simulator reports it every few hundred thousand steps). Null when stderr is not a terminal or with --quiet.
 */
export function layerProgressBar(quiet: boolean | undefined): Pick<NetworkRunOptions, 'onLayerDone' | 'onLayerProgress'> & { stop(): void } {
  if (!process.stderr.isTTY || quiet) return { stop: () => undefined };
  const bar = new SingleBar({
    format: 'simulating {bar} {percentage}% | {done}/{layers} layers | {layer} | {eta_formatted} left',
    stream: process.stderr, clearOnComplete: true, hideCursor: true, etaBuffer: 50,
  });
  let started = false;
  let done = 0;
  let layers = 0;
  const show = (value: number, layer: string): void => {
    if (!started) {
      bar.start(1000, 0, { done, layers, layer });
      started = true;
    }
    bar.update(Math.round(value * 1000), { done, layers, layer });
  };
  return {
    onLayerDone: (d, total, r) => {
      done = d;
      layers = total;
      show(d / total, r.name);
    },
    onLayerProgress: (layer, fraction) => show(layers ? (done + fraction) / layers : 0, layer),
    stop: () => bar.stop(),
  };
}

export function registerRun(program: Command): void {
  const cmd = program
    .command('run')
    .description('simulate a network (trace) on a hardware config and report cycles, energy and accesses per layer');
  addOptions(cmd, ['hw', 'trace', 'layers', 'batch', 'seed']);
  cmd.option('--engine <kind>', 'event (default) or tick (reference scheduler, small layers only)', 'event');
  addOptions(cmd, ['json', 'csv'], { json: 'write the JSON report (schemaVersion 1); - for stdout (then nothing else is printed there)', csv: 'write one CSV row per layer and a total row; - for stdout' });
  cmd.option('--mappings <file>', 'pin mappings per layer: YAML map from layer name to a one-line mapping (README: "Pinning mappings")');
  addOptions(cmd, ['energyTable']);
  cmd
    .option('--propagate', 'feed each layer the previous layers\' real outputs (ReLU, requantised to 8 bits) instead of synthetic iacts')
    .option('--input <file>', 'with --propagate: the network input, raw uint8 C*H*W bytes per image or a uint8 .npy (default: a seeded synthetic image per image)');
  addOptions(cmd, ['peMode', 'check', 'quiet', 'wide']);
  cmd
    .option('--objective <what>', 'what the mapper minimises: latency (estimated cycles), energy (estimated from the energy table) or edp', 'latency')
    .option('--candidates <k>', 'simulate the mapper\'s best k mappings per layer (those within 1.25x of the best estimate) and keep the fastest', '1')
    .option('--card', 'also print the metrics card (chip and run metrics the talk asks every accelerator to publish)')
    .option('--breakdown', 'also print energy per layer by level and by data type')
    .option('--jobs <n>', 'worker threads simulating layers and PE modes in parallel (default: available cores; results equal a serial run)')
    .action(async (flags: RunFlags) => {
      if (flags.engine !== 'event' && flags.engine !== 'tick') {
        throw new InputError(`--engine: got ${JSON.stringify(flags.engine)}, expected event or tick`);
      }
      const engine = flags.engine as EngineKind;
      const peMode = parsePeMode(flags.peMode);
      const seed = parseSeed(flags.seed);
      const batch = parseBatch(flags.batch);
      // Before any simulation: a run that cannot write its outputs must not cost the simulation first.
      checkOutputPaths([{ flag: '--json', file: flags.json }, { flag: '--csv', file: flags.csv }]);
      const candidates = positiveInt('--candidates', flags.candidates);
      const hw = loadHwConfig(flags.hw);
      const trace = loadTrace(flags.trace);
      if (peMode !== 'auto' && !peModes(hw.config).includes(peMode)) {
        throw new InputError(`--pe-mode: the ${hw.config.pe.type} PE of ${hw.config.name} has no ${peMode} mode (it has: ${peModes(hw.config).join(', ')})`);
      }
      if (flags.json === '-' && flags.csv === '-') throw new InputError('--json - and --csv -: only one of them can have stdout');
      const layers = layerList(flags.layers);
      const mappings = flags.mappings ? loadPinnedMappings(flags.mappings, trace) : undefined;
      const energyTable = flags.energyTable ? loadEnergyTable(flags.energyTable) : undefined;
      if (flags.input && !flags.propagate) throw new InputError('--input: only read with --propagate (without it every layer\'s iacts are synthetic)');
      const input = flags.input ? readImageFile(flags.input, trace.inputShape) : undefined;
      const progress = layerProgressBar(flags.quiet);
      const jobs = flags.jobs === undefined ? undefined : positiveInt('--jobs', flags.jobs);
      const objective = parseObjective(flags.objective);
      let run;
      try {
        // In-layer progress is reported by a serial run; worker threads report each layer as it finishes.
        run = await runNetworkParallel({
          hw, trace, layers, batch, seed, engine, check: flags.check, mappings, energyTable, propagate: flags.propagate, input, peMode, objective, candidates,
          onLayerDone: progress.onLayerDone, onLayerProgress: progress.onLayerProgress,
        }, jobs);
      } finally {
        progress.stop();
      }
      const report = buildJsonReport(run, hw, trace, seed, engine);
      const failed = report.layers.filter((l) => l.check === 'fail');
      if (failed.length) {
        // A simulator fault (exit 3): nothing is written, so no wrong numbers are left behind to be used.
        throw new SimulationError(`outputs differ from the reference in ${failed.map((l) => `${l.name} (${l.checkDetail})`).join(', ')}; no outputs written`);
      }
      const json = `${JSON.stringify(report, null, 2)}\n`;
      const csv = flags.csv ? runCsv(report) : '';
      if (flags.json === '-') process.stdout.write(json);
      if (flags.csv === '-') process.stdout.write(csv);
      // Both files or neither (a full disk while writing the CSV must not leave the JSON).
      writeAtomicAll([
        ...(flags.json && flags.json !== '-' ? [{ file: flags.json, write: (fd: number) => writeAll(fd, json) }] : []),
        ...(flags.csv && flags.csv !== '-' ? [{ file: flags.csv, write: (fd: number) => writeAll(fd, csv) }] : []),
      ]);
      if (!flags.quiet && !stdoutClaimed(flags)) {
        process.stdout.write(`${runTable(report, { iactDensities: flags.propagate, wide: flags.wide })}\n`);
        if (flags.breakdown) process.stdout.write(`\n${breakdownTable(report)}\n`);
        if (flags.card) process.stdout.write(`\n${cardTable(report.card)}\n`);
      }
    });
}
