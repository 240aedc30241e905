import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readResults } from '../../sim/sweep/results.js';
import { cli, tempDir } from '../support/cli.js';

describe('eyeriss-sim sweep takes the shared options', () => {
  it('--trace keeps some of the file\'s traces; --seed and --check override the file', () => {
    const dir = tempDir();
    const spec = join(dir, 's.yaml');
    writeFileSync(spec, `version: 1
trace: [mobilenet-v1-0.5-128, mobilenet-v1-0.5-128-sparse]
layers: [conv_dw_13]
seed: 5
parameters:
  noc.iact.portBits: [24]
`);
    const out = join(dir, 'out');
    const r = cli('sweep', spec, '--trace', 'mobilenet-v1-0.5-128-sparse', '--seed', '3', '--check', '--jobs', '1', '--out', out, '--quiet');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    const rows = readResults(out).rows;
    expect(rows.map((x) => `${x.trace} ${x.layer} ${x.seed} ${x.check}`)).toEqual([
      'mobilenet-v1-0.5-128-sparse conv_dw_13 3 pass', 'mobilenet-v1-0.5-128-sparse total 3 pass',
    ]);
    const bad = cli('sweep', spec, '--trace', 'alexnet');
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toMatch(/--trace: got "alexnet", expected traces of .*s\.yaml: mobilenet-v1-0\.5-128, mobilenet-v1-0\.5-128-sparse$/);
  });
});
