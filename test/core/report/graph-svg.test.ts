// The SVG drawing of graphs in process: the graph modules of the fixtures are found, the
// standalone NMS graph (not an archive) and a graph too large for dagre are drawn to the rules of
// test/helpers/graph-drawing.ts, names are escaped, routes are smoothed. `mlf graph --format svg`
// on every module of the fixtures: graph-svg.system.test.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseGraph } from '../../../src/core/graph/graph.js';
import { decodeParams } from '../../../src/core/params/codec.js';
import { drawGraphSvg, escapeXml, splinePath } from '../../../src/core/report/graph-svg.js';
import { graphTable } from '../../../src/core/report/view-data.js';
import { FIXTURES } from '../../helpers/common.js';
import { type Case, checkDrawing, graphModules } from '../../helpers/graph-drawing.js';
import { inside, overlaps, readSvgGeometry } from '../../helpers/svg-geometry.js';

describe('mlf graph --format svg', async () => {
  const cases = await graphModules();

  it('finds the graph modules of the fixtures', () => {
    expect(cases.map((c) => c.name)).toEqual([
      'tvm-0.18/graph-cnn/default',
      'tvm-0.18/mnist-graph/mnist',
      'tvm-0.18/multi-graph/mod1',
      'tvm-0.18/multi-graph/mod2',
      'wild/guberti-arduino-ic-v2-graph/default',
      'wild/guberti-arduino-ic-v2-graph-linkparams/default',
      'wild/guberti-arduino-kws-v4-graph/default',
      'wild/hannah-magicwand-v7-graph/default',
      'wild/snuvlsi-conv-v7-graph-2inputs/default',
    ]);
  });

  it('draws the standalone NMS graph (5 inputs, a 0-d param) with the same guarantees', () => {
    const dir = join(FIXTURES, 'wild', 'kobeyu-nms-standalone-graph');
    const graph = parseGraph(readFileSync(join(dir, 'nms.graph'), 'utf8'));
    const params = new Set(
      decodeParams(new Uint8Array(readFileSync(join(dir, 'nms.params')))).tensors.map((t) => t.name),
    );
    const c: Case = { name: 'wild/kobeyu-nms', archive: '', module: '', graph, params };
    for (const mode of ['folded', 'nodes'] as const)
      checkDrawing(c, readSvgGeometry(drawGraphSvg(graphTable(graph, params), { params: mode })), mode === 'folded');
  });

  it('draws a graph too large for dagre with the layered layout, still without overlaps', () => {
    const c = cases.find((x) => x.name === 'wild/guberti-arduino-ic-v2-graph/default')!;
    const svg = drawGraphSvg(graphTable(c.graph, c.params), { engine: 'layered' });
    const g = readSvgGeometry(svg);
    expect(g.edgeLabels).toEqual([]); // straight edges carry no labels there
    for (let i = 0; i < g.nodes.length; i++)
      for (let j = i + 1; j < g.nodes.length; j++) expect(overlaps(g.nodes[i]!.box, g.nodes[j]!.box)).toBe(false);
    for (const n of g.nodes) for (const t of n.texts) expect(inside(t.extent, n.box)).toBe(true);
  });

  it('escapes names from the archive: markup in a node name stays text', () => {
    const graph = parseGraph(
      JSON.stringify({
        nodes: [
          { op: 'null', name: '<script>alert(1)</script>&"\u0001', inputs: [] },
          {
            op: 'tvm_op',
            name: 'f',
            attrs: {
              func_name: 'tvmgen_default_fused_add</title><svg onload=x>',
              flatten_data: '0',
              num_inputs: '1',
              num_outputs: '1',
            },
            inputs: [[0, 0, 0]],
          },
        ],
        arg_nodes: [0],
        heads: [[1, 0, 0]],
        node_row_ptr: [0, 1, 2],
        attrs: {
          dltype: ['list_str', ['float32', 'float32']],
          shape: ['list_shape', [[1], [1]]],
          storage_id: ['list_int', [0, 1]],
        },
      }),
    );
    const svg = drawGraphSvg(graphTable(graph, new Set()));
    expect(svg).not.toContain('<script');
    expect(svg).not.toContain('<svg onload');
    expect(svg).not.toContain('\u0001');
    expect(svg).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;\ufffd');
    expect(escapeXml('a\ud800b')).toBe('a\ufffdb');
  });

  it('draws a smooth path through the route points', () => {
    expect(splinePath([])).toBe('');
    expect(
      splinePath([
        { x: 0, y: 0 },
        { x: 0, y: 10 },
      ]),
    ).toBe('M0,0L0,10');
    const d = splinePath([
      { x: 0, y: 0 },
      { x: 6, y: 6 },
      { x: 0, y: 12 },
    ]);
    expect(d.startsWith('M0,0L1,1C')).toBe(true);
    expect(d.endsWith('L0,12')).toBe(true);
  });
});
