// What the viewer draws of a module beyond its graph JSON: the AOT main's calls (counted here by a
// line scan of the C), the Relay @main (its calls counted in the text), and the Relay ops a fused
// name reveals (read by hand from the names).
import { describe, expect, it } from 'vitest';
import { loadModuleViews } from '../../../src/core/report/module-views.js';
import { fusedMembers } from '../../../src/core/report/relay-view.js';
import { inferredOperators } from '../../../src/core/graph/relay-graph.js';
import { readMlfPath } from '../../../src/node/read/open.js';
import { tarFiles } from '../../helpers/archive.js';

const decode = (b: Uint8Array | undefined) => new TextDecoder().decode(b);

async function viewsOf(path: string) {
  const archive = await readMlfPath(path);
  return loadModuleViews(archive, archive.modules[0]!);
}

describe('module views', () => {
  it('mnist (AOT, USMP): the calls of the main, the Relay calls, and every fused name read', async () => {
    const path = 'test/fixtures/tvm-0.18/mnist-aot-usmp/model.tar';
    const files = tarFiles(path);
    const c = [...files]
      .filter(([p]) => p.endsWith('.c'))
      .map(([, b]) => decode(b))
      .join('\n');
    const lines = c.split('\n');
    const start = lines.findIndex((l) => l.includes('tvmgen_mnist___tvm_main__(') && l.trimEnd().endsWith('{'));
    const body = lines.slice(start + 1, lines.indexOf('}', start)).join('\n');
    const calls = [...body.matchAll(/\b(tvmgen_mnist_\w+)\(/g)].map((m) => m[1]);
    const relay = decode(files.get('src/mnist.relay'));
    const relayCalls = [...relay.slice(relay.indexOf('{')).matchAll(/(?:^|[=\s])([a-z_][\w.]*)\(/gm)].map((m) => m[1]);

    const v = await viewsOf(path);
    expect(v.aot?.table.nodes.filter((n) => n.kind === 'op').map((n) => n.funcName)).toEqual(calls);
    expect(v.relay?.nodes.filter((n) => n.kind === 'op').map((n) => n.funcName)).toEqual(relayCalls);
    expect(v.relay?.nodes.filter((n) => n.kind === 'input').map((n) => n.name)).toEqual([
      '%Input3',
      '%conv1_weight',
      '%conv1_bias',
      '%conv2_weight',
      '%conv2_bias',
      '%fc_weight',
      '%fc_bias',
    ]);
    // The Relay result is the last add: float32[1, 10], TVM's output.
    const head = v.relay?.nodes[v.relay.heads[0]![0]];
    expect(head?.outputs[0]).toMatchObject({ dtype: 'float32', shape: [1, 10] });
    expect(Object.keys(v.aot?.members ?? {}).sort()).toEqual([...new Set(calls)].sort());
    expect(v.aot?.members['tvmgen_mnist_fused_nn_contrib_dense_pack_add']).toEqual(['nn.contrib_dense_pack', 'add']);
    expect(v.aot?.members['tvmgen_mnist_fused_layout_transform_reshape']).toEqual(['layout_transform', 'reshape']);
  });

  it('a graph-executor module has no AOT view but its Relay level', async () => {
    const v = await viewsOf('test/fixtures/tvm-0.18/graph-cnn/model.tar');
    expect(v.aot).toBeNull();
    expect(v.relay?.nodes.some((n) => n.funcName === 'nn.conv2d')).toBe(true);
  });

  it('fused names: suffixes and hashes end the match; a word that is no op gives null', () => {
    const ops = inferredOperators();
    expect(fusedMembers('tvmgen_default_fused_nn_conv2d_add_nn_relu_3', 'default', ops)).toEqual([
      'nn.conv2d',
      'add',
      'nn.relu',
    ]);
    expect(
      fusedMembers(
        'tvmgen_default_fused_nn_contrib_dense_pack_add_fixed_point_multiply_add_clip_cast_cast_subtract_14669711146056581479_',
        'default',
        ops,
      ),
    ).toEqual(['nn.contrib_dense_pack', 'add', 'fixed_point_multiply', 'add', 'clip', 'cast', 'cast', 'subtract']);
    expect(fusedMembers('tvmgen_default_fused_nn_frobnicate', 'default', ops)).toBeNull();
    expect(fusedMembers('tvmgen_other_fused_add', 'default', ops)).toBeNull();
  });
});
