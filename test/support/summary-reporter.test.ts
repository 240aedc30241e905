import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { expect, test } from 'vitest';
import { packageRoot } from '../../sim/paths.js';

/**
 * Runs vitest on fixtures/failing-suite (outside the main include: its files end in .fixture.ts), a suite that fails
 * once in each way: a plain failing test, a throwing beforeAll (its test is skipped, not failed), a throwing afterAll,
 * a file that throws while being collected, and an unhandled rejection. The closing line must count all five.
 */
test('the closing line counts failed tests, hooks, collection and unhandled errors', () => {
  const root = packageRoot();
  const r = spawnSync(process.execPath, [path.join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--root', path.join(root, 'test', 'support', 'fixtures', 'failing-suite')], {
    encoding: 'utf8',
    env: { ...process.env, CI: '1', NO_COLOR: '1' },
  });
  const last = r.stdout.trimEnd().split('\n').at(-1);
  expect(r.status).not.toBe(0);
  expect(last).toBe('3 passed, 5 failed');
});
