/**
 * Small graph-executor archives built from scratch (version 7, one module `default`), for the
 * runner's hostile and boundary cases: a graph, one C source, optional params. Metadata sizes
 * and sids are computed from the graph the way TVM writes them, so the archive validates unless
 * a case changes something on purpose.
 */
import { openArchive, type MlfArchive, readMlf } from '../../src/core/archive/archive.js';
import { bytesSource } from '../../src/core/common/source.js';
import { computeSids, graphInputs, graphOutputs } from '../../src/core/graph/facts.js';
import type { GraphJson, GraphNode } from '../../src/core/graph/graph.js';
import { type ParamTensorInput } from '../../src/core/params/codec.js';
import { encodeParams, packedTensorBytes } from '../../src/core/params/encode.js';
import { packFiles, text } from './archive.js';

/** A node list and per-entry facts; node_row_ptr, arg_nodes and heads are derived. */
export interface GraphSpec {
  nodes: GraphNode[];
  /** One [shape, dtype, storage id] per entry (one entry per node unless num_outputs says more). */
  entries: [number[], string, number][];
  heads: [number, number, number][];
}

/** Graph JSON from a spec. */
export function graphOf(spec: GraphSpec): GraphJson {
  const rowPtr = [0];
  for (const n of spec.nodes) rowPtr.push((rowPtr[rowPtr.length - 1] as number) + Number(n.attrs?.num_outputs ?? 1));
  const argNodes: number[] = [];
  spec.nodes.forEach((n, i) => {
    if (n.op === 'null') argNodes.push(i);
  });
  return {
    nodes: spec.nodes,
    arg_nodes: argNodes,
    heads: spec.heads,
    node_row_ptr: rowPtr,
    attrs: {
      shape: ['list_shape', spec.entries.map((e) => e[0])],
      storage_id: ['list_int', spec.entries.map((e) => e[2])],
      dltype: ['list_str', spec.entries.map((e) => e[1])],
    },
  };
}

/** A `tvm_op` node. */
export const op = (name: string, func: string, inputs: number[], outputs = 1): GraphNode => ({
  op: 'tvm_op',
  name,
  inputs: inputs.map((n) => [n, 0, 0]),
  attrs: { func_name: func, num_inputs: String(inputs.length), num_outputs: String(outputs), flatten_data: '0' },
});

/** A `null` (input) node. */
export const input = (name: string): GraphNode => ({ op: 'null', name, inputs: [] });

/** Files of a v7 graph archive for `graph`, with `source` as its only generated C file. */
export function graphArchiveFiles(
  graph: GraphJson,
  source: string,
  params: ParamTensorInput[] = [],
): Map<string, Uint8Array> {
  const names = new Set(params.map((p) => p.name));
  const io = (ts: { name: string; dtype: string; shape: number[] }[]) =>
    Object.fromEntries(ts.map((t) => [t.name, { dtype: t.dtype, size: packedTensorBytes(t.dtype, t.shape) }]));
  const outputs = graphOutputs(graph).map((t, i, all) => ({ ...t, name: all.length === 1 ? 'output' : `output${i}` }));
  const metadata = {
    modules: {
      default: {
        executors: ['graph'],
        export_datetime: '2024-01-01 00:00:00Z',
        memory: {
          functions: {
            main: [
              {
                constants_size_bytes: params.reduce((a, p) => a + p.data.byteLength, 0),
                device: 1,
                inputs: io(graphInputs(graph, names)),
                io_size_bytes: 0,
                outputs: io(outputs),
                workspace_size_bytes: 0,
              },
            ],
            operator_functions: [],
          },
          sids: computeSids(graph),
        },
        model_name: 'default',
        style: 'full-model',
        target: ['c'],
      },
    },
    version: 7,
  };
  return new Map([
    ['metadata.json', text(JSON.stringify(metadata, null, 2))],
    ['executor-config/graph/default.graph', text(JSON.stringify(graph))],
    ['parameters/default.params', encodeParams({ tensors: params })],
    ['src/default.relay', text('def @main() { }\n')],
    ['codegen/host/src/default_lib0.c', text(source)],
  ]);
}

/** The archive's tar bytes. */
export const graphArchive = (graph: GraphJson, source: string, params: ParamTensorInput[] = []) =>
  packFiles(graphArchiveFiles(graph, source, params));

/** Reads tar bytes as an MlfArchive. */
export async function archiveOf(bytes: Uint8Array): Promise<MlfArchive> {
  return readMlf(await openArchive(bytesSource(bytes)));
}

/** A param tensor with TVM's defaults. */
export function param(
  name: string,
  dtype: ParamTensorInput['dtype'],
  shape: number[],
  data: Uint8Array,
): ParamTensorInput {
  return { name, dtype, shape, deviceType: 1, deviceId: 0, reserved: 0n, data };
}

/**
 * A chain of `n` entries: one float32[4] input, then `__nop` nodes sharing its storage (a valid
 * graph of any size whose plan calls nothing).
 */
export function nopChain(n: number): GraphJson {
  const nodes: GraphNode[] = [input('x')];
  for (let i = 1; i < n; i++) nodes.push(op(`nop${i}`, '__nop', [i - 1]));
  return graphOf({
    nodes,
    entries: nodes.map(() => [[4], 'float32', 0]),
    heads: [[n - 1, 0, 0]],
  });
}
