import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../sim/paths.js';
import { cli, tempDir, writeTrace } from '../support/cli.js';

const tiny = [
  { name: 'c1', type: 'CONV', c: 3, h: 8, w: 8, m: 8, r: 3, s: 3, padTop: 1, padBottom: 1, padLeft: 1, padRight: 1, iactDensity: 0.6, weightDensity: 0.5, seed: 1 },
  { name: 'p1', type: 'POOL_MAX', r: 2, s: 2, strideH: 2, strideW: 2 },
  { name: 'c2', type: 'CONV', m: 4, r: 3, s: 3, iactDensity: 0.5, weightDensity: 0.7, seed: 2 },
];

describe('eyeriss-sim run --card', () => {
  it('prints the metrics card, and the JSON report always carries it', () => {
    const dir = tempDir();
    const trace = writeTrace(dir, 'tiny', tiny);
    const r = cli('run', '--trace', trace, '--card', '--json', join(dir, 'r.json'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Process technology\s+nm\s+65$/m);
    expect(r.stdout).toMatch(/^Total core area\s+mm2\s+not modelled$/m);
    expect(r.stdout).toMatch(/^Number of multipliers\s+#\s+384$/m);
    expect(r.stdout).toMatch(/^Supported layers\s+CONV \(off chip: POOL_MAX\)$/m);
    expect(r.stdout).toMatch(/^Measured or simulated\s+simulated$/m);
    const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8'));
    const c = report.card;
    expect(c).toMatchObject({ source: 'simulated', technologyNm: 65, coreAreaMm2: 'not modelled', multipliers: 384, clockMHz: 200,
      network: 'tiny', accuracy: 'not modelled', supportedLayers: ['CONV'], bitsPerWeight: 8, bitsPerIact: 8, batch: 1, inputsSimulated: 1 });
    expect(c.powerMw).toBe(report.totals.chipPowerWatts * 1e3);
    expect(c.runtimeMs).toBe(report.totals.latencySeconds * 1e3);
    expect(c.offChipMBPerInference).toBe(report.totals.dramBytesPerInference / 1e6);
    // Without --card the card is not printed but still in the report.
    expect(cli('run', '--trace', trace).stdout).not.toContain('Process technology');
  });

  it('takes the core area from a config that sets coreAreaMm2', () => {
    const dir = tempDir();
    const trace = writeTrace(dir, 'tiny', tiny);
    const hw = join(dir, 'v2-area.yaml');
    writeFileSync(hw, `${readFileSync(join(packageRoot(), 'hw-configs/eyeriss-v2.yaml'), 'utf8')}\ncoreAreaMm2: 12.25\n`);
    const r = cli('run', '--hw', hw, '--trace', trace, '--card', '--json', join(dir, 'r.json'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Total core area\s+mm2\s+12\.25$/m);
    expect(r.stdout).toMatch(/^Core area \/ multiplier\s+mm2\s+0\.0319$/m);
    const c = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')).card;
    expect(c.coreAreaMm2).toBe(12.25);
    expect(c.coreAreaPerMultiplierMm2).toBe(12.25 / 384);
  });
});
