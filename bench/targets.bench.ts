/**
 * The speed targets of the core issue in one table, beside the first release's figures (0.1.0, as the core issue
 * measured them) and the previous release's (its README), on this 2-core machine: whole sparse networks with the bit-exact check, serial and on worker threads, against the
 * reference convolution of the same layers in the same process; and with `--studies`, the NoC-bandwidth study, a
 * 16384-PE point of scaling.yaml (time and peak memory), and peak memory as simulated cycles grow.
 *
 * Wall time on a shared machine depends on the load, so every line also gives the process's CPU seconds (all
 * threads) and the run prints the load average beside the table.
 *
 * Run: npm run bench [-- --studies]
 */
import { execFileSync } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadHwConfig } from '../sim/config/hw-config.js';
import { referenceConv } from '../sim/reference/conv.js';
import { runNetwork } from '../sim/run/network.js';
import { runNetworkParallel } from '../sim/run/parallel.js';
import { isOnChip } from '../sim/workloads/layer.js';
import { synthesizeLayerTensors } from '../sim/workloads/tensors.js';
import { loadTrace } from '../sim/workloads/trace.js';

export interface TargetRow {
  what: string;
  target: string;
  /** The first release's figure (0.1.0, the core issue's measurement). */
  first: string;
  /** The previous release's figure (README of the release before this one). */
  previous: string;
  measured: string;
  met: boolean | null;
}

interface Timed<T> {
  value: T;
  wall: number;
  cpu: number;
}

async function timed<T>(f: () => T | Promise<T>): Promise<Timed<T>> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await f();
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { value, wall, cpu: (cpu.user + cpu.system) / 1e6 };
}

const fmt = (t: Timed<unknown>): string => `${t.wall.toFixed(2)} s (cpu ${t.cpu.toFixed(2)} s)`;

/** A sparse network's rows: serial and parallel runs with the check, and the ratio to the reference convolution. */
interface Earlier {
  firstSeconds: number;
  firstRatio: number;
  previousSeconds: string;
  previousThreaded: string;
  previousRatio: string;
}

async function networkRows(trace: string, label: string, targetSeconds: number, e: Earlier): Promise<TargetRow[]> {
  const hw = loadHwConfig('eyeriss-v2');
  const t = loadTrace(trace);
  runNetwork({ hw, trace: t, layers: [t.layers.find((l) => isOnChip(l.type))!.name], seed: 1, engine: 'event', check: true }); // JIT warm-up
  const serial = await timed(() => runNetwork({ hw, trace: t, seed: 1, engine: 'event', check: true }));
  const parallel = await timed(() => runNetworkParallel({ hw, trace: t, seed: 1, engine: 'event', check: true }));
  const noCheck = await timed(() => runNetwork({ hw, trace: t, seed: 1, engine: 'event', check: false }));
  const layers = t.layers.filter((l) => isOnChip(l.type));
  const tensors = layers.map((l) => synthesizeLayerTensors(l, 1));
  const reference = await timed(() => layers.forEach((l, i) => referenceConv(l, tensors[i]!.iacts, tensors[i]!.weights)));
  const ratio = noCheck.wall / reference.wall;
  const cycles = serial.value.layers.reduce((a, l) => a + l.cycles, 0);
  return [
    { what: `${label}, with the check, serial`, target: `<= ${targetSeconds} s`, first: `${e.firstSeconds} s`, previous: e.previousSeconds, measured: `${fmt(serial)}; ${serial.value.events} events, ${cycles} cycles`, met: serial.wall <= targetSeconds },
    { what: `${label}, with the check, ${availableParallelism()} threads`, target: `<= ${targetSeconds} s`, first: '-', previous: e.previousThreaded, measured: fmt(parallel), met: parallel.wall <= targetSeconds },
    { what: `${label}: simulator (serial, no check) / reference conv.`, target: '<= 3x', first: `${e.firstRatio}x`, previous: e.previousRatio, measured: `${ratio.toFixed(1)}x (reference ${fmt(reference)})`, met: ratio <= 3 },
  ];
}

/** Peak resident memory of a child process simulating `args` (bench/memory-probe.ts), in MB. */
function probe(args: string[]): { mb: number; seconds: number } {
  const script = fileURLToPath(new URL('./memory-probe.js', import.meta.url));
  const out = execFileSync(process.execPath, [script, ...args], { encoding: 'utf8', maxBuffer: 1 << 20 });
  const [mb, seconds] = out.trim().split(/\s+/).map(Number);
  return { mb: mb!, seconds: seconds! };
}

async function studyRows(): Promise<TargetRow[]> {
  const { loadSweep } = await import('../sim/sweep/spec.js');
  const { runSweep } = await import('../sim/sweep/runner.js');
  const noc = await timed(() => runSweep(loadSweep('hw-configs/sweeps/noc-bandwidth.yaml')));
  const big = probe(['scaling16k']);
  // The same layer at batch 1, 4 and 16: 16x the cycles, the same hardware state.
  const grow = [1, 4, 16].map((n) => ({ n, ...probe(['batch', String(n)]) }));
  const flat = grow[2]!.mb <= 1.25 * grow[0]!.mb;
  return [
    { what: 'NoC-bandwidth study (76 points)', target: '<= 180 s', first: '33-45 min (estimated)', previous: '1011 s (CLI sweep)', measured: fmt(noc), met: noc.wall <= 180 },
    { what: 'scaling.yaml 16384-PE point (AlexNet)', target: '<= 120 s, <= 1.5 GB', first: '9.5-15 min, ~8 GB', previous: 'not run', measured: `${big.seconds.toFixed(1)} s, ${big.mb.toFixed(0)} MB peak`, met: big.seconds <= 120 && big.mb <= 1536 },
    { what: 'peak memory vs simulated cycles (one layer, batch 1/4/16)', target: 'flat', first: '-', previous: 'not run', measured: grow.map((g) => `N=${g.n}: ${g.mb.toFixed(0)} MB`).join(', '), met: flat },
  ];
}

export async function runTargetsBench(studies: boolean): Promise<TargetRow[]> {
  const rows = [
    // The previous release's figures are the two runs its README reports (unloaded machine; ranges as measured).
    ...(await networkRows('alexnet-sparse', 'sparse AlexNet', 2,
      { firstSeconds: 12.82, firstRatio: 11.0, previousSeconds: '23.1-26.5 s', previousThreaded: '16.7-18.3 s', previousRatio: '11.9-13.1x' })),
    ...(await networkRows('mobilenet-v1-0.5-128-sparse', 'sparse MobileNet-0.5-128', 0.5,
      { firstSeconds: 3.64, firstRatio: 32.9, previousSeconds: '7.06-7.86 s', previousThreaded: '8.5-9.6 s', previousRatio: '39.1-40.2x' })),
  ];
  if (studies) rows.push(...(await studyRows()));
  return rows;
}

export function printTargets(rows: TargetRow[]): void {
  const head = ['what', 'target', '0.1.0', 'previous release', 'measured', 'met'];
  const cells = rows.map((r) => [r.what, r.target, r.first, r.previous, r.measured, r.met === null ? '-' : r.met ? 'yes' : 'NO']);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]): string => c.map((x, i) => x.padEnd(widths[i]!)).join(' | ');
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const c of cells) console.log(line(c));
  console.log(`load average (1/5/15 min): ${loadavg().map((x) => x.toFixed(2)).join(' / ')} on ${availableParallelism()} cores`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  printTargets(await runTargetsBench(process.argv.includes('--studies')));
}
