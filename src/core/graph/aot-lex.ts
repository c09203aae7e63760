// A C tokenizer for TVM-generated code: one forward pass, no regular expressions that rescan, and
// brackets matched with an explicit stack, so hostile input costs linear time and no recursion.
import { MlfError } from '../errors/errors.js';

/** Token kinds. */
export const TK = { ident: 1, number: 2, string: 3, char: 4, punct: 5 } as const;

/** The tokens of one C text, as parallel arrays (a million tokens cost 13 MB, not 100). */
export interface CTokens {
  text: string;
  count: number;
  kind: Uint8Array;
  start: Uint32Array;
  end: Uint32Array;
  /** For `(`, `[`, `{`: the index of the matching closer, and the reverse; -1 otherwise. */
  match: Int32Array;
}

/** Options of {@link tokenizeC}. */
export interface TokenizeOptions {
  /** Archive member, for error locations. */
  member?: string;
  /** Stop with E309 past this many tokens. @default 20_000_000 */
  maxTokens?: number;
}

/** Width of the punctuator at `i` (3, 2 or 1): `<<=`, `>>=`, `...`, `->`, `==`, `&&`, ... */
function punctWidth(text: string, i: number): number {
  const c = text.charCodeAt(i);
  const n = text.charCodeAt(i + 1);
  if ((c === 60 || c === 62) && n === c && text.charCodeAt(i + 2) === 61) return 3; // <<= >>=
  if (c === 46 && n === 46 && text.charCodeAt(i + 2) === 46) return 3; // ...
  switch (c) {
    case 45: // - : -> -- -=
      return n === 62 || n === 45 || n === 61 ? 2 : 1;
    case 43: // + : ++ +=
      return n === 43 || n === 61 ? 2 : 1;
    case 60: // < : << <=
    case 62: // > : >> >=
      return n === c || n === 61 ? 2 : 1;
    case 38: // & : && &=
    case 124: // | : || |=
      return n === c || n === 61 ? 2 : 1;
    case 61: // = : ==
    case 33: // ! : !=
    case 42: // *=
    case 47: // /=
    case 37: // %=
    case 94: // ^=
      return n === 61 ? 2 : 1;
    case 58: // ::
      return n === 58 ? 2 : 1;
    default:
      return 1;
  }
}

const isIdentStart = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36;
const isDigit = (c: number) => c >= 48 && c <= 57;
const isIdentPart = (c: number) => isIdentStart(c) || isDigit(c);

/**
 * Splits C text into tokens, skipping comments and preprocessor lines, and matches brackets.
 * @throws MlfError MLF-E309 for an unterminated comment, string or character literal, an
 * unbalanced bracket, or more than `maxTokens` tokens (with the byte offset).
 */
export function tokenizeC(text: string, options: TokenizeOptions = {}): CTokens {
  const max = options.maxTokens ?? 20_000_000;
  const n = lexTokens(text, max, options.member, null);
  const buf: TokenBuffer = { n, kind: new Uint8Array(n), start: new Uint32Array(n), end: new Uint32Array(n) };
  lexTokens(text, max, options.member, buf);
  const match = matchBrackets(text, buf, options.member);
  return { text, count: buf.n, kind: buf.kind, start: buf.start, end: buf.end, match };
}

function lexFail(member: string | undefined, message: string, offset: number): never {
  throw new MlfError('MLF-E309', `C source: ${message}`, { member, offset });
}

/**
 * The lexing pass, run twice: first to count the tokens (`out` null), then to fill arrays of
 * exactly that size. Plain locals, no closures and no allocation inside the loop: growing
 * typed arrays mid-loop made V8's optimised code crawl on some large inputs.
 */
function lexTokens(text: string, max: number, member: string | undefined, out: TokenBuffer | null): number {
  const len = text.length;
  let lineStart = true; // only whitespace since the last newline: `#` starts a directive
  let i = 0;
  let n = 0;
  while (i < len) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      lineStart = true;
      i++;
      continue;
    }
    if (c === 32 || c === 9 || c === 13 || c === 11 || c === 12) {
      i++;
      continue;
    }
    if (c === 47 && text.charCodeAt(i + 1) === 42) {
      i = blockCommentEnd(text, i, member);
      continue;
    }
    if (c === 47 && text.charCodeAt(i + 1) === 47) {
      i = lineEnd(text, i);
      continue;
    }
    if (c === 35 && lineStart) {
      i = directiveEnd(text, i);
      continue;
    }
    lineStart = false;
    let kind: number;
    let j: number;
    if (isIdentStart(c)) {
      j = i + 1;
      while (j < len && isIdentPart(text.charCodeAt(j))) j++;
      kind = TK.ident;
    } else if (isDigit(c) || (c === 46 && isDigit(text.charCodeAt(i + 1)))) {
      j = numberEnd(text, i);
      kind = TK.number;
    } else if (c === 34 || c === 39) {
      j = literalEnd(text, i, member);
      kind = c === 34 ? TK.string : TK.char;
    } else {
      j = i + punctWidth(text, i);
      kind = TK.punct;
    }
    if (n >= max) lexFail(member, `more than ${max} tokens`, i);
    if (out !== null) {
      out.kind[n] = kind;
      out.start[n] = i;
      out.end[n] = j;
    }
    n++;
    i = j;
  }
  return n;
}

// Scans below are character loops, not String#indexOf: in V8's optimised lexer loop an
// indexOf for a newline on a long line without one was observed to cost time per token
// (2M tokens: 150 s instead of 0.3 s).

/** Index of the next newline at or after `i`, or the text's length. */
function lineEnd(text: string, i: number): number {
  const len = text.length;
  let j = i;
  while (j < len && text.charCodeAt(j) !== 10) j++;
  return j;
}

/** Index just after the `*\/` closing the comment opened at `i`. */
function blockCommentEnd(text: string, i: number, member: string | undefined): number {
  const len = text.length;
  for (let j = i + 2; j + 1 < len; j++) {
    if (text.charCodeAt(j) === 42 && text.charCodeAt(j + 1) === 47) return j + 2;
  }
  return lexFail(member, 'unterminated /* comment', i);
}

/** End of a directive: the first newline not escaped by a backslash. */
function directiveEnd(text: string, i: number): number {
  let j = i;
  for (;;) {
    const nl = lineEnd(text, j);
    if (nl >= text.length) return text.length;
    let k = nl - 1;
    if (text.charCodeAt(k) === 13) k--;
    if (text.charCodeAt(k) !== 92) return nl;
    j = nl + 1;
  }
}

/** End of a pp-number: digits, letters, dots, and a sign right after an exponent letter (1e-5, 0x1p+3). */
function numberEnd(text: string, i: number): number {
  const len = text.length;
  let j = i + 1;
  while (j < len) {
    const d = text.charCodeAt(j);
    if (isIdentPart(d) || d === 46) j++;
    else if (d === 43 || d === 45) {
      const e = text.charCodeAt(j - 1);
      if (e === 101 || e === 69 || e === 112 || e === 80) j++;
      else break;
    } else break;
  }
  return j;
}

/** End (exclusive) of the string or character literal opened at `i`. */
function literalEnd(text: string, i: number, member: string | undefined): number {
  const c = text.charCodeAt(i);
  const what = c === 34 ? 'string' : 'character';
  const len = text.length;
  let j = i + 1;
  while (j < len) {
    const d = text.charCodeAt(j);
    if (d === 92) j += 2;
    else if (d === c) return j + 1;
    else if (d === 10) lexFail(member, `newline inside a ${what} literal`, i);
    else j++;
  }
  return lexFail(member, `unterminated ${what} literal`, i);
}

/** Matches ( [ { with their closers using an explicit stack; E309 when unbalanced. */
function matchBrackets(text: string, buf: TokenBuffer, member: string | undefined): Int32Array {
  const { n, kind, start, end } = buf;
  const match = new Int32Array(n).fill(-1);
  const stack = new Int32Array(n);
  let depth = 0;
  for (let t = 0; t < n; t++) {
    if (kind[t] !== TK.punct || (end[t] as number) - (start[t] as number) !== 1) continue;
    const ch = text.charCodeAt(start[t] as number);
    if (ch === 40 || ch === 91 || ch === 123) stack[depth++] = t;
    else if (ch === 41 || ch === 93 || ch === 125) {
      const open = depth > 0 ? (stack[--depth] as number) : -1;
      // ( ) = 40 41, [ ] = 91 93, { } = 123 125
      const want = ch === 41 ? 40 : ch - 2;
      if (open < 0 || text.charCodeAt(start[open] as number) !== want)
        lexFail(member, `unbalanced ${JSON.stringify(String.fromCharCode(ch))}`, start[t] as number);
      match[open] = t;
      match[t] = open;
    }
  }
  if (depth > 0) {
    const at = start[stack[depth - 1] as number] as number;
    lexFail(member, `unclosed ${JSON.stringify(text[at])}`, at);
  }
  return match;
}

interface TokenBuffer {
  n: number;
  kind: Uint8Array;
  start: Uint32Array;
  end: Uint32Array;
}

/** The text of token `i` ('' past the end). */
export function tokenText(t: CTokens, i: number): string {
  return i >= 0 && i < t.count ? t.text.slice(t.start[i] as number, t.end[i] as number) : '';
}

/** True when token `i` is the punctuator or identifier `s`. */
export function isToken(t: CTokens, i: number, s: string): boolean {
  if (i < 0 || i >= t.count) return false;
  const a = t.start[i] as number;
  return (t.end[i] as number) - a === s.length && t.text.startsWith(s, a);
}

/** A C function found at file scope: where its name, parameter list and body are. */
export interface CFunctionSpan {
  name: string;
  /** Token of the name. */
  nameAt: number;
  /** Tokens of `(` and `)` around the parameters. */
  open: number;
  close: number;
  /** Tokens of `{` and `}` around the body; -1 for a declaration. */
  bodyOpen: number;
  bodyClose: number;
}

/** An array declared at file scope or in a struct at file scope: `type name[count]`. */
export interface CArrayDecl {
  name: string;
  /** The C element type as written (last type word: `float`, `int8_t`). */
  ctype: string;
  count: number;
  /** The struct holding it (`global_const_workspace`), or null at file scope. */
  struct: string | null;
}

/** What a file declares at file scope. */
export interface CFileScope {
  /** Definitions and declarations by name (a definition wins over a declaration). */
  functions: Map<string, CFunctionSpan>;
  arrays: Map<string, CArrayDecl>;
}

/**
 * Lists functions and arrays at file scope in one pass: `name(...) {` is a definition, `name(...);`
 * a declaration, `type name[N]` an array (also inside a file-scope struct). `extern "C" {` blocks
 * are transparent; other braces (initialisers, struct bodies) are skipped whole.
 */
export function scanFileScope(t: CTokens): CFileScope {
  const functions = new Map<string, CFunctionSpan>();
  const arrays = new Map<string, CArrayDecl>();
  let i = 0;
  while (i < t.count) {
    if (isToken(t, i, '{')) {
      const close = t.match[i] as number;
      const prev = i - 1;
      if (isToken(t, prev, ')')) {
        const open = t.match[prev] as number;
        if (t.kind[open - 1] === TK.ident) {
          const name = tokenText(t, open - 1);
          functions.set(name, { name, nameAt: open - 1, open, close: prev, bodyOpen: i, bodyClose: close });
        }
        i = close + 1;
      } else if (t.kind[prev] === TK.string && isToken(t, prev - 1, 'extern')) {
        i++; // extern "C" { ... }: its declarations are at file scope
      } else {
        if (isToken(t, prev - 1, 'struct') && t.kind[prev] === TK.ident)
          scanArrays(t, i + 1, close, tokenText(t, prev), arrays);
        i = close + 1;
      }
      continue;
    }
    if (isToken(t, i, '(') && t.kind[i - 1] === TK.ident && isToken(t, (t.match[i] as number) + 1, ';')) {
      const name = tokenText(t, i - 1);
      const close = t.match[i] as number;
      if (!functions.has(name) && !isToken(t, i - 2, '__attribute__'))
        functions.set(name, { name, nameAt: i - 1, open: i, close, bodyOpen: -1, bodyClose: -1 });
      i = close + 1;
      continue;
    }
    if (isToken(t, i, '[') && t.kind[i - 1] === TK.ident) {
      const decl = arrayAt(t, i, null);
      if (decl !== null) arrays.set(decl.name, decl);
      i = (t.match[i] as number) + 1;
      continue;
    }
    i = isToken(t, i, '(') ? (t.match[i] as number) + 1 : i + 1;
  }
  return { functions, arrays };
}

function scanArrays(t: CTokens, from: number, to: number, struct: string, out: Map<string, CArrayDecl>): void {
  for (let i = from; i < to; i++) {
    if (isToken(t, i, '[') && t.kind[i - 1] === TK.ident) {
      const decl = arrayAt(t, i, struct);
      if (decl !== null) out.set(decl.name, decl);
      i = t.match[i] as number;
    } else if (isToken(t, i, '(') || isToken(t, i, '{')) i = t.match[i] as number;
  }
}

/** `type name [ N ]` followed by `=`, `;`, `,` or an attribute: the array, else null. */
function arrayAt(t: CTokens, bracket: number, struct: string | null): CArrayDecl | null {
  const close = t.match[bracket] as number;
  if (close !== bracket + 2 || t.kind[bracket + 1] !== TK.number) return null;
  const count = parseCInteger(tokenText(t, bracket + 1));
  if (count === null) return null;
  // The element type: the nearest type word before the name, skipping attributes.
  let j = bracket - 2;
  while (j >= 0) {
    if (isToken(t, j, ')')) {
      j = (t.match[j] as number) - 1;
      continue;
    }
    if (t.kind[j] === TK.ident) {
      const w = tokenText(t, j);
      if (w !== '__attribute__' && w !== 'const' && w !== 'static' && w !== 'volatile') break;
    }
    j--;
  }
  if (j < 0 || t.kind[j] !== TK.ident) return null;
  return { name: tokenText(t, bracket - 1), ctype: tokenText(t, j), count, struct };
}

/** A C integer literal (decimal, hex, octal, with u/l suffixes) as a safe integer, else null. */
export function parseCInteger(s: string): number | null {
  const body = s.replace(/[uUlL]+$/, '');
  let v: number;
  if (/^0[xX][0-9a-fA-F]+$/.test(body)) v = parseInt(body.slice(2), 16);
  else if (/^0[0-7]*$/.test(body)) v = parseInt(body, 8);
  else if (/^[1-9][0-9]*$/.test(body)) v = Number(body);
  else return null;
  return Number.isSafeInteger(v) ? v : null;
}
