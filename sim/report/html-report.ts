/**
 * The HTML report: one self-contained file (inline SVG charts and CSS, no scripts, nothing fetched), so it opens
 * anywhere, offline, and can be attached to an issue. Charts are Vega-Lite specs compiled and rendered to SVG here,
 * in Node (vega's headless view needs no canvas: text is measured by estimate).
 */
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { LoadedResults, ResultRow } from '../sweep/results.js';
import { isTotalRow, paramNamesOf } from '../sweep/results.js';
import { buildCharts } from './charts.js';

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
h1{font-size:22px}h2{font-size:17px;margin-top:32px}figure{margin:16px 0;overflow-x:auto}figcaption{font-size:13px;color:#555;margin:4px 0 8px}
table{border-collapse:collapse;font-size:12px}th,td{border:1px solid #ddd;padding:3px 6px;text-align:right}th{background:#f4f4f4}
td:nth-child(2),td:nth-child(3){text-align:left}.meta{color:#555;font-size:13px}`;

/** Builds the report of a sweep's or a run's results. */
export async function buildHtmlReport(results: LoadedResults): Promise<string> {
  const charts = buildCharts(results.rows, results.kind);
  const figures: string[] = [];
  for (const [i, c] of charts.entries()) {
    const svg = scopeIds(await renderSvg(c.spec), `c${i}-`);
    figures.push(`<figure><h2>${esc(c.title)}</h2><figcaption>${esc(c.caption)}</figcaption>\n${svg}\n</figure>`);
  }
  const points = new Set(results.rows.map((r) => r.point)).size;
  const what = results.kind === 'run' ? 'run report' : `sweep results, ${points} point${points === 1 ? '' : 's'}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>eyeriss-sim report: ${esc(results.file)}</title><style>${STYLE}</style></head>
<body><h1>eyeriss-sim report</h1><p class="meta">${esc(results.file)} (${esc(what)})</p>
${figures.join('\n')}
<h2>Totals per point</h2>${totalsTable(results.rows)}
</body></html>
`;
}
