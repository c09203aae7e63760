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
  /** Stop with E308 past this many tokens. @default 20_000_000 */
  maxTokens?: number;
}

const PUNCT3 = new Set(['<<=', '>>=', '...']);
const PUNCT2 = new Set([
  '->',
  '++',
  '--',
  '<<',
  '>>',
  '<=',
  '>=',
  '==',
  '!=',
  '&&',
  '||',
  '+=',
  '-=',
  '*=',
  '/=',
  '%=',
  '&=',
  '|=',
  '^=',
  '::',
]);

const isIdentStart = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36;
const isDigit = (c: number) => c >= 48 && c <= 57;
const isIdentPart = (c: number) => isIdentStart(c) || isDigit(c);

/**
 * Splits C text into tokens, skipping comments and preprocessor lines, and matches brackets.
 * @throws MlfError MLF-E308 for an unterminated comment, string or character literal, an
 * unbalanced bracket, or more than `maxTokens` tokens (with the byte offset).
 */
export function tokenizeC(text: string, options: TokenizeOptions = {}): CTokens {
  const max = options.maxTokens ?? 20_000_000;
  const fail = (message: string, offset: number): never => {
    throw new MlfError('MLF-E308', `C source: ${message}`, { member: options.member, offset });
  };
  let cap = Math.min(Math.max(64, text.length >> 2), max + 1);
  let kind = new Uint8Array(cap);
  let start = new Uint32Array(cap);
  let end = new Uint32Array(cap);
  let n = 0;
  const push = (k: number, s: number, e: number) => {
    if (n === cap) {
      if (n >= max) fail(`more than ${max} tokens`, s);
      cap = Math.min(cap * 2, max + 1);
      const grow = <T extends Uint8Array | Uint32Array>(a: T, b: T) => (b.set(a), b);
      kind = grow(kind, new Uint8Array(cap));
      start = grow(start, new Uint32Array(cap));
      end = grow(end, new Uint32Array(cap));
    }
    kind[n] = k;
    start[n] = s;
    end[n] = e;
    n++;
  };
  const len = text.length;
  let lineStart = true; // only whitespace since the last newline: `#` starts a directive
  let i = 0;
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
      const close = text.indexOf('*/', i + 2);
      if (close < 0) fail('unterminated /* comment', i);
      i = close + 2;
      continue;
    }
    if (c === 47 && text.charCodeAt(i + 1) === 47) {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? len : nl;
      continue;
    }
    if (c === 35 && lineStart) {
      // A directive runs to a newline not escaped by a backslash.
      let j = i;
      for (;;) {
        const nl = text.indexOf('\n', j);
        if (nl < 0) {
          j = len;
          break;
        }
        let k = nl - 1;
        if (text.charCodeAt(k) === 13) k--;
        if (text.charCodeAt(k) !== 92) {
          j = nl;
          break;
        }
        j = nl + 1;
      }
      i = j;
      continue;
    }
    lineStart = false;
    if (isIdentStart(c)) {
      let j = i + 1;
      while (j < len && isIdentPart(text.charCodeAt(j))) j++;
      push(TK.ident, i, j);
      i = j;
    } else if (isDigit(c) || (c === 46 && isDigit(text.charCodeAt(i + 1)))) {
      // pp-number: digits, letters, dots, and a sign right after an exponent letter (1e-5, 0x1p+3).
      let j = i + 1;
      while (j < len) {
        const d = text.charCodeAt(j);
        if (isIdentPart(d) || d === 46) j++;
        else if ((d === 43 || d === 45) && /[eEpP]/.test(text[j - 1] ?? '')) j++;
        else break;
      }
      push(TK.number, i, j);
      i = j;
    } else if (c === 34 || c === 39) {
      let j = i + 1;
      while (j < len) {
        const d = text.charCodeAt(j);
        if (d === 92) j += 2;
        else if (d === c) break;
        else if (d === 10) fail(`newline inside a ${c === 34 ? 'string' : 'character'} literal`, i);
        else j++;
      }
      if (j >= len) fail(`unterminated ${c === 34 ? 'string' : 'character'} literal`, i);
      push(c === 34 ? TK.string : TK.char, i, j + 1);
      i = j + 1;
    } else {
      const three = text.slice(i, i + 3);
      const width = PUNCT3.has(three) ? 3 : PUNCT2.has(three.slice(0, 2)) ? 2 : 1;
      push(TK.punct, i, i + width);
      i += width;
    }
  }
  const match = new Int32Array(n).fill(-1);
  const stack: number[] = [];
  const closer: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  for (let t = 0; t < n; t++) {
    if (kind[t] !== TK.punct || (end[t] as number) - (start[t] as number) !== 1) continue;
    const ch = text[start[t] as number] as string;
    if (ch === '(' || ch === '[' || ch === '{') stack.push(t);
    else if (ch === ')' || ch === ']' || ch === '}') {
      const open = stack.pop();
      if (open === undefined || text[start[open] as number] !== closer[ch])
        fail(`unbalanced ${JSON.stringify(ch)}`, start[t] as number);
      match[open as number] = t;
      match[t] = open as number;
    }
  }
  if (stack.length > 0) fail(`unclosed ${JSON.stringify(text[start[stack[stack.length - 1] as number] as number])}`, start[stack[stack.length - 1] as number] as number);
  return {
    text,
    count: n,
    kind: kind.subarray(0, n),
    start: start.subarray(0, n),
    end: end.subarray(0, n),
    match,
  };
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
        if (isToken(t, prev - 1, 'struct') && t.kind[prev] === TK.ident) scanArrays(t, i + 1, close, tokenText(t, prev), arrays);
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
