import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eyexamCharts } from '../../sim/eyexam/chart.js';
import { renderSvg } from '../../sim/report/html-report.js';
import type { EyexamReport } from '../../sim/eyexam/run.js';
import type { JsonReport } from '../../sim/report/json-report.js';
import { cli, tempDir } from '../support/cli.js';

const dir = tempDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const args = ['--trace', 'mobilenet-v1-0.5-128-sparse', '--layers', 'conv_dw_13,conv_pw_13', '--no-check'];

describe('eyeriss-sim eyexam', () => {
  const exam = cli('eyexam', ...args, '--json', '-');
  const report = JSON.parse(exam.stdout) as EyexamReport;
  const file = join(dir, 'exam.json');
  const table = cli('eyexam', ...args, '--json', file);

  it('writes the run report with each layer\'s steps in order, and its last step is what `run` simulates', () => {
    expect(exam.code).toBe(0);
    const run = cli('run', ...args, '--quiet', '--json', '-');
    const plain = JSON.parse(run.stdout) as JsonReport;
    expect(report.schemaVersion).toBe(1);
    expect(report.layers.map((l) => l.name)).toEqual(['conv_dw_13', 'conv_pw_13']);
    report.layers.forEach((l, i) => {
      expect(l.cycles).toBe(plain.layers[i]!.cycles);
      const steps = l.eyexam.steps.map((s) => s.step);
      expect(steps.slice(0, 5)).toEqual([1, 2, 3, 4, 5]);
      expect(steps.at(-1)).toBe(7);
      for (const s of l.eyexam.steps) expect(Object.keys(s)).toEqual(['step', 'name', 'macsPerCycle', 'fractionOfPeak', 'lossMacsPerCycle']);
      expect(l.eyexam.simulatedMacsPerCycle).toBe(plain.layers[i]!.nominalMacs / plain.layers[i]!.cycles);
      expect(l.eyexam.steps.at(-1)!.macsPerCycle).toBe(l.eyexam.simulatedMacsPerCycle);
    });
    expect(report.eyexam.steps.at(-1)!.macsPerCycle).toBe(plain.totals.nominalMacs / plain.totals.cycles);
  });

  it('prints the table with a network row and the costliest step, and writes the same JSON to a file', () => {
    expect(JSON.parse(readFileSync(file, 'utf8')).layers).toEqual(JSON.parse(exam.stdout).layers.map((l: { [k: string]: unknown }) => expect.objectContaining({ eyexam: l.eyexam })));
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^layer\s+1\s+2\s+3\s+4\s+5/);
    expect(table.stdout).toMatch(/\nnetwork\s+>999%/);
    expect(table.stdout).toContain('bounds in % of the peak (384 MACs/cycle)');
  });

  it('draws the network and per-layer waterfalls, and `report` puts them in the HTML', async () => {
    const charts = eyexamCharts(report);
    expect(charts.map((c) => c.title)).toEqual([
      'Eyexam, network: mobilenet-v1-0.5-128-sparse on eyeriss-v2', 'Eyexam per layer: mobilenet-v1-0.5-128-sparse on eyeriss-v2',
    ]);
    const svg = await renderSvg(charts[0]!.spec);
    expect(svg).toContain('4 physical dimensions');
    expect(svg).toContain('simulated');
    expect(cli('report', file, '-o', join(dir, 'exam.html')).code).toBe(0);
    const html = readFileSync(join(dir, 'exam.html'), 'utf8');
    expect(html).toContain('Eyexam per layer: mobilenet-v1-0.5-128-sparse on eyeriss-v2');
    expect(eyexamCharts({ ...report, eyexam: undefined } as unknown as EyexamReport)).toEqual([]);
  });

  it('rejects a bad flag in one line', () => {
    const bad = cli('eyexam', '--pe-mode', 'sideways');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('eyeriss-sim: --pe-mode: got "sideways", expected auto, compressed, uncompressed\n');
  });
});
