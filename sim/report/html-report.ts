/**
 * The HTML report: one self-contained file (inline SVG charts and CSS, no scripts, nothing fetched), so it opens
 * anywhere, offline, and can be attached to an issue. Charts are Vega-Lite specs compiled and rendered to SVG here,
 * in Node (vega's headless view needs no canvas: text is measured by estimate).
 */
import { basename } from 'node:path';
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { isTotalRow, type LoadedResults, paramNamesOf, type ResultRow } from './result-rows.js';
import { buildCharts, type Chart } from './charts.js';

/** Renders a Vega-Lite spec to an SVG string. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Gives every id in an SVG a prefix, so clip paths and gradients of different inline charts cannot collide. */
function scopeIds(svg: string, prefix: string): string {
  return svg.replace(/\bid="([^"]+)"/g, `id="${prefix}$1"`).replace(/url\(#([^)]+)\)/g, `url(#${prefix}$1)`)
    .replace(/href="#([^"]+)"/g, `href="#${prefix}$1"`);
}

const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** The totals of each point as an HTML table. */
function totalsTable(rows: readonly ResultRow[]): string {
  const params = paramNamesOf(rows);
  const head = ['point', 'trace', 'hw', ...params, 'cycles', 'inferences/s', 'energy (uJ)', 'PE util', 'DRAM (kB)'];
  const body = rows.filter((r) => isTotalRow(r)).map((r) => [String(r.point), r.trace, r.hw,
    ...params.map((p) => (p in r.params ? String(r.params[p]) : '')), String(r.cycles), (r.inferencesPerSecond ?? 0).toFixed(1),
    (r.energyJoules * 1e6).toFixed(1), `${(100 * r.peUtilization).toFixed(1)}%`, (r.dramBytes / 1024).toFixed(1)]);
  const tr = (cells: string[], tag: string): string => `<tr>${cells.map((c) => `<${tag}>${esc(c)}</${tag}>`).join('')}</tr>`;
  return `<table><thead>${tr(head, 'th')}</thead><tbody>${body.map((b) => tr(b, 'td')).join('\n')}</tbody></table>`;
}

const STYLE = `body{font-family:Helvetica,Arial,sans-serif;margin:24px auto;max-width:1200px;color:#222;padding:0 16px}
h1{font-size:22px}h2{font-size:17px;margin-top:32px}figure{margin:16px 0}figure svg{width:100%;height:auto}figcaption{font-size:13px;color:#555;margin:4px 0 8px}
table{border-collapse:collapse;font-size:12px}th,td{border:1px solid #ddd;padding:3px 6px;text-align:right}th{background:#f4f4f4}
td:nth-child(2),td:nth-child(3){text-align:left}.meta{color:#555;font-size:13px}`;

/**
 * Several runs (`eyeriss-sim report A.json B.json`) as one set of results: run i is point i, named by its file, and
 * all of them count as one trace so that each is compared with the first, layer by layer.
 */
export function joinRuns(runs: readonly LoadedResults[]): LoadedResults {
  const trace = [...new Set(runs.flatMap((r) => r.rows.map((x) => x.trace)))].join(' / ');
  const rows = runs.flatMap((r, i) => r.rows.map((x) => ({ ...x, point: i, trace, params: { run: basename(r.file) } })));
  return { kind: 'run', file: runs.map((r) => r.file).join(', '), rows };
}

/** Totals of two or more runs side by side, with each run over the first. */
function runsTable(rows: readonly ResultRow[]): string {
  const totals = rows.filter((r) => r.layer === 'total');
  const first = totals[0]!;
  const ratio = (a: number, b: number): string => (b > 0 ? `${(a / b).toFixed(3)}x` : '');
  const head = ['run', 'hw', 'cycles', 'vs first', 'inferences/s', 'energy (uJ)', 'vs first', 'PE util', 'DRAM (kB)', 'vs first'];
  const body = totals.map((r) => [String(r.params.run), r.hw, String(r.cycles), ratio(r.cycles, first.cycles), (r.inferencesPerSecond ?? 0).toFixed(1),
    (r.energyJoules * 1e6).toFixed(1), ratio(r.energyJoules, first.energyJoules), `${(100 * r.peUtilization).toFixed(1)}%`, (r.dramBytes / 1024).toFixed(1), ratio(r.dramBytes, first.dramBytes)]);
  const tr = (cells: string[], tag: string): string => `<tr>${cells.map((c) => `<${tag}>${esc(c)}</${tag}>`).join('')}</tr>`;
  return `<table><thead>${tr(head, 'th')}</thead><tbody>${body.map((b) => tr(b, 'td')).join('\n')}</tbody></table>`;
}

/**
 * Builds the report of a sweep's or a run's results, or of several runs side by side; `extra` charts (e.g. a run's
 * Eyexam waterfalls, which the caller draws) follow the report's own.
 */
export async function buildHtmlReport(input: LoadedResults | readonly LoadedResults[], extra: readonly Chart[] = []): Promise<string> {
  const several = Array.isArray(input) && input.length > 1;
  const results = Array.isArray(input) ? (several ? joinRuns(input) : input[0]!) : (input as LoadedResults);
  const charts = [...buildCharts(results.rows, several ? 'runs' : results.kind), ...extra];
  const figures: string[] = [];
  for (const [i, c] of charts.entries()) {
    const svg = scopeIds(await renderSvg(c.spec), `c${i}-`);
    figures.push(`<figure><h2>${esc(c.title)}</h2><figcaption>${esc(c.caption)}</figcaption>\n${svg}\n</figure>`);
  }
  const points = new Set(results.rows.map((r: ResultRow) => r.point)).size;
  const what = several ? `${points} runs side by side, each against the first` : results.kind === 'run' ? 'run report' : `sweep results, ${points} point${points === 1 ? '' : 's'}`;
  const table = several ? `<h2>Totals of each run, and over the first</h2>${runsTable(results.rows)}` : `<h2>Totals per point</h2>${totalsTable(results.rows)}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>eyeriss-sim report: ${esc(results.file)}</title><style>${STYLE}</style></head>
<body><h1>eyeriss-sim report</h1><p class="meta">${esc(results.file)} (${esc(what)})</p>
${table}
${figures.join('\n')}
</body></html>
`;
}
