// A position in Relay tokens and the steps every reader of them shares: look ahead, match a word
// or punctuator, fail with the offset (MLF-E311), bound the nesting depth, skip a bracketed group.
// A plain object passed to free functions, so the program parser (relay-parse.ts) and the term
// readers (relay-terms.ts) advance the same position.
import { MlfError } from '../errors/errors.js';
import { RK, type RelayToken } from './relay-lex.js';
import { describeToken } from './relay-literals.js';

/** Where a reader is in the tokens of one Relay text. */
export interface RelayCursor {
  readonly tokens: readonly RelayToken[];
  /** Index of the next token. */
  pos: number;
  /** Open nested constructs (expressions, functions, types, attributes). */
  depth: number;
  readonly maxDepth: number;
  /** Offset of the end of the text, where an error past the last token points. */
  readonly end: number;
  /** The archive member the text came from, named in errors. */
  readonly member: string | undefined;
}

/** The token `k` ahead of the position. */
export const peek = (c: RelayCursor, k = 0): RelayToken | undefined => c.tokens[c.pos + k];

/** @throws MlfError MLF-E311 with `message`, at `offset` (by default the next token's). */
export function fail(c: RelayCursor, message: string, offset = peek(c)?.offset ?? c.end): never {
  throw new MlfError('MLF-E311', `Relay text: ${message}`, { member: c.member, offset });
}

/** Whether the token `k` ahead is the word or punctuator `s`. */
export function is(c: RelayCursor, s: string, k = 0): boolean {
  const t = peek(c, k);
  return t !== undefined && (t.kind === RK.punct || t.kind === RK.ident) && t.text === s;
}

/** Takes the word or punctuator `s`. @throws MlfError MLF-E311 when the next token is another. */
export function expect(c: RelayCursor, s: string): RelayToken {
  if (!is(c, s)) fail(c, `expected ${JSON.stringify(s)}, found ${describeToken(peek(c))}`);
  return c.tokens[c.pos++] as RelayToken;
}

/** Opens a nested construct. @throws MlfError MLF-E311 past `maxDepth` (the readers recurse). */
export function enter(c: RelayCursor): void {
  if (++c.depth > c.maxDepth) fail(c, `nesting deeper than ${c.maxDepth}`);
}

/** Closes what {@link enter} opened. */
export function leave(c: RelayCursor): void {
  c.depth--;
}

/** Skips a `[...]` group (nested ones too) starting at the position. */
export function skipBrackets(c: RelayCursor): void {
  let d = 0;
  do {
    if (is(c, '[')) d++;
    else if (is(c, ']')) d--;
    c.pos++;
  } while (d > 0 && c.pos < c.tokens.length);
}

/** Skips a word and the `{...}` group after it (`attributes {...}`, `type T {...}`). */
export function skipBraces(c: RelayCursor): void {
  let d = 0;
  c.pos++;
  while (c.pos < c.tokens.length && !is(c, '{')) c.pos++;
  do {
    if (is(c, '{')) d++;
    else if (is(c, '}')) d--;
    c.pos++;
  } while (d > 0 && c.pos < c.tokens.length);
}
