import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { InputError, showValue } from '../errors.js';

/** Reads a file for a loader, turning I/O failures into one-line InputErrors. */
export function readInputFile(file: string): { bytes: Buffer; sha256: string } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(`${file}: cannot read file (${code ?? String(err)})`);
  }
  return { bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/**
 * Parses YAML (a superset of JSON), reporting syntax errors with their line. Warnings (an unknown tag such as
 * `!foo`) are errors too, on one line: the value they would have produced is a guess.
 */
export function parseYamlText(file: string, text: string): unknown {
  try {
    const doc = parseDocument(text, { prettyErrors: true, logLevel: 'silent' });
    const problem = doc.errors[0] ?? doc.warnings[0];
    if (problem) throw problem;
    return doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    if (err instanceof RangeError) throw new InputError(`${file}: not valid YAML: nested too deeply (${err.message})`);
    const e = err as { message?: string; linePos?: { line: number; col: number }[] };
    const where = e.linePos?.[0] ? ` at line ${e.linePos[0].line}` : '';
    // The pretty message ends with its own position and a code frame: keep the first line, minus the position.
    const what = (e.message ?? String(err)).split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    throw new InputError(`${file}: not valid YAML${where}: ${what}`);
  }
}

/** The value at a path inside a parsed document, for error messages. */
function valueAt(doc: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = doc;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

/** What a zod issue expected, in words. */
function expectation(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.expected === 'int' ? 'an integer' : `a ${issue.expected}`;
    case 'too_small':
      return `${issue.inclusive === false ? '>' : '>='} ${String(issue.minimum)}`;
    case 'too_big': {
      // A bound of sim/config/bounds.ts carries its reason as the issue's message.
      const why = issue.message.startsWith('Too big') ? '' : ` (${issue.message})`;
      return `${issue.inclusive === false ? '<' : '<='} ${String(issue.maximum)}${why}`;
    }
    case 'invalid_value':
      return `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'unrecognized_keys':
      return 'no such field';
    default:
      return issue.message;
  }
}

/** Validates a parsed document against a schema; the first problem becomes a one-line InputError. */
export function validateDocument<T extends z.ZodType>(file: string, doc: unknown, schema: T): z.output<T> {
  const result = schema.safeParse(doc);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    const field = [...issue.path, issue.keys[0]!].join('.');
    throw new InputError(`${file}: field ${field}: unknown field, expected one of the documented fields`);
  }
  const field = issue.path.length ? issue.path.join('.') : '(document)';
  const value = valueAt(doc, issue.path);
  const got = value === undefined ? 'nothing (missing)' : showValue(value);
  throw new InputError(`${file}: field ${field}: got ${got}, expected ${expectation(issue)}`);
}
