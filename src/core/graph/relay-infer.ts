// Type inference over a parsed Relay program: every expression's type from its arguments, by
// the relations in relay-ops.ts. An unknown operator stops inference on its branch (with one
// note per operator), a written `ty=` annotation wins over what was inferred.
import { RELATIONS } from './relay-ops.js';
import type { RelayFunction, RelayNode, RelayProgram, RelayType } from './relay-parse.js';

/** The types of a program's expressions, and what stopped inference. */
export interface RelayInference {
  /** Type per node id; null where unknown. */
  types: (RelayType | null)[];
  notes: string[];
}

/** True when two types are equal (unknown dimensions equal only unknown ones). */
export function sameType(a: RelayType | null, b: RelayType | null): boolean {
  if (a === null || b === null) return a === b;
  if (a.kind === 'tuple' || b.kind === 'tuple') {
    return (
      a.kind === 'tuple' &&
      b.kind === 'tuple' &&
      a.fields.length === b.fields.length &&
      a.fields.every((f, i) => sameType(f, b.fields[i] ?? null))
    );
  }
  return a.dtype === b.dtype && JSON.stringify(a.shape) === JSON.stringify(b.shape);
}

/** `float32[1, 10]`, `(int8[1, 4], float32[2])`, `?` for unknown parts. */
export function formatRelayType(t: RelayType | null): string {
  if (t === null) return '?';
  if (t.kind === 'tuple') return `(${t.fields.map(formatRelayType).join(', ')})`;
  return `${t.dtype ?? '?'}[${t.shape === null ? '?' : t.shape.map((d) => (d === null ? '?' : String(d))).join(', ')}]`;
}

/** Infers the type of every expression. Linear in the nodes (at most three passes, for calls of globals defined later). */
export function inferRelayTypes(p: RelayProgram): RelayInference {
  const types: (RelayType | null)[] = new Array(p.nodes.length).fill(null);
  const notes = new Map<string, string>();
  const functionType = (f: RelayFunction | undefined): RelayType | null =>
    f === undefined ? null : (f.ret ?? types[f.body] ?? null);
  for (let pass = 0; pass < 3; pass++) {
    let changed = false;
    for (const n of p.nodes) {
      if (types[n.id] !== null) continue;
      const t = typeOf(n);
      if (t !== null) {
        types[n.id] = t;
        changed = true;
      }
    }
    if (!changed) break;
  }
  return { types, notes: [...notes.values()] };

  function typeOf(n: RelayNode): RelayType | null {
    const inferred = infer(n);
    if (n.annotated === null) return inferred;
    if (inferred !== null && !sameType(inferred, n.annotated) && n.kind === 'call') {
      notes.set(
        `conflict:${n.id}`,
        `${n.name}: inferred ${formatRelayType(inferred)}, the text says ${formatRelayType(n.annotated)} (the text's type is used)`,
      );
    }
    return n.annotated;
  }

  function infer(n: RelayNode): RelayType | null {
    const args = n.args.map((a) => types[a] ?? null);
    switch (n.kind) {
      case 'var':
      case 'constant':
        return n.annotated;
      case 'tuple':
        return args.every((a) => a !== null) ? { kind: 'tuple', fields: args as RelayType[] } : null;
      case 'getitem': {
        const t = args[0];
        return t?.kind === 'tuple' ? (t.fields[n.index ?? -1] ?? null) : null;
      }
      case 'call': {
        if (n.name.startsWith('@')) return functionType(p.functions.get(n.name.slice(1)));
        if (n.callee !== null) {
          const c = p.nodes[n.callee];
          return c?.kind === 'function' && c.fn !== null ? functionType(p.lambdas[c.fn]) : null;
        }
        const rel = RELATIONS.get(n.name);
        if (rel === undefined) {
          notes.set(`op:${n.name}`, `operator ${n.name} is not known: the types after it are not inferred`);
          return null;
        }
        return rel(args, n.attrs);
      }
      default:
        return null;
    }
  }
}
