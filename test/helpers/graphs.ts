/**
 * Graphs for test/core/graph/graph*.test.ts: every graph module of the fixtures, read with the
 * project's own tar reader, and the `add` graph of docs/format.md.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseMetadata } from '../../src/core/metadata/metadata.js';
import { readTarIndexSync, tarEntryData } from '../../src/core/tar/read.js';
import { FIXTURES } from './common.js';

const decoder = new TextDecoder();

/** Every regular member of a fixture tar, as text, read with the project's own tar reader. */
export function tarTexts(tar: string): Map<string, string> {
  const bytes = new Uint8Array(readFileSync(join(FIXTURES, tar)));
  const out = new Map<string, string>();
  for (const e of readTarIndexSync(bytes).entries) {
    if (e.type === 'file' && (e.path.endsWith('.json') || e.path.endsWith('.graph')))
      out.set(e.path, decoder.decode(tarEntryData(bytes, e)));
  }
  return out;
}

/** A graph of a fixture module, with what TVM wrote about it. */
export interface FixtureGraph {
  label: string;
  module: string;
  text: string;
  /** The module's `memory.sids` from metadata.json (written by TVM). */
  sids: unknown;
}

const ARCHIVES = [
  'tvm-0.18/graph-cnn/model.tar',
  'tvm-0.18/mnist-graph/model.tar',
  'tvm-0.18/multi-graph/model.tar',
  'wild/guberti-arduino-ic-v2-graph/output.tar',
  'wild/guberti-arduino-ic-v2-graph-linkparams/output.tar',
  'wild/guberti-arduino-kws-v4-graph/model.tar',
  'wild/hannah-magicwand-v7-graph/model.tar',
  'wild/snuvlsi-conv-v7-graph-2inputs/lib_graph_system-lib.tar',
];

/** The graph of every graph-executor module of the fixtures. */
export function fixtureGraphs(): FixtureGraph[] {
  const out: FixtureGraph[] = [];
  for (const tar of ARCHIVES) {
    const files = tarTexts(tar);
    const md = parseMetadata(files.get('metadata.json')!);
    for (const m of md.modules) {
      const path = md.version === 7 ? `executor-config/graph/${m.name}.graph` : 'runtime-config/graph/graph.json';
      const text = files.get(path);
      if (text === undefined) throw new Error(`${tar}: no ${path}`);
      out.push({ label: `${tar} ${m.name}`, module: m.name, text, sids: m.sids });
    }
  }
  return out;
}

/** The `add` graph of docs/format.md §7 (the model of TVM's test_export_model_library_format_c). */
export const ADD_GRAPH_TEXT = `{"nodes": [
   {"op": "null", "name": "a", "inputs": []},
   {"op": "null", "name": "b", "inputs": []},
   {"op": "null", "name": "p0", "inputs": []},
   {"op": "tvm_op", "name": "tvmgen_add_fused_cast_multiply_add",
    "attrs": {"num_outputs": "1", "num_inputs": "3", "flatten_data": "0",
              "func_name": "tvmgen_add_fused_cast_multiply_add", "hash": "7f3b1c0d9e2a4b56"},
    "inputs": [[0, 0, 0], [1, 0, 0], [2, 0, 0]]}],
 "arg_nodes": [0, 1, 2],
 "heads": [[3, 0, 0]],
 "attrs": {"dltype": ["list_str", ["uint8", "float32", "float32", "float32"]],
           "storage_id": ["list_int", [0, 1, 2, 3]],
           "device_index": ["list_int", [1, 1, 1, 1]],
           "shape": ["list_shape", [[1, 2], [1, 2], [1, 2], [1, 2]]]},
 "node_row_ptr": [0, 1, 2, 3, 4]}`;

/** Edge lists (from, to) as the typed arrays the layered layout takes. */
export const edgeArrays = (pairs: [number, number][]) =>
  [Int32Array.from(pairs.map((p) => p[0])), Int32Array.from(pairs.map((p) => p[1]))] as const;
