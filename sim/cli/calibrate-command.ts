import type { Command } from 'commander';
import { calibrate, writeCalibration } from '../energy/calibrate.js';
import { formatTable } from '../report/table.js';

export function registerCalibrate(program: Command): void {
  program
    .command('calibrate')
    .description('fit the 65 nm energy tables to the measured power of AlexNet CONV1-5 on Eyeriss v1 (JSSC17 Table V)')
    .option('--write', 'write the fit into hw-configs/energy/eyeriss-v1-65nm.yaml and eyeriss-65nm.yaml')
    .action((flags: { write?: boolean }) => {
      const fit = calibrate();
      const rows = fit.layers.map((l) => [l.layer, l.measuredMw.toFixed(0), l.fittedMw.toFixed(1), `${l.errorPercent >= 0 ? '+' : ''}${l.errorPercent.toFixed(1)}%`]);
      process.stdout.write(`${formatTable(['layer', 'measured mW', 'fitted mW', 'error'], rows)}\n`);
      process.stdout.write(
        `fitted on JSSC17 Table V power, AlexNet CONV1-5 (batch 4, Table III mappings): scalePj ${fit.scalePj.toPrecision(4)} pJ per 8-bit MAC, ` +
          `clock.activePe ${fit.activePePj.toPrecision(4)} pJ per PE-cycle, clock.chip ${fit.chipPj.toPrecision(4)} pJ per cycle; ` +
          `mean |error| ${fit.meanAbsErrorPercent.toFixed(1)}% (a fit, not a prediction)\n`,
      );
      if (flags.write) for (const file of writeCalibration(fit)) process.stdout.write(`wrote ${file}\n`);
    });
}
