import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../sim/paths.js';
import { cli, tempDir, writeTrace } from '../support/cli.js';

const tiny = [
  { name: 'c1', type: 'CONV', c: 3, h: 8, w: 8, m: 8, r: 3, s: 3, padTop: 1, padBottom: 1, padLeft: 1, padRight: 1, iactDensity: 0.6, weightDensity: 0.5, seed: 1 },
  { name: 'p1', type: 'POOL_MAX', r: 2, s: 2, strideH: 2, strideW: 2 },
  { name: 'c2', type: 'CONV', m: 4, r: 3, s: 3, iactDensity: 0.5, weightDensity: 0.7, seed: 2 },
];

let dir: string;
let runFile: string;
let runText: string;

beforeAll(() => {
  dir = tempDir();
  runFile = join(dir, 'run.json');
  const r = cli('run', '--trace', writeTrace(dir, 'tiny', tiny), '--json', runFile, '--quiet');
  expect(r.code).toBe(0);
  runText = readFileSync(runFile, 'utf8');
});

const withoutSim = (json: string): unknown => {
  const report = JSON.parse(json);
  delete report.sim;
  return report;
};

describe('eyeriss-sim energy', () => {
  it('re-costs a saved run with its own table to exactly the same report', () => {
    const out = join(dir, 'same.json');
    const r = cli('energy', runFile, '--table', 'eyeriss-65nm', '--json', out);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8')).totals.energyJoules).toBe(JSON.parse(runText).totals.energyJoules);
    expect(withoutSim(readFileSync(out, 'utf8'))).toEqual(withoutSim(runText));
    expect(r.stdout).toMatch(/^layer\s+chip uJ\s+chip mW\s+DRAM uJ\s+DRAM mW\s+GLB\s+HM-NoC\s+SPad\s+MAC\s+clock network\s+PE control\s+leakage\s+iact\s+weight\s+psum\s+none$/m);
    expect(r.stdout).toMatch(/^total\s/m);
    expect(r.stdout).toMatch(/pJ per nominal MAC, [\d.]+ GOPS\/W/);
  });

  it('imports an Accelergy ERT given as the table (detected by its layout), with notes on stderr', () => {
    const ert = join(packageRoot(), 'test/energy/fixtures/eyeriss-like.ERT.yaml');
    const r = cli('energy', '--report', runFile, '--table', ert, '--json', '-');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.energyTable.name).toBe('eyeriss-like.ERT');
    expect(report.energyTable.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(report.totals.energyJoules).not.toBe(JSON.parse(runText).totals.energyJoules);
    expect(report.totals.energyBreakdown.byLevel.clock).toBe(0); // an ERT has no clock terms
    expect(report.card.powerMw).toBe(report.totals.chipPowerWatts * 1e3);
    expect(r.stderr).toMatch(/note: .*eyeriss-like\.ERT\.yaml: /);
  });

  it('run --breakdown prints energy by level and data type and the derived metrics', () => {
    const r = cli('run', '--trace', join(dir, 'tiny.json'), '--breakdown');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('energy of the chip by category (JETCAS19 Fig. 22) and of chip + DRAM by data type, uJ (table eyeriss-65nm)');
    expect(r.stdout).toMatch(/^share\s+[\d.]+%\s+[\d.]+%\s/m); // chip and DRAM shares of the total
    const t = JSON.parse(runText).totals;
    for (const field of ['pJPerNominalMac', 'gopsPerWatt', 'powerWatts', 'chipPowerWatts', 'dramPowerWatts', 'chipEnergyJoules', 'dramEnergyJoules', 'inferencesPerJoule', 'energyBreakdown']) expect(t, field).toHaveProperty(field);
    expect(t.pJPerNominalMac).toBeCloseTo((t.energyJoules * 1e12) / t.nominalMacs, 9);
  });
});

describe('energy: bad input is one line, exit 2', () => {
  const oneLine = (args: string[], message: RegExp): void => {
    const r = cli(...args);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  };

  it('a missing report', () => oneLine(['energy', '--report', '/nonexistent/r.json', '--table', 'eyeriss-65nm'], /\/nonexistent\/r\.json: cannot read file \(ENOENT\)/));

  it('a report that is not JSON', () => {
    const f = join(dir, 'bad.json');
    writeFileSync(f, '{ nope');
    oneLine(['energy', '--report', f, '--table', 'eyeriss-65nm'], /bad\.json: not valid JSON \(.*\), expected a report of eyeriss-sim run --json/);
  });

  it('a report without the activity (from an older version)', () => {
    const doc = JSON.parse(runText);
    delete doc.layers[1].activity;
    const f = join(dir, 'old.json');
    writeFileSync(f, JSON.stringify(doc));
    oneLine(['energy', '--report', f, '--table', 'eyeriss-65nm'], /old\.json: layer "c2" has no activity/);
  });

  it('a report with a wrong field', () => {
    const doc = JSON.parse(runText);
    doc.layers[0].activity.cycles = -5;
    const f = join(dir, 'neg.json');
    writeFileSync(f, JSON.stringify(doc));
    oneLine(['energy', '--report', f, '--table', 'eyeriss-65nm'], /neg\.json: field layers\.0\.activity\.cycles: got -5, expected >= 0/);
  });

  it('an unknown table name', () => oneLine(['energy', '--report', runFile, '--table', 'eyeriss-7nm'], /energy table: unknown name "eyeriss-7nm", expected one of eap17-eyeriss-v1, eyeriss-65nm/));

  it('an invalid table file', () => {
    const f = join(dir, 'bad-table.yaml');
    writeFileSync(f, readFileSync(join(packageRoot(), 'hw-configs/energy/eyeriss-65nm.yaml'), 'utf8').replace(/^scalePj: .*$/m, 'scalePj: -1'));
    oneLine(['energy', '--report', runFile, '--table', f], /bad-table\.yaml: field scalePj: got -1, expected > 0/);
  });

  it('no --table', () => oneLine(['energy', '--report', runFile], /required option '--table <name\|file>' not specified/));
});
