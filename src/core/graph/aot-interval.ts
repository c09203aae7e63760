// Integer intervals of TVM index expressions (`((ax0 * 28) + ax3)`, `(i >> 2) & 3`, casts,
// ternaries), to bound the elements an operator writes. Sound over-approximation: an unknown
// operand makes the result unknown (null), never a guess.
import { type CTokens, isToken, parseCInteger, TK, tokenText } from './aot-lex.js';

/** A closed integer interval. */
export interface Interval {
  lo: number;
  hi: number;
}

/** Variables in scope: loop variables and `int32_t x = ...;` lets. */
export type IntervalEnv = Map<string, Interval | null>;

/** Deeper expressions than this are not evaluated (unknown): recursion stays bounded. */
const MAX_DEPTH = 200;
/** Longer expressions are not evaluated: work per expression stays bounded. */
const MAX_TOKENS = 4096;

const safe = (x: Interval): Interval | null => (Number.isSafeInteger(x.lo) && Number.isSafeInteger(x.hi) ? x : null);

const span = (a: number, b: number, c: number, d: number): Interval | null =>
  safe({ lo: Math.min(a, b, c, d), hi: Math.max(a, b, c, d) });

function constant(x: Interval | null): number | null {
  return x !== null && x.lo === x.hi ? x.lo : null;
}

// Binary operators by precedence level (C), lowest first; the ternary sits below all of them.
const LEVELS: string[][] = [
  ['||'],
  ['&&'],
  ['|'],
  ['^'],
  ['&'],
  ['==', '!='],
  ['<', '>', '<=', '>='],
  ['<<', '>>'],
  ['+', '-'],
  ['*', '/', '%'],
];

function apply(op: string, a: Interval | null, b: Interval | null): Interval | null {
  if (a === null || b === null) return null;
  switch (op) {
    case '+':
      return safe({ lo: a.lo + b.lo, hi: a.hi + b.hi });
    case '-':
      return safe({ lo: a.lo - b.hi, hi: a.hi - b.lo });
    case '*':
      return span(a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi);
    case '/': {
      const c = constant(b);
      if (c === null || c <= 0) return null;
      return { lo: Math.trunc(a.lo / c), hi: Math.trunc(a.hi / c) };
    }
    case '%': {
      const c = constant(b);
      if (c === null || c <= 0) return null;
      if (a.lo >= 0) return { lo: 0, hi: Math.min(a.hi, c - 1) };
      return { lo: -(c - 1), hi: c - 1 };
    }
    case '>>': {
      const k = constant(b);
      if (k === null || k < 0 || k > 52) return null;
      return { lo: Math.floor(a.lo / 2 ** k), hi: Math.floor(a.hi / 2 ** k) };
    }
    case '<<': {
      const k = constant(b);
      if (k === null || k < 0 || k > 52) return null;
      return safe({ lo: a.lo * 2 ** k, hi: a.hi * 2 ** k });
    }
    case '&': {
      const m = constant(b) ?? constant(a);
      if (m === null || m < 0) return null;
      return { lo: 0, hi: m };
    }
    case '|':
    case '^':
      return null;
    default:
      return { lo: 0, hi: 1 }; // comparisons and logic
  }
}

/**
 * Evaluates tokens `[from, to)` of `t` as an integer interval under `env`; null when unknown
 * (a float, a memory read, a call, an unbounded variable).
 */
export function evalInterval(t: CTokens, from: number, to: number, env: IntervalEnv): Interval | null {
  if (to - from > MAX_TOKENS) return null;
  return evalRange(t, from, to, env, 0);
}

function evalRange(t: CTokens, from: number, to: number, env: IntervalEnv, depth: number): Interval | null {
  if (from >= to || depth > MAX_DEPTH) return null;
  // Ternary: `c ? a : b` at this level is the union of a and b.
  const q = findTop(t, from, to, ['?']);
  if (q >= 0) {
    const colon = findTop(t, q + 1, to, [':']);
    if (colon < 0) return null;
    const a = evalRange(t, q + 1, colon, env, depth + 1);
    const b = evalRange(t, colon + 1, to, env, depth + 1);
    return a === null || b === null ? null : { lo: Math.min(a.lo, b.lo), hi: Math.max(a.hi, b.hi) };
  }
  for (const ops of LEVELS) {
    const at = findTopLast(t, from, to, ops);
    if (at > from) {
      const op = tokenText(t, at);
      return apply(op, evalRange(t, from, at, env, depth + 1), evalRange(t, at + 1, to, env, depth + 1));
    }
  }
  return evalUnary(t, from, to, env, depth);
}

function evalUnary(t: CTokens, from: number, to: number, env: IntervalEnv, depth: number): Interval | null {
  if (isToken(t, from, '-')) {
    const v = evalRange(t, from + 1, to, env, depth + 1);
    return v === null ? null : { lo: -v.hi, hi: -v.lo };
  }
  if (isToken(t, from, '+')) return evalRange(t, from + 1, to, env, depth + 1);
  if (isToken(t, from, '(')) {
    const close = t.match[from] as number;
    if (close === to - 1) return evalRange(t, from + 1, close, env, depth + 1);
    // A cast to an integer type: `(int32_t)x`, `(int64_t)(...)`.
    if (close < to - 1 && isIntegerType(t, from + 1, close)) return evalRange(t, close + 1, to, env, depth + 1);
    return null;
  }
  if (to - from !== 1) return null;
  if (t.kind[from] === TK.number) {
    const v = parseCInteger(tokenText(t, from));
    return v === null ? null : { lo: v, hi: v };
  }
  if (t.kind[from] === TK.ident) return env.get(tokenText(t, from)) ?? null;
  return null;
}

const INTEGER_TYPES = new Set([
  'int',
  'int8_t',
  'int16_t',
  'int32_t',
  'int64_t',
  'uint8_t',
  'uint16_t',
  'uint32_t',
  'uint64_t',
  'long',
  'unsigned',
  'signed',
  'short',
  'char',
]);

function isIntegerType(t: CTokens, from: number, to: number): boolean {
  if (from >= to) return false;
  for (let i = from; i < to; i++) if (!INTEGER_TYPES.has(tokenText(t, i))) return false;
  return true;
}

/** First token in `[from, to)` at bracket depth 0 that is one of `ops`, or -1. */
function findTop(t: CTokens, from: number, to: number, ops: string[]): number {
  for (let i = from; i < to; i++) {
    if (isOpener(t, i)) i = t.match[i] as number;
    else if (t.kind[i] === TK.punct && ops.includes(tokenText(t, i))) return i;
  }
  return -1;
}

/**
 * Last binary operator of `ops` at depth 0 (left associativity: split at the last one). A `-` or
 * `+` right after another operator or at the start is unary, not a split point.
 */
function findTopLast(t: CTokens, from: number, to: number, ops: string[]): number {
  let found = -1;
  let prevOperand = false;
  for (let i = from; i < to; i++) {
    if (isOpener(t, i)) {
      const close = t.match[i] as number;
      // `(type)` followed by an operand is a cast: it does not end an operand.
      prevOperand = !(isToken(t, i, '(') && isIntegerType(t, i + 1, close));
      i = close;
      continue;
    }
    if (t.kind[i] === TK.punct) {
      if (prevOperand && ops.includes(tokenText(t, i))) found = i;
      prevOperand = false;
    } else prevOperand = true;
  }
  return found;
}

function isOpener(t: CTokens, i: number): boolean {
  return isToken(t, i, '(') || isToken(t, i, '[') || isToken(t, i, '{');
}
