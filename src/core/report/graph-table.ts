// The node table every graph view draws: the graph executor's graph, an AOT main's calls or the
// Relay @main, as nodes with their output tensors and edges producer → consumer.

/** One output tensor of a graph node. */
export interface NodeOutput {
  /** Null where unknown (AOT buffers whose shape the C does not carry). */
  shape: number[] | null;
  dtype: string | null;
  /** Graph executor: the storage id. AOT: the buffer id (buffers reused across calls share it). */
  storageId: number;
  /** Bytes of this tensor (per-element byte rounding, as the graph executor allocates); null where unknown. */
  bytes: number | null;
  /** Bytes of the storage pool the tensor lives in (the largest tensor sharing the id). */
  poolBytes: number | null;
  /** AOT: the C buffer (`sid_3`, `sid_5_let`), its USMP pool and byte offset there. */
  buffer?: string;
  pool?: string | null;
  offset?: number | null;
}

/** `op` for a `tvm_op` node, `input` for a graph input, `param` for a bound constant. */
export type NodeKind = 'op' | 'input' | 'param';

/** A graph node with everything a viewer shows about it. */
export interface GraphTableNode {
  id: number;
  name: string;
  kind: NodeKind;
  /** `func_name` of a `tvm_op` node, else null. */
  funcName: string | null;
  /** `[node_id, output_index]` of each input, in order. */
  inputs: [number, number][];
  outputs: NodeOutput[];
}

/** A graph as nodes and edges (edge = producer node → consumer node). */
export interface GraphTable {
  nodes: GraphTableNode[];
  edges: { from: number; to: number; output: number }[];
  heads: [number, number][];
}
