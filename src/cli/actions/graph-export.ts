import type { InspectModule } from '../../core/archive/inspect.js';
import type { GraphTable, GraphTableNode, NodeOutput } from '../../core/report/view-data.js';
import { safeText } from '../format.js';

/**
 * `float32[1, 3, 16, 16]`; AOT buffers of unknown shape show their bytes (`float32 · 8192 B`),
 * and pool slices their place (`@ global_workspace+25088`).
 */
const tensor = (o: NodeOutput) =>
  (o.shape !== null ? `${o.dtype ?? '?'}[${o.shape.join(', ')}]` : `${o.dtype ?? '?'} · ${o.bytes ?? '?'} B`) +
  (o.pool != null ? ` @ ${o.pool}+${o.offset ?? '?'}` : '');

/** A DOT string literal: backslashes and quotes escaped, newlines as `\n` line breaks. */
function dotString(s: string): string {
  const lines = s.split('\n').map(safeText).join('\n'); // control characters of names shown, never acted on
  return `"${lines.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

const DOT_STYLE: Record<GraphTableNode['kind'], string> = {
  op: 'shape=box, style="rounded,filled", fillcolor="#dbe8f7"',
  input: 'shape=ellipse, style=filled, fillcolor="#d6f0df"',
  param: 'shape=note, style=filled, fillcolor="#eceef1"',
};

/**
 * Graphviz DOT: one node per graph node, labelled with its func_name (operators) or name
 * (inputs, params) and its output tensors; one edge per input, producer → consumer.
 */
export function renderDot(module: string, table: GraphTable): string {
  const heads = new Set(table.heads.map((h) => h[0]));
  const lines = [
    `digraph ${dotString(module)} {`,
    '  graph [rankdir=TB, fontname="Helvetica"];',
    '  node [fontname="Helvetica", fontsize=10];',
    '  edge [color="#7d8794", arrowsize=0.6];',
  ];
  for (const n of table.nodes) {
    const title = n.funcName !== null ? n.funcName : `${n.name} (${n.kind})`;
    const label = [title, ...n.outputs.map(tensor)].join('\n');
    const head = heads.has(n.id) ? ', penwidth=2, color="#c05a00"' : '';
    lines.push(`  n${n.id} [label=${dotString(label)}, ${DOT_STYLE[n.kind]}${head}];`);
  }
  for (const e of table.edges) {
    const many = (table.nodes[e.from]?.outputs.length ?? 1) > 1;
    lines.push(`  n${e.from} -> n${e.to}${many ? ` [label="${e.output}"]` : ''};`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/** The `--format json` document: nodes with shapes, dtypes, storage ids and bytes, and edges. */
export function renderGraphJson(module: string, table: GraphTable): Record<string, unknown> {
  return {
    module,
    nodes: table.nodes.map((n) => ({
      id: n.id,
      name: n.name,
      op: n.kind === 'op' ? 'tvm_op' : 'null',
      kind: n.kind,
      funcName: n.funcName,
      inputs: n.inputs,
      outputs: n.outputs,
    })),
    edges: table.edges,
    heads: table.heads,
  };
}

/** One row of a Netron attachment (`metadata` or `metrics`). */
export interface NetronRow {
  kind: 'model' | 'graph' | 'node' | 'value';
  target: string;
  name: string;
  value: string | number;
  type: string;
}

/**
 * A Netron attachment sidecar (`"signature": "netron:attachment"`): per operator node its output
 * bytes, storage ids, storage-pool bytes and operator workspace; per input or param the same as
 * `value` rows; model rows with the module's memory figures. Rows target graph node names, which
 * is how Netron's TVM reader names nodes and values.
 */
export function renderNetronAttachment(
  module: string,
  table: GraphTable,
  info: InspectModule | undefined,
): { signature: string; metadata: NetronRow[]; metrics: NetronRow[] } {
  const metadata: NetronRow[] = [{ kind: 'model', target: '', name: 'mlf.module', value: module, type: 'string' }];
  const metrics: NetronRow[] = [];
  const int = (kind: NetronRow['kind'], target: string, name: string, value: number) =>
    metrics.push({ kind, target, name, value, type: 'int64' });
  const storage = info?.memory.storageBytes;
  if (storage !== null && storage !== undefined) int('model', '', 'mlf.storage_bytes', storage);
  for (const e of info?.memory.main ?? []) {
    int('model', '', `mlf.workspace_bytes.device${e.device}`, e.workspaceBytes);
    if (e.ioBytes !== null) int('model', '', `mlf.io_bytes.device${e.device}`, e.ioBytes);
    if (e.constantsBytes !== null) int('model', '', `mlf.constants_bytes.device${e.device}`, e.constantsBytes);
  }
  const workspace = new Map((info?.memory.operatorFunctions ?? []).map((f) => [f.name, f.workspaceBytes]));
  for (const n of table.nodes) {
    // Netron matches targets up to the first newline; TVM names have none, but be safe.
    const target = n.name.split('\n')[0] ?? '';
    const kind = n.kind === 'op' ? 'node' : 'value';
    metadata.push({
      kind,
      target,
      name: 'mlf.storage_id',
      value: n.outputs.map((o) => o.storageId).join(', '),
      type: 'string',
    });
    int(
      kind,
      target,
      'mlf.output_bytes',
      n.outputs.reduce((a, o) => a + (o.bytes ?? 0), 0),
    );
    int(
      kind,
      target,
      'mlf.storage_pool_bytes',
      n.outputs.reduce((a, o) => a + (o.poolBytes ?? 0), 0),
    );
    const ws = n.funcName === null ? undefined : workspace.get(n.funcName);
    if (ws !== undefined) int(kind, target, 'mlf.workspace_bytes', ws);
  }
  return { signature: 'netron:attachment', metadata, metrics };
}
