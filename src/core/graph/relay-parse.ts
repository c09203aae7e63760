// Relay text (as TVM 0.8-0.18 printed an IRModule) parsed into a graph of expression nodes:
// `def @f(params) -> type { %0 = op(args, attr=value); ... result }`, with `let`, tuples,
// projections (`%3.0`), `fn` literals, `meta[relay.Constant][k]`, and `/* ty=... */` annotations.
// Recursive descent with a depth limit; unknown syntax is an MLF-E311 with the offset. Types,
// attributes and annotations are read by relay-terms.ts at the same cursor.
import type { RelayFunction, RelayNode, RelayProgram, RelayType } from './relay-ast.js';
import { enter, expect, fail, is, leave, peek, type RelayCursor, skipBraces } from './relay-cursor.js';
import { lexRelay, RK, type RelayToken } from './relay-lex.js';
import { describeToken, literalType } from './relay-literals.js';
import { readAnnotation, readList, readMeta, readType } from './relay-terms.js';

export type { RelayAttr, RelayFunction, RelayNode, RelayProgram, RelayTensorType, RelayType } from './relay-ast.js';

/** Options of `analyzeRelay` (and the parser under it). */
export interface RelayParseOptions {
  /** The archive member the text came from, named in errors. */
  member?: string;
  /** Nesting deeper than this is E311. @default 400 */
  maxDepth?: number;
  maxTokens?: number;
}

/**
 * Parses Relay text. @throws MlfError MLF-E311 (with the byte offset) for text outside the subset
 * docs/format.md describes, or nesting beyond `maxDepth`.
 */
export function parseRelay(text: string, options: RelayParseOptions = {}): RelayProgram {
  const tokens = lexRelay(text, {
    ...(options.member === undefined ? {} : { member: options.member }),
    ...(options.maxTokens === undefined ? {} : { maxTokens: options.maxTokens }),
  });
  const c: RelayCursor = {
    tokens,
    pos: 0,
    depth: 0,
    maxDepth: options.maxDepth ?? 400,
    end: text.length,
    member: options.member,
  };
  const nodes: RelayNode[] = [];
  const functions = new Map<string, RelayFunction>();
  const lambdas: RelayFunction[] = [];

  const node = (
    n: Omit<RelayNode, 'id' | 'args' | 'callee' | 'attrs' | 'index' | 'fn' | 'annotated'> & Partial<RelayNode>,
  ): number => {
    nodes.push({
      args: [],
      callee: null,
      attrs: Object.create(null) as RelayNode['attrs'],
      index: null,
      fn: null,
      annotated: null,
      ...n,
      id: nodes.length,
    });
    return nodes.length - 1;
  };
  // A `meta[...]` attribute value is numbered as a constant node too (node ids and the expression
  // count of `inspect` include it), as it always has been.
  const metaNode = (m: { name: string; offset: number }) => void node({ kind: 'constant', ...m });
  /** A `/* ty=... *\/` right after an expression annotates it (unless it has a type already). */
  const annotate = (id: number) => {
    const ty = readAnnotation(c);
    const n = nodes[id] as RelayNode;
    if (ty !== null && n.annotated === null) n.annotated = ty;
  };

  // Top level: `def`s; `type T {...}` definitions are skipped (nothing the analysis uses).
  while (c.pos < tokens.length) {
    if (is(c, 'def')) parseDef();
    else if (is(c, 'type')) skipBraces(c);
    else if (is(c, 'free_var')) {
      c.pos++;
      parseParam(new Map());
      if (is(c, ';')) c.pos++;
    } else if (peek(c)?.kind === RK.typeComment) c.pos++;
    else fail(c, `expected "def" at the top level, found ${describeToken(peek(c))}`);
  }
  return { nodes, functions, lambdas };

  function parseDef(): void {
    expect(c, 'def');
    const g = peek(c);
    if (g?.kind !== RK.global) fail(c, 'expected a global name after "def"');
    c.pos++;
    const f = parseFunctionRest((g as RelayToken).text);
    functions.set(f.name, f);
  }

  /** `(params) (-> type)? { body }` after the name or `fn`. */
  function parseFunctionRest(name: string): RelayFunction {
    enter(c);
    const scope = new Map<string, number>();
    const params: number[] = [];
    expect(c, '(');
    const attrs = readList(c, 'a parameter list', () => params.push(parseParam(scope)), metaNode);
    let ret: RelayType | null = null;
    if (is(c, '->')) {
      c.pos++;
      ret = readType(c);
    }
    while (peek(c)?.kind === RK.typeComment) c.pos++;
    expect(c, '{');
    const body = parseBody(scope);
    expect(c, '}');
    // TVM prints function attributes after the body in some versions: `} attributes {...}` is skipped.
    if (peek(c)?.kind === RK.ident && peek(c)?.text === 'attributes' && is(c, '{', 1)) skipBraces(c);
    leave(c);
    return { name, params, body, ret, attrs };
  }

  function parseParam(scope: Map<string, number>): number {
    const t = peek(c);
    if (t?.kind !== RK.local) fail(c, `expected a parameter %name, found ${describeToken(t)}`);
    c.pos++;
    let annotated: RelayType | null = null;
    if (is(c, ':')) {
      c.pos++;
      annotated = readType(c);
    }
    const id = node({ kind: 'var', name: (t as RelayToken).text, offset: (t as RelayToken).offset, annotated });
    annotate(id);
    scope.set((t as RelayToken).text, id);
    return id;
  }

  function parseBody(outer: Map<string, number>): number {
    const scope = new Map(outer);
    for (;;) {
      const t = peek(c);
      if (t?.kind === RK.local && is(c, '=', 1)) {
        c.pos += 2;
        const id = parseExpr(scope);
        scope.set(t.text, id);
        expect(c, ';');
        continue;
      }
      if (is(c, 'let')) {
        c.pos++;
        const v = peek(c);
        if (v?.kind !== RK.local) fail(c, 'expected %name after "let"');
        c.pos++;
        if (is(c, ':')) {
          c.pos++;
          readType(c);
        }
        expect(c, '=');
        const id = parseExpr(scope);
        scope.set((v as RelayToken).text, id);
        expect(c, ';');
        continue;
      }
      return parseExpr(scope);
    }
  }

  function parseExpr(scope: Map<string, number>): number {
    enter(c);
    let id = parsePrimary(scope);
    for (;;) {
      annotate(id);
      if (is(c, '(')) id = parseCall('', id, scope, (peek(c) as RelayToken).offset);
      else if (is(c, '.') && peek(c, 1)?.kind === RK.number) {
        c.pos++;
        const k = Number((tokens[c.pos++] as RelayToken).text);
        id = node({ kind: 'getitem', name: String(k), args: [id], index: k, offset: (nodes[id] as RelayNode).offset });
      } else break;
    }
    leave(c);
    return id;
  }

  function parsePrimary(scope: Map<string, number>): number {
    const t = peek(c);
    if (t === undefined) return fail(c, 'unexpected end of text');
    if (t.kind === RK.local) {
      c.pos++;
      return local(t, scope);
    }
    if (t.kind === RK.global) {
      c.pos++;
      return node({ kind: 'global', name: `@${t.text}`, offset: t.offset });
    }
    if (t.kind === RK.number) {
      c.pos++;
      return node({ kind: 'constant', name: t.text, offset: t.offset, annotated: literalType(t.text) });
    }
    if (t.kind === RK.string) {
      c.pos++;
      return node({ kind: 'constant', name: JSON.stringify(t.text), offset: t.offset });
    }
    if (t.kind === RK.punct && t.text === '(') {
      c.pos++;
      const fields: number[] = [];
      let comma = false;
      while (!is(c, ')')) {
        fields.push(parseExpr(scope));
        if (is(c, ',')) {
          c.pos++;
          comma = true;
        } else if (!is(c, ')')) fail(c, `expected "," or ")", found ${describeToken(peek(c))}`);
      }
      c.pos++;
      if (fields.length === 1 && !comma) return fields[0] as number;
      return node({ kind: 'tuple', name: '', args: fields, offset: t.offset });
    }
    if (t.kind === RK.ident) {
      if (t.text === 'meta') return node({ kind: 'constant', ...readMeta(c) });
      if (t.text === 'fn') {
        c.pos++;
        const f = parseFunctionRest('fn');
        lambdas.push(f);
        return node({ kind: 'function', name: 'fn', fn: lambdas.length - 1, offset: t.offset });
      }
      if (t.text === 'True' || t.text === 'False') {
        c.pos++;
        return node({
          kind: 'constant',
          name: t.text,
          offset: t.offset,
          annotated: { kind: 'tensor', shape: [], dtype: 'bool' },
        });
      }
      c.pos++;
      if (!is(c, '(')) fail(c, `expected "(" after operator ${t.text}`);
      return parseCall(t.text, null, scope, t.offset);
    }
    return fail(c, `unexpected ${describeToken(t)}`);
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
    return fail(c, `%${t.text} is used before it is defined`, t.offset);
  }

  function parseCall(name: string, callee: number | null, scope: Map<string, number>, offset: number): number {
    expect(c, '(');
    const args: number[] = [];
    const attrs = readList(c, `the arguments of ${name || 'a call'}`, () => args.push(parseExpr(scope)), metaNode);
    const global = callee !== null && nodes[callee]?.kind === 'global' ? (nodes[callee] as RelayNode).name : null;
    return node({ kind: 'call', name: global ?? name, args, attrs, callee: global === null ? callee : null, offset });
  }
}
