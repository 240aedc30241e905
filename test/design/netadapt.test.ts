import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadHwConfig } from '../../sim/config/hw-config.js';
import { buildLut, lutCsv } from '../../sim/design/netadapt.js';
import { packageRoot } from '../../sim/paths.js';
import { runNetwork } from '../../sim/run/network.js';
import { loadTrace } from '../../sim/workloads/trace.js';
import { tempDir } from '../support/cli.js';

const out = tempDir();
afterAll(() => rmSync(out, { recursive: true, force: true }));
// c1 (CONV 16) -> pool -> dw (DWCONV 16) -> pw (PWCONV 12) -> flatten -> fc (FC 10)
const trace = loadTrace(join(packageRoot(), 'test', 'fixtures', 'small-net.json'));
const hw = loadHwConfig('eyeriss-v2');
const options = { hw, hwName: 'eyeriss-v2', trace, keep: [0.5, 0.25], out, seed: 1, peMode: 'compressed' as const, jobs: 2 };

describe('NetAdapt tables', async () => {
  const first = await buildLut(options);
  const { lut } = first;

  it('has an entry per prunable layer and keep; says why the others are left out', () => {
    expect(lut.layers.map((l) => [l.name, l.chain, l.entries.map((e) => e.channels)])).toEqual([
      ['c1', ['p1', 'dw', 'pw'], [16, 8, 4]],
      ['pw', ['flat', 'fc'], [12, 6, 3]],
    ]);
    expect(lut.skipped).toEqual([
      { name: 'dw', reason: 'depth-wise: its channels shrink with the layer before it' },
      { name: 'fc', reason: 'its output is the network\'s output' },
    ]);
    for (const l of lut.layers) {
      const cycles = l.entries.map((e) => e.cycles);
      expect(cycles).toEqual([...cycles].sort((a, b) => b - a));
      expect(l.entries[2]!.energyJoules).toBeLessThan(l.entries[0]!.energyJoules);
    }
  });

  it('a full-size entry costs what its layers cost inside the whole network (same shapes, seeds, data)', () => {
    const run = runNetwork({ hw, trace, seed: 1, engine: 'event', check: false, peMode: 'compressed' });
    const cycles = (names: string[]) => run.layers.filter((l) => names.includes(l.name)).reduce((s, l) => s + l.cycles, 0);
    expect(lut.network.cycles).toBe(cycles(['c1', 'dw', 'pw', 'fc']));
    expect(lut.layers[0]!.entries[0]!.cycles).toBe(cycles(['c1', 'dw', 'pw']));
    expect(lut.layers[1]!.entries[0]!.cycles).toBe(cycles(['pw', 'fc']));
  });

  it('the shrunk layers read fewer channels: the depth-wise layer and the next convolution follow', () => {
    const sub = loadTrace(join(out, 'traces', 'c1@4.pb'));
    expect(sub.layers.map((l) => [l.name, l.C, l.M, l.G])).toEqual([['c1', 3, 4, 1], ['p1', 4, 4, 4], ['dw', 4, 4, 4], ['pw', 4, 12, 1]]);
    const fc = loadTrace(join(out, 'traces', 'pw@3.pb')).layers.at(-1)!;
    expect([fc.C, fc.M]).toEqual([3 * 6 * 6, 10]);
  });

  it('resumes: a second build simulates nothing and gives the same table; CSV has a row per entry', async () => {
    const again = await buildLut(options);
    expect([first.ran, again.ran, again.reused]).toEqual([7, 0, 7]);
    expect(again.lut).toEqual(lut);
    expect(lutCsv(lut).trim().split('\n')).toHaveLength(1 + 6);
    expect(readFileSync(join(out, 'sweep', 'results.csv'), 'utf8')).toContain('c1@8');
  });
});
