// The parts of Relay text that are not expressions, read at a cursor: types (`Tensor[(1, 10),
// float32]`, tuples), `/* ty=... */` annotations, attribute values (`padding=[1, 1]`,
// `out_dtype="int32"`) and `meta[relay.Constant][k]` references. They build no graph nodes, so
// relay-parse.ts keeps only the grammar of functions and expressions.
import type { RelayAttr, RelayType } from './relay-ast.js';
import { enter, expect, fail, is, leave, peek, type RelayCursor, skipBrackets } from './relay-cursor.js';
import { RK, type RelayToken } from './relay-lex.js';
import { describeToken, literalValue, parseRelayType } from './relay-literals.js';

/** Reads a type. @throws MlfError MLF-E311 for one outside the subset docs/format.md describes. */
export function readType(c: RelayCursor): RelayType {
  enter(c);
  let ty: RelayType;
  if (is(c, 'Tensor')) {
    c.pos++;
    expect(c, '[');
    expect(c, '(');
    const dims: (number | null)[] = [];
    while (!is(c, ')')) {
      const d = peek(c);
      if (d?.kind === RK.number && /^\d+$/.test(d.text.replace(/i64$/, '')))
        dims.push(Number(d.text.replace(/i64$/, '')));
      else if (d !== undefined && (d.text === '?' || d.text === 'Any' || d.kind === RK.ident)) dims.push(null);
      else fail(c, `expected a dimension, found ${describeToken(d)}`);
      c.pos++;
      if (is(c, ',')) c.pos++;
    }
    c.pos++;
    expect(c, ',');
    const dt = peek(c);
    if (dt?.kind !== RK.ident) fail(c, 'expected a dtype');
    c.pos++;
    expect(c, ']');
    ty = { kind: 'tensor', shape: dims, dtype: (dt as RelayToken).text };
  } else if (is(c, '(')) {
    c.pos++;
    const fields: RelayType[] = [];
    while (!is(c, ')')) {
      fields.push(readType(c));
      if (is(c, ',')) c.pos++;
      else if (!is(c, ')')) fail(c, 'expected "," or ")" in a tuple type');
    }
    c.pos++;
    ty = { kind: 'tuple', fields };
  } else if (peek(c)?.kind === RK.ident) {
    const name = (c.tokens[c.pos++] as RelayToken).text;
    if (is(c, '[')) skipBrackets(c); // a generic type such as List[A]
    ty = /^(u?int|float|bfloat|bool)\d*$/.test(name)
      ? { kind: 'tensor', shape: [], dtype: name }
      : { kind: 'tensor', shape: null, dtype: null };
  } else ty = fail(c, `expected a type, found ${describeToken(peek(c))}`);
  leave(c);
  return ty;
}

/**
 * Takes the `/* ty=... *\/` comments at the cursor; returns the first type they hold that reads
 * (`Tensor[(1, 10), float32] span=...`), or null. An unreadable annotation is no error: the type
 * is then inferred.
 */
export function readAnnotation(c: RelayCursor): RelayType | null {
  let found: RelayType | null = null;
  while (peek(c)?.kind === RK.typeComment) {
    const body = (c.tokens[c.pos++] as RelayToken).text;
    const at = body.indexOf('ty=');
    let ty: RelayType | null = null;
    try {
      ty = at < 0 ? null : parseRelayType(body.slice(at + 3), c.member);
    } catch {
      // not a token sequence we read: as if unannotated
    }
    found ??= ty;
  }
  return found;
}

/** Reads `meta[kind][k]`; returns its name as written and its offset. */
export function readMeta(c: RelayCursor): { name: string; offset: number } {
  const t = expect(c, 'meta');
  expect(c, '[');
  const kind = peek(c)?.text ?? '';
  c.pos++;
  expect(c, ']');
  expect(c, '[');
  const k = peek(c)?.text ?? '';
  c.pos++;
  expect(c, ']');
  return { name: `meta[${kind}][${k}]`, offset: t.offset };
}

/** Sees each `meta[...]` an attribute holds (the parser makes it a constant node). */
export type OnMeta = (meta: { name: string; offset: number }) => void;

/**
 * Reads an attribute value (after `key=`); a `meta[...]` value is null, and goes to `onMeta`.
 * @throws MlfError MLF-E311 for one we cannot read.
 */
export function readAttr(c: RelayCursor, onMeta: OnMeta): RelayAttr {
  enter(c);
  const t = peek(c);
  let v: RelayAttr;
  if (t === undefined) return fail(c, 'unexpected end of text in an attribute');
  if (t.kind === RK.number) {
    c.pos++;
    v = literalValue(t.text);
  } else if (t.kind === RK.string) {
    c.pos++;
    v = t.text;
  } else if (t.kind === RK.ident && (t.text === 'None' || t.text === 'True' || t.text === 'False')) {
    c.pos++;
    v = t.text === 'None' ? null : t.text === 'True';
  } else if (t.kind === RK.ident && t.text === 'meta') {
    onMeta(readMeta(c)); // its value is in the metadata section, not read here
    v = null;
  } else if (is(c, '[') || is(c, '(')) {
    const close = is(c, '[') ? ']' : ')';
    c.pos++;
    const list: RelayAttr[] = [];
    while (!is(c, close)) {
      list.push(readAttr(c, onMeta));
      if (is(c, ',')) c.pos++;
      else if (!is(c, close)) fail(c, `expected "," or "${close}" in a list attribute`);
    }
    c.pos++;
    v = list;
  } else if (t.kind === RK.ident) {
    // A type or an enum-like word (`dtype=float32` in some printers).
    c.pos++;
    v = t.text;
    if (is(c, '[')) skipBrackets(c);
  } else return fail(c, `unexpected ${describeToken(t)} in an attribute`);
  leave(c);
  return v;
}

/**
 * Reads `key=value` attributes and other items of a parenthesised list (after the `(`), through
 * the closing `)`: `item` reads what is not an attribute. `what` names the list in errors.
 */
export function readList(c: RelayCursor, what: string, item: () => void, onMeta: OnMeta): Record<string, RelayAttr> {
  const attrs = Object.create(null) as Record<string, RelayAttr>;
  while (!is(c, ')')) {
    if (peek(c)?.kind === RK.ident && is(c, '=', 1)) {
      const key = (c.tokens[c.pos] as RelayToken).text;
      c.pos += 2;
      attrs[key] = readAttr(c, onMeta);
    } else item();
    if (is(c, ',')) c.pos++;
    else if (!is(c, ')')) fail(c, `expected "," or ")" in ${what}, found ${describeToken(peek(c))}`);
  }
  c.pos++;
  return attrs;
}
