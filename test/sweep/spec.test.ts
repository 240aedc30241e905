import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test, vi } from 'vitest';
import { main } from '../../sim/cli/main.js';
import { InputError } from '../../sim/errors.js';
import { applyDensityEdits, loadSweep } from '../../sim/sweep/spec.js';
import { packageRoot } from '../../sim/paths.js';
import { loadTrace } from '../../sim/workloads/trace.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'eyeriss-sweep-spec-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let n = 0;
function sweepFile(body: string, trace = 'mobilenet-v1-0.5-128-sparse', layers = '[conv_dw_13]'): string {
  const file = path.join(tmp, `s${n++}.yaml`);
  writeFileSync(file, `version: 1\ntrace: ${trace}\nlayers: ${layers}\n${body}`);
  return file;
}

function errorOf(body: string, layers?: string): string {
  const file = sweepFile(body, undefined, layers);
  try {
    loadSweep(file);
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    const message = (err as Error).message;
    expect(message).not.toContain('\n');
    expect(message.startsWith(file)).toBe(true);
    return message;
  }
  throw new Error('expected an InputError');
}

describe('sweep file validation: one-line errors naming file, field, value and expectation', () => {
  test('a parameter path that is not in the config schema', () => {
    expect(errorOf('parameters:\n  noc.iact.portBitz: [12, 24]\n')).toMatch(/field parameters\.noc\.iact\.portBitz: unknown parameter "noc\.iact\.portBitz", expected a hw-config field/);
    expect(errorOf('parameters:\n  noc.iact: [12]\n')).toMatch(/unknown parameter "noc\.iact"/);
    expect(errorOf('parameters:\n  trace.density: [0.5]\n')).toMatch(/unknown trace parameter "trace\.density"/);
    expect(errorOf('parameters:\n  trace.layers.nope.iactDensity: [0.5]\n')).toMatch(/no layer "nope" in trace mobilenet-v1-0.5-128-sparse/);
  });

  test('a value of the wrong type is caught by validating the edited config, naming the point', () => {
    expect(errorOf('parameters:\n  noc.iact.portBits: [24, "wide"]\n'))
      .toMatch(/: point 1 \(noc\.iact\.portBits="wide"\): field noc\.iact\.portBits: got "wide", expected a number$/);
    expect(errorOf('parameters:\n  noc.psum.portBits: {from: 0, to: 40, step: 20}\n'))
      .toMatch(/point 0 \(noc\.psum\.portBits=0\): field noc\.psum\.portBits: got 0, expected >= 1/);
    // Cross-field rules count too: a SIMD width that does not divide the weight SPad's entries.
    expect(errorOf('parameters:\n  pe.simdWidth: [5]\n')).toMatch(/field pe\.weightDataSpadEntries: got 192, expected a multiple of pe\.simdWidth = 5/);
    expect(errorOf('parameters:\n  trace.iactDensity: [0.5, 1.5]\n')).toMatch(/field parameters\.trace\.iactDensity: got 1\.5, expected a fraction of non-zeros in \[0, 1\]/);
  });

  test('malformed ranges, zips and fields', () => {
    expect(errorOf('parameters:\n  noc.iact.portBits: {from: 12, to: 48}\n')).toMatch(/expected a range with exactly one of step .* or times/);
    expect(errorOf('parameters:\n  noc.iact.portBits: {from: 48, to: 12, step: 12}\n')).toMatch(/expected from <= to/);
    expect(errorOf('parameters:\n  noc.iact.portBits: {from: 12, to: 48, by: 2}\n')).toMatch(/field parameters\.noc\.iact\.portBits\.by: unknown field/);
    expect(errorOf('parameters:\n  noc.iact.portBits: 24\n')).toMatch(/field parameters\.noc\.iact\.portBits: got 24, expected a non-empty list of values or a range/);
    expect(errorOf('combine: zipped\nparameters:\n  noc.iact.portBits: [12, 24]\n  noc.weight.portBits: [12]\n'))
      .toMatch(/zipped lists differ in length \(noc\.iact\.portBits has 2 values, noc\.weight\.portBits has 1\), expected equal lengths/);
    expect(errorOf('seeed: 3\n')).toMatch(/field seeed: unknown field/);
    expect(errorOf('combine: diagonal\n')).toMatch(/field combine: got "diagonal", expected one of "crossed", "zipped"/);
    expect(errorOf('peMode: sparse\n')).toMatch(/field peMode: got "sparse", expected one of "auto", "compressed", "uncompressed"/);
    expect(errorOf('hw: eyeriss-v1\npeMode: compressed\n')).toMatch(/point 0 \(base config\): field peMode: the dense-gating PE has no compressed mode/);
    expect(errorOf('hw: eyeriss-v9\n')).toMatch(/field hw: got "eyeriss-v9", expected one of .*eyeriss-v2/);
    expect(errorOf('', '[conv_dw_99]')).toMatch(/field layers: got "conv_dw_99", expected layer names of trace/);
  });

  test('the CLI reports the error in one line and runs no point', async () => {
    const file = sweepFile('parameters:\n  noc.iact.portBits: [24, 12, -1]\n');
    const out = path.join(tmp, 'never');
    const stderr: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((s) => (stderr.push(String(s)), true));
    try {
      expect(await main(['node', 'eyeriss-sim', 'sweep', file, '--out', out])).toBe(2);
    } finally {
      spy.mockRestore();
    }
    expect(stderr.join('')).toMatch(/^eyeriss-sim: .*point 2 \(noc\.iact\.portBits=-1\): field noc\.iact\.portBits: got -1, expected >= 1\n$/);
    expect(existsSync(out)).toBe(false);
  });
});

describe('expansion into points', () => {
  test('crossed: the cartesian product, first parameter outermost, traces outermost of all', () => {
    const plan = loadSweep(sweepFile('parameters:\n  noc.iact.portBits: [12, 24]\n  trace.iactDensity: [0.5, 1]\n',
      '[mobilenet-v1-0.5-128-sparse, mobilenet-v1-0.5-128]'));
    expect(plan.points.map((p) => [p.traceName, p.params['noc.iact.portBits'], p.params['trace.iactDensity']])).toEqual([
      ['mobilenet-v1-0.5-128-sparse', 12, 0.5], ['mobilenet-v1-0.5-128-sparse', 12, 1],
      ['mobilenet-v1-0.5-128-sparse', 24, 0.5], ['mobilenet-v1-0.5-128-sparse', 24, 1],
      ['mobilenet-v1-0.5-128', 12, 0.5], ['mobilenet-v1-0.5-128', 12, 1], ['mobilenet-v1-0.5-128', 24, 0.5], ['mobilenet-v1-0.5-128', 24, 1],
    ]);
    expect(plan.points.map((p) => p.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(new Set(plan.points.map((p) => p.key)).size).toBe(8);
    expect(plan.points[2]!.hw.config.noc.iact.portBits).toBe(24);
    expect(plan.points[2]!.edits).toEqual({ '*': { iactDensity: 0.5 } });
  });

  test('zipped, ranges, blocks and constants', () => {
    const plan = loadSweep(sweepFile([
      'combine: zipped',
      'set: {pe.simdWidth: 1}',
      'parameters:',
      '  - array.clusterRows: [4, 8]',
      '    array.clusterCols: [4, 8]',
      '  - offChip.bandwidthGBps: {from: 1, to: 10, times: 3}',
      '    trace.layers.conv_dw_13.weightDensity: {from: 0.1, to: 0.3, step: 0.1}',
      '',
    ].join('\n')));
    expect(plan.paramNames).toEqual(['array.clusterRows', 'array.clusterCols', 'offChip.bandwidthGBps', 'trace.layers.conv_dw_13.weightDensity']);
    // A parameter another block varies has its base value (the config's, the trace's density), not a blank.
    const base = { 'offChip.bandwidthGBps': null, 'trace.layers.conv_dw_13.weightDensity': 0.95 };
    const baseArray = { 'array.clusterRows': 8, 'array.clusterCols': 2 };
    expect(plan.points.map((p) => p.params)).toEqual([
      { 'array.clusterRows': 4, 'array.clusterCols': 4, ...base },
      { 'array.clusterRows': 8, 'array.clusterCols': 8, ...base },
      { ...baseArray, 'offChip.bandwidthGBps': 1, 'trace.layers.conv_dw_13.weightDensity': 0.1 },
      { ...baseArray, 'offChip.bandwidthGBps': 3, 'trace.layers.conv_dw_13.weightDensity': 0.2 },
      { ...baseArray, 'offChip.bandwidthGBps': 9, 'trace.layers.conv_dw_13.weightDensity': 0.3 },
    ]);
    expect(plan.points.map((p) => p.pes)).toEqual([192, 768, 192, 192, 192]);
    expect(plan.points.every((p) => p.hw.config.pe.simdWidth === 1)).toBe(true);
  });

  test('identical configs share a key; the point index is not part of it', () => {
    const plan = loadSweep(sweepFile('parameters:\n  - noc.iact.portBits: [24]\n  - noc.weight.portBits: [24]\n'));
    expect(plan.points[0]!.key).toBe(plan.points[1]!.key); // both are the base config
  });

  test('density edits apply to on-chip layers and drop the tensors a trace pins for them', () => {
    const trace = loadTrace('alexnet');
    const edited = applyDensityEdits(trace, { '*': { iactDensity: 0.25 }, conv2: { weightDensity: 0.5 } });
    expect(edited.layers.filter((l) => l.type !== 'POOL_MAX').every((l) => l.iactDensity === 0.25)).toBe(true);
    expect(edited.layers.find((l) => l.name === 'conv2')!.weightDensity).toBe(0.5);
    expect(edited.layers.find((l) => l.name === 'conv3')!.weightDensity).toBe(trace.layers.find((l) => l.name === 'conv3')!.weightDensity);
    expect(edited.layers.find((l) => l.name === 'pool1')).toBe(trace.layers.find((l) => l.name === 'pool1'));
  });
});

test('the built-in studies validate, every point', () => {
  const study = (name: string) => loadSweep(path.join(packageRoot(), 'hw-configs', 'sweeps', `${name}.yaml`));
  const noc = study('noc-bandwidth');
  expect(noc.points).toHaveLength(76);
  expect(new Set(noc.points.map((p) => p.key)).size).toBe(68); // the base config appears in three blocks per trace
  const scaling = study('scaling');
  expect(scaling.points.map((p) => p.pes)).toEqual([256, 1024, 16384, 256, 1024, 16384, 256, 1024, 16384]);
  expect(scaling.points.every((p) => p.hw.config.pe.simdWidth === 1 && p.hw.config.offChip.bandwidthGBps === null)).toBe(true);
  const v1 = study('scaling-v1');
  expect(v1.points.map((p) => p.pes)).toEqual(scaling.points.map((p) => p.pes));
  expect(v1.points.every((p) => p.hw.config.noc.type === 'flat-multicast' && p.hw.config.pe.simdWidth === 1 && p.hw.config.offChip.bandwidthGBps === null)).toBe(true);
  const grid = study('dense-vs-sparse');
  expect(grid.points).toHaveLength(50);
  expect(grid.points[6]!.params).toEqual({ 'trace.iactDensity': 0.4, 'trace.weightDensity': 0.4 });
});
