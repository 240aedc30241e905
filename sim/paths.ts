import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/**
 * The package's root directory (where hw-configs/ and traces/ live), found by walking up from this module, so
 * that it resolves the same from sim/ under vitest and from dist/sim/ when compiled.
 */
export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'hw-configs'))) return (root = dir);
    const up = dirname(dir);
    if (up === dir) throw new Error('eyeriss-sim: cannot find the package root (no hw-configs/ above the code)');
    dir = up;
  }
}

/**
 * True when the argument names a file rather than a built-in entry: it has a path separator or a file
 * extension we read (names such as eyeriss-v1.5 or mobilenet-v1-0.5-128 contain dots).
 */
export function looksLikePath(arg: string): boolean {
  return arg.includes('/') || arg.includes('\\') || /\.(ya?ml|json|pb|onnx)$/i.test(arg);
}
