import { formatLocation, isMlfError, type MlfError } from '../core/errors/errors.js';
import type { CliContext } from './context.js';
import { colors, guardTerminal, safeLines, safeText } from './format.js';

/** Exit statuses, documented in the README and in `mlf --help`. */
export const EXIT = { ok: 0, invalid: 1, usage: 2, internal: 3 } as const;

/** Codes whose messages carry a tool's own output (compiler errors), where newlines are meant. */
const MULTILINE = new Set(['MLF-E503', 'MLF-E504', 'MLF-E506']);

/** The JSON form of an error: `{ error: { code, message, hint, location } }`. */
export function errorJson(e: Pick<MlfError, 'code' | 'message' | 'hint' | 'member' | 'jsonPath' | 'offset'>) {
  const location =
    e.member === undefined && e.jsonPath === undefined && e.offset === undefined
      ? null
      : { member: e.member ?? null, jsonPath: e.jsonPath ?? null, offset: e.offset ?? null };
  return { error: { code: e.code, message: e.message, hint: e.hint, location } };
}

/** One MlfError as text: `error CODE location: message` and the hint, escaped for a terminal. */
export function formatError(ctx: CliContext, e: MlfError): string {
  const loc = safeText(ctx.relabel(formatLocation(e)));
  const text = ctx.relabel(e.message);
  const message = MULTILINE.has(e.code) ? safeLines(text) : safeText(text);
  return `${colors.red('error')} ${colors.bold(e.code)}${loc ? ` ${loc}` : ''}: ${message}\n  hint: ${safeText(ctx.relabel(e.hint))}`;
}

/** Prints an error thrown by a command and returns the exit status (3 for anything not an MlfError: a bug). */
export function printError(ctx: CliContext, e: unknown): number {
  if (isMlfError(e)) {
    if (ctx.json) ctx.printJson(errorJson({ ...e, message: ctx.relabel(e.message), hint: e.hint, code: e.code }));
    else ctx.io.err(guardTerminal(formatError(ctx, e)));
    return e.code === 'MLF-E901' ? EXIT.usage : EXIT.invalid;
  }
  ctx.io.err(
    `mlf: internal error (a bug; please report it with this trace):\n${e instanceof Error ? e.stack : String(e)}`,
  );
  return EXIT.internal;
}
