import { type Command, Option } from '@commander-js/extra-typings';
import { MlfError } from '../core/errors/errors.js';

/** Runs an action and records its exit status (see main.ts). */
export type Exec = (run: () => Promise<number>) => Promise<void>;

/** Collects a repeatable flag. */
export const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

/**
 * The flags every command takes: -q/--quiet, --color/--no-color. They are read by the pre-action
 * hook in main.ts (`CliContext.configure`), not by the actions.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any command, whatever its option types
export function common<C extends Command<any, any, any>>(cmd: C): C {
  cmd.addOption(new Option('-q, --quiet', 'print only results and errors (no status lines, no progress)'));
  cmd.addOption(new Option('--color', 'colour the output (default: when stdout is a terminal, unless NO_COLOR)'));
  cmd.addOption(new Option('--no-color', 'never colour the output'));
  return cmd;
}

/** `Examples:` after a command's help. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any command, whatever its option types
export function examples<C extends Command<any, any, any>>(cmd: C, ...lines: string[]): C {
  cmd.addHelpText('after', `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}`);
  return cmd;
}

/**
 * The output format of a command that prints text or JSON (or more): `--format F`, with `--json`
 * as its shorthand; both given and disagreeing is a usage error.
 */
export function chooseFormat<F extends string>(
  opts: { format?: string; json?: boolean },
  allowed: readonly F[],
  fallback: F,
): F {
  if (opts.json && opts.format !== undefined && opts.format !== 'json')
    throw new MlfError('MLF-E901', `--json and --format ${opts.format} contradict each other; give one`);
  const f = opts.json ? 'json' : (opts.format ?? fallback);
  if (!(allowed as readonly string[]).includes(f))
    throw new MlfError('MLF-E901', `--format must be ${allowed.join(', ')}; got ${JSON.stringify(f)}`);
  return f as F;
}

/** The old spelling of a flag, kept as a hidden alias: refuses both spellings at once. */
export function aliased(primary: string | undefined, old: string | undefined, names: string): string | undefined {
  if (primary !== undefined && old !== undefined && primary !== old)
    throw new MlfError('MLF-E901', `${names} name the same thing; give one`);
  return primary ?? old;
}

/** Flags that cannot go together: refuses when more than one of them is set. */
export function refuseTogether(given: Record<string, unknown>): void {
  const set = Object.entries(given).filter(([, v]) => v !== undefined && v !== false);
  if (set.length > 1) throw new MlfError('MLF-E901', `${set.map(([k]) => k).join(' and ')} cannot be used together`);
}
