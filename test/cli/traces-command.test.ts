import { describe, expect, it } from 'vitest';
import { shippedTraceSummaries } from '../../sim/workloads/summary.js';
import { cli } from '../support/cli.js';

describe('eyeriss-sim traces', () => {
  it('--json prints exactly [{name, layers, macs, weights}] of every shipped trace', () => {
    const r = cli('traces', '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout) as Record<string, unknown>[];
    expect(list).toEqual(shippedTraceSummaries());
    for (const t of list) expect(Object.keys(t)).toEqual(['name', 'layers', 'macs', 'weights']);
    // AlexNet: 8 on-chip layers, 724M MACs and 61M weights per inference.
    expect(list.find((t) => t.name === 'alexnet')).toEqual({ name: 'alexnet', layers: 8, macs: 724406816, weights: 60954656 });
  });

  it('prints a table by default', () => {
    const r = cli('traces');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^trace\s+on-chip layers\s+MMACs\s+M weights/);
    expect(r.stdout).toMatch(/^alexnet\s+8\s+724\.4\s+60\.95$/m);
  });
});
