import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { hwConfigDir, parseHwConfig, type HwConfig } from '../../sim/config/hw-config.js';
import { InputError } from '../../sim/errors.js';

/** The shipped Eyeriss v2 config with every `key: value` line of the given keys replaced. */
export function v2With(edits: Record<string, string | number | null>): HwConfig {
  let text = readFileSync(`${hwConfigDir()}/eyeriss-v2.yaml`, 'utf8');
  for (const [key, value] of Object.entries(edits)) {
    const re = new RegExp(`^(\\s*${key}:)\\s*[^#\\n]*`, 'gm');
    if (!re.test(text)) throw new Error(`no ${key} in eyeriss-v2.yaml`);
    text = text.replace(re, `$1 ${value === null ? 'null' : value} `);
  }
  return parseHwConfig('edited eyeriss-v2.yaml', text);
}

/** The one-line error a config text gets from the parser (the test fails if it parses, or throws another error). */
export function configErrorOf(edited: string): string {
  try {
    parseHwConfig('x.yaml', edited);
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return (err as Error).message;
  }
  throw new Error('no error');
}
