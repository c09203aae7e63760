// Live bytes of a graph executor's storage plan per operator step, by brute force straight from
// the graph JSON (no project code): for each step every tensor is checked for being live, and
// each live storage id counts once with the bytes of its largest tensor.
import type { GraphJson } from '../../src/core/graph/graph.js';

/** Bytes of a tensor: `float32` → 4 per element, `int16x4` → 8; bool is one byte. */
function tensorBytes(dtype: string, shape: number[]): number {
  const m = /^[a-z]+?(\d+)(?:x(\d+))?$/.exec(dtype);
  const bits = dtype === 'bool' ? 8 : Number(m?.[1]);
  const lanes = Number(m?.[2] ?? 1);
  return Math.ceil((bits * lanes) / 8) * shape.reduce((a, b) => a * b, 1);
}

/** Live bytes per operator step, by brute force over the graph JSON; `params: false` leaves params out. */
export function bruteForceLiveBytes(
  graph: GraphJson,
  params: Set<string>,
  options: { params?: boolean } = {},
): number[] {
  const opIds = graph.nodes.flatMap((n, id) => (n.op === 'tvm_op' ? [id] : []));
  const step = new Map(opIds.map((id, i) => [id, i]));
  const last = opIds.length - 1;
  const entries = graph.attrs.storage_id[1].length;
  const sidBytes = new Map<number, number>();
  for (let e = 0; e < entries; e++) {
    const sid = graph.attrs.storage_id[1][e]!;
    const b = tensorBytes(graph.attrs.dltype[1][e]!, graph.attrs.shape[1][e]!);
    sidBytes.set(sid, Math.max(sidBytes.get(sid) ?? 0, b));
  }
  const out: number[] = [];
  for (let t = 0; t <= last; t++) {
    const live = new Set<number>();
    graph.nodes.forEach((n, id) => {
      const outputs = graph.node_row_ptr[id + 1]! - graph.node_row_ptr[id]!;
      for (let k = 0; k < outputs; k++) {
        const from = step.get(id) ?? 0;
        const isHead = graph.heads.some(([h, hk]) => h === id && hk === k);
        const isParam = n.op === 'null' && params.has(n.name);
        if (isParam && options.params === false) continue;
        let to = from;
        graph.nodes.forEach((c, cid) => {
          if (c.inputs.some(([s, sk]) => s === id && sk === k)) to = Math.max(to, step.get(cid) ?? 0);
        });
        if (isHead || isParam) to = last;
        if (from <= t && t <= to) live.add(graph.attrs.storage_id[1][graph.node_row_ptr[id]! + k]!);
      }
    });
    out.push([...live].reduce((a, sid) => a + (sidBytes.get(sid) ?? 0), 0));
  }
  return out;
}
