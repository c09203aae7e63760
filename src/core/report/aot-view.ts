// An AOT module's fused-operator graph in the node-table model the graph executor's views use:
// inputs and constants as arg nodes, one op node per call, an edge from the call that last wrote
// a buffer to every call that reads it (so reused buffers give one tensor per write).
import type { AotBuffer, AotMain } from '../graph/aot-model.js';
import type { GraphTable, GraphTableNode, NodeOutput } from './graph-table.js';

function outputOf(b: AotBuffer): NodeOutput {
  const out: NodeOutput = {
    shape: b.shape,
    dtype: b.dtype,
    storageId: b.id,
    bytes: b.bytes,
    poolBytes: b.bytes,
    buffer: b.name,
  };
  if (b.pool !== null) {
    out.pool = b.pool;
    out.offset = b.offset;
  }
  return out;
}

/**
 * The node table of an AOT main: module inputs first, then constants (in order of first use),
 * then one `op` node per call in call order (`funcName` = the callee). Node names are unique:
 * a callee called again is named `<callee>#2`, `#3`, ...
 */
export function aotGraphTable(main: AotMain): GraphTable {
  const nodes: GraphTableNode[] = [];
  const edges: GraphTable['edges'] = [];
  const producer = new Map<number, [number, number]>();
  const buffer = (id: number) => main.buffers[id] as AotBuffer;
  const argNode = (id: number, kind: 'input' | 'param') => {
    const n: GraphTableNode = {
      id: nodes.length,
      name: buffer(id).name,
      kind,
      funcName: null,
      inputs: [],
      outputs: [outputOf(buffer(id))],
    };
    nodes.push(n);
    producer.set(id, [n.id, 0]);
  };
  for (const id of main.inputs) argNode(id, 'input');
  for (const c of main.calls) {
    for (const id of [...c.args.map((a) => (a.role === 'read' ? a.buffer : null)), ...c.constants]) {
      if (id !== null && !producer.has(id) && buffer(id).kind === 'constant') argNode(id, 'param');
    }
  }
  const seen = new Map<string, number>();
  for (const c of main.calls) {
    const k = (seen.get(c.callee) ?? 0) + 1;
    seen.set(c.callee, k);
    const inputs: [number, number][] = [];
    const reads = [...c.args.filter((a) => a.role === 'read').map((a) => a.buffer), ...c.constants];
    for (const b of reads) {
      if (b === null) continue;
      if (!producer.has(b)) argNode(b, 'input'); // read before any write: shown as an input
      const from = producer.get(b) as [number, number];
      inputs.push(from);
    }
    const writes = c.args.filter((a) => a.role === 'write' && a.buffer !== null).map((a) => a.buffer as number);
    const node: GraphTableNode = {
      id: nodes.length,
      name: k === 1 ? c.callee : `${c.callee}#${k}`,
      kind: 'op',
      funcName: c.callee,
      inputs,
      outputs: writes.map((b) => outputOf(buffer(b))),
    };
    nodes.push(node); // after any read-before-write placeholders the reads pushed
    for (const [from, output] of inputs) edges.push({ from, to: node.id, output });
    writes.forEach((b, i) => producer.set(b, [node.id, i]));
  }
  const heads: [number, number][] = [];
  for (const id of main.outputs) {
    const p = producer.get(id);
    if (p !== undefined) heads.push(p);
  }
  return { nodes, edges, heads };
}

/**
 * The AOT part of `mlf graph --format json`: the main, its calls in order with the buffer each
 * argument points at and how it is used, and every buffer with size, dtype, pool and offset.
 */
export function aotGraphJson(main: AotMain): Record<string, unknown> {
  return {
    function: main.function,
    member: main.member,
    abi: main.abi,
    entry: main.entry,
    pools: main.pools,
    calls: main.calls.map((c) => ({
      index: c.index,
      callee: c.callee,
      packed: c.packed,
      args: c.args,
      constants: c.constants,
      scratch: c.scratch,
      workspaceBytes: c.workspaceBytes,
    })),
    buffers: main.buffers.map((b) => ({ ...b })),
    inputs: main.inputs,
    outputs: main.outputs,
    notes: main.notes,
  };
}
