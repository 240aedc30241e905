import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { expect, test } from 'vitest';
import { packageRoot } from '../sim/paths.js';

/** The folders under sim/ (a file directly in sim/ is its own node) and which others each imports. */
function folderGraph(): Map<string, Set<string>> {
  const root = join(packageRoot(), 'sim');
  const files: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name.endsWith('.ts')) files.push(join(d, e.name));
    }
  };
  walk(root);
  const node = (f: string): string => relative(root, f).split(sep)[0]!;
  const graph = new Map<string, Set<string>>();
  for (const f of files) {
    for (const m of readFileSync(f, 'utf8').matchAll(/^\s*(?:import|export)[^'"]*?from\s+['"](\.[^'"]+)['"]/gm)) {
      const [a, b] = [node(f), node(resolve(dirname(f), m[1]!))];
      if (a !== b) graph.set(a, (graph.get(a) ?? new Set()).add(b));
    }
  }
  return graph;
}

test('no import cycles between the folders of sim/', () => {
  const graph = folderGraph();
  const cycles: string[] = [];
  for (const [a, targets] of graph) {
    for (const b of targets) {
      // Is there a way back from b to a?
      const seen = new Set([b]);
      const stack = [b];
      while (stack.length) {
        const x = stack.pop()!;
        if (x === a) {
          cycles.push(`${a} -> ${b}`);
          break;
        }
        for (const y of graph.get(x) ?? []) if (!seen.has(y)) stack.push(y), seen.add(y);
      }
    }
  }
  expect(graph.size).toBeGreaterThan(10);
  expect(cycles).toEqual([]);
});
