/**
 * Robustness: random bytes, truncated copies and byte-flipped copies of valid traces (.pb, .json) and ONNX models
 * must be rejected with an InputError (or, when the damage happens to leave a valid file, load), never crash with
 * another exception type.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import seedrandom from 'seedrandom';
import { afterAll, describe, expect, test } from 'vitest';
import { InputError } from '../../sim/errors.js';
import { importOnnx } from '../../sim/workloads/onnx-import.js';
import { convertTrace, writeTrace } from '../../sim/workloads/trace-io.js';
import { loadTrace } from '../../sim/workloads/trace.js';
import { convReluPoolGemm, floatTensor, floats, int, ints, modelBytes, node, str } from './onnx-models.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'eyeriss-fuzz-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs fn on `bytes` written to a file with the given extension; only InputError may escape. */
function survives(ext: string, bytes: Uint8Array, fn: (file: string) => unknown): 'ok' | 'rejected' {
  const file = path.join(tmp, `case${ext}`);
  writeFileSync(file, bytes);
  try {
    fn(file);
    return 'ok';
  } catch (err) {
    if (!(err instanceof InputError)) {
      const shown = Buffer.from(bytes).toString('base64').slice(0, 400);
      throw new Error(`${ext} input of ${bytes.length} bytes threw ${String(err)}; bytes (base64): ${shown}`);
    }
    expect(err.message).not.toContain('\n');
    return 'rejected';
  }
}

/** Every prefix (or an even sample of at most `max` of them), then byte-flipped copies. */
function damaged(valid: Uint8Array, seed: string, max = 600): Uint8Array[] {
  const rng = seedrandom(seed);
  const step = Math.max(1, Math.floor(valid.length / max));
  const cases: Uint8Array[] = [];
  for (let n = 0; n < valid.length; n += step) cases.push(valid.subarray(0, n));
  for (let i = 0; i < 300; i++) {
    const copy = Uint8Array.from(valid);
    const flips = 1 + Math.floor(rng() * 4);
    for (let f = 0; f < flips; f++) copy[Math.floor(rng() * copy.length)] = Math.floor(rng() * 256);
    cases.push(copy);
  }
  return cases;
}

function randomBytes(seed: string, count: number): Uint8Array[] {
  const rng = seedrandom(seed);
  const one = () => Uint8Array.from({ length: Math.floor(rng() * 3000) }, () => Math.floor(rng() * 256));
  return Array.from({ length: count }, one);
}

/** A trace with both kinds of tensors and branches, as .pb and .json bytes. */
function validTraces(): Record<'.pb' | '.json', Uint8Array>[] {
  const files: Record<'.pb' | '.json', Uint8Array>[] = [];
  writeTrace(
    {
      version: 1,
      batch: 1,
      inputShape: [2, 4, 4],
      layers: [
        {
          name: 'a', type: 'CONV', m: 2, r: 3, s: 3, padTop: 1, padBottom: 1, padLeft: 1, padRight: 1,
          // No declared densities: the layer carries both tensors, whose densities are measured.
          weights: { shape: [2, 2, 3, 3], int8Data: Uint8Array.from({ length: 36 }, (_, i) => i * 7) },
          iacts: { shape: [1, 2, 4, 4], uint8Data: Uint8Array.from({ length: 32 }, (_, i) => i * 8) },
        },
        { name: 'b', type: 'PWCONV', m: 2, iactDensity: 0.5, weightDensity: 0.5, inputs: ['a'] },
        { name: 'sum', type: 'ADD', inputs: ['a', 'b'] },
        { name: 'cat', type: 'CONCAT', inputs: ['sum', 'a'] },
        { name: 'flat', type: 'FLATTEN' },
        { name: 'fc', type: 'FC', m: 3, iactDensity: 1, weightDensity: 1 },
      ],
    },
    path.join(tmp, 'small.json'),
  );
  convertTrace(path.join(tmp, 'small.json'), path.join(tmp, 'small.pb'));
  convertTrace(loadTrace('alexnet').file, path.join(tmp, 'alexnet.pb'));
  for (const name of ['small', 'alexnet']) {
    const json = name === 'alexnet' ? loadTrace('alexnet').file : path.join(tmp, 'small.json');
    files.push({ '.pb': readFileSync(path.join(tmp, `${name}.pb`)), '.json': readFileSync(json) });
  }
  return files;
}

function validModels(): Uint8Array[] {
  const dw = modelBytes(
    { name: 'x', dims: ['N', 4, 8, 8] },
    [
      node('Conv', 'dw', ['x', 'w1'], ['a'], { group: int(4), auto_pad: str('SAME_UPPER'), strides: ints([2, 2]) }),
      node('BatchNormalization', 'bn', ['a', 'g', 'b', 'm', 'v'], ['a2']),
      node('Relu', 'r', ['a2'], ['a3']),
      node('Conv', 'pw', ['a3', 'w2'], ['c']),
      node('Add', 'add', ['c', 'c'], ['d']),
      node('Concat', 'cat', ['d', 'c'], ['e'], { axis: int(1) }),
      node('AveragePool', 'pool', ['e'], ['f'], { kernel_shape: ints([2, 2]), strides: ints([2, 2]), ceil_mode: int(1) }),
      node('GlobalAveragePool', 'gap', ['f'], ['g1']),
      node('Flatten', 'flat', ['g1'], ['h']),
      node('Gemm', 'fc', ['h', 'w3'], ['y'], { transB: int(1) }),
    ],
    [
      floatTensor('w1', [4, 1, 3, 3], floats(36, 1)),
      ...['g', 'b', 'm', 'v'].map((n, i) => floatTensor(n, [4], floats(4, 2 + i).map(Math.abs), false)),
      floatTensor('w2', [6, 4, 1, 1], floats(24, 7)),
      floatTensor('w3', [3, 12], floats(36, 8)),
    ],
    'y',
  );
  return [convReluPoolGemm().bytes, dw];
}

describe('fuzz: damaged inputs give InputErrors only', () => {
  test('the valid seeds load', () => {
    for (const t of validTraces()) {
      expect(survives('.pb', t['.pb'], loadTrace)).toBe('ok');
      expect(survives('.json', t['.json'], loadTrace)).toBe('ok');
    }
    for (const m of validModels()) expect(survives('.onnx', m, (f) => importOnnx(f, {}))).toBe('ok');
  });

  test('loadTrace on random, truncated and byte-flipped .pb and .json', () => {
    let rejected = 0;
    const count = (ext: string, cases: Uint8Array[]) => {
      for (const bytes of cases) if (survives(ext, bytes, loadTrace) === 'rejected') rejected++;
    };
    validTraces().forEach((t, i) => {
      for (const ext of ['.pb', '.json'] as const) count(ext, damaged(t[ext], `trace-${i}${ext}`));
    });
    for (const ext of ['.pb', '.json']) count(ext, randomBytes(`random${ext}`, 150));
    expect(rejected).toBeGreaterThan(1000);
  });

  test('convertTrace on damaged input, and importOnnx on random, truncated and byte-flipped models', () => {
    const [small] = validTraces();
    for (const bytes of damaged(small!['.pb'], 'convert', 200)) {
      survives('.pb', bytes, (f) => convertTrace(f, path.join(tmp, 'out.json')));
    }
    let rejected = 0;
    const count = (cases: Uint8Array[]) => {
      for (const bytes of cases) if (survives('.onnx', bytes, (f) => importOnnx(f, {})) === 'rejected') rejected++;
    };
    validModels().forEach((m, i) => count(damaged(m, `onnx-${i}`)));
    count(randomBytes('random.onnx', 200));
    expect(rejected).toBeGreaterThan(500);
  });
});
