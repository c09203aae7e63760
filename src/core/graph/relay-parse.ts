// Relay text (as TVM 0.8-0.18 printed an IRModule) parsed into a graph of expression nodes:
// `def @f(params) -> type { %0 = op(args, attr=value); ... result }`, with `let`, tuples,
// projections (`%3.0`), `fn` literals, `meta[relay.Constant][k]`, and `/* ty=... */` annotations.
// Recursive descent with a depth limit; unknown syntax is an MLF-E311 with the offset.
import { MlfError } from '../errors/errors.js';
import { lexRelay, RK, type RelayToken } from './relay-lex.js';
import type { RelayAttr, RelayFunction, RelayNode, RelayProgram, RelayType } from './relay-ast.js';
import { describeToken, literalType, literalValue, parseRelayType } from './relay-literals.js';

export type { RelayAttr, RelayFunction, RelayNode, RelayProgram, RelayTensorType, RelayType } from './relay-ast.js';

/** Options of `analyzeRelay` (and the parser under it). */
export interface RelayParseOptions {
  /** The archive member the text came from, named in errors. */
  member?: string;
  /** Nesting deeper than this is E311. @default 400 */
  maxDepth?: number;
  maxTokens?: number;
}

const nullProto = <T>(): Record<string, T> => Object.create(null) as Record<string, T>;

/**
 * Parses Relay text. @throws MlfError MLF-E311 (with the byte offset) for text outside the subset
 * docs/format.md describes, or nesting beyond `maxDepth`.
 */
export function parseRelay(text: string, options: RelayParseOptions = {}): RelayProgram {
  const tokens = lexRelay(text, {
    ...(options.member === undefined ? {} : { member: options.member }),
    ...(options.maxTokens === undefined ? {} : { maxTokens: options.maxTokens }),
  });
  const maxDepth = options.maxDepth ?? 400;
  const nodes: RelayNode[] = [];
  const functions = new Map<string, RelayFunction>();
  const lambdas: RelayFunction[] = [];
  let pos = 0;
  let depth = 0;

  const peek = (k = 0): RelayToken | undefined => tokens[pos + k];
  const offsetHere = () => peek()?.offset ?? text.length;
  const fail = (message: string, offset = offsetHere()): never => {
    throw new MlfError('MLF-E311', `Relay text: ${message}`, { member: options.member, offset });
  };
  const is = (s: string, k = 0) => {
    const t = peek(k);
    return t !== undefined && (t.kind === RK.punct || t.kind === RK.ident) && t.text === s;
  };
  const expect = (s: string): RelayToken => {
    if (!is(s)) fail(`expected ${JSON.stringify(s)}, found ${describeToken(peek())}`);
    return tokens[pos++] as RelayToken;
  };
  const enter = () => {
    if (++depth > maxDepth) fail(`nesting deeper than ${maxDepth}`);
  };
  const leave = () => void depth--;
  const node = (
    n: Omit<RelayNode, 'id' | 'args' | 'callee' | 'attrs' | 'index' | 'fn' | 'annotated'> & Partial<RelayNode>,
  ): number => {
    nodes.push({
      args: [],
      callee: null,
      attrs: nullProto(),
      index: null,
      fn: null,
      annotated: null,
      ...n,
      id: nodes.length,
    });
    return nodes.length - 1;
  };
  /** A `/* ty=... *\/` right after an expression annotates it. */
  const annotate = (id: number) => {
    while (peek()?.kind === RK.typeComment) {
      const body = (tokens[pos++] as RelayToken).text;
      const at = body.indexOf('ty=');
      const ty = at < 0 ? null : parseTypeText(body.slice(at + 3));
      const n = nodes[id] as RelayNode;
      if (ty !== null && n.annotated === null) n.annotated = ty;
    }
  };

  while (pos < tokens.length) {
    if (is('def')) parseDef();
    else if (is('type')) skipTypeDefinition();
    else if (is('free_var')) {
      pos++;
      parseParam(new Map());
      if (is(';')) pos++;
    } else if (peek()?.kind === RK.typeComment) pos++;
    else fail(`expected "def" at the top level, found ${describeToken(peek())}`);
  }
  return { nodes, functions, lambdas };

  function parseDef(): void {
    expect('def');
    const g = peek();
    if (g?.kind !== RK.global) fail('expected a global name after "def"');
    pos++;
    const f = parseFunctionRest((g as RelayToken).text);
    functions.set(f.name, f);
  }

  /** `(params) (-> type)? { body }` after the name or `fn`. */
  function parseFunctionRest(name: string): RelayFunction {
    enter();
    const scope = new Map<string, number>();
    const params: number[] = [];
    const attrs = nullProto<RelayAttr>();
    expect('(');
    while (!is(')')) {
      if (peek()?.kind === RK.ident && is('=', 1)) {
        const key = (tokens[pos] as RelayToken).text;
        pos += 2;
        attrs[key] = parseAttr();
      } else params.push(parseParam(scope));
      if (is(',')) pos++;
      else if (!is(')')) fail(`expected "," or ")" in a parameter list, found ${describeToken(peek())}`);
    }
    pos++;
    let ret: RelayType | null = null;
    if (is('->')) {
      pos++;
      ret = parseType();
    }
    while (peek()?.kind === RK.typeComment) pos++;
    expect('{');
    const body = parseBody(scope);
    expect('}');
    // TVM prints function attributes after the body in some versions: `} attributes {...}` is skipped.
    if (peek()?.kind === RK.ident && peek()?.text === 'attributes' && is('{', 1)) skipBraces();
    leave();
    return { name, params, body, ret, attrs };
  }

  function parseParam(scope: Map<string, number>): number {
    const t = peek();
    if (t?.kind !== RK.local) fail(`expected a parameter %name, found ${describeToken(t)}`);
    pos++;
    let annotated: RelayType | null = null;
    if (is(':')) {
      pos++;
      annotated = parseType();
    }
    const id = node({ kind: 'var', name: (t as RelayToken).text, offset: (t as RelayToken).offset, annotated });
    annotate(id);
    scope.set((t as RelayToken).text, id);
    return id;
  }

  function parseBody(outer: Map<string, number>): number {
    const scope = new Map(outer);
    for (;;) {
      const t = peek();
      if (t?.kind === RK.local && is('=', 1)) {
        pos += 2;
        const id = parseExpr(scope);
        scope.set(t.text, id);
        expect(';');
        continue;
      }
      if (is('let')) {
        pos++;
        const v = peek();
        if (v?.kind !== RK.local) fail('expected %name after "let"');
        pos++;
        if (is(':')) {
          pos++;
          parseType();
        }
        expect('=');
        const id = parseExpr(scope);
        scope.set((v as RelayToken).text, id);
        expect(';');
        continue;
      }
      return parseExpr(scope);
    }
  }

  function parseExpr(scope: Map<string, number>): number {
    enter();
    let id = parsePrimary(scope);
    for (;;) {
      annotate(id);
      if (is('(')) id = parseCall('', id, scope, (peek() as RelayToken).offset);
      else if (is('.') && peek(1)?.kind === RK.number) {
        pos++;
        const k = Number((tokens[pos++] as RelayToken).text);
        id = node({ kind: 'getitem', name: String(k), args: [id], index: k, offset: (nodes[id] as RelayNode).offset });
      } else break;
    }
    leave();
    return id;
  }

  function parsePrimary(scope: Map<string, number>): number {
    const t = peek();
    if (t === undefined) return fail('unexpected end of text');
    if (t.kind === RK.local) {
      pos++;
      return local(t, scope);
    }
    if (t.kind === RK.global) {
      pos++;
      return node({ kind: 'global', name: `@${t.text}`, offset: t.offset });
    }
    if (t.kind === RK.number) {
      pos++;
      return node({ kind: 'constant', name: t.text, offset: t.offset, annotated: literalType(t.text) });
    }
    if (t.kind === RK.string) {
      pos++;
      return node({ kind: 'constant', name: JSON.stringify(t.text), offset: t.offset });
    }
    if (t.kind === RK.punct && t.text === '(') {
      pos++;
      const fields: number[] = [];
      let comma = false;
      while (!is(')')) {
        fields.push(parseExpr(scope));
        if (is(',')) {
          pos++;
          comma = true;
        } else if (!is(')')) fail(`expected "," or ")", found ${describeToken(peek())}`);
      }
      pos++;
      if (fields.length === 1 && !comma) return fields[0] as number;
      return node({ kind: 'tuple', name: '', args: fields, offset: t.offset });
    }
    if (t.kind === RK.ident) {
      if (t.text === 'meta') return parseMeta();
      if (t.text === 'fn') {
        pos++;
        const f = parseFunctionRest('fn');
        lambdas.push(f);
        return node({ kind: 'function', name: 'fn', fn: lambdas.length - 1, offset: t.offset });
      }
      if (t.text === 'True' || t.text === 'False') {
        pos++;
        return node({
          kind: 'constant',
          name: t.text,
          offset: t.offset,
          annotated: { kind: 'tensor', shape: [], dtype: 'bool' },
        });
      }
      pos++;
      if (!is('(')) fail(`expected "(" after operator ${t.text}`);
      return parseCall(t.text, null, scope, t.offset);
    }
    return fail(`unexpected ${describeToken(t)}`);
  }

  function local(t: RelayToken, scope: Map<string, number>): number {
    const hit = scope.get(t.text);
    if (hit !== undefined) return hit;
    // `%3.0` is item 0 of `%3` (names may hold dots themselves: the longest bound prefix wins).
    const dot = t.text.lastIndexOf('.');
    if (dot > 0 && /^\d+$/.test(t.text.slice(dot + 1))) {
      const base = local({ ...t, text: t.text.slice(0, dot) }, scope);
      const k = Number(t.text.slice(dot + 1));
      return node({ kind: 'getitem', name: String(k), args: [base], index: k, offset: t.offset });
    }
    return fail(`%${t.text} is used before it is defined`, t.offset);
  }

  function parseMeta(): number {
    const t = expect('meta');
    expect('[');
    const kind = peek()?.text ?? '';
    pos++;
    expect(']');
    expect('[');
    const k = peek()?.text ?? '';
    pos++;
    expect(']');
    return node({ kind: 'constant', name: `meta[${kind}][${k}]`, offset: t.offset });
  }

  function parseCall(name: string, callee: number | null, scope: Map<string, number>, offset: number): number {
    expect('(');
    const args: number[] = [];
    const attrs = nullProto<RelayAttr>();
    while (!is(')')) {
      if (peek()?.kind === RK.ident && is('=', 1)) {
        const key = (tokens[pos] as RelayToken).text;
        pos += 2;
        attrs[key] = parseAttr();
      } else args.push(parseExpr(scope));
      if (is(',')) pos++;
      else if (!is(')'))
        fail(`expected "," or ")" in the arguments of ${name || 'a call'}, found ${describeToken(peek())}`);
    }
    pos++;
    const global = callee !== null && nodes[callee]?.kind === 'global' ? (nodes[callee] as RelayNode).name : null;
    return node({ kind: 'call', name: global ?? name, args, attrs, callee: global === null ? callee : null, offset });
  }

  function parseAttr(): RelayAttr {
    enter();
    const t = peek();
    let v: RelayAttr;
    if (t === undefined) return fail('unexpected end of text in an attribute');
    if (t.kind === RK.number) {
      pos++;
      v = literalValue(t.text);
    } else if (t.kind === RK.string) {
      pos++;
      v = t.text;
    } else if (t.kind === RK.ident && (t.text === 'None' || t.text === 'True' || t.text === 'False')) {
      pos++;
      v = t.text === 'None' ? null : t.text === 'True';
    } else if (t.kind === RK.ident && t.text === 'meta') {
      parseMeta();
      v = null;
    } else if (is('[') || is('(')) {
      const close = is('[') ? ']' : ')';
      pos++;
      const list: RelayAttr[] = [];
      while (!is(close)) {
        list.push(parseAttr());
        if (is(',')) pos++;
        else if (!is(close)) fail(`expected "," or "${close}" in a list attribute`);
      }
      pos++;
      v = list;
    } else if (t.kind === RK.ident) {
      // A type or an enum-like word (`dtype=float32` in some printers).
      pos++;
      v = t.text;
      if (is('[')) skipBrackets();
    } else return fail(`unexpected ${describeToken(t)} in an attribute`);
    leave();
    return v;
  }

  function parseType(): RelayType {
    enter();
    let ty: RelayType;
    if (is('Tensor')) {
      pos++;
      expect('[');
      expect('(');
      const dims: (number | null)[] = [];
      while (!is(')')) {
        const d = peek();
        if (d?.kind === RK.number && /^\d+$/.test(d.text.replace(/i64$/, '')))
          dims.push(Number(d.text.replace(/i64$/, '')));
        else if (d !== undefined && (d.text === '?' || d.text === 'Any' || d.kind === RK.ident)) dims.push(null);
        else fail(`expected a dimension, found ${describeToken(d)}`);
        pos++;
        if (is(',')) pos++;
      }
      pos++;
      expect(',');
      const dt = peek();
      if (dt?.kind !== RK.ident) fail('expected a dtype');
      pos++;
      expect(']');
      ty = { kind: 'tensor', shape: dims, dtype: (dt as RelayToken).text };
    } else if (is('(')) {
      pos++;
      const fields: RelayType[] = [];
      while (!is(')')) {
        fields.push(parseType());
        if (is(',')) pos++;
        else if (!is(')')) fail('expected "," or ")" in a tuple type');
      }
      pos++;
      ty = { kind: 'tuple', fields };
    } else if (peek()?.kind === RK.ident) {
      const name = (tokens[pos++] as RelayToken).text;
      if (is('[')) skipBrackets(); // a generic type such as List[A]
      ty = /^(u?int|float|bfloat|bool)\d*$/.test(name)
        ? { kind: 'tensor', shape: [], dtype: name }
        : { kind: 'tensor', shape: null, dtype: null };
    } else ty = fail(`expected a type, found ${describeToken(peek())}`);
    leave();
    return ty;
  }

  function skipBrackets(): void {
    let d = 0;
    do {
      if (is('[')) d++;
      else if (is(']')) d--;
      pos++;
    } while (d > 0 && pos < tokens.length);
  }

  function skipBraces(): void {
    let d = 0;
    pos++; // `attributes` or `type` word
    while (pos < tokens.length && !is('{')) pos++;
    do {
      if (is('{')) d++;
      else if (is('}')) d--;
      pos++;
    } while (d > 0 && pos < tokens.length);
  }

  function skipTypeDefinition(): void {
    skipBraces();
  }

  /** A type in an annotation comment (`Tensor[(1, 10), float32] span=...`), or null when unreadable. */
  function parseTypeText(s: string): RelayType | null {
    try {
      const sub = parseRelayType(s, options.member);
      return sub;
    } catch {
      return null;
    }
  }
}
