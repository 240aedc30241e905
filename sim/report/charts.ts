/**
 * The charts of the HTML report, as Vega-Lite specs built from result rows (a sweep's or a single run's). Each
 * builder returns nothing when the data has nothing to show (no swept bandwidth, one PE count, no density grid),
 * so one report code path serves every kind of input.
 */
import type { TopLevelSpec } from 'vega-lite';
import { BREAKDOWN_DATA_TYPES, LEVEL_GROUPS } from '../energy/energy-model.js';
import { describeParams, isTotalRow, type ResultRow } from './result-rows.js';
import { loadHwConfig } from '../config/hw-config.js';

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

/** Energy in the unit that suits the largest value shown: mJ or uJ (nJ for tiny test layers), never J with SI suffixes. */
export function energyUnit(maxJoules: number): { unit: string; scale: number } {
  if (maxJoules >= 1e-3) return { unit: 'mJ', scale: 1e3 };
  if (maxJoules >= 1e-6) return { unit: 'uJ', scale: 1e6 };
  return { unit: 'nJ', scale: 1e9 };
}

/** Reads a dotted path (noc.iact.portBits) of a shipped config; undefined when the config or the field is unknown. */
function baseValue(hw: string, path: string): unknown {
  try {
    let v: unknown = loadHwConfig(hw).config;
    for (const k of path.split('.')) v = (v as Record<string, unknown> | undefined)?.[k];
    return v;
  } catch {
    return undefined; // a config given by path: the report falls back to the first point
  }
}

/** A sweep point of one trace: its rows (layers and total) and a label for legends and axes. */
interface Point {
  trace: string;
  point: number;
  label: string;
  base: boolean;
  layers: ResultRow[];
  total: ResultRow | undefined;
}

/**
 * The points of each trace, and which of them is the baseline: the point whose every parameter has the base
 * config's value (trace densities never do: the base is the trace's own), else the trace's first point.
 */
function pointsPerTrace(rows: readonly ResultRow[]): { trace: string; points: Point[]; baseline: Point; baseFound: boolean }[] {
  const traces = [...new Set(rows.map((r) => r.trace))];
  return traces.map((trace) => {
    const mine = rows.filter((r) => r.trace === trace);
    const ids = [...new Set(mine.map((r) => r.point))].sort((a, b) => a - b);
    const points = ids.map((point): Point => {
      const prs = mine.filter((r) => r.point === point);
      const first = prs[0]!;
      const base = Object.entries(first.params).every(([k, v]) => !k.startsWith('trace.') && baseValue(first.hw, k) === v);
      const params = describeParams(first.params);
      return { trace, point, base, label: `#${point} ${params || 'base config'}${base && params ? ' (= base)' : ''}`, layers: prs.filter((r) => !isTotalRow(r)), total: prs.find((r) => isTotalRow(r)) };
    });
    const found = points.find((p) => p.base);
    return { trace, points, baseline: found ?? points[0]!, baseFound: found !== undefined };
  });
}

/** Traces whose on-chip layers have the same names (AlexNet dense and sparse): drawn in one chart on one scale. */
function groupByLayers<T extends { points: Point[] }>(traces: T[]): T[][] {
  const groups = new Map<string, T[]>();
  for (const t of traces) {
    const key = t.points[0]!.layers.map((l) => l.layer).join(',');
    groups.set(key, [...(groups.get(key) ?? []), t]);
  }
  return [...groups.values()];
}

/** At most this many bars per layer in the absolute per-layer charts; more points are shown in the normalised view. */
const MAX_BARS_PER_LAYER = 8;

/**
 * Per-layer charts of traces with the same layers, side by side on one y scale: cycles, utilisation, energy by level
 * and by data type. Every point of every trace when they fit (up to MAX_BARS_PER_LAYER bars a layer), else each
 * trace's baseline (the normalised view then shows every point).
 */
function perLayerCharts(group: ReturnType<typeof pointsPerTrace>, kind: 'sweep' | 'run' | 'runs'): Chart[] {
  const all = group.flatMap((t) => t.points);
  const shown = all.length <= MAX_BARS_PER_LAYER ? all : group.map((t) => t.baseline);
  const series = (p: Point): string => (group.length > 1 && kind !== 'runs' ? `${p.trace} ${p.label}` : p.label).trim();
  const names = group.map((t) => t.trace).join(' and ');
  const order = shown[0]!.layers.map((l) => l.layer);
  const seriesOrder = shown.map(series);
  const many = shown.length > 1;
  const which = !many ? '' : `; bars left to right: ${seriesOrder.join('; ')}` +
    (shown.length === all.length ? '' : ' (the baseline of each trace; the relative views above show every point)');
  const x = { field: 'layer', type: 'nominal', sort: order, axis: { labelAngle: -60, labelLimit: 120 }, title: null };
  const xOffset = many ? { xOffset: { field: 'series', type: 'nominal', sort: seriesOrder } } : {};
  const legend = { orient: 'bottom', columns: 2, labelLimit: 500, titleLimit: 500 };
  const seriesColor = { field: 'series', type: 'nominal', sort: seriesOrder, title: null, legend };
  // Full page width (the page scales SVGs to its column): small multiples would otherwise hide in a corner.
  const width = 1100;
  const layerRows = shown.flatMap((p) => p.layers.map((l) => ({ p, l })));
  const { unit, scale } = energyUnit(Math.max(...layerRows.map(({ l }) => l.energyJoules)));
  const stacked = (field: 'energyByLevel' | 'energyByDataType', keys: readonly string[], what: string): Chart => ({
    title: `Energy per layer by ${what}: ${names}`,
    caption: `Energy of each layer in ${unit}, split by ${what} (the segments add up to the layer's energy)${which}.`,
    spec: chart({
      width, height: 240,
      data: { values: layerRows.flatMap(({ p, l }) => keys.map((k, i) => ({ layer: l.layer, series: series(p), part: k, rank: i, energy: (l[field][k as keyof typeof l[typeof field]] ?? 0) * scale }))) },
      mark: 'bar',
      encoding: {
        x, ...xOffset, y: { field: 'energy', type: 'quantitative', aggregate: 'sum', title: `energy (${unit})` },
        color: { field: 'part', type: 'nominal', sort: [...keys], title: what },
        order: { field: 'rank', type: 'quantitative' },
        ...(many ? { tooltip: [{ field: 'series' }] } : {}),
      },
    }),
  });
  return [
    {
      title: `Cycles per layer: ${names}`,
      caption: `Simulated cycles of each on-chip layer${which}.`,
      spec: chart({
        width, height: 220, data: { values: layerRows.map(({ p, l }) => ({ layer: l.layer, series: series(p), type: l.type, cycles: l.cycles })) },
        mark: 'bar', encoding: { x, ...xOffset, y: { field: 'cycles', type: 'quantitative', axis: AXIS_SI }, color: many ? seriesColor : { field: 'type', type: 'nominal', title: 'layer type' } },
      }),
    },
    {
      title: `Utilisation per layer: ${names}`,
      caption: `PE utilisation (share of PE-cycles busy) and MAC utilisation (useful MACs per MAC slot) of each layer${which}.`,
      spec: chart({
        width, height: 200,
        data: { values: layerRows.flatMap(({ p, l }) => [{ layer: l.layer, series: series(p), measure: 'PE', value: l.peUtilization }, { layer: l.layer, series: series(p), measure: 'MAC', value: l.macUtilization }]) },
        ...(many
          ? { mark: { type: 'point', filled: true, size: 70 }, encoding: { x, ...xOffset, y: { field: 'value', type: 'quantitative', title: 'utilisation', axis: { format: '.0%' }, scale: { domain: [0, 1] } }, color: seriesColor, shape: { field: 'measure' }, opacity: { value: 1 } } }
          : { mark: 'bar', encoding: { x, xOffset: { field: 'measure', type: 'nominal' }, y: { field: 'value', type: 'quantitative', title: 'utilisation', axis: { format: '.0%' }, scale: { domain: [0, 1] } }, color: { field: 'measure', type: 'nominal', title: 'utilisation' } } }),
      }),
    },
    stacked('energyByLevel', LEVEL_GROUPS, 'level'),
    stacked('energyByDataType', BREAKDOWN_DATA_TYPES, 'data type'),
  ];
}

/**
 * Every point against its trace's baseline, per layer and in total, at one glance: heat maps of cycles and energy
 * over the baseline (one row per point, one column per layer and the total), with the ratio written in each cell.
 */
function normalisedCharts(trace: ReturnType<typeof pointsPerTrace>[number], kind: 'sweep' | 'run' | 'runs'): Chart[] {
  if (trace.points.length < 2) return [];
  const b = trace.baseline;
  const byLayer = new Map(b.layers.map((l) => [l.layer, l]));
  const columns = [...b.layers.map((l) => l.layer), 'total'];
  const baseNote = kind === 'runs' ? `the first run (${b.label})` : trace.baseFound ? `the base config (${b.label})` :
    `point ${b.point} (${b.label}): no point of this trace has every parameter at the base config's value, so the first point is the reference`;
  return (['cycles', 'energyJoules'] as const).map((metric): Chart => {
    const data = trace.points.flatMap((p) => [...p.layers, ...(p.total ? [p.total] : [])].flatMap((l) => {
      const ref = l === p.total ? b.total : byLayer.get(l.layer);
      const ratio = ref && ref[metric] > 0 ? l[metric] / ref[metric] : null;
      return ratio === null ? [] : [{ point: p.label, layer: l.layer, ratio, text: ratio === 1 ? '1' : ratio.toPrecision(3) }];
    }));
    // Symmetric about 1 on a log scale, and at least +-5 %: a 0.2 % change stays near white instead of taking the
    // whole colour range.
    const spread = Math.max(Math.log(1.05), ...data.map((d) => Math.abs(Math.log(d.ratio))));
    const what = metric === 'cycles' ? 'cycles' : 'energy';
    return {
      title: `${what[0]!.toUpperCase()}${what.slice(1)} relative to the baseline: ${trace.trace}`,
      caption: `Each ${kind === 'runs' ? 'run' : 'point'}'s ${what} per layer and in total divided by the same layer's ${what} in ${baseNote}. ` +
        'Blue < 1 (less), red > 1 (more); the number in each cell is the ratio.',
      spec: chart({
        data: { values: data },
        width: Math.min(1100, 60 * columns.length), height: 18 * trace.points.length,
        encoding: {
          x: { field: 'layer', type: 'nominal', sort: columns, title: null, axis: { labelAngle: -60, orient: 'top' } },
          y: { field: 'point', type: 'nominal', sort: trace.points.map((p) => p.label), title: null, axis: { labelLimit: 640 } },
        },
        layer: [
          { mark: 'rect', encoding: { color: { field: 'ratio', type: 'quantitative', title: `${what} / baseline`, legend: { format: '.3~f' },
            scale: { type: 'log', scheme: 'redblue', reverse: true, domain: [Math.exp(-spread), Math.exp(spread)], domainMid: 1 } } } },
          { mark: { type: 'text', fontSize: 9 }, encoding: { text: { field: 'text' } } },
        ],
      }),
    };
  });
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
    let others = [...new Set(points.flatMap((r) => Object.keys(r.params)))].filter((o) => o !== p);
    const otherValues = (r: ResultRow): string => others.map((o) => (o in r.params ? String(r.params[o]) : 'base')).join(', ');
    // Zipped parameters move together: each value of p comes with one setting of the others, so they are one line
    // per trace (named in the x title), not one dot per setting.
    const zipped = others.length > 0 && [...new Set(points.map((r) => r.trace))].every((t) => {
      const seen = new Map<unknown, string>();
      return points.filter((r) => r.trace === t).every((r) => seen.get(r.params[p]) === undefined ? (seen.set(r.params[p], otherValues(r)), true) : seen.get(r.params[p]) === otherValues(r));
    });
    const zippedWith = zipped ? others : [];
    if (zipped) others = [];
    const data = points.map((r) => ({
      x: r.params[p] as number, ips: r.inferencesPerSecond ?? 0, trace: r.trace,
      series: others.length ? otherValues(r) : r.trace,
    }));
    if (new Set(data.map((d) => d.x)).size < 2) return [];
    const nulls = withP.length - data.length;
    const traces = new Set(data.map((d) => d.trace)).size;
    const series = new Set(data.map((d) => d.series)).size;
    const legend = { orient: 'bottom', columns: 3, labelLimit: 400, titleLimit: 600 };
    const layer = {
      width: traces > 1 && others.length > 0 ? 480 : 900, height: 300,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'x', type: 'quantitative', title: zippedWith.length ? `${p} (zipped with ${zippedWith.join(', ')})` : p, scale: scaleFor(data.map((d) => d.x)) },
        y: { field: 'ips', type: 'quantitative', title: 'inferences/s', scale: scaleFor(data.map((d) => d.ips)), axis: AXIS_SI },
        color: others.length
          ? { field: 'series', type: 'nominal', title: others.join(', '), legend, scale: { scheme: series > 10 ? 'category20' : 'tableau10' } }
          : { field: 'trace', type: 'nominal', title: 'trace', legend },
      },
    };
    const faceted = others.length > 0 && traces > 1;
    return [{
      title: `Throughput vs ${p}`,
      caption: `Inferences per second at each value of ${p}${zippedWith.length ? `, with ${zippedWith.join(', ')} changed together with it (zipped)` : ''}; ` +
        'parameters named neither on the axis nor in the legend are at the base config\'s values.' +
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
      width: 900, height: 320, data: { values: data },
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

/** Every chart the data supports, in reading order. `runs`: several runs side by side (`report A.json B.json`). */
export function buildCharts(rows: readonly ResultRow[], kind: 'sweep' | 'run' | 'runs'): Chart[] {
  const traces = pointsPerTrace(rows);
  return [
    ...sweepLineCharts(rows),
    ...scalingChart(rows),
    ...densityHeatMaps(rows),
    ...traces.flatMap((t) => normalisedCharts(t, kind)),
    ...groupByLayers(traces).flatMap((g) => perLayerCharts(g, kind)),
  ];
}
