import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../sim/paths.js';

export interface ReadmeCommand {
  /** The line as written, without its comment. */
  text: string;
  /** Arguments after `npx eyeriss-sim`. */
  args: string[];
  /** The comment after `#`. */
  comment: string;
  /** The documented time in seconds (`[12 s]`, `[3 min]`), null when the line gives none. */
  seconds: number | null;
}

/** The `npx eyeriss-sim ...` lines of the README's "Using it" section, in order, with their documented times. */
export function readmeCommands(): ReadmeCommand[] {
  const readme = readFileSync(join(packageRoot(), 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Using it'), readme.indexOf('\n## ', readme.indexOf('## Using it') + 1));
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  return blocks.flatMap((b) => b.split('\n')).filter((l) => l.startsWith('npx eyeriss-sim ')).map((line) => {
    const [command, comment = ''] = line.split(/\s+#\s/, 2) as [string, string?];
    const time = /\[([\d.]+) (s|min)\]/.exec(comment);
    const text = command.trim();
    return {
      text,
      comment,
      args: text.replace(/^npx eyeriss-sim /, '').split(/\s+/),
      seconds: time ? Number(time[1]) * (time[2] === 'min' ? 60 : 1) : null,
    };
  });
}
