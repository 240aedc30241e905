import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { InputError } from '../../sim/errors.js';
import { convertTrace, writeTrace, type TraceObject } from '../../sim/workloads/trace-io.js';
import { loadTrace, type LoadedTrace } from '../../sim/workloads/trace.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'eyeriss-trace-io-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const at = (file: string) => path.join(tmp, file);

/** 50 activations covering 0..255, both ends included. */
const IACTS = Uint8Array.from({ length: 50 }, (_, i) => (i === 49 ? 255 : (i * 53) % 256));

/** A small trace with real tensors: signed weights (incl. -128 and 127) and unsigned iacts (incl. 0 and 255). */
function tensorTrace(): TraceObject {
  const weights = Int8Array.from({ length: 4 * 2 * 3 * 3 }, (_, i) => ((i * 37) % 256) - 128);
  return {
    version: 1,
    name: 'tensors',
    description: 'round-trip test',
    sources: ['made up'],
    batch: 1,
    inputShape: [2, 5, 5],
    layers: [
      {
        name: 'conv',
        type: 'CONV',
        m: 4,
        r: 3,
        s: 3,
        padTop: 1,
        padBottom: 1,
        padLeft: 1,
        padRight: 1,
        // No declared densities: measured from the tensors the layer carries.
        seed: 3,
        source: 'test',
        weights: { shape: [4, 2, 3, 3], int8Data: new Uint8Array(weights.buffer) },
        iacts: { shape: [1, 2, 5, 5], uint8Data: IACTS },
      },
      { name: 'pool', type: 'POOL_MAX', r: 5, s: 5 },
      // An explicit 0 must survive the binary form (proto3 `optional`).
      { name: 'fc', type: 'FC', m: 3, iactDensity: 0.5, weightDensity: 0, inputs: ['pool'] },
    ],
  };
}

/** What a loaded trace means, without where it was loaded from. */
function content(t: LoadedTrace) {
  return { ...t, file: undefined, sha256: undefined };
}

describe('trace conversion', () => {
  test('JSON -> pb -> JSON is byte-identical, tensors included, and pb -> JSON -> pb too', () => {
    writeTrace(tensorTrace(), at('a.json'));
    convertTrace(at('a.json'), at('a.pb'));
    convertTrace(at('a.pb'), at('b.json'));
    convertTrace(at('b.json'), at('b.pb'));
    expect(readFileSync(at('b.json'), 'utf8')).toBe(readFileSync(at('a.json'), 'utf8'));
    expect(readFileSync(at('b.pb')).equals(readFileSync(at('a.pb')))).toBe(true);

    const [fromJson, fromPb] = [loadTrace(at('a.json')), loadTrace(at('a.pb'))];
    expect(content(fromPb)).toEqual(content(fromJson));
    expect(fromPb.layers.at(-1)!.weightDensity).toBe(0);
    const t = fromPb.tensors.get('conv')!;
    expect(t.weights).toBeInstanceOf(Int8Array);
    expect(t.iacts).toBeInstanceOf(Int16Array);
    expect([...t.weights!]).toEqual([...Int8Array.from({ length: 72 }, (_, i) => ((i * 37) % 256) - 128)]);
    expect([...t.iacts!]).toEqual([...IACTS]);
    expect(Math.min(...t.iacts!)).toBe(0);
    expect(Math.max(...t.iacts!)).toBe(255);
  });

  test('the JSON form carries bytes as base64, one layer per line', () => {
    writeTrace(tensorTrace(), at('b64.json'));
    const text = readFileSync(at('b64.json'), 'utf8');
    const json = JSON.parse(text) as { layers: { weights: { int8Data: string }; iacts: { uint8Data: string } }[] };
    expect(Buffer.from(json.layers[0]!.iacts.uint8Data, 'base64')).toEqual(Buffer.from(IACTS));
    expect(text.split('\n').filter((l) => l.startsWith('    {"name"'))).toHaveLength(3);
  });

  test.each(['alexnet', 'mobilenet-v1-0.5-128-sparse', 'resnet50', 'googlenet'])(
    'shipped %s: JSON -> pb -> JSON keeps every layer and density',
    (name) => {
      const original = loadTrace(name);
      convertTrace(original.file, at(`${name}.pb`));
      convertTrace(at(`${name}.pb`), at(`${name}.json`));
      expect(content(loadTrace(at(`${name}.pb`)))).toEqual({ ...content(original), name });
      expect(content(loadTrace(at(`${name}.json`)))).toEqual({ ...content(original), name });
    },
  );

  test('unknown extensions, invalid traces and wrong tensor fields are one-line InputErrors', () => {
    expect(() => convertTrace(loadTrace('alexnet').file, at('x.txt'))).toThrow(InputError);
    expect(() => writeTrace(tensorTrace(), at('x.yaml'))).toThrow(/unknown trace format/);

    const bad = tensorTrace();
    bad.layers[2]!.c = 7;
    expect(() => writeTrace(bad, at('bad.pb'))).toThrow(/layer "fc" field c: got 7/);
    expect(existsSync(at('bad.pb'))).toBe(false); // validated before the file is opened

    const signedIacts = tensorTrace();
    const conv = signedIacts.layers[0]!;
    conv.iacts = { shape: [1, 2, 5, 5], int8Data: conv.iacts!.uint8Data! };
    expect(() => writeTrace(signedIacts, at('signed.json'))).toThrow(
      'layer "conv" field iacts.int8Data: got "(bytes)", expected nothing (iacts are unsigned 8-bit: use iacts.uint8Data)',
    );
    writeFileSync(at('short.json'), JSON.stringify({ ...tensorTrace(), layers: [{ ...tensorTrace().layers[0], weights: { shape: [4, 2, 3, 3], int8Data: 'AAAA' } }] }));
    expect(() => loadTrace(at('short.json'))).toThrow(/weights.int8Data: got "3 bytes", expected 72/);
  });
});
