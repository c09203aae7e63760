import { parseDType } from '../params/dtype.js';
import type { GraphJson } from './graph.js';
import type { SidEntry } from '../metadata/schema.js';

/** A tensor of the graph: where it is and what it holds. */
export interface GraphTensor {
  name: string;
  nodeId: number;
  entryId: number;
  shape: number[];
  dtype: string;
  storageId: number;
}

/** Entry id of output `index` of node `nodeId`. */
export function entryId(graph: GraphJson, nodeId: number, index = 0): number {
  return (graph.node_row_ptr[nodeId] ?? 0) + index;
}

function tensorAt(graph: GraphJson, nodeId: number, index: number): GraphTensor {
  const e = entryId(graph, nodeId, index);
  return {
    name: graph.nodes[nodeId]?.name ?? '',
    nodeId,
    entryId: e,
    shape: graph.attrs.shape[1][e] ?? [],
    dtype: graph.attrs.dltype[1][e] ?? '',
    storageId: graph.attrs.storage_id[1][e] ?? -1,
  };
}

const product = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** The `func_name` of every `tvm_op` node, in node order. */
export function graphOperators(graph: GraphJson): string[] {
  return graph.nodes.filter((n) => n.op === 'tvm_op').map((n) => n.attrs?.func_name ?? '');
}

/** Graph inputs: arg nodes whose name is not a param, in arg_nodes order. */
export function graphInputs(graph: GraphJson, paramNames: ReadonlySet<string>): GraphTensor[] {
  return graph.arg_nodes.map((nid) => tensorAt(graph, nid, 0)).filter((t) => !paramNames.has(t.name));
}

/** Arg nodes that are params (bound constants), in arg_nodes order. */
export function graphParamInputs(graph: GraphJson, paramNames: ReadonlySet<string>): GraphTensor[] {
  return graph.arg_nodes.map((nid) => tensorAt(graph, nid, 0)).filter((t) => paramNames.has(t.name));
}

/** Graph outputs in `heads` order. */
export function graphOutputs(graph: GraphJson): GraphTensor[] {
  return graph.heads.map(([nid, index]) => tensorAt(graph, nid, index));
}

/** Number of distinct storage ids. */
export function countStorageIds(graph: GraphJson): number {
  return new Set(graph.attrs.storage_id[1]).size;
}

/** Bits of one element the way TVM's sid map reads them: `^[a-zA-Z]+([0-9]+)$`, else undefined. */
function sidBits(dltype: string): number | undefined {
  const m = /^[a-zA-Z]+([0-9]+)$/.exec(dltype);
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

/**
 * The storage-id map exactly as TVM's `_build_sid_map` computes it (docs/format.md §5.1), quirks
 * included: shape and dltype are indexed by the storage id, the input binding compares an entry
 * index with node ids, and sizes use bit-packed rounding. For dltypes TVM's regex rejects (bool,
 * float32x4, float8) TVM failed to export; here the size uses bits*lanes instead.
 */
export function computeSids(graph: GraphJson): SidEntry[] {
  const sids = graph.attrs.storage_id[1];
  const shapes = graph.attrs.shape[1];
  const dltypes = graph.attrs.dltype[1];
  const args = new Set(graph.arg_nodes);
  const seen = new Set<number>();
  const out: SidEntry[] = [];
  sids.forEach((sid, i) => {
    if (seen.has(sid)) return;
    seen.add(sid);
    // TVM indexes by sid; when sid is past the entry list TVM raised IndexError. Fall back to i.
    const at = sid < shapes.length ? sid : i;
    const dltype = dltypes[at] ?? '';
    let bits = sidBits(dltype);
    if (bits === undefined) {
      const t = parseDType(dltype);
      bits = t.bits * t.lanes;
    }
    const entry: SidEntry = { storage_id: sid, size_bytes: Math.floor((product(shapes[at] ?? []) * bits + 7) / 8) };
    if (args.has(i)) entry.input_binding = graph.nodes[i]?.name ?? '';
    out.push(entry);
  });
  return out;
}

/** One storage pool of the graph executor. */
export interface StoragePool {
  storageId: number;
  /** Bytes the runtime allocates: the largest tensor sharing this id (per-element byte rounding). */
  bytes: number;
  /** Entry ids sharing the pool. */
  entries: number[];
  /** Device type from attrs.device_index, or null. */
  device: number | null;
}

/** Storage pools as TVM's graph executor sizes them (max over sharers, docs/format.md §5.2). */
export function computeStoragePools(graph: GraphJson): StoragePool[] {
  const pools = new Map<number, StoragePool>();
  const devices = graph.attrs.device_index?.[1];
  graph.attrs.storage_id[1].forEach((sid, e) => {
    const t = parseDType(graph.attrs.dltype[1][e] ?? '');
    const bytes = Math.ceil((t.bits * t.lanes) / 8) * product(graph.attrs.shape[1][e] ?? []);
    let pool = pools.get(sid);
    if (pool === undefined) {
      pool = { storageId: sid, bytes: 0, entries: [], device: devices?.[e] ?? null };
      pools.set(sid, pool);
    }
    pool.bytes = Math.max(pool.bytes, bytes);
    pool.entries.push(e);
  });
  return [...pools.values()].sort((a, b) => a.storageId - b.storageId);
}
