import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { shippedTraceSummaries } from '../../sim/workloads/summary.js';
import { cli, tempDir } from '../support/cli.js';

describe('eyeriss-sim traces', () => {
  it('--json - prints exactly [{name, layers, macs, weights, iactDensity, weightDensity}] of every shipped trace', () => {
    const r = cli('traces', '--json', '-');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout) as Record<string, unknown>[];
    expect(list).toEqual(shippedTraceSummaries());
    for (const t of list) expect(Object.keys(t)).toEqual(['name', 'layers', 'macs', 'weights', 'iactDensity', 'weightDensity']);
    // AlexNet: 8 on-chip layers, 724M MACs and 61M weights per inference, dense weights.
    expect(list.find((t) => t.name === 'alexnet')).toMatchObject({ name: 'alexnet', layers: 8, macs: 724406816, weights: 60954656, weightDensity: 1 });
    // The sparse variant prunes weights, not activations.
    const sparse = list.find((t) => t.name === 'alexnet-sparse')!;
    expect(sparse.weightDensity).toBeLessThan(0.5);
    expect(sparse.iactDensity).toBe(list.find((t) => t.name === 'alexnet')!.iactDensity);
  });

  it('--json FILE writes the same list to the file and prints the table', () => {
    const file = join(tempDir(), 'traces.json');
    const r = cli('traces', '--json', file);
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(shippedTraceSummaries());
    expect(r.stdout).toMatch(/^trace\s/);
  });

  it('prints a table with densities by default', () => {
    const r = cli('traces');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^trace\s+on-chip layers\s+MMACs\s+M weights\s+iact density\s+weight density/);
    expect(r.stdout).toMatch(/^alexnet\s+8\s+724\.4\s+60\.95\s+0\.48\s+1\.00$/m);
  });
});
