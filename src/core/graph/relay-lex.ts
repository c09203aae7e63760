// Tokens of Relay's text format as TVM 0.8-0.18 printed it: `%locals` (names may hold `:` and
// `.`), `@globals`, dotted operator names, numbers with type suffixes (`1f`, `-128i8`, `3f16`),
// strings, punctuation, and `/* ty=... */` comments kept as annotations. One forward pass with
// character loops; the `#[metadata]` section ends the text.
import { MlfError } from '../errors/errors.js';

/** Token kinds. */
export const RK = {
  local: 1,
  global: 2,
  ident: 3,
  number: 4,
  string: 5,
  punct: 6,
  /** A `/* ... *\/` comment that holds `ty=`: its text, for the type annotation of what precedes it. */
  typeComment: 7,
} as const;

/** A Relay token. */
export interface RelayToken {
  kind: (typeof RK)[keyof typeof RK];
  /** Text: the name without `%`/`@`, the number as written, the string unquoted, the punctuator, the comment body. */
  text: string;
  offset: number;
}

/** Options of {@link lexRelay}. */
export interface RelayLexOptions {
  member?: string;
  /** E311 past this many tokens. @default 10_000_000 */
  maxTokens?: number;
}

const isAlpha = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isDigit = (c: number) => c >= 48 && c <= 57;
const isWordChar = (c: number) => isAlpha(c) || isDigit(c);

/** Splits Relay text into tokens. @throws MlfError MLF-E311 with the offset for what cannot be a token. */
export function lexRelay(text: string, options: RelayLexOptions = {}): RelayToken[] {
  const max = options.maxTokens ?? 10_000_000;
  const fail = (message: string, offset: number): never => {
    throw new MlfError('MLF-E311', `Relay text: ${message}`, { member: options.member, offset });
  };
  const out: RelayToken[] = [];
  const push = (kind: RelayToken['kind'], t: string, offset: number) => {
    if (out.length >= max) fail(`more than ${max} tokens`, offset);
    out.push({ kind, text: t, offset });
  };
  const len = text.length;
  let i = 0;
  while (i < len) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) {
      i++;
      continue;
    }
    if (c === 35 && text.charCodeAt(i + 1) === 91) {
      // `#[version = "0.0.5"]` ends at its line; `#[metadata]` ends the program text.
      if (text.startsWith('#[metadata]', i)) break;
      while (i < len && text.charCodeAt(i) !== 10) i++;
      continue;
    }
    if (c === 47 && text.charCodeAt(i + 1) === 47) {
      while (i < len && text.charCodeAt(i) !== 10) i++;
      continue;
    }
    if (c === 47 && text.charCodeAt(i + 1) === 42) {
      let j = i + 2;
      while (j + 1 < len && !(text.charCodeAt(j) === 42 && text.charCodeAt(j + 1) === 47)) j++;
      if (j + 1 >= len) fail('unterminated /* comment', i);
      const body = text.slice(i + 2, j);
      if (body.includes('ty=')) push(RK.typeComment, body, i);
      i = j + 2;
      continue;
    }
    if (c === 37 || c === 64) {
      // Names may hold `.` and `:` between word characters (`%input.1`, `%serving_default_input_1:0`);
      // `%x: Tensor[...]` is a name and a type.
      let j = i + 1;
      for (;;) {
        const d = text.charCodeAt(j);
        if (j < len && isWordChar(d)) j++;
        else if ((d === 46 || d === 58) && isWordChar(text.charCodeAt(j + 1)) && j > i + 1) j++;
        else break;
      }
      if (j === i + 1) fail(`${text[i]} without a name`, i);
      push(c === 37 ? RK.local : RK.global, text.slice(i + 1, j), i);
      i = j;
      continue;
    }
    if (isAlpha(c)) {
      let j = i + 1;
      while (j < len && (isAlpha(text.charCodeAt(j)) || isDigit(text.charCodeAt(j)) || dottedName(text, j))) j++;
      push(RK.ident, text.slice(i, j), i);
      i = j;
      continue;
    }
    const negative = c === 45 && (isDigit(text.charCodeAt(i + 1)) || text.startsWith('inf', i + 1));
    if (isDigit(c) || negative) {
      let j = i + 1;
      while (j < len) {
        const d = text.charCodeAt(j);
        const prev = text.charCodeAt(j - 1);
        if (isDigit(d) || isAlpha(d) || d === 46) j++;
        else if ((d === 43 || d === 45) && (prev === 101 || prev === 69)) j++;
        else break;
      }
      push(RK.number, text.slice(i, j), i);
      i = j;
      continue;
    }
    if (c === 34) {
      let j = i + 1;
      let s = '';
      while (j < len && text.charCodeAt(j) !== 34) {
        if (text.charCodeAt(j) === 92 && j + 1 < len) {
          s += text[j + 1];
          j += 2;
        } else s += text[j++];
      }
      if (j >= len) fail('unterminated string', i);
      push(RK.string, s, i);
      i = j + 1;
      continue;
    }
    if (c === 45 && text.charCodeAt(i + 1) === 62) {
      push(RK.punct, '->', i);
      i += 2;
      continue;
    }
    if ('()[]{},=;:.?*+-<>|'.includes(text[i] as string)) {
      push(RK.punct, text[i] as string, i);
      i++;
      continue;
    }
    fail(`unexpected character ${JSON.stringify(text[i])}`, i);
  }
  return out;
}

/** A `.` inside an operator name (`nn.conv2d`, `qnn.op.add`): followed by a letter. */
function dottedName(text: string, j: number): boolean {
  return text.charCodeAt(j) === 46 && isAlpha(text.charCodeAt(j + 1));
}
