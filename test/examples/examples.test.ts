/** Every script in examples/ runs (from sources, through tsx) and prints what it promises. */
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadHwConfig } from '../../sim/config/hw-config.js';
import { buildLut } from '../../sim/design/netadapt.js';
import { packageRoot } from '../../sim/paths.js';
import { loadTrace } from '../../sim/workloads/trace.js';
import { tempDir } from '../support/cli.js';

const root = packageRoot();
const scratch = tempDir();
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A NetAdapt table of the small test network, for the greedy example; c1 and pw are in it. */
async function smallLut(): Promise<string> {
  const trace = loadTrace(join(root, 'test', 'fixtures', 'small-net.json'));
  const { lut } = await buildLut({ hw: loadHwConfig('eyeriss-v2'), hwName: 'eyeriss-v2', trace, keep: [0.5, 0.25], out: scratch, seed: 1, peMode: 'compressed', jobs: 2 });
  const file = join(scratch, 'lut.json');
  writeFileSync(file, JSON.stringify(lut));
  return file;
}

/** Runs an example with tsx (which maps 'eyeriss-sim' to sim/index.ts through tsconfig's paths). */
export function runExample(file: string, args: string[] = []): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'examples', file), ...args], { cwd: root, encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** What each example must print (a line pattern per run), with small arguments so the suite stays fast. */
const EXPECTED: Record<string, { args?: () => Promise<string[]> | string[]; lines: RegExp[]; check?: (out: string[]) => void }> = {
  'run-network.ts': { args: () => ['mobilenet-v1-0.5-128', 'conv_dw_13'], lines: [/^conv_dw_13: \d+ cycles, [\d.]+ uJ, check pass$/, /^total: \d+ cycles, [\d.]+ uJ per inference$/] },
  'netadapt-greedy.ts': {
    // A budget below what shrinking one layer fully saves: the loop takes several steps and meets it.
    args: async () => [await smallLut(), '600'],
    lines: [/^start: \d+ cycles, [\d.]+ uJ; budget 600 cycles$/, /^shrink \w+ to \d+\/\d+ channels: /, /^result: \d+ cycles, [\d.]+ uJ; /],
    check: (out) => expect(Number(/^result: (\d+) cycles/.exec(out.at(-1)!)![1])).toBeLessThanOrEqual(600),
  },
  'weight-density-loop.ts': {
    lines: [/^weight density 1: \d+ cycles, [\d.]+ uJ, check pass$/, /^weight density 0.5: /, /^weight density 0.25: /],
    // Fewer weights, less energy.
    check: (out) => {
      const uj = out.map((l) => Number(/([\d.]+) uJ/.exec(l)![1]));
      expect(uj[1]).toBeLessThan(uj[0]!);
      expect(uj[2]).toBeLessThan(uj[1]!);
    },
  },
};

describe('examples/', () => {
  it('every example has an expectation here', () => {
    expect(readdirSync(join(root, 'examples')).filter((f) => f.endsWith('.ts')).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.keys(EXPECTED))('%s runs', async (file) => {
    const { args, lines } = EXPECTED[file]!;
    const r = runExample(file, await args?.());
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = r.stdout.trim().split('\n');
    // A line pattern may repeat (the greedy loop's steps): each line matches its pattern or the one before it.
    expect(out.length).toBeGreaterThanOrEqual(lines.length);
    let i = 0;
    for (const line of out) {
      if (i < lines.length && lines[i]!.test(line)) i++;
      else expect(line).toMatch(lines[i - 1]!);
    }
    expect(i, out.join('\n')).toBe(lines.length);
    EXPECTED[file]!.check?.(out);
  });
});
