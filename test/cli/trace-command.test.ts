import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTrace } from '../../sim/workloads/trace.js';
import { cli, tempDir, writeTrace } from '../support/cli.js';

const layers = [
  {
    name: 'c1', type: 'CONV', c: 2, h: 4, w: 4, m: 4, r: 3, s: 3, padTop: 1, padBottom: 1, padLeft: 1, padRight: 1,
    seed: 1, source: 'test', // densities measured from the tensors
    weights: { shape: [4, 2, 3, 3], int8Data: Buffer.from(Int8Array.from({ length: 72 }, (_, i) => (i % 7) - 3).buffer).toString('base64') },
    iacts: { shape: [1, 2, 4, 4], uint8Data: Buffer.from(Uint8Array.from({ length: 32 }, (_, i) => i * 8)).toString('base64') },
  },
  { name: 'p1', type: 'POOL_AVG', r: 4, s: 4 },
  { name: 'fc', type: 'FC', m: 3, iactDensity: 0, weightDensity: 0.25, weightSparsity: { pattern: 'per-output-channel', spread: 0 } },
];

describe('eyeriss-sim trace convert', () => {
  it('converts JSON -> .pb -> JSON losslessly (tensors, explicit zeros, weightSparsity)', () => {
    const dir = tempDir();
    const json = writeTrace(dir, 'net', layers, { inputShape: [2, 4, 4] });
    const pb = join(dir, 'net.pb');
    const back = join(dir, 'back.json');
    const r = cli('trace', 'convert', json, pb);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`wrote ${pb} (3 layers)\n`);
    expect(cli('trace', 'convert', pb, back).code).toBe(0);
    const [a, b] = [loadTrace(json), loadTrace(back)];
    expect({ ...b, file: '', sha256: '' }).toEqual({ ...a, file: '', sha256: '' });
    expect(b.layers.at(-1)!.iactDensity).toBe(0);
    // The converter's output is canonical: converting it again gives the same bytes, both ways.
    expect(cli('trace', 'convert', back, join(dir, 'again.pb')).code).toBe(0);
    expect(readFileSync(join(dir, 'again.pb'))).toEqual(readFileSync(pb));
    expect(cli('trace', 'convert', join(dir, 'again.pb'), join(dir, 'again.json')).code).toBe(0);
    expect(readFileSync(join(dir, 'again.json'), 'utf8')).toBe(readFileSync(back, 'utf8'));
  });

  it('fails with one line on bad input', () => {
    const dir = tempDir();
    const json = writeTrace(dir, 'net', layers, { inputShape: [2, 4, 4] });
    for (const [args, message] of [
      [[json, join(dir, 'x.txt')], /x\.txt: unknown trace format "\.txt", expected a \.json or \.pb file/],
      [[join(dir, 'none.json'), join(dir, 'x.pb')], /none\.json: cannot read the file/],
      [[json], /missing required argument 'out'/],
    ] as const) {
      const r = cli('trace', 'convert', ...args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    writeFileSync(join(dir, 'bad.pb'), Buffer.from([0xff, 0xff, 0xff]));
    const r = cli('trace', 'convert', join(dir, 'bad.pb'), join(dir, 'out.json'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^eyeriss-sim: .*bad\.pb: truncated or corrupt protobuf/);
  });
});
