import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTrace } from '../../sim/workloads/trace.js';
import { cli, tempDir } from '../support/cli.js';
import { convReluPoolGemm, writeModel } from '../workloads/onnx-models.js';

describe('eyeriss-sim import', () => {
  it('writes an ONNX model as a .pb or .json trace that runs', () => {
    const dir = tempDir();
    const model = writeModel(dir, 'small.onnx', convReluPoolGemm().bytes);
    const pb = join(dir, 'small.pb');
    const r = cli('import', model, '-o', pb);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`wrote ${pb} (small, 5 layers, 2 on chip)\n`);
    const trace = loadTrace(pb);
    expect(trace.layers.map((l) => l.type)).toEqual(['CONV', 'POOL_MAX', 'FLATTEN', 'FC', 'SOFTMAX']);
    expect(trace.tensors.get(trace.layers[0]!.name)?.weights).toHaveLength(4 * 3 * 3 * 3);

    const json = join(dir, 'named.json');
    expect(cli('import', model, '-o', json, '--name', 'mine').code).toBe(0);
    expect(JSON.parse(readFileSync(json, 'utf8')).name).toBe('mine');
    const run = cli('run', '--trace', pb, '--propagate', '--quiet', '--json', '-');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).layers.map((l: { check: string }) => l.check)).toEqual(['pass', 'pass']);
  });

  it('fails with one line on bad input', () => {
    const dir = tempDir();
    const model = writeModel(dir, 'small.onnx', convReluPoolGemm().bytes);
    const cases = [
      [['import', join(dir, 'none.onnx'), '-o', join(dir, 'x.pb')], /none\.onnx: cannot read the file/],
      [['import', model, '-o', join(dir, 'x.txt')], /x\.txt: unknown trace format "\.txt"/],
      [['import', model], /required option '-o, --out <file>' not specified/],
      [['import', writeModel(dir, 'junk.onnx', Uint8Array.from([1, 2, 3])), '-o', join(dir, 'x.pb')], /junk\.onnx: .*(corrupt|not an ONNX model)/],
    ] as const;
    for (const [args, message] of cases) {
      const r = cli(...args);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
