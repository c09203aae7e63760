// Types and literals of Relay text read on their own: a type as written (`Tensor[(1, 10), float32]`),
// the scalar type and value of a literal (`-128i8`), and tokens as error messages name them.
import { lexRelay, RK, type RelayToken } from './relay-lex.js';
import type { RelayAttr, RelayTensorType, RelayType } from './relay-ast.js';

/** Parses one type written at the start of `text` (trailing text ignored). */
export function parseRelayType(text: string, member?: string): RelayType | null {
  const tokens = lexRelay(text, member === undefined ? {} : { member });
  // Reuse the program parser on `def @t(%x: <type>) { %x }`-shaped input would over-allocate; a small reader instead.
  let pos = 0;
  const is = (s: string) =>
    tokens[pos]?.text === s && (tokens[pos]?.kind === RK.punct || tokens[pos]?.kind === RK.ident);
  const read = (depth: number): RelayType | null => {
    if (depth > 64) return null;
    if (is('Tensor')) {
      pos++;
      if (!is('[')) return null;
      pos++;
      if (!is('(')) return null;
      pos++;
      const dims: (number | null)[] = [];
      while (pos < tokens.length && !is(')')) {
        const d = tokens[pos] as RelayToken;
        const n = d.text.replace(/i64$/, '');
        dims.push(d.kind === RK.number && /^\d+$/.test(n) ? Number(n) : null);
        pos++;
        if (is(',')) pos++;
      }
      pos++;
      if (!is(',')) return null;
      pos++;
      const dt = tokens[pos++];
      if (dt?.kind !== RK.ident || !is(']')) return null;
      pos++;
      return { kind: 'tensor', shape: dims, dtype: dt.text };
    }
    if (is('(')) {
      pos++;
      const fields: RelayType[] = [];
      while (pos < tokens.length && !is(')')) {
        const f = read(depth + 1);
        if (f === null) return null;
        fields.push(f);
        if (is(',')) pos++;
      }
      pos++;
      return { kind: 'tuple', fields };
    }
    const t = tokens[pos];
    if (t?.kind === RK.ident && /^(u?int|float|bfloat|bool)\d*$/.test(t.text)) {
      pos++;
      return { kind: 'tensor', shape: [], dtype: t.text };
    }
    return null;
  };
  return read(0);
}

/** The scalar type of a literal: `1f` float32, `3f16` float16, `-128i8` int8, `1` int32, `2.5` float32. */
export function literalType(text: string): RelayTensorType {
  const m = /^-?(?:inf|nan|[\d.]+(?:e[+-]?\d+)?)(f|i|u)?(\d*)$/i.exec(text);
  const suffix = m?.[1];
  const bits = m?.[2] === '' || m?.[2] === undefined ? null : m[2];
  let dtype: string;
  if (suffix === 'f') dtype = `float${bits ?? 32}`;
  else if (suffix === 'i') dtype = `int${bits ?? 32}`;
  else if (suffix === 'u') dtype = `uint${bits ?? 32}`;
  else dtype = /[.e]/i.test(text) ? 'float32' : 'int32';
  return { kind: 'tensor', shape: [], dtype };
}

/** The number of a literal (`-128i8` → -128, `0.101562f` → 0.101562); the text when not numeric. */
export function literalValue(text: string): RelayAttr {
  const m = /^(-?(?:inf|[\d.]+(?:e[+-]?\d+)?))/i.exec(text);
  if (m === null) return text;
  const v = m[1]?.toLowerCase().endsWith('inf') ? (text.startsWith('-') ? -Infinity : Infinity) : Number(m[1]);
  return Number.isNaN(v) ? text : v;
}

/** A token as an error message names it. */
export function describeToken(t: RelayToken | undefined): string {
  if (t === undefined) return 'the end of the text';
  const s = t.kind === RK.local ? `%${t.text}` : t.kind === RK.global ? `@${t.text}` : t.text;
  return JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);
}
