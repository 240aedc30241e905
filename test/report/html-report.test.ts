import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../sim/cli/main.js';
import { loadHwConfig } from '../../sim/config/hw-config.js';
import { buildCharts, energyUnit } from '../../sim/report/charts.js';
import { buildHtmlReport, joinRuns } from '../../sim/report/html-report.js';
import { buildJsonReport } from '../../sim/report/json-report.js';
import { runNetwork } from '../../sim/run/network.js';
import { type LoadedResults, readResults, type ResultRow, writeResults } from '../../sim/sweep/results.js';
import { loadTrace } from '../../sim/workloads/trace.js';
import { packageRoot } from '../../sim/paths.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = path.join(packageRoot(), 'out', 'test-screenshots');
const tmp = mkdtempSync(path.join(tmpdir(), 'eyeriss-report-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let run: LoadedResults;
let run2: LoadedResults;
let sweep: LoadedResults;
const reports: { name: string; file: string; charts: number }[] = [];

beforeAll(async () => {
  // A real run of two small layers, read back the way `eyeriss-sim report run.json` reads it.
  const hw = loadHwConfig('eyeriss-v2');
  const trace = loadTrace('mobilenet-v1-0.5-128-sparse');
  const result = runNetwork({ hw, trace, layers: ['conv_dw_13', 'conv_pw_13'], seed: 1, engine: 'event', check: false });
  const runFile = path.join(tmp, 'run.json');
  writeFileSync(runFile, JSON.stringify(buildJsonReport(result, hw, trace, 1, 'event')));
  run = readResults(runFile);
  // The same layers forced into the uncompressed PE mode: a second run to put beside the first.
  const result2 = runNetwork({ hw, trace, layers: ['conv_dw_13', 'conv_pw_13'], seed: 1, engine: 'event', check: false, peMode: 'uncompressed' });
  const runFile2 = path.join(tmp, 'run-uncompressed.json');
  writeFileSync(runFile2, JSON.stringify(buildJsonReport(result2, hw, trace, 1, 'event')));
  run2 = readResults(runFile2);

  // A sweep's rows made from the run's, with every kind of parameter the charts look for (no simulation needed).
  const rows: ResultRow[] = [];
  const variants: Record<string, number>[] = [
    ...[12, 24, 48].map((b) => ({ 'noc.iact.portBits': b })),
    ...[[4, 4], [8, 8], [32, 32]].map(([r, c]) => ({ 'array.clusterRows': r!, 'array.clusterCols': c! })),
    ...[0.25, 0.5, 1].flatMap((i) => [0.5, 1].map((w) => ({ 'trace.iactDensity': i, 'trace.weightDensity': w }))),
  ];
  variants.forEach((params, point) => {
    const scale = (params['noc.iact.portBits'] ?? 24) / 24 + (params['trace.iactDensity'] ?? 1) * (params['trace.weightDensity'] ?? 1);
    const pes = 16 * (params['array.clusterRows'] ?? 3) * (params['array.clusterCols'] ?? 4);
    for (const r of run.rows) {
      rows.push({ ...r, point, key: `k${point}`, pes, params, cycles: Math.round(r.cycles / scale),
        inferencesPerSecond: r.inferencesPerSecond === null ? null : r.inferencesPerSecond * scale * Math.sqrt(pes) });
    }
  });
  writeResults(path.join(tmp, 'sweep'), rows);
  sweep = readResults(path.join(tmp, 'sweep'));

  for (const [name, results] of [['run', run], ['sweep', sweep]] as const) {
    const file = path.join(tmp, `${name}.html`);
    writeFileSync(file, await buildHtmlReport(results));
    reports.push({ name, file, charts: buildCharts(results.rows, results.kind).length });
  }
  const file = path.join(tmp, 'runs.html');
  writeFileSync(file, await buildHtmlReport([run, run2]));
  reports.push({ name: 'runs', file, charts: buildCharts(joinRuns([run, run2]).rows, 'runs').length });
});

describe('HTML report', () => {
  it('has the charts each kind of input supports', () => {
    const titles = (r: LoadedResults): string[] => buildCharts(r.rows, r.kind).map((c) => c.title.split(':')[0]!);
    expect(titles(run)).toEqual(['Cycles per layer', 'Utilisation per layer', 'Energy per layer by level', 'Energy per layer by data type']);
    // Both PE modes were simulated for at least one of the two layers, so the grid also gets the modes' heat map.
    expect(run.rows.some((r) => r.compressedEnergyRatio !== null)).toBe(true);
    expect(titles(sweep)).toEqual(['Throughput vs noc.iact.portBits', 'Scaling', 'Dense vs sparse', 'Sparse PE modes',
      'Cycles relative to the baseline', 'Energy relative to the baseline', 'Cycles per layer',
      'Utilisation per layer', 'Energy per layer by level', 'Energy per layer by data type']);
    expect(titles(joinRuns([run, run2]))).toEqual(['Cycles relative to the baseline', 'Energy relative to the baseline', 'Cycles per layer',
      'Utilisation per layer', 'Energy per layer by level', 'Energy per layer by data type']);
  });

  it('compares every point with the base config: the point at the base value is the reference, ratios in every cell', () => {
    const [cycles] = buildCharts(sweep.rows, 'sweep').filter((c) => c.title.startsWith('Cycles relative'));
    expect(cycles!.caption).toMatch(/the base config \(#1 noc\.iact\.portBits=24 \(= base\)\)/);
    const values = (cycles!.spec as { data: { values: { point: string; layer: string; ratio: number }[] } }).data.values;
    // 12 points x (2 layers + total), the base point's own cells all 1.
    expect(values).toHaveLength(12 * 3);
    for (const v of values.filter((x) => x.point.startsWith('#1 '))) expect(v.ratio).toBe(1);
    const at12 = sweep.rows.find((r) => r.point === 0 && r.layer === 'total')!;
    const at24 = sweep.rows.find((r) => r.point === 1 && r.layer === 'total')!;
    expect(values.find((x) => x.point.startsWith('#0 ') && x.layer === 'total')!.ratio).toBe(at12.cycles / at24.cycles);
  });

  it('energy axes are in mJ, uJ or nJ, never J with SI suffixes; zipped parameters make one line with a real legend', () => {
    for (const c of buildCharts(sweep.rows, 'sweep')) expect(JSON.stringify(c.spec)).not.toMatch(/"energy \(J\)"/);
    expect(energyUnit(2e-3)).toEqual({ unit: 'mJ', scale: 1e3 });
    expect(energyUnit(5e-5)).toEqual({ unit: 'uJ', scale: 1e6 });
    const zipped = sweep.rows.map((r) => (r.params['noc.iact.portBits'] === undefined ? r : { ...r, params: { ...r.params, 'noc.weight.portBits': r.params['noc.iact.portBits'] } }));
    const [line] = buildCharts(zipped, 'sweep').filter((c) => c.title === 'Throughput vs noc.iact.portBits');
    const spec = JSON.stringify(line!.spec);
    expect(spec).toContain('noc.iact.portBits (zipped with noc.weight.portBits)');
    const series = new Set((line!.spec as { data: { values: { series: string }[] } }).data.values.map((d) => d.series));
    expect([...series]).toEqual(['mobilenet-v1-0.5-128-sparse']);
  });

  it('two runs side by side: totals with the ratio to the first', async () => {
    const html = readFileSync(reports.find((r) => r.name === 'runs')!.file, 'utf8');
    expect(html).toContain('2 runs side by side, each against the first');
    const [a, b] = [run, run2].map((r) => r.rows.find((x) => x.layer === 'total')!);
    expect(html).toContain(`<td>${(b!.cycles / a!.cycles).toFixed(3)}x</td>`);
  });

  it('is one self-contained file: inline SVG, no scripts, nothing fetched', () => {
    for (const r of reports) {
      const html = readFileSync(r.file, 'utf8');
      expect(html.match(/<svg[\s>]/g)).toHaveLength(r.charts);
      expect(html).not.toMatch(/<script|<link|<iframe|@import/i);
      expect(html).not.toMatch(/\b(src|href)\s*=\s*["']?\s*(https?:)?\/\//i);
      const ids = [...html.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]);
      expect(new Set(ids).size).toBe(ids.length); // clip paths and gradients of different charts stay apart
    }
  });

  it('`eyeriss-sim report` writes the file from a sweep directory', async () => {
    const out = path.join(tmp, 'cli.html');
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await main(['node', 'eyeriss-sim', 'report', path.join(tmp, 'sweep'), '-o', out])).toBe(0);
    } finally {
      spy.mockRestore();
    }
    expect(readFileSync(out, 'utf8')).toMatch(/^<!doctype html>/);
  });

  it.skipIf(!existsSync(CHROMIUM))('renders in headless Chromium at full page width, without console errors; screenshots in out/test-screenshots/', async () => {
    const { chromium } = await import('playwright-core');
    rmSync(SHOTS, { recursive: true, force: true });
    mkdirSync(SHOTS, { recursive: true });
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    try {
      for (const r of reports) {
        const page = await browser.newPage();
        const problems: string[] = [];
        page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
        page.on('pageerror', (e) => problems.push(String(e)));
        page.on('request', (req) => { if (!req.url().startsWith('file:')) problems.push(`fetched ${req.url()}`); });
        await page.goto(`file://${r.file}`);
        await page.setViewportSize({ width: 1280, height: 900 });
        const sizes = await page.locator('svg.marks').evaluateAll((svgs) => svgs.map((s) => s.getBoundingClientRect()).map((b) => [b.width, b.height]));
        expect(sizes).toHaveLength(r.charts);
        const body = await page.locator('h1').evaluate((h) => h.getBoundingClientRect().width);
        for (const [w, h] of sizes) {
          expect(w! * h!).toBeGreaterThan(100 * 100);
          expect(w!).toBeGreaterThan(0.25 * body); // faceted small multiples share a row; single charts fill it
        }
        expect(Math.max(...sizes.map(([w]) => w!))).toBeGreaterThan(0.95 * body);
        // For people to look at (kept: out/ is git-ignored and the folder is emptied per run).
        await page.screenshot({ path: path.join(SHOTS, `${r.name}.png`), fullPage: true });
        // Every chart drew marks (bars, lines, cells), not just an empty frame.
        const marks = await page.locator('svg.marks').evaluateAll((svgs) => svgs.map((s) => s.querySelectorAll('path, rect, line').length));
        for (const m of marks) expect(m).toBeGreaterThan(5);
        expect(problems, r.name).toEqual([]);
        await page.close();
      }
    } finally {
      await browser.close();
    }
  });
});
