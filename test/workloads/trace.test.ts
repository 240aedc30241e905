import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import seedrandom from 'seedrandom';
import { afterAll, describe, expect, test } from 'vitest';
import { InputError } from '../../sim/errors.js';
import { isOnChip, nominalMacs } from '../../sim/workloads/layer.js';
import { layerOutputShape, listTraceNames, loadTrace, traceMessageType, tracesDir } from '../../sim/workloads/trace.js';
import { containerHeader } from '../../sim/workloads/trace-container.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'eyeriss-trace-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const SHIPPED = ['alexnet', 'alexnet-sparse', 'mobilenet-v1-0.5-128', 'mobilenet-v1-0.5-128-sparse'];

function shippedJson(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(tracesDir(), `${name}.json`), 'utf8')) as Record<string, unknown>;
}

/** Encodes the JSON form with the schema, behind the integrity header, as a converter to .pb would. */
function toProtobuf(json: unknown): Uint8Array {
  const type = traceMessageType();
  const payload = type.encode(type.fromObject(json as Record<string, unknown>)).finish();
  const layers = (json as { layers: unknown[] }).layers.length;
  return Buffer.concat([containerHeader(layers, payload.length, createHash('sha256').update(payload).digest()), payload]);
}

function writeJson(file: string, json: unknown): string {
  return writeTemp(file, JSON.stringify(json));
}

function writeTemp(file: string, content: string | Uint8Array): string {
  const full = path.join(tmp, file);
  writeFileSync(full, content);
  return full;
}

function onChipMacs(name: string): number {
  return loadTrace(name).layers.filter((l) => isOnChip(l.type)).reduce((sum, l) => sum + nominalMacs(l), 0);
}

/** The InputError thrown by fn; fails the test if fn throws anything else or nothing. */
function inputErrorOf(fn: () => unknown): InputError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return err as InputError;
  }
  throw new Error('expected an InputError, got none');
}

describe('shipped traces', () => {
  test('are listed by name', () => {
    expect(listTraceNames()).toEqual(expect.arrayContaining(SHIPPED));
  });

  test.each(SHIPPED)('%s loads with citations, batch 1 and a source for every layer', (name) => {
    const trace = loadTrace(name);
    expect(trace.name).toBe(name);
    expect(trace.batch).toBe(1);
    expect(trace.sources.length).toBeGreaterThan(0);
    expect(trace.sha256).toMatch(/^[0-9a-f]{64}$/);
    for (const layer of trace.layers) expect(layer.source, layer.name).toBeTruthy();
  });

  test('AlexNet has 724.4M MACs with FC (JETCAS19), 666M without (ISSCC16)', () => {
    for (const name of ['alexnet', 'alexnet-sparse']) {
      expect(onChipMacs(name)).toBe(724_406_816);
      const conv = loadTrace(name).layers.filter((l) => l.type === 'CONV');
      expect(conv.reduce((sum, l) => sum + nominalMacs(l), 0) / 1e6).toBeCloseTo(665.8, 1);
    }
  });

  test('AlexNet shapes chain 55 -> 27 -> 13 -> 6 and FC6 takes 256x6x6', () => {
    const layers = loadTrace('alexnet').layers;
    const out = (n: string) => layerOutputShape(layers.find((l) => l.name === n)!);
    expect(out('conv1')).toEqual([96, 55, 55]);
    expect(out('pool1')).toEqual([96, 27, 27]);
    expect(out('pool2')).toEqual([256, 13, 13]);
    expect(out('pool5')).toEqual([256, 6, 6]);
    const fc6 = layers.find((l) => l.name === 'fc6')!;
    expect([fc6.C, fc6.H, fc6.W, fc6.R, fc6.S]).toEqual([256, 6, 6, 6, 6]);
    expect(layers.filter((l) => l.G === 2).map((l) => l.name)).toEqual(['conv2', 'conv4', 'conv5']);
  });

  test('MobileNet-0.5-128 has 28 on-chip layers and 49.2M MACs (JETCAS19)', () => {
    for (const name of ['mobilenet-v1-0.5-128', 'mobilenet-v1-0.5-128-sparse']) {
      expect(loadTrace(name).layers.filter((l) => isOnChip(l.type))).toHaveLength(28);
      expect(onChipMacs(name) / 1e6).toBeCloseTo(49.16, 2);
    }
  });

  test('dense and sparse variants differ only in weight densities', () => {
    for (const [dense, sparse] of [
      ['alexnet', 'alexnet-sparse'],
      ['mobilenet-v1-0.5-128', 'mobilenet-v1-0.5-128-sparse'],
    ] as const) {
      const strip = (name: string) => loadTrace(name).layers.map(({ weightDensity: _w, source: _s, ...rest }) => rest);
      expect(strip(sparse)).toEqual(strip(dense));
      expect(loadTrace(dense).layers.every((l) => l.weightDensity === 1)).toBe(true);
    }
  });

  test.each(SHIPPED)('%s: JSON and binary protobuf forms load to identical layers', (name) => {
    const pb = writeTemp(`${name}.pb`, toProtobuf(shippedJson(name)));
    const fromJson = loadTrace(name);
    const fromPb = loadTrace(pb);
    expect(fromPb.layers).toEqual(fromJson.layers);
    expect({ ...fromPb, file: '', sha256: '' }).toEqual({ ...fromJson, file: '', sha256: '' });
  });

  test('branches (ADD, CONCAT), FLATTEN and a flattened FC input chain', () => {
    const conv = (name: string, m: number, inputs: string[] = []) => ({
      name, type: 'CONV', m, r: 3, s: 3, padTop: 1, padBottom: 1, padLeft: 1, padRight: 1,
      iactDensity: 0.5, weightDensity: 1, inputs,
    });
    const layers = loadTrace(
      writeJson('branches.json', {
        version: 1,
        batch: 2,
        inputShape: [8, 10, 10],
        layers: [
          conv('a', 8),
          conv('b', 8),
          { name: 'sum', type: 'ADD', inputs: ['a', 'b'] },
          conv('c', 4, ['a']),
          { name: 'cat', type: 'CONCAT', inputs: ['sum', 'c'] },
          { name: 'pool', type: 'POOL_AVG', r: 2, s: 2, strideH: 2, strideW: 2 },
          { name: 'flat', type: 'FLATTEN' },
          { name: 'fc', type: 'FC', c: 300, m: 10, iactDensity: 1, weightDensity: 1, inputs: ['pool'] },
          { name: 'fc2', type: 'FC', m: 5, iactDensity: 1, weightDensity: 1 },
          { name: 'prob', type: 'SOFTMAX' },
        ],
      }),
    ).layers;
    expect(layers.map((l) => [l.name, ...layerOutputShape(l)])).toEqual([
      ['a', 8, 10, 10],
      ['b', 8, 10, 10],
      ['sum', 8, 10, 10],
      ['c', 4, 10, 10],
      ['cat', 12, 10, 10],
      ['pool', 12, 5, 5],
      ['flat', 300, 1, 1],
      ['fc', 10, 1, 1],
      ['fc2', 5, 1, 1],
      ['prob', 5, 1, 1],
    ]);
    expect(layers.every((l) => l.N === 2)).toBe(true);
    expect(layers[1]!.inputs).toEqual([]);
    expect(layers[4]!.C).toBe(12);
    const fc = layers.find((l) => l.name === 'fc')!;
    expect([fc.C, fc.H, fc.W, fc.R, fc.S]).toEqual([300, 1, 1, 1, 1]);
  });

  test('tensors carried by a trace come back as Int8Array, in both forms', () => {
    const json = {
      version: 1,
      batch: 1,
      inputShape: [2, 3, 3],
      layers: [
        {
          name: 'c',
          type: 'CONV',
          m: 1,
          r: 2,
          s: 2,
          iactDensity: 1,
          weightDensity: 1,
          weights: { shape: [1, 2, 2, 2], int8Data: Buffer.from([1, 2, 3, 4, 5, 6, 7, 255]).toString('base64') },
        },
      ],
    };
    for (const file of [writeJson('t.json', json), writeTemp('t.pb', toProtobuf(json))]) {
      const trace = loadTrace(file);
      expect(trace.name).toBe('t');
      expect([...trace.tensors.get('c')!.weights!]).toEqual([1, 2, 3, 4, 5, 6, 7, -1]);
    }
  });
});

describe('bad input throws a one-line InputError naming the file, layer and field', () => {
  const base = () => shippedJson('alexnet') as { layers: Record<string, unknown>[] } & Record<string, unknown>;

  function expectError(file: string, ...parts: (string | RegExp)[]): void {
    const err = inputErrorOf(() => loadTrace(file));
    expect(err.message).not.toContain('\n');
    const shown = [file, path.relative(process.cwd(), file)];
    expect(shown.some((f) => err.message.startsWith(`${f}: `)), err.message).toBe(true);
    for (const part of parts) expect(err.message).toMatch(part);
  }

  test('unknown trace name lists the available ones', () => {
    const err = inputErrorOf(() => loadTrace('alexnett'));
    expect(err.message).toMatch(/^alexnett: /);
    expect(err.message).toContain('alexnet-sparse');
    expect(err.message).not.toContain('\n');
  });

  test('missing file', () => {
    expectError(path.join(tmp, 'nope.json'), /cannot read/);
  });

  test('missing required field', () => {
    const t = base();
    delete t.layers[2]!.m;
    expectError(writeJson('missing-m.json', t), 'layer "conv2" field m: got nothing, expected a positive integer');
  });

  test('density 1.5', () => {
    const t = base();
    t.layers[0]!.iactDensity = 1.5;
    expectError(writeJson('density.json', t), 'layer "conv1" field iactDensity: got 1.5, expected');
  });

  test('shape that does not chain', () => {
    const t = base();
    t.layers[4]!.c = 192; // conv3 takes pool2's 256 channels
    expectError(writeJson('chain.json', t), 'layer "conv3" field c: got 192, expected 256', 'pool2');
  });

  test('misspelt field', () => {
    const t = base();
    t.layers[0]!.iact_density = 0.5;
    expectError(writeJson('misspelt.json', t), 'layer "conv1" field iact_density', 'iactDensity');
  });

  test('non-integer seed, depth-wise groups, point-wise filter, version', () => {
    const t = base();
    t.layers[0]!.seed = 1.5;
    expectError(writeJson('seed.json', t), 'layer "conv1" field seed: got 1.5');
    const m = shippedJson('mobilenet-v1-0.5-128') as { layers: Record<string, unknown>[] } & Record<string, unknown>;
    delete m.layers[1]!.groups;
    expectError(writeJson('dw.json', m), 'layer "conv_dw_1" field groups: got nothing, expected 16');
    const p = shippedJson('mobilenet-v1-0.5-128') as { layers: Record<string, unknown>[] } & Record<string, unknown>;
    p.layers[2]!.r = 3;
    expectError(writeJson('pw.json', p), 'layer "conv_pw_1" field r: got 3, expected 1');
    expectError(writeJson('version.json', { ...base(), version: 2 }), 'field version: got 2, expected 1');
  });

  test('non-JSON .json', () => {
    expectError(writeTemp('bad.json', '{"version": 1, layers: ['), /not valid JSON/);
  });

  test('truncated .pb', () => {
    const bytes = toProtobuf(shippedJson('alexnet'));
    expectError(writeTemp('truncated.pb', bytes.subarray(0, Math.floor(bytes.length / 2))), /truncated/);
  });

  test('a .pb without the integrity header names trace convert', () => {
    const type = traceMessageType();
    expectError(writeTemp('old.pb', type.encode(type.fromObject(shippedJson('alexnet'))).finish()), /no integrity header/, /trace convert/);
  });

  test('random bytes .pb', () => {
    const rng = seedrandom('random-bytes');
    for (let i = 0; i < 20; i++) {
      const bytes = Uint8Array.from({ length: 64 + i * 13 }, () => Math.floor(rng() * 256));
      expectError(writeTemp(`random-${i}.pb`, bytes));
    }
  });
});
