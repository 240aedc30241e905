/**
 * Eyexam waterfalls for the HTML report: per layer and for the network, the bound after each step as a share of
 * the peak, each step drawn from the previous bound to its own (red: a loss, green: a sparse step's gain), the
 * first from zero and the simulated throughput as a last bar from zero. Bounds far above the peak (steps 1-2,
 * the layer's own parallelism) are cut at the top of the scale; their values are in the JSON.
 */
import { readFileSync } from 'node:fs';
import type { TopLevelSpec } from 'vega-lite';
import { STEP_NAMES, type EyexamStep } from './eyexam.js';
import type { EyexamReport } from './run.js';
import type { Chart } from '../report/charts.js';

type Datum = { layer: string; step: string; rank: number; from: number; to: number; kind: string };

const SIMULATED = 'simulated';

/** The bars of one waterfall, fractions of the peak; `top` cuts bars above the scale. */
function waterfall(layer: string, steps: readonly EyexamStep[], top: number): Datum[] {
  const cut = (x: number): number => Math.min(x, top);
  const out: Datum[] = steps.map((s, i) => {
    const prev = i === 0 ? 0 : steps[i - 1]!.fractionOfPeak;
    const kind = i === 0 ? 'bound' : s.fractionOfPeak > prev ? 'gain (sparse)' : 'loss';
    return { layer, step: `${s.step} ${STEP_NAMES[s.step]}`, rank: i, from: cut(prev), to: cut(s.fractionOfPeak), kind };
  });
  const last = steps.at(-1)!;
  out.push({ layer, step: SIMULATED, rank: steps.length, from: 0, to: cut(last.fractionOfPeak), kind: SIMULATED });
  return out;
}

/** Top of the scale: the peak, or the highest bound after step 2 (sparse steps may pass the peak), plus room. */
function scaleTop(all: readonly (readonly EyexamStep[])[]): number {
  const high = Math.max(1, ...all.flatMap((steps) => steps.filter((s) => s.step > 2).map((s) => s.fractionOfPeak)));
  return Math.ceil(high * 11) / 10;
}

function spec(data: Datum[], top: number, facet: boolean): TopLevelSpec {
  const stepOrder = [...new Map(data.map((d) => [d.step, d.rank])).entries()].sort((a, b) => a[1] - b[1]).map(([s]) => s);
  const inner = {
    width: facet ? 220 : 420, height: facet ? 140 : 220,
    layer: [
      {
        mark: { type: 'bar', clip: true },
        encoding: {
          x: { field: 'step', type: 'nominal', sort: stepOrder, axis: { labelAngle: -50, labelLimit: 140 }, title: null },
          y: { field: 'from', type: 'quantitative', scale: { domain: [0, top] }, axis: { format: '.0%' }, title: 'bound / peak' },
          y2: { field: 'to' },
          color: {
            field: 'kind', type: 'nominal', title: null,
            scale: { domain: ['bound', 'loss', 'gain (sparse)', SIMULATED], range: ['#4c78a8', '#e45756', '#54a24b', '#333333'] },
          },
        },
      },
      { mark: { type: 'rule', strokeDash: [4, 3], color: '#888' }, encoding: { y: { datum: 1 } } },
    ],
  };
  const base = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json', background: 'white', padding: 8,
    config: { font: 'Helvetica, Arial, sans-serif', axis: { labelFontSize: 9, titleFontSize: 10 }, legend: { labelFontSize: 10 } },
    data: { values: data },
  };
  return (facet
    ? { ...base, facet: { field: 'layer', type: 'nominal', sort: [...new Set(data.map((d) => d.layer))], title: null }, columns: 4, spec: inner }
    : { ...base, ...inner }) as TopLevelSpec;
}

/** The network's waterfall and one per layer, when the report is an `eyeriss-sim eyexam --json` report. */
export function eyexamCharts(report: Partial<EyexamReport>): Chart[] {
  if (!report.eyexam || !report.layers?.every((l) => l.eyexam)) return [];
  const layers = report.layers;
  const top = scaleTop(layers.map((l) => l.eyexam.steps));
  const networkTop = scaleTop([report.eyexam.steps]);
  const where = `${report.trace?.name ?? ''} on ${report.hw?.name ?? ''}`;
  const peak = `${report.eyexam.peakMacsPerCycle} MACs/cycle`;
  return [
    {
      title: `Eyexam, network: ${where}`,
      caption: `The network's throughput bound after each Eyexam step as a share of the peak (${peak}, dashed): nominal MACs over the layers' cycles at each step's bound. Costliest step: ${STEP_NAMES[report.eyexam.costliestStep]}.`,
      spec: spec(waterfall('network', report.eyexam.steps, networkTop), networkTop, false),
    },
    {
      title: `Eyexam per layer: ${where}`,
      caption: 'Each layer\'s bound after each step (red: the loss charged to the step; green: a sparse step\'s gain; black: the simulated throughput). Bars above the scale are cut.',
      spec: spec(layers.flatMap((l) => waterfall(l.name, l.eyexam.steps, top)), top, true),
    },
  ];
}

/** The Eyexam charts of a run's JSON report file, already read and checked by readResults ([] without eyexam). */
export function eyexamChartsOfFile(file: string): Chart[] {
  return eyexamCharts(JSON.parse(readFileSync(file, 'utf8')) as Partial<EyexamReport>);
}
