/**
 * No import cycles in src/ or the viewer: a cycle makes load order matter and usually means two
 * files share a concern. Type-only imports count too (they still couple the files).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';

const SPEC =
  /(?:^|\n)\s*(?:import|export)\b[^'";]*?\bfrom\s*['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

function sources(root: string): string[] {
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.tsx?$/.test(f) && !f.endsWith('.d.ts'))
    .map((f) => join(root, f));
}

/** Edges from each file to the files it imports (`.js` specifiers resolve to `.ts`/`.tsx`). */
function importGraph(files: string[]): Map<string, string[]> {
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const out: string[] = [];
    for (const m of text.matchAll(SPEC)) {
      const spec = (m[1] ?? m[2])!;
      const base = normalize(join(dirname(file), spec)).replace(/\.js$/, '');
      const hit = [`${base}.ts`, `${base}.tsx`].find((c) => known.has(c));
      if (hit) out.push(hit);
    }
    graph.set(file, out);
  }
  return graph;
}

/** Strongly connected components with more than one file (Tarjan, iterative). */
function cycles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let next = 0;
  for (const root of graph.keys()) {
    if (index.has(root)) continue;
    const work: [string, number][] = [[root, 0]];
    while (work.length > 0) {
      const top = work[work.length - 1]!;
      const [v, i] = top;
      if (i === 0) {
        index.set(v, next);
        low.set(v, next++);
        stack.push(v);
        onStack.add(v);
      }
      const edges = graph.get(v) ?? [];
      if (i < edges.length) {
        top[1] = i + 1;
        const w = edges[i]!;
        if (!index.has(w)) work.push([w, 0]);
        else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1]![0];
        low.set(parent, Math.min(low.get(parent)!, low.get(v)!));
      }
      if (low.get(v) === index.get(v)) {
        const scc: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          scc.push(w);
        } while (w !== v);
        if (scc.length > 1) found.push(scc.sort());
      }
    }
  }
  return found;
}

describe('import graph', () => {
  it('finds a planted cycle (the checker works)', () => {
    const g = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', ['a.ts']],
    ]);
    expect(cycles(g)).toEqual([['a.ts', 'b.ts', 'c.ts']]);
  });

  it.each(['src', 'viewer/src'])('%s has no import cycles', (root) => {
    const files = sources(root);
    expect(files.length).toBeGreaterThan(10);
    const graph = importGraph(files);
    expect([...graph.values()].flat().length).toBeGreaterThan(files.length);
    expect(cycles(graph)).toEqual([]);
  });
});
