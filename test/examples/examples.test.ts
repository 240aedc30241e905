/** Every script in examples/ runs (from sources, through tsx) and prints what it promises. */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../sim/paths.js';

const root = packageRoot();

/** Runs an example with tsx (which maps 'eyeriss-sim' to sim/index.ts through tsconfig's paths). */
export function runExample(file: string, args: string[] = []): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'examples', file), ...args], { cwd: root, encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** What each example must print (a line pattern per run), with small arguments so the suite stays fast. */
const EXPECTED: Record<string, { args?: string[]; lines: RegExp[]; check?: (out: string[]) => void }> = {
  'run-network.ts': { args: ['mobilenet-v1-0.5-128', 'conv_dw_13'], lines: [/^conv_dw_13: \d+ cycles, [\d.]+ uJ, check pass$/, /^total: \d+ cycles, [\d.]+ uJ per inference$/] },
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

  it.each(Object.keys(EXPECTED))('%s runs', (file) => {
    const { args, lines } = EXPECTED[file]!;
    const r = runExample(file, args);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = r.stdout.trim().split('\n');
    expect(out).toHaveLength(lines.length);
    lines.forEach((re, i) => expect(out[i]).toMatch(re));
    EXPECTED[file]!.check?.(out);
  });
});
