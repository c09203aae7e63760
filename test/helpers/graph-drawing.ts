/**
 * What `mlf graph --format svg` must draw (test/core/report/graph-svg*.test.ts): every operator a
 * labelled box, no overlaps, labels inside their boxes, params folded or drawn as nodes, and the
 * main path straight down. Read from the SVG by ./svg-geometry.ts, not by the renderer's code.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { loadGraph, loadParams } from '../../src/core/archive/archive.js';
import type { GraphJson } from '../../src/core/graph/graph.js';
import { readMlfPath } from '../../src/node/read/open.js';
import { FIXTURES } from './common.js';
import { inside, overlaps, type SvgGeometry } from './svg-geometry.js';

/** A graph-executor module of a fixture archive. */
export interface Case {
  name: string;
  archive: string;
  module: string;
  graph: GraphJson;
  params: Set<string>;
}

/** Every graph-executor module of every archive under test/fixtures. */
export async function graphModules(): Promise<Case[]> {
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
export function checkDrawing(c: Case, g: SvgGeometry, folded: boolean): void {
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
