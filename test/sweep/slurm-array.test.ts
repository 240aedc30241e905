import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { packageRoot } from '../../sim/paths.js';
import { readResults } from '../../sim/sweep/results.js';
import { cli, tempDir } from '../support/cli.js';

// hw-configs/sweeps/slurm-array.sh without Slurm: the variables Slurm sets for an array 1-2 (here 5-6, to see that
// the shard number counts from the array's first index), each task into its own directory, then merged.
test('the Slurm array script runs shard K/N per task into its own directory, and the shards merge into every point', () => {
  const dir = tempDir();
  const spec = path.join(dir, 'tiny.yaml');
  writeFileSync(spec, `version: 1
trace: mobilenet-v1-0.5-128-sparse
layers: [conv_dw_13]
parameters:
  noc.iact.portBits: [12, 24, 48]
`);
  const script = path.join(packageRoot(), 'hw-configs', 'sweeps', 'slurm-array.sh');
  const out = path.join(dir, 'out');
  for (const id of ['5', '6']) {
    const r = spawnSync('bash', [script, spec, out], {
      encoding: 'utf8',
      env: {
        ...process.env, SLURM_ARRAY_TASK_ID: id, SLURM_ARRAY_TASK_COUNT: '2', SLURM_ARRAY_TASK_MIN: '5', SLURM_CPUS_PER_TASK: '1',
        EYERISS_SIM: `${process.execPath} ${path.join(packageRoot(), 'bin', 'eyeriss-sim.js')}`,
      },
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  }
  const points = (d: string): number[] => [...new Set(readResults(d).rows.map((r) => r.point))];
  expect(points(path.join(out, 'shard-1-of-2'))).toEqual([0, 2]);
  expect(points(path.join(out, 'shard-2-of-2'))).toEqual([1]);
  const merged = cli('sweep', 'merge', path.join(out, 'shard-1-of-2'), path.join(out, 'shard-2-of-2'), '--out', path.join(out, 'merged'));
  expect(merged.code).toBe(0);
  const rows = readResults(path.join(out, 'merged')).rows.filter((r) => r.layer === 'total');
  expect(rows.map((r) => r.params['noc.iact.portBits'])).toEqual([12, 24, 48]);
});

test('outside an array task the script says how to submit it', () => {
  const r = spawnSync('bash', [path.join(packageRoot(), 'hw-configs', 'sweeps', 'slurm-array.sh'), 'x.yaml', 'out'], {
    encoding: 'utf8', env: { PATH: process.env.PATH },
  });
  expect(r.status).not.toBe(0);
  expect(r.stderr).toMatch(/not an array task: submit with sbatch --array=1-N/);
});
