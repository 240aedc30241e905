import { mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { main } from '../../sim/cli/main.js';
import { buildJsonReport } from '../../sim/report/json-report.js';
import { runNetwork } from '../../sim/run/network.js';
import { metricsOfReport, readResults } from '../../sim/sweep/results.js';
import { runSweep, type SweepOutcome } from '../../sim/sweep/runner.js';
import { applyDensityEdits, loadSweep, type SweepPlan } from '../../sim/sweep/spec.js';
import { loadTrace } from '../../sim/workloads/trace.js';

// Tiny sweeps: two small MobileNet layers, four points (a fraction of a second each).
const tmp = mkdtempSync(path.join(tmpdir(), 'eyeriss-sweep-run-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const SPEC = `version: 1
trace: mobilenet-v1-0.5-128-sparse
layers: [conv_dw_13, conv_pw_13]
parameters:
  noc.iact.portBits: [12, 24]
  trace.iactDensity: [0.5, 1.0]
`;
const file = path.join(tmp, 'tiny.yaml');
let plan: SweepPlan;
let full: SweepOutcome;
const fullDir = path.join(tmp, 'full');

beforeAll(async () => {
  writeFileSync(file, SPEC);
  plan = loadSweep(file);
  full = await runSweep(plan, { out: fullDir, jobs: 2 });
});

/** Runs the CLI in this process, capturing stdout. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string }> {
  const out: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
  try {
    return { code: await main(['node', 'eyeriss-sim', ...args]), stdout: out.join('') };
  } finally {
    spy.mockRestore();
  }
}

describe('sweep runs', () => {
  test('one row per point and layer plus a total row, parameters beside the metrics', () => {
    expect(full).toMatchObject({ points: 4, ran: 4, reused: 0 });
    expect(full.rows.map((r) => `${r.point}:${r.layer}`)).toEqual([0, 1, 2, 3].flatMap((p) => [`${p}:conv_dw_13`, `${p}:conv_pw_13`, `${p}:total`]));
    const [dw, pw, total] = full.rows;
    expect(total!.cycles).toBe(dw!.cycles + pw!.cycles);
    expect(total!.inferencesPerSecond).toBeCloseTo(1 / total!.latencySeconds, 6);
    expect(total!.energyJoules).toBeCloseTo(dw!.energyJoules + pw!.energyJoules, 15);
    expect(full.rows[3]!.params).toEqual({ 'noc.iact.portBits': 12, 'trace.iactDensity': 1 });
    // Each layer says which sparse-PE mode it ran in; the total row has none.
    expect(full.rows.map((r) => r.peMode).every((m, i) => (i % 3 === 2 ? m === '' : m === 'compressed' || m === 'uncompressed'))).toBe(true);
    // Denser iacts cost cycles; the sweep really edited the trace.
    expect(full.rows[5]!.cycles).toBeGreaterThan(total!.cycles);
  });

  test('a point equals a plain run of its edited config and trace (tensors reused across points change nothing)', () => {
    for (const p of [plan.points[1]!, plan.points[3]!]) {
      const trace = applyDensityEdits(loadTrace(p.traceFile), p.edits);
      const run = runNetwork({ hw: p.hw, trace, layers: p.layers, seed: p.seed, engine: 'event', check: false });
      const rows = full.rows.filter((r) => r.point === p.index).map(({ point, key, sweep, trace: _t, hw, seed, batch, pes, params, ...m }) => m);
      expect(rows).toEqual(metricsOfReport(buildJsonReport(run, p.hw, trace, p.seed, 'event')));
    }
  });

  test('check: true runs the bit-exact check in the workers', async () => {
    const checked = path.join(tmp, 'checked.yaml');
    writeFileSync(checked, 'version: 1\ntrace: mobilenet-v1-0.5-128-sparse\nlayers: [conv_dw_13]\ncheck: true\nbatch: 2\n');
    const r = await runSweep(loadSweep(checked), { jobs: 1 });
    expect(r.rows.map((x) => [x.layer, x.check, x.batch])).toEqual([['conv_dw_13', 'pass', 2], ['total', 'pass', 2]]);
  });

  test('results.csv columns', () => {
    const [header, ...lines] = readFileSync(path.join(fullDir, 'results.csv'), 'utf8').trimEnd().split('\n');
    const cols = header!.split(',');
    expect(cols.slice(0, 20)).toEqual(['point', 'trace', 'hw', 'seed', 'batch', 'pes', 'noc.iact.portBits', 'trace.iactDensity', 'layer', 'type',
      'cycles', 'latencySeconds', 'inferencesPerSecond', 'energyJoules', 'peUtilization', 'macUtilization', 'dramBytes', 'nominalMacs', 'effectiveMacs', 'check']);
    expect(cols).toContain('energyByLevel.dram');
    expect(cols).toContain('energyByDataType.psum');
    expect(cols.slice(-2)).toEqual(['key', 'sweep']);
    expect(lines).toHaveLength(12);
    const total = lines[2]!.split(',');
    expect(total.slice(0, 10)).toEqual(['0', 'mobilenet-v1-0.5-128-sparse', 'eyeriss-v2', '1', '1', '192', '12', '0.5', 'total', 'total']);
    expect(Number(total[cols.indexOf('cycles')])).toBe(full.rows[2]!.cycles);
  });

  test('resume: a second run simulates nothing; a lost point is simulated again', async () => {
    const again = await runSweep(plan, { out: fullDir, jobs: 2 });
    expect(again).toMatchObject({ points: 4, ran: 0, reused: 4 });
    expect(again.rows).toEqual(full.rows);
    const points = readdirSync(path.join(fullDir, 'points'));
    expect(points).toHaveLength(4);
    unlinkSync(path.join(fullDir, 'points', points[0]!));
    const third = await runSweep(plan, { out: fullDir, jobs: 2 });
    expect(third).toMatchObject({ ran: 1, reused: 3 });
    expect(third.rows).toEqual(full.rows);
  });

  test('shards 1/2 and 2/2 merged equal the unsharded run', async () => {
    const s1 = await runSweep(plan, { out: path.join(tmp, 's1'), shard: { k: 1, n: 2 }, jobs: 1 });
    expect(s1.rows.map((r) => r.point)).toEqual([0, 0, 0, 2, 2, 2]);
    const { code, stdout } = await cli('sweep', file, '--out', path.join(tmp, 's2'), '--shard', '2/2');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^2 points: 2 simulated, 0 reused/);
    // --out after the directories, as people type it.
    expect((await cli('sweep', 'merge', path.join(tmp, 's2'), path.join(tmp, 's1'), path.join(tmp, 's1'), '--out', path.join(tmp, 'merged'))).code).toBe(0);
    for (const f of ['results.jsonl', 'results.csv']) {
      const [a, b] = [readFileSync(path.join(tmp, 'merged', f), 'utf8'), readFileSync(path.join(fullDir, f), 'utf8')];
      expect(a).toBe(b);
    }
    expect(readResults(path.join(tmp, 'merged')).rows).toEqual(full.rows);
  });

  test('without --out the CLI prints a summary table of the points', async () => {
    const one = path.join(tmp, 'one.yaml');
    writeFileSync(one, SPEC.replace('[12, 24]', '[24]').replace('[0.5, 1.0]', '[0.5]'));
    const { code, stdout } = await cli('sweep', one, '--jobs', '1');
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^point +trace +noc\.iact\.portBits +trace\.iactDensity +cycles +inferences\/s +energy uJ +PE util +DRAM kB$/);
    expect(lines[2]).toContain(String(full.rows[8]!.cycles));
    expect(lines.at(-1)).toMatch(/^1 points: 1 simulated, 0 reused/);
  });
});
