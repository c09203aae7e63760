// The Relay @main as a node table for the viewer (beside the fused graph), and the Relay
// operators a fused function's name reveals (`tvmgen_default_fused_nn_dense_add_nn_relu`).
import type { RelayAnalysis } from '../graph/relay-graph.js';
import { flattenType } from '../graph/relay-ast.js';
import type { RelayNode } from '../graph/relay-parse.js';
import type { GraphTable, GraphTableNode, NodeOutput } from './graph-table.js';

function outputs(t: ReturnType<typeof flattenType>): NodeOutput[] {
  return t.map((x) => {
    const shape =
      x?.kind === 'tensor' && x.shape !== null && x.shape.every((d) => d !== null) ? (x.shape as number[]) : null;
    return { shape, dtype: x?.kind === 'tensor' ? x.dtype : null, storageId: -1, bytes: null, poolBytes: null };
  });
}

/**
 * @main's expressions reachable from its result, in text order: parameters as inputs, `meta`
 * constants as params, calls (operators, `@globals`, `fn` literals), tuples and projections as
 * ops. Literal scalars are left out. `funcName` is the operator name (`nn.conv2d`).
 */
export function relayGraphTable(a: RelayAnalysis): GraphTable {
  const main = a.program.functions.get('main');
  if (main === undefined) return { nodes: [], edges: [], heads: [] };
  const nodes = a.program.nodes;
  // Reachable set, iteratively (no recursion on deep programs).
  const reach = new Set<number>();
  const stack = [main.body, ...main.params];
  while (stack.length > 0) {
    const id = stack.pop() as number;
    if (reach.has(id)) continue;
    reach.add(id);
    const n = nodes[id] as RelayNode;
    for (const x of n.args) stack.push(x);
    if (n.callee !== null) stack.push(n.callee);
  }
  const keep = (n: RelayNode) =>
    reach.has(n.id) &&
    !(n.kind === 'constant' && !n.name.startsWith('meta[')) &&
    n.kind !== 'function' &&
    n.kind !== 'global';
  const index = new Map<number, number>();
  const table: GraphTableNode[] = [];
  for (const n of nodes) {
    if (!keep(n)) continue;
    index.set(n.id, table.length);
    const kind = n.kind === 'var' ? 'input' : n.kind === 'constant' ? 'param' : 'op';
    const funcName =
      n.kind === 'call'
        ? n.callee !== null
          ? 'fn'
          : n.name
        : n.kind === 'tuple'
          ? 'tuple'
          : n.kind === 'getitem'
            ? `.${n.index}`
            : null;
    table.push({
      id: table.length,
      name: n.kind === 'var' ? `%${n.name}` : `${funcName ?? n.name} #${n.id}`,
      kind,
      funcName,
      inputs: n.args.flatMap((x) => (index.has(x) ? [[index.get(x) as number, 0] as [number, number]] : [])),
      outputs: outputs(flattenType(a.inference.types[n.id] ?? null)),
    });
  }
  const edges = table.flatMap((n) => n.inputs.map(([from, output]) => ({ from, to: n.id, output })));
  const head = index.get(main.body);
  return { nodes: table, edges, heads: head === undefined ? [] : [[head, 0]] };
}

/** Operators that appear in fused names after TVM's own rewrites (layout, packing), not in Relay text. */
const LOWERED = ['nn.contrib_dense_pack', 'nn.contrib_conv2d_NCHWc', 'nn.contrib_depthwise_conv2d_NCHWc'];

/**
 * The operators a fused function's name lists, in order, when the whole name reads as operator
 * names joined by `_` (dots as `_`, an optional `_<n>` suffix, TVM's hash suffix allowed); else
 * null. Names are matched against `known` (the module's Relay operators and the ones whose types
 * we infer: relay-graph's `inferredOperators`) and the ones TVM introduces when it lowers
 * (`nn.contrib_dense_pack`).
 */
export function fusedMembers(funcName: string, module: string, known: readonly string[]): string[] | null {
  const prefix = [`tvmgen_${module}_fused_`, `tvmgen_${module.toLowerCase()}_fused_`].find((p) =>
    funcName.startsWith(p),
  );
  if (prefix === undefined) return null;
  let rest = funcName.slice(prefix.length);
  const ops = [...new Set([...known, ...LOWERED])]
    .map((op) => ({ op, key: op.replaceAll('.', '_') }))
    .sort((x, y) => y.key.length - x.key.length);
  const out: string[] = [];
  // Greedy longest match at each position; a name TVM shortened with a hash ends the match.
  for (let guard = 0; rest.length > 0 && guard < 256; guard++) {
    const hit = ops.find((o) => rest === o.key || rest.startsWith(`${o.key}_`));
    // What is left may only be the `_<n>` suffix or the hash TVM puts on long names.
    if (hit === undefined) return out.length > 0 && /^\d+_?$/.test(rest) ? out : null;
    out.push(hit.op);
    rest = rest.slice(hit.key.length).replace(/^_/, '');
  }
  return out.length > 0 ? out : null;
}
