import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../../src/core/errors/errors.js';
import { checkGraph, parseGraph } from '../../../src/core/graph/graph.js';
import {
  computeSids,
  computeStoragePools,
  countStorageIds,
  entryId,
  graphInputs,
  graphOperators,
  graphOutputs,
  graphParamInputs,
} from '../../../src/core/graph/facts.js';
import { FIXTURES, mlfError } from '../../helpers/common.js';
import { ADD_GRAPH_TEXT, fixtureGraphs, tarTexts } from '../../helpers/graphs.js';

const GRAPHS = fixtureGraphs();

// biome-ignore lint/suspicious/noExplicitAny: test graphs are mutated freely
type Mutable = any;
const addGraph = (): Mutable => JSON.parse(ADD_GRAPH_TEXT);

const errorsOf = (diagnostics: Diagnostic[]) =>
  diagnostics.filter((d) => d.severity === 'error').map((d) => ({ code: d.code, jsonPath: d.jsonPath }));

/** checkGraph on a mutated add graph: the error list as [code, jsonPath] pairs. */
function errorsAfter(mutate: (g: Mutable) => void, options = {}): { code: string; jsonPath: string | undefined }[] {
  const g = addGraph();
  mutate(g);
  const r = checkGraph(g, options);
  if (r.diagnostics.some((d) => d.severity === 'error')) expect(r.graph).toBeUndefined();
  return errorsOf(r.diagnostics);
}

describe('graphs of the fixture archives', () => {
  it('finds every graph module', () => {
    expect(GRAPHS.map((g) => g.label)).toHaveLength(9);
  });

  for (const fg of GRAPHS) {
    it(`${fg.label}: parses and checks without errors`, () => {
      const graph = parseGraph(fg.text, { member: 'g' });
      const { graph: checked, diagnostics } = checkGraph(JSON.parse(fg.text));
      expect(diagnostics).toEqual([]);
      expect(checked).toEqual(graph);
      expect(graph.node_row_ptr).toHaveLength(graph.nodes.length + 1);
    });

    it(`${fg.label}: computeSids equals the memory.sids TVM wrote`, () => {
      expect(fg.sids).not.toBeNull();
      expect(computeSids(parseGraph(fg.text))).toEqual(fg.sids);
    });

    it(`${fg.label}: storage pools partition the entries, one per storage id`, () => {
      const graph = parseGraph(fg.text);
      const pools = computeStoragePools(graph);
      expect(pools.map((p) => p.storageId)).toEqual([...new Set(graph.attrs.storage_id[1])].sort((a, b) => a - b));
      expect(pools.length).toBe(countStorageIds(graph));
      expect(pools.flatMap((p) => p.entries).sort((a, b) => a - b)).toEqual(graph.attrs.storage_id[1].map((_, e) => e));
      for (const p of pools) {
        for (const e of p.entries) expect(graph.attrs.storage_id[1][e]).toBe(p.storageId);
        expect(p.bytes).toBeGreaterThan(0);
      }
      // Graph inputs and params never share storage, so their pool is exactly their own size.
      for (const nid of graph.arg_nodes) {
        const e = entryId(graph, nid);
        const pool = pools.find((p) => p.storageId === graph.attrs.storage_id[1][e])!;
        expect(pool.entries).toEqual([e]);
      }
    });
  }

  it('kobeyu standalone nms.graph parses too', () => {
    const text = readFileSync(join(FIXTURES, 'wild/kobeyu-nms-standalone-graph/nms.graph'), 'utf8');
    const graph = parseGraph(text);
    expect(checkGraph(JSON.parse(text)).diagnostics).toEqual([]);
    expect(graphOperators(graph).length).toBeGreaterThan(0);
    expect(graphParamInputs(graph, new Set(['p0'])).map((t) => t.name)).toEqual(['p0']);
    expect(graphInputs(graph, new Set(['p0'])).map((t) => t.name)).toEqual(['x0', 'x1', 'x2', 'x3']);
    expect(graphOutputs(graph).map((t) => t.nodeId)).toEqual([5]);
  });
});

describe('graph facts equal expected.json of the tvm-0.18 fixtures', () => {
  for (const fixture of ['graph-cnn', 'mnist-graph', 'multi-graph']) {
    const expected = JSON.parse(readFileSync(join(FIXTURES, 'tvm-0.18', fixture, 'expected.json'), 'utf8')) as {
      modules: Record<
        string,
        {
          params: Record<string, { dtype: string; shape: number[] }>;
          inputs: Record<string, { dtype: string; shape: number[] }>;
          outputs: { dtype: string; shape: number[] }[];
          graph: {
            func_names: string[];
            input_names: string[];
            heads: number[][];
            num_storage_ids: number;
            num_nodes: number;
            num_arg_nodes: number;
          };
        }
      >;
    };
    const files = tarTexts(`tvm-0.18/${fixture}/model.tar`);
    for (const [name, want] of Object.entries(expected.modules)) {
      it(`${fixture} ${name}`, () => {
        const graph = parseGraph(files.get(`executor-config/graph/${name}.graph`)!);
        const paramNames = new Set(Object.keys(want.params));
        expect(graphOperators(graph)).toEqual(want.graph.func_names);
        const inputs = graphInputs(graph, paramNames);
        expect(inputs.map((t) => t.name)).toEqual(want.graph.input_names);
        for (const t of inputs) {
          expect(t.shape).toEqual(want.inputs[t.name]!.shape);
          expect(t.dtype).toBe(want.inputs[t.name]!.dtype);
          expect(t.entryId).toBe(entryId(graph, t.nodeId));
        }
        const params = graphParamInputs(graph, paramNames);
        expect(params.map((t) => t.name).sort()).toEqual([...paramNames].sort());
        for (const t of params) {
          expect(t.shape).toEqual(want.params[t.name]!.shape);
          expect(t.dtype).toBe(want.params[t.name]!.dtype);
        }
        const outputs = graphOutputs(graph);
        expect(outputs.map((t) => [t.nodeId, t.entryId - entryId(graph, t.nodeId), 0])).toEqual(want.graph.heads);
        expect(outputs.map((t) => ({ dtype: t.dtype, shape: t.shape }))).toEqual(
          want.outputs.map((o) => ({ dtype: o.dtype, shape: o.shape })),
        );
        expect(countStorageIds(graph)).toBe(want.graph.num_storage_ids);
        expect(graph.nodes).toHaveLength(want.graph.num_nodes);
        expect(graph.arg_nodes).toHaveLength(want.graph.num_arg_nodes);
      });
    }
  }
});

describe('the add graph of docs/format.md §7', () => {
  it('computeSids gives exactly the sids of docs/format.md §5.1', () => {
    expect(computeSids(parseGraph(ADD_GRAPH_TEXT))).toEqual([
      { storage_id: 0, size_bytes: 2, input_binding: 'a' },
      { storage_id: 1, size_bytes: 8, input_binding: 'b' },
      { storage_id: 2, size_bytes: 8, input_binding: 'p0' },
      { storage_id: 3, size_bytes: 8 },
    ]);
  });

  it('inputs, params, outputs, operators, storage', () => {
    const graph = parseGraph(ADD_GRAPH_TEXT);
    const params = new Set(['p0']);
    expect(graphInputs(graph, params)).toEqual([
      { name: 'a', nodeId: 0, entryId: 0, shape: [1, 2], dtype: 'uint8', storageId: 0 },
      { name: 'b', nodeId: 1, entryId: 1, shape: [1, 2], dtype: 'float32', storageId: 1 },
    ]);
    expect(graphParamInputs(graph, params).map((t) => t.name)).toEqual(['p0']);
    expect(graphInputs(graph, new Set()).map((t) => t.name)).toEqual(['a', 'b', 'p0']);
    expect(graphOutputs(graph)).toEqual([
      {
        name: 'tvmgen_add_fused_cast_multiply_add',
        nodeId: 3,
        entryId: 3,
        shape: [1, 2],
        dtype: 'float32',
        storageId: 3,
      },
    ]);
    expect(graphOperators(graph)).toEqual(['tvmgen_add_fused_cast_multiply_add']);
    expect(countStorageIds(graph)).toBe(4);
    expect(computeStoragePools(graph).map((p) => [p.storageId, p.bytes, p.entries, p.device])).toEqual([
      [0, 2, [0], 1],
      [1, 8, [1], 1],
      [2, 8, [2], 1],
      [3, 8, [3], 1],
    ]);
  });
});

describe('computeStoragePools', () => {
  // a (float32 [1,2], sid 0) -> op1 (float32 [1,8], sid 1) -> op2 (float32 [1,4], sid 0, reusing a's storage).
  const shared = (): Mutable => ({
    nodes: [
      { op: 'null', name: 'a', inputs: [] },
      {
        op: 'tvm_op',
        name: 'op1',
        attrs: { func_name: 'f1', num_inputs: '1', num_outputs: '1', flatten_data: '0' },
        inputs: [[0, 0, 0]],
      },
      {
        op: 'tvm_op',
        name: 'op2',
        attrs: { func_name: 'f2', num_inputs: '1', num_outputs: '1', flatten_data: '0' },
        inputs: [[1, 0, 0]],
      },
    ],
    arg_nodes: [0],
    heads: [[2, 0, 0]],
    attrs: {
      shape: [
        'list_shape',
        [
          [1, 2],
          [1, 8],
          [1, 4],
        ],
      ],
      storage_id: ['list_int', [0, 1, 0]],
      dltype: ['list_str', ['float32', 'float32', 'float32']],
    },
    node_row_ptr: [0, 1, 2, 3],
  });

  it('sizes a shared storage id by the largest sharer', () => {
    const graph = parseGraph(JSON.stringify(shared()));
    expect(computeStoragePools(graph)).toEqual([
      { storageId: 0, bytes: 16, entries: [0, 2], device: null },
      { storageId: 1, bytes: 32, entries: [1], device: null },
    ]);
    // TVM's sid map sizes by the tensor at index sid and therefore under-reports (docs/format.md §5.1).
    expect(computeSids(graph)).toEqual([
      { storage_id: 0, size_bytes: 8, input_binding: 'a' },
      { storage_id: 1, size_bytes: 32 },
    ]);
    expect(countStorageIds(graph)).toBe(2);
  });

  it('the max does not depend on the order of the sharers', () => {
    const g = shared();
    g.attrs.shape[1] = [
      [1, 8],
      [1, 8],
      [1, 2],
    ];
    g.attrs.dltype[1] = ['int8', 'float32', 'float64'];
    expect(computeStoragePools(parseGraph(JSON.stringify(g))).map((p) => p.bytes)).toEqual([16, 32]);
  });

  it('uses per-element byte rounding and device_index', () => {
    const g = shared();
    g.attrs.dltype[1] = ['int4', 'int4', 'int4'];
    g.attrs.shape[1] = [[3], [3], [3]];
    g.attrs.device_index = ['list_int', [1, 2, 1]];
    const graph = parseGraph(JSON.stringify(g));
    expect(computeStoragePools(graph)).toEqual([
      { storageId: 0, bytes: 3, entries: [0, 2], device: 1 },
      { storageId: 1, bytes: 3, entries: [1], device: 2 },
    ]);
    // The sid map packs bits: 3 x int4 = 12 bits -> 2 bytes.
    expect(computeSids(graph).map((s) => s.size_bytes)).toEqual([2, 2]);
  });
});

describe('checkGraph structural errors', () => {
  it('accepts the add graph', () => {
    const r = checkGraph(addGraph());
    expect(r.diagnostics).toEqual([]);
    expect(r.graph).toEqual(addGraph());
  });

  it('not an object: E302 at $', () => {
    for (const v of [[], null, 'graph', 3])
      expect(errorsOf(checkGraph(v).diagnostics)).toEqual([{ code: 'MLF-E302', jsonPath: '$' }]);
  });

  it('nodes not an array: E302 at $.nodes', () => {
    expect(errorsAfter((g) => (g.nodes = {}))).toEqual([{ code: 'MLF-E302', jsonPath: '$.nodes' }]);
    expect(errorsAfter((g) => delete g.heads)).toEqual([{ code: 'MLF-E302', jsonPath: '$.heads' }]);
    expect(errorsAfter((g) => (g.attrs = []))).toEqual([{ code: 'MLF-E302', jsonPath: '$.attrs' }]);
  });

  it('node_row_ptr of the wrong length: E303', () => {
    expect(errorsAfter((g) => (g.node_row_ptr = [0, 1, 2, 3]))).toEqual([
      { code: 'MLF-E303', jsonPath: '$.node_row_ptr' },
    ]);
    expect(errorsAfter((g) => (g.node_row_ptr = [0, 1, 2, 3, 4, 5]))).toEqual([
      { code: 'MLF-E303', jsonPath: '$.node_row_ptr' },
    ]);
  });

  it('node_row_ptr not starting at 0: E303', () => {
    expect(errorsAfter((g) => (g.node_row_ptr = [1, 2, 3, 4, 5]))).toEqual([
      { code: 'MLF-E303', jsonPath: '$.node_row_ptr' },
    ]);
  });

  it('node_row_ptr decreasing: E303', () => {
    expect(errorsAfter((g) => (g.node_row_ptr = [0, 1, 3, 2, 4]))).toEqual([
      { code: 'MLF-E303', jsonPath: '$.node_row_ptr' },
    ]);
    expect(errorsAfter((g) => (g.node_row_ptr = [0, 1, 2, 3, 4.5]))).toEqual([
      { code: 'MLF-E303', jsonPath: '$.node_row_ptr' },
    ]);
  });

  it('op node num_outputs disagreeing with node_row_ptr: E303', () => {
    expect(errorsAfter((g) => (g.nodes[3].attrs.num_outputs = '2'))).toEqual([
      { code: 'MLF-E303', jsonPath: '$.nodes[3].attrs.num_outputs' },
    ]);
  });

  it('null node with two outputs: E303', () => {
    const errs = errorsAfter((g) => {
      g.node_row_ptr = [0, 2, 3, 4, 5];
      g.attrs.shape[1].push([1, 2]);
      g.attrs.dltype[1].push('float32');
      g.attrs.storage_id[1].push(4);
      g.attrs.device_index[1].push(1);
    });
    expect(errs[0]).toEqual({ code: 'MLF-E303', jsonPath: '$.node_row_ptr[0]' });
  });

  it('input referring to a later node (or itself): E304', () => {
    const g = addGraph();
    g.nodes.push({
      ...g.nodes[3],
      name: 'second',
      inputs: [
        [0, 0, 0],
        [1, 0, 0],
        [5, 0, 0],
      ],
    });
    g.node_row_ptr.push(5);
    g.heads = [[4, 0, 0]];
    for (const k of ['shape', 'dltype', 'storage_id', 'device_index']) g.attrs[k][1].push(g.attrs[k][1][3]);
    expect(errorsOf(checkGraph(g).diagnostics)).toEqual([{ code: 'MLF-E304', jsonPath: '$.nodes[4].inputs[2]' }]);
    expect(errorsAfter((g) => (g.nodes[3].inputs[2] = [3, 0, 0]))).toEqual([
      { code: 'MLF-E304', jsonPath: '$.nodes[3].inputs[2]' },
    ]);
  });

  it('input referring to a missing output: E304', () => {
    expect(errorsAfter((g) => (g.nodes[3].inputs[1] = [1, 1, 0]))).toEqual([
      { code: 'MLF-E304', jsonPath: '$.nodes[3].inputs[1]' },
    ]);
  });

  it('malformed input entry: E302', () => {
    expect(errorsAfter((g) => (g.nodes[3].inputs[0] = [0]))).toEqual([
      { code: 'MLF-E302', jsonPath: '$.nodes[3].inputs[0]' },
    ]);
    expect(errorsAfter((g) => (g.nodes[3].inputs[0] = [-1, 0, 0]))).toEqual([
      { code: 'MLF-E302', jsonPath: '$.nodes[3].inputs[0]' },
    ]);
  });

  it('two-element entries are accepted', () => {
    expect(
      errorsAfter((g) => {
        g.nodes[3].inputs = [
          [0, 0],
          [1, 0],
          [2, 0],
        ];
        g.heads = [[3, 0]];
      }),
    ).toEqual([]);
  });

  it('arg_nodes pointing at an op node: E307', () => {
    expect(errorsAfter((g) => (g.arg_nodes = [0, 1, 2, 3]))).toEqual([
      { code: 'MLF-E307', jsonPath: '$.arg_nodes[3]' },
    ]);
  });

  it('arg_nodes out of range: E304', () => {
    expect(errorsAfter((g) => (g.arg_nodes = [0, 1, 2, 9]))).toEqual([
      { code: 'MLF-E304', jsonPath: '$.arg_nodes[3]' },
    ]);
    expect(errorsAfter((g) => (g.arg_nodes = [0, 1, 2, 'x']))).toEqual([
      { code: 'MLF-E304', jsonPath: '$.arg_nodes[3]' },
    ]);
  });

  it('null node missing from arg_nodes: E307', () => {
    expect(errorsAfter((g) => (g.arg_nodes = [0, 1]))).toEqual([{ code: 'MLF-E307', jsonPath: '$.arg_nodes' }]);
  });

  it('arg_nodes listing a node twice: E307', () => {
    expect(errorsAfter((g) => (g.arg_nodes = [0, 1, 2, 2]))).toEqual([{ code: 'MLF-E307', jsonPath: '$.arg_nodes' }]);
  });

  it('head out of range: E304', () => {
    expect(errorsAfter((g) => (g.heads = [[4, 0, 0]]))).toEqual([{ code: 'MLF-E304', jsonPath: '$.heads[0]' }]);
    expect(
      errorsAfter(
        (g) =>
          (g.heads = [
            [3, 0, 0],
            [3, 1, 0],
          ]),
      ),
    ).toEqual([{ code: 'MLF-E304', jsonPath: '$.heads[1]' }]);
    expect(errorsAfter((g) => (g.heads = [3]))).toEqual([{ code: 'MLF-E302', jsonPath: '$.heads[0]' }]);
  });

  it('attrs.shape length mismatch: E305', () => {
    expect(errorsAfter((g) => g.attrs.shape[1].pop())).toEqual([{ code: 'MLF-E305', jsonPath: '$.attrs.shape[1]' }]);
    expect(errorsAfter((g) => g.attrs.device_index[1].push(1))).toEqual([
      { code: 'MLF-E305', jsonPath: '$.attrs.device_index[1]' },
    ]);
  });

  it('unknown dltype "floaty": E306', () => {
    expect(errorsAfter((g) => (g.attrs.dltype[1][1] = 'floaty'))).toEqual([
      { code: 'MLF-E306', jsonPath: '$.attrs.dltype[1][1]' },
    ]);
    expect(errorsAfter((g) => (g.attrs.dltype[1][2] = 32))).toEqual([
      { code: 'MLF-E306', jsonPath: '$.attrs.dltype[1][2]' },
    ]);
  });

  it('negative storage_id: E302', () => {
    expect(errorsAfter((g) => (g.attrs.storage_id[1][2] = -1))).toEqual([
      { code: 'MLF-E302', jsonPath: '$.attrs.storage_id[1][2]' },
    ]);
  });

  it('bad shape element: E302', () => {
    expect(errorsAfter((g) => (g.attrs.shape[1][0] = [1, -2]))).toEqual([
      { code: 'MLF-E302', jsonPath: '$.attrs.shape[1][0]' },
    ]);
  });

  it('too many dimensions over limits.maxNdim: E009', () => {
    expect(errorsAfter(() => {}, { limits: { maxNdim: 1 } })).toEqual(
      [0, 1, 2, 3].map((e) => ({ code: 'MLF-E009', jsonPath: `$.attrs.shape[1][${e}]` })),
    );
  });

  it('missing attrs.dltype: E302', () => {
    expect(errorsAfter((g) => delete g.attrs.dltype)).toEqual([{ code: 'MLF-E302', jsonPath: '$.attrs.dltype' }]);
    expect(errorsAfter((g) => (g.attrs.storage_id[0] = 'list_str'))).toEqual([
      { code: 'MLF-E302', jsonPath: '$.attrs.storage_id' },
    ]);
  });

  it('device_index is optional', () => {
    expect(errorsAfter((g) => delete g.attrs.device_index)).toEqual([]);
  });

  it('op node without attrs or with a non-string attr: E302', () => {
    expect(errorsAfter((g) => delete g.nodes[3].attrs)).toEqual([{ code: 'MLF-E302', jsonPath: '$.nodes[3].attrs' }]);
    expect(errorsAfter((g) => (g.nodes[3].attrs.flatten_data = 0))).toEqual([
      { code: 'MLF-E302', jsonPath: '$.nodes[3].attrs.flatten_data' },
    ]);
    expect(errorsAfter((g) => (g.nodes[3].attrs.num_inputs = '2'))).toEqual([
      { code: 'MLF-E302', jsonPath: '$.nodes[3].attrs.num_inputs' },
    ]);
  });

  it('node without a name: E302', () => {
    const errs = errorsAfter((g) => delete g.nodes[0].name);
    expect(errs[0]).toEqual({ code: 'MLF-E302', jsonPath: '$.nodes[0]' });
  });

  it('too many nodes over limits.maxGraphNodes: E009', () => {
    expect(errorsAfter(() => {}, { limits: { maxGraphNodes: 3 } })).toEqual([
      { code: 'MLF-E009', jsonPath: '$.nodes' },
    ]);
    expect(errorsAfter(() => {}, { limits: { maxGraphNodes: 4 } })).toEqual([]);
    expect(mlfError(() => parseGraph(ADD_GRAPH_TEXT, { limits: { maxGraphNodes: 3 } })).code).toBe('MLF-E009');
  });

  it('diagnostics carry the member name', () => {
    const g = addGraph();
    g.arg_nodes = [0, 1];
    expect(checkGraph(g, { member: 'executor-config/graph/add.graph' }).diagnostics[0]).toMatchObject({
      code: 'MLF-E307',
      severity: 'error',
      member: 'executor-config/graph/add.graph',
      jsonPath: '$.arg_nodes',
    });
  });
});

describe('parseGraph errors', () => {
  it('invalid JSON: E301 with an offset', () => {
    const e = mlfError(() => parseGraph('{"nodes": [,]}', { member: 'x.graph' }));
    expect(e.code).toBe('MLF-E301');
    expect(e.member).toBe('x.graph');
    expect(mlfError(() => parseGraph('{"nodes": [1, 2')).offset).toBe(15);
  });

  it('throws the first structural error with its location', () => {
    const g = addGraph();
    g.attrs.dltype[1][0] = 'floaty';
    const e = mlfError(() => parseGraph(JSON.stringify(g), { member: 'executor-config/graph/add.graph' }));
    expect(e).toMatchObject({
      code: 'MLF-E306',
      jsonPath: '$.attrs.dltype[1][0]',
      member: 'executor-config/graph/add.graph',
    });
    expect(mlfError(() => parseGraph('[]'))).toMatchObject({ code: 'MLF-E302', jsonPath: '$' });
  });

  it('oversize text over limits.maxGraphBytes: E009', () => {
    expect(mlfError(() => parseGraph(ADD_GRAPH_TEXT, { limits: { maxGraphBytes: 100 } })).code).toBe('MLF-E009');
  });
});
