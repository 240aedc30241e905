import { spawnSync } from 'node:child_process';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { packageRoot } from '../sim/paths.js';
import { tempDir } from './support/cli.js';
import { readmeCommands } from './support/readme-commands.js';

/** Commands documented at this many CPU seconds or less run here; longer ones are measured, not tested. */
const CHEAP_SECONDS = 15;

const commands = readmeCommands();

test('the README documents a time for its commands and the cheap ones are many', () => {
  expect(commands.length).toBeGreaterThan(20);
  expect(commands.filter((c) => c.seconds !== null && c.seconds <= CHEAP_SECONDS).length).toBeGreaterThanOrEqual(10);
  for (const c of commands) expect(c.comment, c.text).not.toMatch(/\[\? s\]/);
});

// In order, in one scratch folder (later commands read what earlier ones wrote, e.g. out.json), which sees
// hw-configs/ and traces/ as the repository root does.
test('every cheap README command runs as written', () => {
  const dir = tempDir();
  for (const d of ['hw-configs', 'traces']) symlinkSync(join(packageRoot(), d), join(dir, d));
  for (const c of commands.filter((x) => x.seconds !== null && x.seconds <= CHEAP_SECONDS)) {
    const r = spawnSync(process.execPath, [join(packageRoot(), 'bin', 'eyeriss-sim.js'), ...c.args], { cwd: dir, encoding: 'utf8' });
    expect(r.stderr.split('\n').filter((l) => l.startsWith('eyeriss-sim:')), c.text).toEqual([]);
    expect(r.status, c.text).toBe(0);
  }
});
