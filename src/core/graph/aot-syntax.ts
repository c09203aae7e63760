// Small structural readers over C tokens: argument lists, casts, pointer paths such as
// `(((DLTensor*)stack_array)[1].data)` or `(&(global_workspace_1_var[35712]))`. Each looks at a
// bounded token range once (recursion is capped), so hostile input costs linear time.
import { type CTokens, isToken, parseCInteger, TK, tokenText } from './aot-lex.js';

/** A half-open token range `[from, to)`. */
export type Range = readonly [number, number];

/** The comma-separated parts of the bracket pair opened at `open` (an empty list for `()`). */
export function splitTop(t: CTokens, open: number, separator = ','): Range[] {
  const close = t.match[open] as number;
  const out: Range[] = [];
  let from = open + 1;
  for (let i = open + 1; i < close; i++) {
    if (isOpen(t, i)) i = t.match[i] as number;
    else if (isToken(t, i, separator)) {
      out.push([from, i]);
      from = i + 1;
    }
  }
  if (close > open + 1) out.push([from, close]);
  return out;
}

/** First token of `[from, to)` at depth 0 that is `s`, or -1. */
export function findTopToken(t: CTokens, from: number, to: number, s: string): number {
  for (let i = from; i < to; i++) {
    if (isOpen(t, i)) i = t.match[i] as number;
    else if (isToken(t, i, s)) return i;
  }
  return -1;
}

/** True for `(`, `[`, `{`. */
export function isOpen(t: CTokens, i: number): boolean {
  return isToken(t, i, '(') || isToken(t, i, '[') || isToken(t, i, '{');
}

const TYPE_WORDS = new Set(['const', 'struct', 'unsigned', 'signed', 'volatile']);

/** True when `[from, to)` reads as a C type name: words and `*` only, at least one word. */
export function isTypeName(t: CTokens, from: number, to: number): boolean {
  let words = 0;
  for (let i = from; i < to; i++) {
    if (t.kind[i] === TK.ident) words++;
    else if (!isToken(t, i, '*')) return false;
  }
  // `(x)` alone is a parenthesised variable, not a cast: a cast has a `*`, two words, or a known type.
  if (words === 0) return false;
  if (to - from === 1) return KNOWN_TYPES.has(tokenText(t, from)) || TYPE_WORDS.has(tokenText(t, from));
  return true;
}

const KNOWN_TYPES = new Set([
  'void',
  'float',
  'double',
  'int',
  'long',
  'short',
  'char',
  'bool',
  'int8_t',
  'int16_t',
  'int32_t',
  'int64_t',
  'uint8_t',
  'uint16_t',
  'uint32_t',
  'uint64_t',
  'size_t',
  'DLTensor',
  'TVMValue',
  'DLDeviceType',
]);

/** Strips redundant outer parentheses and leading casts; returns the remaining range. */
export function stripCasts(t: CTokens, from: number, to: number): Range {
  for (let guard = 0; guard < 64 && from < to; guard++) {
    if (!isToken(t, from, '(')) break;
    const close = t.match[from] as number;
    if (close === to - 1) {
      from++;
      to--;
    } else if (close < to - 1 && isTypeName(t, from + 1, close)) from = close + 1;
    else break;
  }
  return [from, to];
}

/** The type of a leading cast in `[from, to)` (`float*` → `float`), or null. */
export function castType(t: CTokens, from: number, to: number): string | null {
  const [a] = stripOuter(t, from, to);
  if (!isToken(t, a, '(')) return null;
  const close = t.match[a] as number;
  if (!isTypeName(t, a + 1, close)) return null;
  const words: string[] = [];
  for (let i = a + 1; i < close; i++) if (t.kind[i] === TK.ident) words.push(tokenText(t, i));
  return words.filter((w) => !TYPE_WORDS.has(w)).join(' ') || null;
}

function stripOuter(t: CTokens, from: number, to: number): Range {
  while (from < to && isToken(t, from, '(') && t.match[from] === to - 1) {
    from++;
    to--;
  }
  return [from, to];
}

/** One step of a pointer path: `[N]`, `[expr]`, `.f`/`->f`, `+ N`. */
export type PathStep = { index: number | null } | { field: string } | { plus: number };

/** A pointer expression: an optional `&`, a root variable, and steps. */
export interface PointerPath {
  addressOf: boolean;
  root: string;
  steps: PathStep[];
  /** The cast nearest the root (`DLTensor`, `float`), if any. */
  cast: string | null;
}

/**
 * Reads `[from, to)` as a pointer path: `&(x[3])`, `((DLTensor*)a)[1].data`, `(((TVMValue*)args)[0].v_handle)`,
 * `((DLTensor*)stack_array) + 2`, `inputs->x`. Null for anything else (calls, arithmetic on variables).
 */
export function pointerPath(t: CTokens, from: number, to: number, depth = 0): PointerPath | null {
  if (depth > 32 || from >= to) return null;
  let cast: string | null = castType(t, from, to);
  [from, to] = stripCasts(t, from, to);
  if (from >= to) return null;
  if (isToken(t, from, '&')) {
    const inner = pointerPath(t, from + 1, to, depth + 1);
    return inner === null || inner.addressOf ? null : { ...inner, addressOf: true };
  }
  // `base + N` at the top level.
  const plus = findTopToken(t, from, to, '+');
  if (plus > from) {
    const n = plus === to - 2 && t.kind[to - 1] === TK.number ? parseCInteger(tokenText(t, to - 1)) : null;
    const base = n === null ? null : pointerPath(t, from, plus, depth + 1);
    return base === null ? null : { ...base, steps: [...base.steps, { plus: n as number }] };
  }
  let base: PointerPath;
  let i: number;
  if (t.kind[from] === TK.ident) {
    base = { addressOf: false, root: tokenText(t, from), steps: [], cast };
    i = from + 1;
  } else if (isToken(t, from, '(')) {
    const close = t.match[from] as number;
    const inner = pointerPath(t, from + 1, close, depth + 1);
    if (inner === null || inner.addressOf) return null;
    base = inner;
    cast = inner.cast;
    i = close + 1;
  } else return null;
  const steps = [...base.steps];
  while (i < to) {
    if (isToken(t, i, '[')) {
      const close = t.match[i] as number;
      const v = close === i + 2 && t.kind[i + 1] === TK.number ? parseCInteger(tokenText(t, i + 1)) : null;
      steps.push({ index: v });
      i = close + 1;
    } else if ((isToken(t, i, '.') || isToken(t, i, '->')) && t.kind[i + 1] === TK.ident) {
      steps.push({ field: tokenText(t, i + 1) });
      i += 2;
    } else return null;
  }
  return { addressOf: false, root: base.root, steps, cast };
}

/** `steps` as text, for matching: `[0].data`, `[2]`, `+1`, `.v_handle`, `[?]`. */
export function pathText(steps: readonly PathStep[]): string {
  return steps
    .map((s) => ('index' in s ? `[${s.index ?? '?'}]` : 'field' in s ? `.${s.field}` : `+${s.plus}`))
    .join('');
}

/** The integer value of `[from, to)` after casts (`(uint64_t)8192`, `8`), or null. */
export function intValue(t: CTokens, from: number, to: number): number | null {
  const [a, b] = stripCasts(t, from, to);
  if (b - a === 1 && t.kind[a] === TK.number) return parseCInteger(tokenText(t, a));
  if (b - a === 2 && isToken(t, a, '-') && t.kind[a + 1] === TK.number) {
    const v = parseCInteger(tokenText(t, a + 1));
    return v === null ? null : -v;
  }
  return null;
}
