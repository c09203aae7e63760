// `mlf graph --format svg` on every graph-executor module of the fixtures (and the drawing of
// the standalone NMS graph, which is not an archive): every operator is a labelled box, no two
// boxes overlap, no label leaves its box, no edge label covers a box or another edge label,
// params are folded by default (and drawn as nodes with --params nodes), and the main path
// (found here from the graph JSON) runs straight down in topological order. The SVG is read
// back by test/helpers/svg-geometry.ts, not by the renderer's code.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadGraph, loadParams } from '../../../src/core/archive/archive.js';
import { type GraphJson, parseGraph } from '../../../src/core/graph/graph.js';
import { decodeParams } from '../../../src/core/params/codec.js';
import { drawGraphSvg, escapeXml, splinePath } from '../../../src/core/report/graph-svg.js';
import { graphTable } from '../../../src/core/report/view-data.js';
import { readMlfPath } from '../../../src/node/read/open.js';
import { inside, overlaps, readSvgGeometry, type SvgGeometry } from '../../helpers/svg-geometry.js';

const ROOT = join(import.meta.dirname, '../../..');
const FIXTURES = join(ROOT, 'test', 'fixtures');

interface Case {
  name: string;
  archive: string;
  module: string;
  graph: GraphJson;
  params: Set<string>;
}

/** Every graph-executor module of every archive under test/fixtures. */
async function graphModules(): Promise<Case[]> {
  const cases: Case[] = [];
  for (const set of ['tvm-0.18', 'wild']) {
    for (const dir of readdirSync(join(FIXTURES, set)).sort()) {
      const path = join(FIXTURES, set, dir);
      if (!statSync(path).isDirectory()) continue;
      for (const f of readdirSync(path).filter((x) => x.endsWith('.tar'))) {
        const archive = await readMlfPath(join(path, f));
        for (const m of archive.modules) {
          const graph = await loadGraph(archive, m);
          if (graph === null) continue;
          const params = await loadParams(archive, m);
          cases.push({
            name: `${set}/${dir}/${m.name}`,
            archive: join(path, f),
            module: m.name,
            graph,
            params: new Set(params?.tensors.map((t) => t.name) ?? []),
          });
        }
      }
    }
  }
  return cases;
}

function mlf(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'mlf.js'), ...args], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/**
 * The main path: the longest chain (by node count) of data nodes (graph inputs and the nodes
 * they reach), first inputs winning ties, earliest end on ties; node ids.
 */
function mainPath(graph: GraphJson, params: Set<string>): number[] {
  const isInput = (id: number) => graph.nodes[id]?.op === 'null' && !params.has(graph.nodes[id]?.name ?? '');
  const best: number[] = [];
  const via: number[] = [];
  // Graph JSON lists producers before consumers.
  graph.nodes.forEach((n, id) => {
    via[id] = -1;
    best[id] = isInput(id) ? 1 : 0;
    for (const [src] of n.inputs) {
      if ((best[src] as number) === 0) continue; // a constant
      if ((best[src] as number) + 1 > (best[id] as number)) {
        best[id] = (best[src] as number) + 1;
        via[id] = src;
      }
    }
  });
  let end = 0;
  best.forEach((b, id) => {
    if (b > (best[end] as number)) end = id;
  });
  const path: number[] = [];
  for (let v = end; v >= 0; v = via[v] as number) path.unshift(v);
  return path;
}

/** Everything the issue asks of a drawing, on its SVG. */
function checkDrawing(c: Case, g: SvgGeometry, folded: boolean): void {
  const ops = c.graph.nodes.flatMap((n, id) => (n.op === 'tvm_op' ? [id] : []));
  const byNode = new Map(g.nodes.filter((n) => n.key.startsWith('n')).map((n) => [n.node, n]));
  for (const id of ops) {
    const box = byNode.get(id);
    expect(box, `${c.name}: operator #${id} is drawn`).toBeDefined();
    expect(box?.classes).toContain('op');
    expect(box?.texts[0]?.text.trim().length, `${c.name}: operator #${id} has a label`).toBeGreaterThan(0);
    // The full function name is the box's tooltip.
    expect(box?.title).toBe(c.graph.nodes[id]?.attrs?.func_name);
  }
  for (let i = 0; i < g.nodes.length; i++)
    for (let j = i + 1; j < g.nodes.length; j++) {
      const a = g.nodes[i]!;
      const b = g.nodes[j]!;
      expect(overlaps(a.box, b.box), `${c.name}: ${a.key} and ${b.key} overlap`).toBe(false);
    }
  for (const n of g.nodes) {
    expect(n.box.x).toBeGreaterThanOrEqual(0);
    expect(n.box.y).toBeGreaterThanOrEqual(0);
    expect(n.box.x + n.box.w).toBeLessThanOrEqual(g.width);
    expect(n.box.y + n.box.h).toBeLessThanOrEqual(g.height);
    for (const t of n.texts) expect(inside(t.extent, n.box), `${c.name}: "${t.text}" leaves ${n.key}`).toBe(true);
  }
  for (const [i, l] of g.edgeLabels.entries()) {
    for (const n of g.nodes) expect(overlaps(l.extent, n.box), `${c.name}: "${l.text}" covers ${n.key}`).toBe(false);
    for (const m of g.edgeLabels.slice(i + 1))
      expect(overlaps(l.extent, m.extent), `${c.name}: "${l.text}" covers "${m.text}"`).toBe(false);
  }
  // Params: folded into the boxes that use them, or one node each.
  const params = c.graph.nodes.flatMap((n, id) => (n.op === 'null' && c.params.has(n.name) ? [id] : []));
  const paramBoxes = g.nodes.filter((n) => n.classes.includes('param'));
  if (folded) {
    expect(paramBoxes, c.name).toEqual([]);
    for (const id of params) {
      const name = c.graph.nodes[id]!.name;
      const users = c.graph.nodes.flatMap((n, u) => (n.inputs.some(([s]) => s === id) ? [u] : []));
      for (const u of users) {
        const lines = byNode.get(u)?.texts.map((t) => t.text) ?? [];
        // Six params are listed; more are counted.
        const listed = lines.some((l) => l.startsWith(`${name}: `)) || lines.some((l) => /^\+\d+ more$/.test(l));
        expect(listed, `${c.name}: ${name} folded into #${u}`).toBe(true);
      }
    }
  } else {
    expect(paramBoxes.map((n) => n.node).sort((a, b) => a - b)).toEqual(params);
  }
  // Inputs and outputs are terminals of their own kind.
  const inputs = c.graph.arg_nodes.filter((id) => !c.params.has(c.graph.nodes[id]!.name));
  expect(g.nodes.filter((n) => n.classes.includes('input')).map((n) => n.node)).toEqual(inputs);
  expect(g.nodes.filter((n) => n.classes.includes('output')).length).toBe(c.graph.heads.length);
  // The main path: top to bottom in topological order, in one column.
  const path = mainPath(c.graph, c.params);
  const centres = path.map((id) => byNode.get(id)!.box).map((b) => ({ x: b.x + b.w / 2, y: b.y + b.h / 2 }));
  for (let i = 1; i < centres.length; i++) {
    expect(centres[i]!.y, `${c.name}: main path step ${i}`).toBeGreaterThan(centres[i - 1]!.y);
    expect(Math.abs(centres[i]!.x - centres[0]!.x), `${c.name}: main path step ${i} is straight`).toBeLessThan(1);
  }
}

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

  it.each([true, false])('draws every module readably (params folded: %s)', (folded) => {
    for (const c of cases) {
      const args = ['graph', c.archive, '--module', c.module, '--format', 'svg'];
      const r = mlf(...args, ...(folded ? [] : ['--params', 'nodes']));
      expect(r.code, `${c.name}: ${r.err}`).toBe(0);
      expect(r.out.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
      checkDrawing(c, readSvgGeometry(r.out), folded);
    }
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
