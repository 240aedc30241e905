import { readFileSync } from 'node:fs';
import { hwConfigDir, parseHwConfig, type HwConfig } from '../../sim/config/hw-config.js';

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
