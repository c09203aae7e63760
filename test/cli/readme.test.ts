/** README's CLI reference and `mlf <command> --help` agree: every flag the README names exists. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';

const readme = readFileSync('README.md', 'utf8');
const section = readme.slice(readme.indexOf('## CLI reference'), readme.indexOf('### The `inspect --json` contract'));
const rows = section
  .split('\n')
  .filter((l) => l.startsWith('| `mlf '))
  .map((l) => l.slice(3, l.indexOf('` |')));

async function help(words: string[]): Promise<string> {
  let out = '';
  const code = await run([...words, '--help'], { out: (t) => void (out += t), err: (t) => void (out += t) });
  expect([words.join(' '), code]).toEqual([words.join(' '), 0]);
  return out;
}

/** The command words of a row: `mlf params export <input> …` → params export. */
function commandOf(row: string): string[] {
  const words: string[] = [];
  for (const w of row.split(/\s+/).slice(1)) {
    if (!/^[a-z][a-z-]*$/.test(w)) break;
    words.push(w);
  }
  if (words[0] === 'completion') return ['completion'];
  return words;
}

describe('README CLI reference', () => {
  it('lists every command of the CLI', async () => {
    const root = await help([]);
    const listed = new Set(rows.map((r) => commandOf(r)[0]));
    const commands = [...root.matchAll(/^ {2}([a-z][a-z-]+)\b/gm)].map((m) => m[1]).filter((c) => c !== 'help');
    expect(commands.length).toBeGreaterThan(20);
    for (const c of commands) expect([c, listed.has(c)]).toEqual([c, true]);
  });

  it.each(rows)('%s: every flag exists in --help', async (row) => {
    const words = commandOf(row);
    const text = await help(words);
    const flags = [...row.matchAll(/(?<![\w-])(--[a-z][a-z-]*|-[a-zA-Z])\b/g)].map((m) => m[1] as string);
    for (const f of flags) expect([f, text.includes(f)]).toEqual([f, true]);
  });

  it('the flags every command takes are in every help (-q/--quiet, --color/--no-color)', async () => {
    for (const row of rows) {
      const text = await help(commandOf(row));
      if (commandOf(row)[0] === 'completion') continue;
      for (const f of ['--quiet', '--color', '--no-color']) expect([row, f, text.includes(f)]).toEqual([row, f, true]);
    }
  });
});
