import type { Command } from 'commander';
import { calibrate, writeCalibration } from '../validation/calibrate.js';
import { formatTable } from '../report/table.js';

export function registerCalibrate(program: Command): void {
  program
    .command('calibrate')
    .description('fit the 65 nm energy tables to Eyeriss v1 silicon: AlexNet CONV1-5 power (JSSC17 Table V) with the Fig. 16 power breakdown as constraints (about 40 s)')
    .option('--write', 'write the fit into hw-configs/energy/eyeriss-v1-65nm.yaml and eyeriss-65nm.yaml')
    .action((flags: { write?: boolean }) => {
      const started = performance.now();
      process.stderr.write('calibrate: simulating AlexNet CONV1-5 on eyeriss-v1 (batch 4, JSSC17 Table III mappings)\n');
      const fit = calibrate((layer, done, total) => {
        const s = (performance.now() - started) / 1000;
        const left = (s / done) * (total - done);
        process.stderr.write(`calibrate: ${layer} done (${done}/${total}), ${s.toFixed(0)} s, about ${left.toFixed(0)} s left\n`);
      });
      const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
      const rows = fit.layers.map((l) => [
        l.layer, l.measuredMw.toFixed(0), l.fittedMw.toFixed(1), `${l.errorPercent >= 0 ? '+' : ''}${l.errorPercent.toFixed(1)}%`,
        pct(l.shares.clock), pct(l.shares.spad), pct(l.shares.glb), pct(l.shares.noc), pct(l.shares.mac), pct(l.shares.control),
      ]);
      const header = ['layer', 'measured mW', 'fitted mW', 'error', 'clock', 'SPad', 'GLB', 'NoC', 'MAC', 'PE control'];
      process.stdout.write(`${formatTable(header, rows)}\n`);
      process.stdout.write(
        `fitted on JSSC17 Table V power, AlexNet CONV1-5, with the Fig. 16 breakdown as constraints: scalePj ${fit.scalePj.toPrecision(4)} pJ per u, ` +
          `MAC entries x ${fit.macFactor.toPrecision(3)}, ` +
          `clock ${fit.clockActivePePj.toPrecision(4)} pJ per clocked PE-cycle + ${fit.clockChipPj.toPrecision(4)} pJ per cycle, ` +
          `PE control ${fit.controlActivePePj.toPrecision(4)} pJ per busy PE-cycle; mean |error| ${fit.meanAbsErrorPercent.toFixed(1)}% (in sample: a fit, not a prediction; ` +
          'VGG-16 is the out-of-sample check, `eyeriss-sim validate --networks vgg16`)\n',
      );
      for (const c of fit.constraints) process.stdout.write(`  Fig. 16: ${c.what}: ${c.holds ? 'holds' : 'VIOLATED'}\n`);
      if (flags.write) for (const file of writeCalibration(fit)) process.stdout.write(`wrote ${file}\n`);
    });
}
