import { Command, CommanderError } from 'commander';
import { InputError, SimulationError } from '../errors.js';
import { registerCompare } from './compare-command.js';
import { registerEnergy } from './energy-command.js';
import { registerEyexam } from './eyexam-command.js';
import { registerImport } from './import-command.js';
import { registerLut } from './lut-command.js';
import { registerPruneOrder } from './prune-order-command.js';
import { registerReport } from './report-command.js';
import { registerRun } from './run-command.js';
import { registerValidate } from './validate-command.js';
import { registerCalibrate } from './calibrate-command.js';
import { registerSweep } from './sweep-command.js';
import { registerTrace } from './trace-command.js';
import { registerTraces } from './traces-command.js';
import { packageVersion } from './options.js';

/** Exit codes: 0 ok, 2 bad input (or a failed check), 3 a simulator invariant broke, 70 anything else. */
export async function main(argv: string[]): Promise<number> {
  const program = new Command();
  program
    .name('eyeriss-sim')
    .description('Cycle-level, event-driven simulator of the Eyeriss v2 DNN accelerator')
    .version(packageVersion(), '--version', 'print the version')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .showHelpAfterError(false);
  registerRun(program);
  registerValidate(program);
  registerCalibrate(program);
  registerSweep(program);
  registerReport(program);
  registerEnergy(program);
  registerCompare(program);
  registerEyexam(program);
  registerTraces(program);
  registerTrace(program);
  registerImport(program);
  registerPruneOrder(program);
  registerLut(program);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version requests end here too, with exit code 0.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof InputError) {
      process.stderr.write(`eyeriss-sim: ${err.message}\n`);
      return 2;
    }
    if (err instanceof SimulationError) {
      process.stderr.write(`eyeriss-sim: simulation error (a bug, please report): ${err.message}\n`);
      return 3;
    }
    process.stderr.write(`eyeriss-sim: unexpected error (a bug, please report): ${err instanceof Error ? err.message : String(err)}\n`);
    return 70;
  }
}
