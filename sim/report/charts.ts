/**
 * The charts of the HTML report, as Vega-Lite specs built from result rows (a sweep's or a single run's). Each
 * builder returns nothing when the data has nothing to show (no swept bandwidth, one PE count, no density grid),
 * so one report code path serves every kind of input.
 */
import type { TopLevelSpec } from 'vega-lite';
import { BREAKDOWN_DATA_TYPES, LEVEL_GROUPS } from '../energy/energy-model.js';
import { isTotalRow, type ResultRow } from '../sweep/results.js';
import { describeParams } from '../sweep/spec.js';

export interface Chart {
  title: string;
  caption: string;
  spec: TopLevelSpec;
}

type Datum = Record<string, string | number | null>;

const AXIS_SI = { format: '~s' };

/** Shared look: white background (the SVG is also viewed alone), readable fonts. */
function chart(spec: Record<string, unknown>): TopLevelSpec {
  return { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', background: 'white', padding: 8,
    config: { font: 'Helvetica, Arial, sans-serif', axis: { labelFontSize: 10, titleFontSize: 11 }, legend: { labelFontSize: 10 } }, ...spec } as TopLevelSpec;
}

/** The rows of the first point of each trace, in trace order: what per-layer charts show. */
function firstPointPerTrace(rows: readonly ResultRow[]): ResultRow[][] {
  const first = new Map<string, number>();
  for (const r of rows) if (!first.has(r.trace) || r.point < first.get(r.trace)!) first.set(r.trace, r.point);
  return [...first.entries()].map(([trace, point]) => rows.filter((r) => r.trace === trace && r.point === point && !isTotalRow(r)));
}

function pointLabel(r: ResultRow): string {
  const params = describeParams(r.params);
  return `${r.trace} on ${r.hw}${params ? `, ${params}` : ''}`;
}

/** Bar charts over the layers of one point: cycles, utilisation, energy by level and by data type. */
function perLayerCharts(layers: ResultRow[], sweep: boolean): Chart[] {
  if (!layers.length) return [];
  const label = pointLabel(layers[0]!);
  const note = sweep ? ` (point ${layers[0]!.point}, the first of this trace)` : '';
  const order = layers.map((l) => l.layer);
  const x = { field: 'layer', type: 'nominal', sort: order, axis: { labelAngle: -60, labelLimit: 120 }, title: null };
  const width = Math.max(240, Math.min(900, 22 * layers.length));
  const long = (field: 'energyByLevel' | 'energyByDataType', keys: readonly string[]): Datum[] =>
    layers.flatMap((l) => keys.map((k, i) => ({ layer: l.layer, part: k, rank: i, joules: l[field][k as keyof typeof l[typeof field]] ?? 0 })));
  const stacked = (keys: readonly string[], what: string, field: 'energyByLevel' | 'energyByDataType'): Chart => ({
    title: `Energy per layer by ${what}: ${label}`,
    caption: `Stacked ${what} shares of each layer's energy${note}.`,
    spec: chart({
      width, height: 220, data: { values: long(field, keys) }, mark: 'bar',
      encoding: {
        x, y: { field: 'joules', type: 'quantitative', aggregate: 'sum', title: 'energy (J)', axis: AXIS_SI },
        color: { field: 'part', type: 'nominal', sort: [...keys], title: what },
        order: { field: 'rank', type: 'quantitative' },
      },
    }),
  });
  return [
    {
      title: `Cycles per layer: ${label}`,
      caption: `Simulated cycles of each on-chip layer${note}.`,
      spec: chart({
        width, height: 200, data: { values: layers.map((l) => ({ layer: l.layer, type: l.type, cycles: l.cycles })) },
        mark: 'bar', encoding: { x, y: { field: 'cycles', type: 'quantitative', axis: AXIS_SI }, color: { field: 'type', type: 'nominal', title: 'layer type' } },
      }),
    },
    {
      title: `Utilisation per layer: ${label}`,
      caption: `PE utilisation (PEs busy) and MAC utilisation (useful MACs per MAC slot) of each layer${note}.`,
      spec: chart({
        width, height: 200,
        data: { values: layers.flatMap((l) => [{ layer: l.layer, measure: 'PE', value: l.peUtilization }, { layer: l.layer, measure: 'MAC', value: l.macUtilization }]) },
        mark: 'bar',
        encoding: {
          x, xOffset: { field: 'measure', type: 'nominal' },
          y: { field: 'value', type: 'quantitative', title: 'utilisation', axis: { format: '.0%' }, scale: { domain: [0, 1] } },
          color: { field: 'measure', type: 'nominal', title: 'utilisation' },
        },
      }),
    },
    stacked(LEVEL_GROUPS, 'level', 'energyByLevel'),
    stacked(BREAKDOWN_DATA_TYPES, 'data type', 'energyByDataType'),
  ];
}

const totalsOf = (rows: readonly ResultRow[]): ResultRow[] => rows.filter((r) => isTotalRow(r));

/** Log scale when values span a wide range, so small and large networks share one plot. */
function scaleFor(values: number[]): Record<string, unknown> {
  const pos = values.filter((v) => v > 0);
  return pos.length === values.length && Math.max(...pos) / Math.min(...pos) >= 8 ? { type: 'log', base: 2 } : { zero: false };
}

/**
 * Throughput vs each swept numeric hardware parameter. One line per trace; when other parameters were swept
 * alongside (crossed), one line per setting of them, coloured by their values and faceted by trace.
 */
function sweepLineCharts(rows: readonly ResultRow[]): Chart[] {
  const totals = totalsOf(rows);
  const names = [...new Set(totals.flatMap((r) => Object.keys(r.params)))].filter((p) => !p.startsWith('trace.') && !p.startsWith('array.'));
  return names.flatMap((p): Chart[] => {
    const withP = totals.filter((r) => p in r.params);
    const points = withP.filter((r) => typeof r.params[p] === 'number');
    const others = [...new Set(points.flatMap((r) => Object.keys(r.params)))].filter((o) => o !== p);
    const data = points.map((r) => ({
      x: r.params[p] as number, ips: r.inferencesPerSecond ?? 0, trace: r.trace,
      series: others.map((o) => (o in r.params ? String(r.params[o]) : '-')).join(', '),
    }));
    if (new Set(data.map((d) => d.x)).size < 2) return [];
    const nulls = withP.length - data.length;
    const traces = new Set(data.map((d) => d.trace)).size;
    const series = new Set(data.map((d) => d.series)).size;
    const legend = { orient: 'bottom', columns: 4, labelLimit: 200, titleLimit: 600 };
    const layer = {
      width: 420, height: 260,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'x', type: 'quantitative', title: p, scale: scaleFor(data.map((d) => d.x)) },
        y: { field: 'ips', type: 'quantitative', title: 'inferences/s', scale: scaleFor(data.map((d) => d.ips)), axis: AXIS_SI },
        color: others.length
          ? { field: 'series', type: 'nominal', title: others.join(', '), legend, scale: { scheme: series > 10 ? 'category20' : 'tableau10' } }
          : { field: 'trace', type: 'nominal', title: null, legend },
      },
    };
    const faceted = others.length > 0 && traces > 1;
    return [{
      title: `Throughput vs ${p}`,
      caption: `Inferences per second at each value of ${p}; parameters not named in the legend are at the base config's values.` +
        (nulls ? ` ${nulls} point(s) with ${p} = null (unlimited) are not plotted.` : ''),
      spec: chart(faceted
        ? { data: { values: data }, columns: 2, facet: { field: 'trace', type: 'nominal', title: null }, spec: layer, resolve: { scale: { y: 'independent' } } }
        : { data: { values: data }, ...layer }),
    }];
  });
}

/** Throughput vs PE count, normalised to the smallest array of each series, against linear scaling. */
function scalingChart(rows: readonly ResultRow[]): Chart[] {
  const seriesOf = (r: ResultRow): string => {
    // Array-size parameters are the x axis; anything else swept alongside makes its own series.
    // The config's name too: merged v1 and v2 results of one trace are different curves.
    const rest = describeParams(Object.fromEntries(Object.entries(r.params).filter(([k]) => !k.startsWith('array.'))));
    return `${r.hw} ${r.trace}${rest ? ` ${rest}` : ''}`;
  };
  const candidates = totalsOf(rows).filter((r) => r.pes !== null && (r.inferencesPerSecond ?? 0) > 0);
  const sizes = new Map<string, Set<number>>();
  for (const r of candidates) (sizes.get(seriesOf(r)) ?? sizes.set(seriesOf(r), new Set()).get(seriesOf(r))!).add(r.pes!);
  // Only series that actually vary the PE count: a point alone says nothing about scaling.
  const totals = candidates.filter((r) => sizes.get(seriesOf(r))!.size > 1);
  if (!totals.length) return [];
  const base = new Map<string, ResultRow>();
  for (const r of totals) {
    const s = seriesOf(r);
    if (!base.has(s) || r.pes! < base.get(s)!.pes!) base.set(s, r);
  }
  const minPes = Math.min(...totals.map((r) => r.pes!));
  const data: Datum[] = totals.map((r) => {
    const b = base.get(seriesOf(r))!;
    return { pes: r.pes, speedup: (r.inferencesPerSecond! / b.inferencesPerSecond!) * (b.pes! / minPes), series: seriesOf(r) };
  });
  for (const pes of new Set(totals.map((r) => r.pes!))) data.push({ pes, speedup: pes / minPes, series: 'linear' });
  return [{
    title: `Scaling: throughput normalised to ${minPes} PEs`,
    caption: `Inferences per second relative to the ${minPes}-PE point of the same trace; the dashed line is linear scaling.`,
    spec: chart({
      width: 420, height: 280, data: { values: data },
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'pes', type: 'quantitative', title: 'PEs', scale: { type: 'log', base: 2 } },
        y: { field: 'speedup', type: 'quantitative', title: `throughput / throughput at ${minPes} PEs`, scale: { type: 'log', base: 2 } },
        color: { field: 'series', type: 'nominal', title: null, legend: { orient: 'bottom', columns: 2, labelLimit: 400 } },
        strokeDash: { condition: { test: "datum.series === 'linear'", value: [4, 4] }, value: [1, 0] },
      },
    }),
  }];
}

/** Per-layer heat maps of cycles over the iact x weight density grid, relative to the densest point. */
function densityHeatMaps(rows: readonly ResultRow[]): Chart[] {
  const [IA, W] = ['trace.iactDensity', 'trace.weightDensity'];
  const grid = rows.filter((r) => typeof r.params[IA] === 'number' && typeof r.params[W] === 'number');
  const traces = [...new Set(grid.map((r) => r.trace))];
  return traces.flatMap((trace): Chart[] => {
    const mine = grid.filter((r) => r.trace === trace);
    if (new Set(mine.map((r) => `${r.params[IA]}/${r.params[W]}`)).size < 2) return [];
    const densest = new Map<string, ResultRow>();
    for (const r of mine) {
      const d = densest.get(r.layer);
      const score = (x: ResultRow): number => (x.params[IA] as number) + (x.params[W] as number);
      if (!d || score(r) > score(d)) densest.set(r.layer, r);
    }
    const layers = [...new Set(mine.map((r) => r.layer))];
    const data = mine.map((r) => ({
      layer: r.layer, iact: r.params[IA] as number, weight: r.params[W] as number, relative: r.cycles / densest.get(r.layer)!.cycles,
      mode: r.peMode === 'compressed' ? 'C' : r.peMode === 'uncompressed' ? 'U' : '', ratio: r.compressedEnergyRatio ?? null,
    }));
    const facet = { field: 'layer', type: 'nominal', sort: layers, title: null, header: { labelFontSize: 10 } };
    const axes = {
      x: { field: 'iact', type: 'ordinal', title: 'iact density' },
      y: { field: 'weight', type: 'ordinal', title: 'weight density', sort: 'descending' },
    };
    const modes: Chart[] = data.some((d) => d.ratio !== null) ? [{
      title: `Sparse PE modes: ${trace}`,
      caption: 'Energy of the compressed (CSC) mode over the uncompressed mode of each layer where both were simulated ' +
        '(blue < 1: compression pays; red > 1: its metadata overhead loses), and the mode kept (C or U). Blank cells: the ' +
        'mapper estimated the other mode over 2x slower, so only the kept one was simulated.',
      spec: chart({
        data: { values: data.filter((d) => d.layer !== 'total') }, columns: 6, facet,
        spec: {
          width: 110, height: 110, encoding: axes,
          layer: [
            { mark: 'rect', encoding: { color: { field: 'ratio', type: 'quantitative', title: 'energy C / U', scale: { scheme: 'redblue', reverse: true, domainMid: 1 } } } },
            { mark: { type: 'text', fontSize: 9 }, encoding: { text: { field: 'mode' } } },
          ],
        },
      }),
    }] : [];
    return [{
      title: `Dense vs sparse: ${trace}`,
      caption: 'Cycles of each layer at each iact and weight density, relative to the same layer at the densest point of the grid (darker = fewer cycles).',
      spec: chart({
        data: { values: data }, columns: 6, facet,
        spec: {
          width: 110, height: 110, mark: 'rect',
          encoding: { ...axes, color: { field: 'relative', type: 'quantitative', title: 'cycles / densest', scale: { scheme: 'viridis' } } },
        },
      }),
    }, ...modes];
  });
}

/** Every chart the data supports, in reading order. */
export function buildCharts(rows: readonly ResultRow[], kind: 'sweep' | 'run'): Chart[] {
  return [
    ...sweepLineCharts(rows),
    ...scalingChart(rows),
    ...densityHeatMaps(rows),
    ...firstPointPerTrace(rows).flatMap((layers) => perLayerCharts(layers, kind === 'sweep')),
  ];
}
