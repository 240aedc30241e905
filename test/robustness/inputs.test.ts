/**
 * Configs, sweep files and ONNX models under random values: a clear one-line error or a valid result, never a
 * crash, and never an accepted value beyond what the simulator can represent (sim/config/bounds.ts).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { parse as parseYaml } from 'yaml';
import { describe, test } from 'vitest';
import { LIMITS } from '../../sim/config/bounds.js';
import { hwConfigDir, parseHwConfig } from '../../sim/config/hw-config.js';
import { parseEnergyTable, energyTableDir } from '../../sim/energy/energy-table.js';
import { loadSweep } from '../../sim/sweep/spec.js';
import { importOnnx } from '../../sim/workloads/onnx-import.js';
import { convReluPoolGemm } from '../workloads/onnx-models.js';
import { expectClear, robustnessSuite } from './tally.js';

const { tally, tmp } = robustnessSuite('inputs');

/** Every scalar field of a document, by dotted path. */
function scalarPaths(doc: unknown, prefix = ''): string[] {
  if (doc === null || typeof doc !== 'object') return [prefix.slice(1)];
  return Object.entries(doc).flatMap(([k, v]) => scalarPaths(v, `${prefix}.${k}`));
}

function setPath(doc: Record<string, unknown>, p: string, value: unknown): void {
  const keys = p.split('.');
  let o = doc;
  for (const k of keys.slice(0, -1)) o = o[k] as Record<string, unknown>;
  o[keys.at(-1)!] = value;
}

/** Values people and fuzzers type: huge, negative, fractional, non-finite, of the wrong type. */
const wild = fc.oneof(
  fc.integer({ min: -10, max: 100 }),
  fc.constantFrom(0, 1e9, 1e12, 1e308, -1, 0.5, 2 ** 31, 2 ** 32, 2 ** 53 + 2, 100_000),
  fc.double(),
  fc.constantFrom(null, true, '12', '', [], {}),
);

describe('hardware configs', () => {
  const base = readFileSync(path.join(hwConfigDir(), 'eyeriss-v2.yaml'), 'utf8');
  const paths = scalarPaths(parseYaml(base));

  test('one to three fields set to wild values: a clear error, or a config within the bounds', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.constantFrom(...paths), wild), { minLength: 1, maxLength: 3 }), (edits) => {
      const doc = parseYaml(base) as Record<string, unknown>;
      for (const [p, v] of edits) setPath(doc, p, v);
      tally.run(JSON.stringify(edits), () => {
        const c = parseHwConfig('fuzz.yaml', JSON.stringify(doc));
        const a = c.array;
        if (a.clusterRows * a.clusterCols * a.peRowsPerCluster * a.peColsPerCluster > LIMITS.pes) tally.silentlyWrong(`${JSON.stringify(edits)}: too many PEs accepted`);
        if (c.noc.hopLatencyCycles > LIMITS.nocLatencyCycles || !(c.clockMHz <= LIMITS.clockMHz)) tally.silentlyWrong(`${JSON.stringify(edits)}: bound not applied`);
      });
    }), { numRuns: 400, seed: 21 });
  });

  test('the issue\'s cases are refused at once, naming the field and the bound', () => {
    const cases: [string, unknown, RegExp][] = [
      ['array.clusterRows', 100000, /field array.clusterRows: got 100000, expected <= 1024/],
      ['pe.fetchQueueEntries', 1e9, /field pe.fetchQueueEntries: got 1000000000, expected <= 4096/],
      ['noc.hopLatencyCycles', 1e9, /field noc.hopLatencyCycles: got 1000000000, expected <= 65536 \(event times/],
      ['offChip.latencyCycles', 1e9, /field offChip.latencyCycles: got 1000000000, expected <= 1048576/],
      ['clockMHz', 1e308, /field clockMHz: got 1e\+308, expected <= 100000/],
      ['pe.psumSpadEntries', Number.NaN, /field pe.psumSpadEntries: got NaN, expected a number/],
    ];
    for (const [p, v, message] of cases) {
      const doc = parseYaml(base) as Record<string, unknown>;
      setPath(doc, p, Number.isNaN(v) ? '@NAN@' : v);
      // Parsed as YAML (a superset of JSON), so NaN can be written as YAML's `.nan`.
      expectClear(tally, p, () => parseHwConfig('fuzz.yaml', JSON.stringify(doc).replace('"@NAN@"', '.nan')), message);
    }
  });

  test('energy tables: values that would make energies non-finite are refused', () => {
    const table = readFileSync(path.join(energyTableDir(), 'eyeriss-65nm.yaml'), 'utf8');
    const doc = parseYaml(table) as Record<string, unknown>;
    expectClear(tally, 'scalePj', () => parseEnergyTable('t.yaml', JSON.stringify({ ...doc, scalePj: 1e308 })), /field scalePj: got 1e\+308, expected <= 1000000/);
    const tPaths = scalarPaths(doc).filter((p) => !/^(version|name|description|technologyNm)$/.test(p));
    fc.assert(fc.property(fc.constantFrom(...tPaths), wild, (p, v) => {
      const d = parseYaml(table) as Record<string, unknown>;
      setPath(d, p, v);
      tally.run(`${p}=${String(v)}`, () => {
        const t = parseEnergyTable('t.yaml', JSON.stringify(d));
        if (!JSON.stringify(t.pj).match(/^[^N]*$/) || Object.values(t.clock).some((x) => !Number.isFinite(x))) tally.silentlyWrong(`${p}=${String(v)}`);
      });
    }), { numRuns: 150, seed: 22 });
  });
});

describe('sweep files', () => {
  const range = fc.oneof(
    fc.record({ from: fc.integer({ min: 1, max: 64 }), to: fc.integer({ min: 1, max: 64 }), step: fc.constantFrom(1, 8, 16, 0, -1) }),
    fc.record({ from: fc.constantFrom(1, 0, -5), to: fc.constantFrom(1e12, 1e6, 2), times: fc.constantFrom(2, 1, 0.5, 1.0001) }),
    fc.record({ from: fc.constant(1), to: fc.constant(1e12), step: fc.constant(1) }),
    fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 4 }),
  );
  test('ranges and crossed products: counted before they are built, within the point cap, or a clear error', () => {
    fc.assert(fc.property(range, range, fc.constantFrom('crossed', 'zipped'), (a, b, combine) => {
      const file = path.join(tmp, 'sweep.yaml');
      writeFileSync(file, JSON.stringify({ version: 1, trace: 'mobilenet-v1-0.5-128-sparse', layers: ['conv_dw_13'], combine,
        parameters: { 'noc.iact.portBits': a, 'noc.weight.portBits': b } }));
      tally.run(JSON.stringify([a, b]), () => {
        const plan = loadSweep(file);
        if (plan.points.length > LIMITS.sweepPoints) tally.silentlyWrong(`${plan.points.length} points accepted`);
      });
    }), { numRuns: 40, seed: 23 });
  });

  test('the issue\'s cases: a range of 1e12 values and an oversized product name the cap', () => {
    const file = path.join(tmp, 'big.yaml');
    writeFileSync(file, 'version: 1\ntrace: mobilenet-v1-0.5-128-sparse\nparameters:\n  noc.iact.portBits: {from: 1, to: 1e12, step: 1}\n');
    expectClear(tally, '1e12', () => loadSweep(file), /expected a range of at most 10000 values \(this one has 1\.00e\+12\)/);
    writeFileSync(file, 'version: 1\ntrace: mobilenet-v1-0.5-128-sparse\nparameters:\n  noc.iact.portBits: {from: 1, to: 200, step: 1}\n  noc.weight.portBits: {from: 1, to: 200, step: 1}\n');
    expectClear(tally, 'product', () => loadSweep(file), /has 4\.00e\+4 points, expected at most 10000 \(the sweep point cap\)/);
    writeFileSync(file, 'version: 1\ntrace: mobilenet-v1-0.5-128-sparse\nseed: 9007199254740993\n');
    expectClear(tally, 'seed', () => loadSweep(file), /field seed: got 9007199254740992, expected <= 9007199254740991/);
  });
});

describe('ONNX models', () => {
  test('byte flips and truncations of a valid model: a clear error or a model that imports', () => {
    const valid = convReluPoolGemm().bytes;
    fc.assert(fc.property(fc.integer({ min: 0, max: valid.length - 1 }), fc.integer({ min: 0, max: 255 }), fc.boolean(), (at, byte, cut) => {
      const bytes = cut ? valid.subarray(0, at) : Uint8Array.from(valid, (b, i) => (i === at ? byte : b));
      const file = path.join(tmp, 'model.onnx');
      writeFileSync(file, bytes);
      tally.run(`onnx ${cut ? 'cut' : 'flip'} ${at}`, () => importOnnx(file));
    }), { numRuns: 200, seed: 24 });
  });
});
