import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cli, tempDir, writeTrace } from '../support/cli.js';

/** The CLI run in another working directory (to see that `--csv -` writes no file named "-" there). */
function spawnIn(cwd: string, ...args: string[]): { code: number; stdout: string } {
  const r = spawnSync(process.execPath, [join(__dirname, '../../bin/eyeriss-sim.js'), ...args], { cwd, encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout };
}

const tiny = [
  { name: 'c1', type: 'CONV', c: 3, h: 8, w: 8, m: 8, r: 3, s: 3, padTop: 1, padBottom: 1, padLeft: 1, padRight: 1, iactDensity: 0.6, weightDensity: 0.5, seed: 1 },
  { name: 'p1', type: 'POOL_MAX', r: 2, s: 2, strideH: 2, strideW: 2 },
  { name: 'c2', type: 'CONV', m: 4, r: 3, s: 3, iactDensity: 0.5, weightDensity: 0.7, seed: 2 },
];

function withoutTiming(json: string): unknown {
  const report = JSON.parse(json);
  delete report.sim;
  return report;
}

describe('eyeriss-sim run', () => {
  it('writes the JSON report and CSV, prints a table, and marks off-chip layers', () => {
    const dir = tempDir();
    const trace = writeTrace(dir, 'tiny', tiny);
    const r = cli('run', '--trace', trace, '--json', join(dir, 'r.json'), '--csv', join(dir, 'r.csv'));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^layer\s+PE mode/m);
    expect(r.stdout).toContain('not run on chip: p1 (POOL_MAX)');
    const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8'));
    expect(report.schemaVersion).toBe(1);
    expect(Object.keys(report)).toEqual(expect.arrayContaining(['hw', 'trace', 'seed', 'engine', 'layers', 'totals', 'sim']));
    expect(report.hw.name).toBe('eyeriss-v2');
    expect(report.hw.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(report.layers.map((l: { name: string }) => l.name)).toEqual(['c1', 'c2']);
    const l = report.layers[0];
    for (const field of ['name', 'type', 'shape', 'mapping', 'cycles', 'latencySeconds', 'nominalMacs', 'effectiveMacs', 'skippedMacs', 'peUtilization', 'accesses', 'dramBytes', 'energyJoules', 'check']) {
      expect(l, field).toHaveProperty(field);
    }
    expect(l.check).toBe('pass');
    expect(l.nominalMacs).toBe(8 * 8 * 8 * 3 * 9);
    expect(report.totals.cycles).toBe(report.layers[0].cycles + report.layers[1].cycles);
    expect(report.offChipLayers).toEqual([{ name: 'p1', type: 'POOL_MAX', runOnChip: false }]);
    const csv = readFileSync(join(dir, 'r.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toMatch(/^layer,type,mapping,peMode,cycles,/);
    expect(csv).toHaveLength(4);
  });

  it('gives identical JSON for identical seeds, and other data for another seed', () => {
    const dir = tempDir();
    const trace = writeTrace(dir, 'tiny', tiny);
    const runs = ['1', '1', '2'].map((seed, i) => {
      const file = join(dir, `s${i}.json`);
      expect(cli('run', '--trace', trace, '--seed', seed, '--json', file, '--quiet').code).toBe(0);
      return readFileSync(file, 'utf8');
    });
    expect(withoutTiming(runs[0]!)).toEqual(withoutTiming(runs[1]!));
    expect(withoutTiming(runs[0]!)).not.toEqual(withoutTiming(runs[2]!));
  });

  it('gives the same cycles with the tick engine', () => {
    const dir = tempDir();
    const trace = writeTrace(dir, 'tiny', tiny);
    const [a, b] = ['event', 'tick'].map((engine) => {
      const file = join(dir, `${engine}.json`);
      expect(cli('run', '--trace', trace, '--engine', engine, '--json', file, '--quiet').code).toBe(0);
      return JSON.parse(readFileSync(file, 'utf8'));
    });
    expect(b.engine).toBe('tick');
    expect(b.totals.cycles).toBe(a.totals.cycles);
    expect(b.layers.map((l: { accesses: unknown }) => l.accesses)).toEqual(a.layers.map((l: { accesses: unknown }) => l.accesses));
  });

  it('runs selected layers at another batch, and can skip the check', () => {
    const r = cli('run', '--trace', 'alexnet-sparse', '--layers', 'conv5', '--batch', '2', '--no-check', '--quiet', '--json', '-');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.batch).toBe(2);
    expect(report.layers).toHaveLength(1);
    expect(report.layers[0].check).toBe('skipped');
    expect(report.layers[0].shape.N).toBe(2);
  });
});

describe('machine-readable output and the table', () => {
  it('--json - prints only the JSON on stdout; --csv - only the CSV, and no file named -', () => {
    const dir = tempDir();
    const trace = writeTrace(dir, 'tiny', tiny);
    const json = cli('run', '--trace', trace, '--json', '-');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout).layers).toHaveLength(2);
    const csv = spawnIn(dir, 'run', '--trace', trace, '--csv', '-');
    expect(csv.code).toBe(0);
    const lines = csv.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^layer,type,mapping,/);
    expect(lines).toHaveLength(4);
    expect(existsSync(join(dir, '-'))).toBe(false);
    expect(cli('run', '--trace', trace, '--json', '-', '--csv', '-').stderr).toMatch(/only one of them can have stdout/);
  });

  it('the table fits 120 columns with MAC utilisation and a complete total row; --wide adds the mapping', () => {
    const r = cli('run', '--trace', 'alexnet-sparse', '--layers', 'conv1,conv5', '--no-check');
    expect(r.code).toBe(0);
    for (const line of r.stdout.trimEnd().split('\n')) expect(line.length, line).toBeLessThanOrEqual(120);
    expect(r.stdout).toMatch(/^layer\s+PE mode\s+cycles\s+ms\s+MMACs\s+MMACs done\s+PE util\s+MAC util\s+DRAM kB\s+chip uJ\s+chip mW\s+DRAM uJ\s+check$/m);
    expect(r.stdout).toMatch(/^total\s+\d+\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+[\d.]+%\s+[\d.]+%\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+[\d.]+$/m);
    expect(r.stdout).toMatch(/ \d+ simulated cycles\/s/);
    expect(r.stdout).not.toMatch(/uncom\./);
    const wide = cli('run', '--trace', 'alexnet-sparse', '--layers', 'conv5', '--no-check', '--wide');
    expect(wide.stdout).toMatch(/^layer\s+type\s+mapping\s+NoC iact\/weight\/psum\s+PE mode\s+other PE mode: energy\s/m);
    expect(wide.stdout).toMatch(/peRow=/);
  });

  it('--version prints the package version', () => {
    const r = cli('--version');
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')).version);
  });

  it('every simulating command shows the shared options in its --help', () => {
    const shared: Record<string, string[]> = {
      run: ['--hw', '--trace', '--layers', '--batch', '--seed', '--json', '--csv', '--energy-table', '--pe-mode', '--no-check', '--quiet', '--wide'],
      compare: ['--hw', '--layers', '--batch', '--seed', '--energy-table', '--pe-mode', '--no-check', '--quiet', '--json', '--csv'],
      sweep: ['--seed', '--no-check', '--trace', '--quiet'],
    };
    for (const [command, options] of Object.entries(shared)) {
      const help = cli(command, '--help').stdout;
      for (const o of options) expect(help, `${command} ${o}`).toContain(o);
    }
  });
});

describe('bad input', () => {
  const cases: [string, string[], RegExp][] = [
    ['an unknown trace name', ['run', '--trace', 'nosuchnet'], /nosuchnet: no such trace; expected one of alexnet, /],
    ['an unknown config name', ['run', '--hw', 'eyeriss-v9'], /--hw: unknown hardware config "eyeriss-v9", expected one of .*eyeriss-v2/],
    ['a missing trace file', ['run', '--trace', '/nonexistent/x.json'], /\/nonexistent\/x\.json: cannot read/],
    ['an unknown layer', ['run', '--layers', 'conv9'], /--layers: no layer "conv9" in trace alexnet-sparse/],
    ['a zero batch', ['run', '--batch', '0'], /--batch: got "0", expected a positive integer/],
    ['an unknown engine', ['run', '--engine', 'fast'], /--engine: got "fast", expected event or tick/],
    ['an unknown PE mode', ['run', '--pe-mode', 'sparse'], /--pe-mode: got "sparse", expected auto, compressed, uncompressed/],
    ['a PE mode the config\'s PE lacks', ['run', '--hw', 'eyeriss-v1', '--pe-mode', 'compressed'], /--pe-mode: the dense-gating PE of eyeriss-v1 has no compressed mode \(it has: uncompressed\)/],
  ];
  for (const [what, args, message] of cases) {
    it(`${what}: one line, exit 2, no stack trace`, () => {
      const r = cli(...args);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });
  }

  it('a config with a wrong field names the file, the field, the value and what was expected', () => {
    const dir = tempDir();
    const text = readFileSync(join(__dirname, '../../hw-configs/eyeriss-v2.yaml'), 'utf8').replace('simdWidth: 2', 'simdWidth: two');
    writeFileSync(join(dir, 'bad.yaml'), text);
    const r = cli('run', '--hw', join(dir, 'bad.yaml'), '--layers', 'conv5');
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/bad\.yaml: field pe\.simdWidth: got "two", expected a number$/);
  });

  it('a layer that cannot be mapped (a filter wider than the SPads hold) is a clear error, and nothing is written', () => {
    const dir = tempDir();
    const trace = writeTrace(dir, 'wide', [{ name: 'wide', type: 'CONV', c: 3, h: 8, w: 40, m: 4, r: 1, s: 17, iactDensity: 1, weightDensity: 1, seed: 1 }], { inputShape: [3, 8, 40] });
    const r = cli('run', '--trace', trace, '--json', join(dir, 'out.json'));
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/layer "wide": no mapping fits eyeriss-v2 \(filter 1x17, stride 1x1 does not fit the PE scratchpads\)$/);
    expect(existsSync(join(dir, 'out.json'))).toBe(false);
  });
});
