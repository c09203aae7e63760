import { isMlfError, MlfError } from '../../core/errors/errors.js';
import type { CliContext } from '../context.js';
import { errorJson, formatError } from '../errors.js';
import { guardTerminal, plural } from '../format.js';

/**
 * The same error with the file it is about named first in its message (unless it names it
 * already), so every error says which input it concerns.
 */
export function naming(e: unknown, label: string): unknown {
  // E904 is about the destination, which its message names already.
  if (!isMlfError(e) || e.message.includes(label) || e.code === 'MLF-E901' || e.code === 'MLF-E904') return e;
  const named = new MlfError(
    e.code,
    `${label}: ${e.message}`,
    { member: e.member, jsonPath: e.jsonPath, offset: e.offset },
    e.hint,
  );
  named.stack = e.stack;
  return named;
}

/** Runs `f` on one input; its MlfErrors name the input. */
export async function about<T>(label: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw naming(e, label);
  }
}

/** One input's outcome in a multi-input command. */
export type Outcome<T> = { label: string; result: T } | { label: string; error: MlfError };

/**
 * Runs `f` on every input (`-` is standard input). With one input, an error propagates as it is
 * (exit 1 or 2); with several, each input's error is reported with its name and the others still
 * run, so one summary and a combined exit status cover all of them.
 */
export async function eachInput<T>(
  ctx: CliContext,
  inputs: string[],
  f: (path: string, label: string) => Promise<T>,
): Promise<Outcome<T>[]> {
  const out: Outcome<T>[] = [];
  for (const label of inputs) {
    try {
      const path = await ctx.input(label);
      out.push({ label, result: await about(label, () => f(path, label)) });
    } catch (e) {
      if (inputs.length === 1 || !isMlfError(e) || e.code === 'MLF-E901') throw e;
      out.push({ label, error: e });
    }
  }
  return out;
}

/** Prints the error of a failed input (text: stderr; JSON goes into the caller's document). */
export function reportFailure(ctx: CliContext, error: MlfError): void {
  if (!ctx.json) ctx.io.err(guardTerminal(formatError(ctx, error)));
}

/** `{ path, error }` for the JSON document of a multi-input command. */
export function failureJson(label: string, error: MlfError): unknown {
  return { path: label, ...errorJson(error) };
}

/** `3 archives: 2 valid, 1 invalid` (the wording of the counts is the caller's). */
export function summary(total: number, parts: [number, string][]): string {
  return `${plural(total, 'archive')}: ${parts
    .filter(([n]) => n > 0)
    .map(([n, w]) => `${n} ${w}`)
    .join(', ')}`;
}
