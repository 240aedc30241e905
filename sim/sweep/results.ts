/**
 * Sweep results: one row per point and layer plus a total row per point, as JSONL (the form tools read back:
 * resume, merge, report) and CSV (for spreadsheets). Points are stored one file each under DIR/points/ as they
 * finish, named by their key, so a killed sweep loses at most the points that were running; the results files
 * are rewritten as points finish, so a stopped sweep can still be reported.
 *
 * Results cannot mix (sim/sweep/out-dir.ts): every row records the SHA-256 of its sweep file, DIR/sweep.json
 * records which sweep the folder holds and whether it finished, and a lock keeps a second sweep out while one
 * writes. A total row is told apart by its type, `total`, which no layer has: a layer may be named "total".
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { checkJsonDepth } from '../config/bounds.js';
import { writeFileAtomic } from '../files.js';
import { InputError } from '../errors.js';
import type { JsonReport } from '../report/json-report.js';
import { type LoadedResults, type Metrics, type ResultRow, resultsCsv, rowsOfRunReport } from '../report/result-rows.js';

// The rows' model lives with the reports that read it; re-exported for the sweep's callers.
export { isTotalRow, type LoadedResults, type Metrics, metricsOfReport, paramNamesOf, type ResultRow, resultsCsv, rowsOfRunReport, TOTAL_TYPE } from '../report/result-rows.js';
import { incompleteNote, readRecord } from './out-dir.js';

/** Writes DIR/results.jsonl and DIR/results.csv (each whole or not at all). */
export function writeResults(dir: string, rows: readonly ResultRow[], paramNames?: string[]): void {
  mkdirSync(dir, { recursive: true });
  writeFileAtomic(join(dir, 'results.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : ''));
  writeFileAtomic(join(dir, 'results.csv'), resultsCsv(rows, paramNames));
}

// ---------------------------------------------------------------------------------------------------------------
// The per-point store (resume)

/** Saves one finished point as DIR/points/<key>.json. */
export function savePoint(dir: string, key: string, metrics: Metrics[], wallSeconds: number): void {
  mkdirSync(join(dir, 'points'), { recursive: true });
  writeFileAtomic(join(dir, 'points', `${key}.json`), `${JSON.stringify({ key, wallSeconds, metrics })}\n`);
}

/** The finished points under DIR/points/, by key; unreadable files are skipped (their points just run again). */
export function readPoints(dir: string): Map<string, Metrics[]> {
  const out = new Map<string, Metrics[]>();
  const folder = join(dir, 'points');
  if (!existsSync(folder)) return out;
  for (const f of readdirSync(folder)) {
    if (!f.endsWith('.json')) continue; // leftovers of an interrupted atomic write end in .tmp-PID
    try {
      const p = JSON.parse(readFileSync(join(folder, f), 'utf8')) as { key: string; metrics: Metrics[] };
      if (typeof p.key === 'string' && Array.isArray(p.metrics)) out.set(p.key, p.metrics);
    } catch {
      // a damaged file is as good as a missing one
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Reading back

/** The first field a results row lacks or has of the wrong type (a hand-edited or foreign file). */
function badRowField(row: unknown): string | undefined {
  if (row === null || typeof row !== 'object' || Array.isArray(row)) return '(row)';
  const r = row as Record<string, unknown>;
  const numbers = ['point', 'cycles', 'latencySeconds', 'energyJoules', 'peUtilization', 'macUtilization', 'dramBytes', 'nominalMacs', 'effectiveMacs', 'batch'];
  const strings = ['layer', 'type', 'key', 'trace', 'hw', 'check'];
  const objects = ['params', 'energyByLevel', 'energyByDataType'];
  return numbers.find((f) => typeof r[f] !== 'number') ?? strings.find((f) => typeof r[f] !== 'string') ??
    objects.find((f) => r[f] === null || typeof r[f] !== 'object') ?? (r.sweep !== undefined && typeof r.sweep !== 'string' ? 'sweep' : undefined);
}

function parseJsonl(file: string, text: string): ResultRow[] {
  return text.split('\n').flatMap((line, i) => {
    if (!line.trim()) return [];
    try {
      const row = JSON.parse(line) as ResultRow;
      const bad = badRowField(row);
      if (bad) throw new Error(`field ${bad}: missing or of the wrong type`);
      return [{ ...row, sweep: row.sweep ?? '' }];
    } catch (err) {
      throw new InputError(`${file}: line ${i + 1}: got ${JSON.stringify(line.slice(0, 40))}, expected a result row (${err instanceof Error ? err.message : String(err)})`);
    }
  });
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(`${file}: cannot read file (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}


/** Reads a sweep DIR, a results.jsonl, or a run's JSON report (schemaVersion 1). */
export function readResults(path: string): LoadedResults {
  const isDir = existsSync(path) && statSync(path).isDirectory();
  const file = isDir ? join(path, 'results.jsonl') : path;
  const text = readText(file);
  if (file.endsWith('.jsonl')) {
    const note = incompleteNote(isDir ? path : dirname(file));
    return { kind: 'sweep', file, rows: parseJsonl(file, text), ...(note ? { incomplete: note } : {}) };
  }
  checkJsonDepth(file, text);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new InputError(`${file}: not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const r = doc as Partial<JsonReport>;
  if (r.schemaVersion !== 1 || !Array.isArray(r.layers) || !r.totals) {
    throw new InputError(`${file}: field schemaVersion: got ${JSON.stringify(r.schemaVersion)}, expected 1 (a report of eyeriss-sim run --json), a results.jsonl or a sweep directory`);
  }
  return { kind: 'run', file, rows: rowsOfRunReport(r as JsonReport) };
}

export interface Merged {
  rows: ResultRow[];
  /** SHA-256 of the one sweep file all shards ran. */
  sweep: string;
  /** The sweep file, its points, and whether the merged shards cover all of them, each finished. */
  file: string;
  points: number | null;
  complete: boolean;
}

/**
 * Joins the results of shards of ONE sweep: rows of the same point appear once, in point order. Refuses shards
 * of different sweep files (their point numbers mean different things) and a point with two different keys.
 */
export function mergeResults(dirs: readonly string[]): Merged {
  const keyOf = new Map<number, { key: string; dir: string; i: number }>();
  const rows: ResultRow[] = [];
  let sweep: { sha: string; dir: string } | undefined;
  let complete = true;
  let file = '';
  let points: number | null = null;
  for (const [i, dir] of dirs.entries()) {
    const loaded = readResults(dir);
    if (loaded.kind !== 'sweep') throw new InputError(`${dir}: a run's report, expected a sweep output folder or results.jsonl`);
    if (loaded.incomplete) complete = false;
    const record = readRecord(existsSync(dir) && statSync(dir).isDirectory() ? dir : dirname(dir));
    if (record) [file, points] = [record.file, record.points];
    else complete = false;
    for (const row of loaded.rows) {
      sweep ??= { sha: row.sweep, dir };
      if (row.sweep !== sweep.sha) {
        throw new InputError(`${dir}: results of another sweep (sweep file SHA-256 ${row.sweep.slice(0, 12) || 'unrecorded'}) than ${sweep.dir} (${sweep.sha.slice(0, 12) || 'unrecorded'}), expected shards of one sweep file`);
      }
      const seen = keyOf.get(row.point);
      if (seen && seen.key !== row.key) {
        throw new InputError(`${dir}: point ${row.point} has other results (key ${row.key.slice(0, 12)}) than in ${seen.dir} (key ${seen.key.slice(0, 12)}), expected one result per point (shards of different simulator versions?)`);
      }
      if (seen && seen.i !== i) continue; // another shard (or the same one given twice) already gave this point
      keyOf.set(row.point, { key: row.key, dir, i });
      rows.push(row);
    }
  }
  if (points === null || keyOf.size < points) complete = false;
  // Array.prototype.sort is stable: layers keep their order within a point.
  return { rows: rows.sort((a, b) => a.point - b.point), sweep: sweep?.sha ?? '', file, points, complete };
}
