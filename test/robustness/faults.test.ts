/**
 * Faults: a full disk (a real `ulimit -f` in a child shell, and the fault-injection hook), a process killed while
 * writing, concurrent and stopped sweeps, outputs that cannot be written, exit codes. The guarantee under test:
 * a failed or killed command leaves nothing new under an output's name, and every failure has its exit code.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { describe, expect, test, vi } from 'vitest';
import { exitCodeOf } from '../../sim/cli/main.js';
import { EnvironmentError, InputError, SimulationError } from '../../sim/errors.js';
import { loadHwConfig } from '../../sim/config/hw-config.js';
import { packageRoot } from '../../sim/paths.js';
import { runNetwork } from '../../sim/run/network.js';
import { SweepOut } from '../../sim/sweep/out-dir.js';
import { runSweep } from '../../sim/sweep/runner.js';
import { loadSweep } from '../../sim/sweep/spec.js';
import { isTotalRow, mergeResults, readResults, type ResultRow, writeResults } from '../../sim/sweep/results.js';
import { loadTrace } from '../../sim/workloads/trace.js';
import { type LayerObject, writeTrace } from '../../sim/workloads/trace-io.js';
import { expectClear, robustnessSuite } from './tally.js';

const { tally, tmp } = robustnessSuite('faults');
const bin = path.join(packageRoot(), 'bin', 'eyeriss-sim.js');
const shipped = (name: string): string => path.join(packageRoot(), 'traces', `${name}.json`);

/** A fresh empty folder. */
function folder(name: string): string {
  const dir = path.join(tmp, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  return dir;
}

/** Runs the CLI and counts the case: an exit code of `code` with one line on stderr is a clear error. */
function expectExit(code: number, args: string[], env: Record<string, string> = {}): string {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  tally.cases++;
  const lines = r.stderr.trim().split('\n').filter((l) => !l.includes('warning:'));
  if (r.status === code && lines.length === 1) tally.clearErrors++;
  else tally.crashes.push(`${args.join(' ')}: exit ${r.status}, ${r.stderr}`);
  expect(r.status, r.stderr).toBe(code);
  expect(lines).toHaveLength(1);
  return r.stderr;
}

const tinyTrace = (dir: string, layers: LayerObject[] = [{ name: 'a', type: 'CONV' as const, m: 4, r: 3, s: 3, padTop: 1, padBottom: 1, padLeft: 1, padRight: 1, iactDensity: 0.5, weightDensity: 0.5 }]): string => {
  const file = path.join(dir, 'tiny.json');
  writeTrace({ version: 1, name: 'tiny', batch: 1, inputShape: [2, 6, 6], layers }, file);
  return file;
};

describe('a full disk', () => {
  test('ulimit -f: trace convert exits 4 and leaves nothing', () => {
    const dir = folder('ulimit');
    const out = path.join(dir, 'a.pb');
    const r = spawnSync('bash', ['-c', `ulimit -f 1; exec "${process.execPath}" "${bin}" trace convert "${shipped('alexnet-sparse')}" "${out}"`], { encoding: 'utf8' });
    tally.cases++;
    expect(r.status, r.stderr).toBe(4);
    expect(r.stderr).toMatch(/EFBIG.*raise the limit or write elsewhere/);
    expect(readdirSync(dir)).toEqual([]);
    tally.clearErrors++;
  });

  test('ENOSPC (injected): convert, run --json --csv and sweep --out exit 4 and leave nothing new', () => {
    const dir = folder('enospc');
    const enospc = { EYERISS_SIM_FAULT_ENOSPC_AFTER: '100' };
    expect(expectExit(4, ['trace', 'convert', shipped('alexnet'), path.join(dir, 'a.pb')], enospc)).toMatch(/ENOSPC: the disk is full/);
    // Room for the JSON but not the CSV after it: before, the JSON stayed and the run exited 2.
    const input = folder('enospc-in');
    const trace = tinyTrace(input);
    expect(spawnSync(process.execPath, [bin, 'run', '--trace', trace, '--json', path.join(input, 'r.json'), '--quiet']).status).toBe(0);
    const room = String(statSync(path.join(input, 'r.json')).size + 10);
    expectExit(4, ['run', '--trace', trace, '--json', path.join(dir, 'r.json'), '--csv', path.join(dir, 'r.csv'), '--quiet'], { EYERISS_SIM_FAULT_ENOSPC_AFTER: room });
    expect(readdirSync(dir)).toEqual([]);
    const sweep = path.join(input, 'sweep.yaml');
    writeFileSync(sweep, `version: 1\ntrace: ${JSON.stringify(trace)}\nparameters:\n  noc.iact.portBits: [12, 24]\n`);
    expectExit(4, ['sweep', sweep, '--out', path.join(dir, 'sweep'), '--jobs', '1'], { EYERISS_SIM_FAULT_ENOSPC_AFTER: '2000' });
    expect(readdirSync(path.join(dir, 'sweep')).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});

describe('a process killed while writing', () => {
  test('SIGKILL in the middle of trace convert\'s write leaves nothing under the output\'s name', async () => {
    const dir = folder('kill');
    // A trace with 4 MB of weights, so the write takes long enough to be interrupted.
    const big = path.join(dir, 'big.json');
    writeTrace({ version: 1, name: 'big', batch: 1, inputShape: [64, 8, 8], layers: [0, 1, 2, 3].map((i) => ({
      name: `l${i}`, type: 'CONV' as const, m: 64 * 16, r: 3, s: 3, padTop: 1, padBottom: 1, padLeft: 1, padRight: 1, iactDensity: 1, weightDensity: 1,
      ...(i === 0 ? {} : { c: 64 * 16 }), weights: { shape: [1024, i === 0 ? 64 : 1024, 3, 3], int8Data: new Uint8Array(1024 * (i === 0 ? 64 : 1024) * 9).fill(3) },
    })) }, big);
    let interrupted = 0;
    for (const run of [0, 1, 2]) {
      const out = path.join(dir, `out-${run}.pb`);
      const child = spawn(process.execPath, [bin, 'trace', 'convert', big, out], { stdio: 'ignore' });
      const exited = new Promise((r) => child.once('exit', r));
      // Killed as soon as its temporary appears: in the middle of writing the file.
      while (child.exitCode === null && !readdirSync(dir).some((f) => f.startsWith(`.out-${run}.pb.tmp-`))) await new Promise((r) => setTimeout(r, 2));
      child.kill('SIGKILL');
      await exited;
      tally.cases++;
      if (!existsSync(out)) {
        tally.clearErrors++; // nothing under the output's name
        interrupted++;
      } else if (loadTrace(out).layers.length === 4) tally.accepted++; // finished before the kill
      else tally.silentlyWrong(`${out}: a partial trace under the output's name`);
    }
    expect(interrupted).toBeGreaterThan(0);
    expect(tally.wrong).toEqual([]);
  }, 60_000);
});

describe('outputs checked before any simulation', () => {
  test('same path twice, a folder, a path through a file, a missing folder', () => {
    const dir = folder('outs');
    const trace = tinyTrace(dir);
    writeFileSync(path.join(dir, 'file'), 'x');
    expect(expectExit(2, ['run', '--trace', trace, '--json', path.join(dir, 'x'), '--csv', path.join(dir, 'x')])).toMatch(/--csv: .* is also the --json output/);
    expect(expectExit(2, ['run', '--trace', trace, '--json', dir])).toMatch(/is a folder, expected a file path/);
    expect(expectExit(4, ['run', '--trace', trace, '--csv', path.join(dir, 'file', 'r.csv')])).toMatch(/ENOTDIR/);
    expect(expectExit(2, ['trace', 'convert', trace, path.join(dir, 'none', 'r.pb')])).toMatch(/does not exist/);
    expect(readdirSync(dir).sort()).toEqual(['file', 'tiny.json']);
  });

  test('strict flags and pins: an unknown pinned layer, a seed beyond 2^53, a batch beyond the bound', () => {
    const dir = folder('flags');
    const trace = tinyTrace(dir);
    writeFileSync(path.join(dir, 'pins.yaml'), 'nope: "peRow=R3 peCol=E4 M0=4 C0=2"\n');
    expect(expectExit(2, ['run', '--trace', trace, '--mappings', path.join(dir, 'pins.yaml')])).toMatch(/field nope: no on-chip layer "nope" in trace tiny/);
    expect(expectExit(2, ['run', '--trace', trace, '--seed', '9007199254740993'])).toMatch(/--seed: got "9007199254740993", expected a non-negative integer <= 9007199254740991/);
    expect(expectExit(2, ['run', '--trace', trace, '--batch', '1000000000'])).toMatch(/--batch: .* <= 4096/);
  });

  test('a later layer no mapping fits is found before the first layer is simulated', () => {
    const layers = [
      { name: 'fits', type: 'CONV' as const, m: 4, r: 3, s: 3, padTop: 1, padBottom: 1, padLeft: 1, padRight: 1, iactDensity: 1, weightDensity: 1 },
      { name: 'wide', type: 'CONV' as const, m: 4, r: 1, s: 6, iactDensity: 1, weightDensity: 1 },
    ];
    const trace = loadTrace(tinyTrace(folder('late'), layers));
    const hw = loadHwConfig('eyeriss-v2');
    const small = { ...hw, config: { ...hw.config, pe: { ...hw.config.pe, iactDataSpadEntries: 4 } } };
    const done = vi.fn();
    tally.cases++;
    expect(() => runNetwork({ hw: small, trace, seed: 1, engine: 'event', check: false, onLayerDone: done })).toThrow(/layer "wide": no mapping fits/);
    expect(done).not.toHaveBeenCalled();
    tally.clearErrors++;
  });

  test('a psum bank too small is reported as the GLB\'s problem, not the scratchpads\'', () => {
    const hw = loadHwConfig('eyeriss-v2');
    const tiny = { ...hw, config: { ...hw.config, glb: { ...hw.config.glb, psumBankBytes: 1 } } };
    expectClear(tally, 'psum bank', () => runNetwork({ hw: tiny, trace: loadTrace('alexnet'), layers: ['conv1'], seed: 1, engine: 'event', check: false }),
      /does fit the PE scratchpads, but no mapping's input rows and partial sums fit the GLB banks \(glb.iactBankBytes 1536 B, glb.psumBankBytes 1 B\)/);
  });
});

describe('sweep folders', () => {
  const row = (point: number, sweep: string, layer = 'a', type = 'CONV'): ResultRow => ({
    point, key: `k${point}`, sweep, trace: 't', hw: 'h', seed: 1, batch: 1, pes: 1, params: {}, layer, type, cycles: 1, latencySeconds: 1,
    inferencesPerSecond: null, energyJoules: 1, peUtilization: 1, macUtilization: 1, dramBytes: 1, nominalMacs: 1, effectiveMacs: 1, check: 'pass',
    peMode: '', compressedEnergyRatio: null, energyByLevel: {} as ResultRow['energyByLevel'], energyByDataType: {} as ResultRow['energyByDataType'],
  });
  const record = (sweep: string, file: string) => ({ sweep, file, points: 2, shardPoints: 2, shard: null });

  test('a second sweep is kept out while one writes, another sweep\'s folder is refused, a dead writer\'s lock is taken over', () => {
    const dir = folder('lock');
    const a = SweepOut.open(dir, record('A', 'a.yaml'), () => new Set());
    tally.cases += 3;
    expect(() => SweepOut.open(dir, record('A', 'a.yaml'), () => new Set())).toThrow(/another sweep is writing this folder \(a\.yaml, process \d+/);
    a.close('finished');
    expect(() => SweepOut.open(dir, record('B', 'b.yaml'), () => new Set())).toThrow(/holds results of another sweep \(a\.yaml\)/);
    // A lock left by a process that is gone (a sweep killed with SIGKILL).
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    writeFileSync(path.join(dir, 'sweep.lock'), JSON.stringify({ pid: Number(gone), host: hostname(), file: 'a.yaml' }));
    SweepOut.open(dir, record('A', 'a.yaml'), () => new Set()).close('finished');
    tally.clearErrors += 3;
  });

  test('a stopped sweep can be reported, and says so', () => {
    const dir = folder('stopped');
    const out = SweepOut.open(dir, record('A', 'a.yaml'), () => new Set());
    writeResults(dir, [row(0, 'A'), row(0, 'A', 'total', 'total')]);
    out.progress(1);
    out.close('stopped');
    const loaded = readResults(dir);
    expect(loaded.rows).toHaveLength(2);
    expect(loaded.incomplete).toBe(`${dir}: the last sweep (a.yaml) did not finish: results of 1 of 2 points`);
    tally.cases++;
    tally.clearErrors++;
  });

  test('merge refuses shards of different sweeps and gives each point once; a layer named total is not a total', () => {
    const [a, b, c] = [folder('ma'), folder('mb'), folder('mc')];
    writeResults(a, [row(0, 'A'), row(2, 'A')]);
    writeResults(b, [row(1, 'B')]);
    writeResults(c, [row(1, 'A'), row(2, 'A')]);
    tally.cases += 2;
    expect(() => mergeResults([a, b])).toThrow(/results of another sweep .* expected shards of one sweep file/);
    expect(mergeResults([a, c, a]).rows.map((r) => r.point)).toEqual([0, 1, 2]);
    expect(isTotalRow(row(0, 'A', 'total', 'CONV'))).toBe(false);
    expect(isTotalRow(row(0, 'A', 'total', 'total'))).toBe(true);
    tally.clearErrors += 2;
  });

  test('a worker out of memory fails the sweep with exit code 4, naming its point', async () => {
    const dir = folder('oom');
    const file = path.join(dir, 'oom.yaml');
    writeFileSync(file, 'version: 1\ntrace: mobilenet-v1-0.5-128-sparse\nlayers: [conv_pw_13]\nparameters:\n  noc.iact.portBits: [24]\n');
    let err: unknown;
    await runSweep(loadSweep(file), { jobs: 1, workerHeapMb: 8 }).catch((e: unknown) => (err = e));
    tally.cases++;
    expect(err).toBeInstanceOf(EnvironmentError);
    expect((err as Error).message).toMatch(/oom\.yaml: point 0 \(noc\.iact\.portBits=24, trace mobilenet-v1-0\.5-128-sparse\): the worker ran out of memory; run fewer --jobs/);
    tally.clearErrors++;
  });

  test('a malformed results row is a clear error naming the line and field', () => {
    const dir = folder('badrow');
    writeResults(dir, [row(0, 'A')]);
    const file = path.join(dir, 'results.jsonl');
    writeFileSync(file, readFileSync(file, 'utf8').replace('"cycles":1,', ''));
    expectClear(tally, 'bad row', () => readResults(dir), /results\.jsonl: line 1: .* expected a result row \(field cycles: missing or of the wrong type\)/);
  });
});

describe('exit codes', () => {
  test('2 bad input, 3 simulator fault, 4 environment, 70 only for the unforeseen', () => {
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(exitCodeOf(new InputError('x'))).toBe(2);
      expect(exitCodeOf(new SimulationError('outputs differ from the reference in conv1'))).toBe(3);
      expect(exitCodeOf(new EnvironmentError('x'))).toBe(4);
      expect(exitCodeOf(Object.assign(new Error('ENOSPC'), { code: 'ENOSPC' }))).toBe(4);
      expect(exitCodeOf(Object.assign(new Error('worker'), { code: 'ERR_WORKER_OUT_OF_MEMORY' }))).toBe(4);
      expect(exitCodeOf(new RangeError('Array buffer allocation failed'))).toBe(4);
      expect(exitCodeOf(new TypeError('x is undefined'))).toBe(70);
    } finally {
      spy.mockRestore();
    }
  });
});
