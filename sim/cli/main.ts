import { Command, CommanderError } from 'commander';
import { EnvironmentError, errnoCode, InputError, isEnvironmentFailure, oneLine, SimulationError } from '../errors.js';
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

/**
 * Exit codes: 0 ok; 2 bad input; 3 a simulator fault (a broken invariant, a failed bit-exact check); 4 the
 * environment (disk full, permissions, a path through a file, out of memory); 70 anything else (a bug).
 */
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
    return exitCodeOf(err);
  }
}

/** Prints an error the way its class asks and returns the exit code. */
export function exitCodeOf(err: unknown): number {
  if (err instanceof InputError) {
    process.stderr.write(`eyeriss-sim: ${oneLine(err)}\n`);
    return 2;
  }
  if (err instanceof SimulationError) {
    process.stderr.write(`eyeriss-sim: simulator fault (please report it with the command that caused it): ${oneLine(err)}\n`);
    return 3;
  }
  if (err instanceof EnvironmentError) {
    process.stderr.write(`eyeriss-sim: ${oneLine(err)}\n`);
    return 4;
  }
  if (isEnvironmentFailure(err)) {
    // A file-system or allocation failure that no caller turned into a message of its own.
    const code = errnoCode(err);
    const what = code === undefined || code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'out of memory: run fewer jobs or a smaller problem' : oneLine(err);
    process.stderr.write(`eyeriss-sim: environment: ${what}\n`);
    return 4;
  }
  process.stderr.write(`eyeriss-sim: unexpected error (a bug, please report): ${oneLine(err)}\n`);
  return 70;
}
