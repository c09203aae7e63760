// A synthetic, TVM-like graph-executor archive for benchmarks and tests: a long chain of fused
// operators with residual skips every 5th op and 0-2 parameter leaves per op (about 1.1 edges per
// node, deep and narrow like real TVM graphs). Built with the project's own writer (dist/core).
import { buildModelLibraryFormat } from '../../dist/core/archive/export.js';
import { packCanonical } from '../../dist/core/archive/canonical.js';
import { makeParamTensor } from '../../dist/core/params/encode.js';

const KINDS = ['nn_conv2d_add_nn_relu', 'nn_dense_add', 'add', 'nn_max_pool2d', 'layout_transform', 'multiply_add'];

/**
 * Builds the archive bytes (a .tar) of one module "default" with about `nodes` graph nodes.
 * @param {number} nodes
 * @returns {{ tar: Uint8Array, nodes: number, ops: number, params: number }}
 */
export function syntheticArchive(nodes) {
  const graphNodes = [];
  const shapes = [];
  const sids = [];
  const argNodes = [];
  const tensors = [];
  const opIds = [];
  let nextSid = 0;
  const leaf = (name) => {
    argNodes.push(graphNodes.length);
    graphNodes.push({ op: 'null', name, inputs: [] });
    shapes.push(name === 'data' ? [1, 64] : [16]);
    sids.push(nextSid++);
    return graphNodes.length - 1;
  };
  let prev = leaf('data');
  let p = 0;
  while (graphNodes.length < nodes) {
    const i = opIds.length;
    const inputs = [[prev, 0, 0]];
    for (let k = 0; k < i % 3 && graphNodes.length < nodes - 1; k++) {
      const name = `p${p++}`;
      tensors.push(
        makeParamTensor(
          name,
          'float32',
          [16],
          new Uint8Array(new Float32Array(16).map((_, j) => Math.sin(p + j)).buffer),
        ),
      );
      inputs.push([leaf(name), 0, 0]);
    }
    if (i % 5 === 4 && opIds.length >= 4) inputs.push([opIds[opIds.length - 4], 0, 0]);
    const func = `tvmgen_default_fused_${KINDS[i % KINDS.length]}_${i % 97}`;
    opIds.push(graphNodes.length);
    graphNodes.push({
      op: 'tvm_op',
      name: func,
      attrs: { flatten_data: '0', func_name: func, num_inputs: String(inputs.length), num_outputs: '1' },
      inputs,
    });
    shapes.push([1, 64]);
    sids.push(1_000_000 + (i % 16)); // operators share 16 storage ids, as TVM's planner reuses pools
    prev = opIds[opIds.length - 1];
  }
  // Storage ids renumbered densely in first-use order.
  const dense = new Map();
  const storage = sids.map((s) => (dense.has(s) ? dense.get(s) : (dense.set(s, dense.size), dense.size - 1)));
  const graph = {
    nodes: graphNodes,
    arg_nodes: argNodes,
    heads: [[prev, 0, 0]],
    node_row_ptr: Array.from({ length: graphNodes.length + 1 }, (_, i) => i),
    attrs: {
      dltype: ['list_str', graphNodes.map(() => 'float32')],
      shape: ['list_shape', shapes],
      storage_id: ['list_int', storage],
    },
  };
  const assembled = buildModelLibraryFormat(
    [
      {
        name: 'default',
        executor: 'graph',
        targets: ['c -keys=cpu'],
        graph: JSON.stringify(graph),
        params: tensors,
        codegen: [{ name: 'lib0.c', data: '// synthetic\n' }],
      },
    ],
    { sourceDateEpoch: 0 },
  );
  return { tar: packCanonical(assembled.files), nodes: graphNodes.length, ops: opIds.length, params: tensors.length };
}
