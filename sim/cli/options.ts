/**
 * The option vocabulary every command shares: one definition per option (name, argument, help, default), and the
 * parsing of their values, so that `--layers`, `--pe-mode`, `--no-check`, `--json -` ... read and behave the same in
 * run, compare, sweep and validate. A command picks the options it takes with addOptions.
 */
import { type Command, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LIMITS } from '../config/bounds.js';
import { InputError } from '../errors.js';
import { packageRoot } from '../paths.js';
import { PE_MODE_OPTIONS, type PeModeOption } from '../run/network.js';
import { nonNegativeInt, positiveInt, writeFileAtomic } from './io.js';

const DEFINITIONS = {
  hw: () => new Option('--hw <name|file>', 'hardware config: a name in hw-configs/ or a YAML file').default('eyeriss-v2'),
  trace: () => new Option('--trace <name|file>', 'layer trace: a name in traces/ or a .json/.pb file').default('alexnet-sparse'),
  layers: () => new Option('--layers <names>', 'comma-separated layer names to simulate (default: all on-chip layers)'),
  batch: () => new Option('--batch <n>', 'batch size (default: the trace\'s)'),
  seed: () => new Option('--seed <s>', 'seed of the synthetic tensors').default('1'),
  energyTable: () => new Option('--energy-table <name|file>', 'energy table overriding the hardware config\'s'),
  peMode: () => new Option('--pe-mode <mode>', 'sparse PE mode per layer: auto (simulate both unless far apart, keep the lower energy), compressed or uncompressed').default('auto'),
  check: () => new Option('--no-check', 'skip the bit-exact check against the reference convolution (faster)'),
  quiet: () => new Option('--quiet', 'print nothing but errors'),
  json: () => new Option('--json <file>', 'write the result as JSON; - for stdout (then nothing else is printed there)'),
  csv: () => new Option('--csv <file>', 'write the result as CSV; - for stdout (then nothing else is printed there)'),
  wide: () => new Option('--wide', 'print every column of the table (default: the columns that fit 120 characters)'),
} as const;

export type OptionName = keyof typeof DEFINITIONS;

/**
 * Adds the shared options, in the order given, to a command; `help` words an option's help for this command, and
 * `keepDefaults: false` drops the defaults (for commands where an absent option means "as the input file says").
 */
export function addOptions(cmd: Command, names: readonly OptionName[], help: Partial<Record<OptionName, string>> = {}, keepDefaults = true): Command {
  for (const n of names) {
    const option = DEFINITIONS[n]();
    if (help[n]) option.description = help[n];
    if (!keepDefaults) option.default(undefined);
    cmd.addOption(option);
  }
  return cmd;
}

/** The raw values of the shared options, as commander gives them. */
export interface SharedFlags {
  hw?: string;
  trace?: string;
  layers?: string;
  batch?: string;
  seed?: string;
  energyTable?: string;
  peMode?: string;
  check?: boolean;
  quiet?: boolean;
  json?: string;
  csv?: string;
  wide?: boolean;
}

/** `--layers a,b` as a list; undefined when not given. */
export const layerList = (text: string | undefined): string[] | undefined =>
  text?.split(',').map((s) => s.trim()).filter(Boolean);

export const parseSeed = (text: string | undefined): number => nonNegativeInt('--seed', text ?? '1');

export const parseBatch = (text: string | undefined): number | undefined => (text === undefined ? undefined : positiveInt('--batch', text, LIMITS.batch));

export function parsePeMode(text: string | undefined): PeModeOption {
  const mode = text ?? 'auto';
  if (!PE_MODE_OPTIONS.includes(mode as PeModeOption)) throw new InputError(`--pe-mode: got ${JSON.stringify(mode)}, expected ${PE_MODE_OPTIONS.join(', ')}`);
  return mode as PeModeOption;
}

/** True when `--json -` or `--csv -` claims stdout: tables and notes must then stay off it. */
export const stdoutClaimed = (f: SharedFlags): boolean => f.json === '-' || f.csv === '-';

/** Writes machine-readable output to a file (whole or not at all) or, for `-`, to stdout. */
export function emit(target: string | undefined, text: string): void {
  if (target === '-') process.stdout.write(text);
  else if (target) writeFileAtomic(target, text);
}

/** The package's version, for `--version` and reports. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}
