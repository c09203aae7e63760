// The memory timeline against the storage plan, computed here a second way: straight from the
// graph JSON, step by step, every tensor checked for being live, each storage id counted once
// with the bytes of its largest tensor (sizes from shapes and dtype strings, not from our
// dtype parser). Peaks and every step's total must agree; a small plan is also checked by hand.
import { describe, expect, it } from 'vitest';
import { loadGraph, loadParams } from '../../../src/core/archive/archive.js';
import { parseGraph } from '../../../src/core/graph/graph.js';
import { graphMemoryTimeline, liveBytes, peakLive } from '../../../src/core/report/memory-timeline.js';
import { graphTable } from '../../../src/core/report/view-data.js';
import { readMlfPath } from '../../../src/node/read/open.js';
import { bruteForceLiveBytes as bruteForce } from '../../helpers/memory-plan.js';

const ARCHIVES = [
  'test/fixtures/tvm-0.18/graph-cnn/model.tar',
  'test/fixtures/tvm-0.18/mnist-graph/model.tar',
  'test/fixtures/tvm-0.18/multi-graph/model.tar',
  'test/fixtures/wild/guberti-arduino-ic-v2-graph/output.tar',
  'test/fixtures/wild/guberti-arduino-kws-v4-graph/model.tar',
  'test/fixtures/wild/hannah-magicwand-v7-graph/model.tar',
  'test/fixtures/wild/snuvlsi-conv-v7-graph-2inputs/lib_graph_system-lib.tar',
];

describe('memory timeline', () => {
  it('matches the storage plan of every graph fixture at every step, and so at the peak', async () => {
    let modules = 0;
    for (const path of ARCHIVES) {
      const archive = await readMlfPath(path);
      for (const m of archive.modules) {
        const graph = await loadGraph(archive, m);
        if (graph === null) continue;
        modules++;
        const params = new Set((await loadParams(archive, m))?.tensors.map((t) => t.name) ?? []);
        const timeline = graphMemoryTimeline(graphTable(graph, params));
        const want = bruteForce(graph, params);
        expect(Array.from(liveBytes(timeline)), `${path}/${m.name}`).toEqual(want);
        expect(peakLive(timeline).bytes, `${path}/${m.name}`).toBe(Math.max(...want));
        expect(timeline.steps.map((s) => s.node)).toEqual(
          graph.nodes.flatMap((n, id) => (n.op === 'tvm_op' ? [id] : [])),
        );
        // Intervals of one storage id never overlap (an id is counted once per step).
        const byId = new Map<number, typeof timeline.buffers>();
        for (const b of timeline.buffers) byId.set(b.id, [...(byId.get(b.id) ?? []), b]);
        for (const list of byId.values())
          for (let i = 1; i < list.length; i++) expect(list[i]!.firstStep).toBeGreaterThan(list[i - 1]!.lastStep);
      }
    }
    expect(modules).toBe(8);
  });

  it('follows a small plan worked out by hand', () => {
    // x (sid 0, 64 B) → a (sid 1, 64 B) → b (sid 0 reused, 32 B) → c (sid 2, 16 B, the output);
    // p (sid 3, 8 B) is a param read by b.
    const graph = parseGraph(
      JSON.stringify({
        nodes: [
          { op: 'null', name: 'x', inputs: [] },
          op('a', [[0, 0, 0]]),
          { op: 'null', name: 'p', inputs: [] },
          op('b', [
            [1, 0, 0],
            [2, 0, 0],
          ]),
          op('c', [[3, 0, 0]]),
        ],
        arg_nodes: [0, 2],
        heads: [[4, 0, 0]],
        node_row_ptr: [0, 1, 2, 3, 4, 5],
        attrs: {
          dltype: ['list_str', ['float32', 'float32', 'float32', 'float32', 'float32']],
          shape: ['list_shape', [[16], [16], [2], [8], [4]]],
          storage_id: ['list_int', [0, 1, 3, 0, 2]],
        },
      }),
    );
    const t = graphMemoryTimeline(graphTable(graph, new Set(['p'])));
    // Step 0 (a): x, a, p live = 64 + 64 + 8; step 1 (b): a, b (sid 0, 64 B pool), p = 136;
    // step 2 (c): b, c, p = 64 + 16 + 8.
    expect(Array.from(liveBytes(t))).toEqual([136, 136, 88]);
    expect(peakLive(t)).toEqual({ bytes: 136, step: 0 });
    expect(t.buffers.find((b) => b.kind === 'param')).toMatchObject({ id: 3, firstStep: 0, lastStep: 2, bytes: 8 });
    expect(t.buffers.find((b) => b.kind === 'output')).toMatchObject({ id: 2, firstStep: 2, lastStep: 2, bytes: 16 });
    // sid 0 holds x (steps 0-0) and then b (steps 1-2): two intervals.
    expect(t.buffers.filter((b) => b.id === 0).map((b) => [b.firstStep, b.lastStep])).toEqual([
      [0, 0],
      [1, 2],
    ]);
  });

  it('serves pool-placed buffers too (AOT): offsets and pools ride along, totals by interval', () => {
    const t = {
      steps: [{ label: 'op0' }, { label: 'op1' }, { label: 'op2' }],
      buffers: [
        { id: 0, bytes: 100, offset: 0, pool: 'sram', firstStep: 0, lastStep: 1 },
        { id: 1, bytes: 50, offset: 100, pool: 'sram', firstStep: 1, lastStep: 2 },
        { id: 2, bytes: 70, offset: 0, pool: 'sram', firstStep: 2, lastStep: 2 },
      ],
    };
    expect(Array.from(liveBytes(t))).toEqual([100, 150, 120]);
    expect(peakLive(t)).toEqual({ bytes: 150, step: 1 });
    expect(peakLive({ steps: [], buffers: [] })).toEqual({ bytes: 0, step: -1 });
  });
});

function op(name: string, inputs: number[][]) {
  return {
    op: 'tvm_op',
    name,
    attrs: {
      func_name: `tvmgen_default_fused_${name}`,
      flatten_data: '0',
      num_inputs: String(inputs.length),
      num_outputs: '1',
    },
    inputs,
  };
}
