// Positions for a graph drawing: dagre (layered, edge labels placed, long edges routed around
// boxes) up to DAGRE_MAX_NODES drawn nodes, and the project's own O(V+E) layered layout beyond
// (dagre takes seconds there and overflows the call stack near 2,000 nodes), where edges are
// straight lines and carry no labels. Runs in Node and in the viewer's worker alike.
import dagre from '@dagrejs/dagre';
import { layeredLayout } from '../graph/layered-layout.js';
import type { DrawEdge, DrawNode, GraphDrawing, ParamMode } from './graph-drawing.js';

/** A point in drawing units (y grows downwards). */
export interface Point {
  x: number;
  y: number;
}

/** A node with its box: `x`, `y` is the top-left corner. */
export interface LaidNode extends DrawNode {
  x: number;
  y: number;
}

/** An edge with its route and, when placed, its label's centre. */
export interface LaidEdge extends DrawEdge {
  points: Point[];
  labelAt: Point | null;
}

/** Which layout made the positions. */
export type LayoutEngine = 'dagre' | 'layered';

/** A drawing with positions, ready to render. */
export interface GraphLayout {
  nodes: LaidNode[];
  edges: LaidEdge[];
  width: number;
  height: number;
  engine: LayoutEngine;
  params: ParamMode;
}

/** Above this many drawn nodes dagre is not used: it needs ~2.5 s at 1,000 (Node, 2 cores). */
export const DAGRE_MAX_NODES = 1000;

/** Space around the drawing and between boxes (drawing units). */
export const LAYOUT_SPACING = { margin: 20, nodeSep: 28, rankSep: 36, edgeSep: 14, labelOffset: 6 } as const;

/**
 * Lays out a drawing: `engine: 'auto'` (default) uses dagre up to 1000 nodes
 * and falls back to the layered layout beyond, or when dagre fails (its recursion can overflow).
 */
export function layoutGraphDrawing(
  drawing: GraphDrawing,
  options: { engine?: LayoutEngine | 'auto' } = {},
): GraphLayout {
  const engine = options.engine ?? 'auto';
  if (engine === 'dagre' || (engine === 'auto' && drawing.nodes.length <= DAGRE_MAX_NODES)) {
    try {
      return withDagre(drawing);
    } catch (e) {
      if (engine === 'dagre' || !(e instanceof RangeError)) throw e;
    }
  }
  return withLayered(drawing);
}

function withDagre(drawing: GraphDrawing): GraphLayout {
  const s = LAYOUT_SPACING;
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({
    rankdir: 'TB',
    nodesep: s.nodeSep,
    ranksep: s.rankSep,
    edgesep: s.edgeSep,
    marginx: s.margin,
    marginy: s.margin,
  });
  for (const n of drawing.nodes) g.setNode(n.key, { width: n.width, height: n.height });
  drawing.edges.forEach((e, i) =>
    g.setEdge(
      e.from,
      e.to,
      {
        width: e.labelWidth,
        height: e.labelHeight,
        labelpos: 'r',
        labeloffset: s.labelOffset,
        // Heavier main-path edges are kept short and straight by the ranking and ordering.
        weight: e.main ? 8 : 1,
        minlen: 1,
      },
      String(i),
    ),
  );
  // dagre aligns the nodes of `corePath` in one column: the main path is drawn straight.
  dagre.layout(g, { corePath: mainPath(drawing) });
  const nodes = drawing.nodes.map((n): LaidNode => {
    const p = g.node(n.key);
    return { ...n, x: (p.x ?? 0) - n.width / 2, y: (p.y ?? 0) - n.height / 2 };
  });
  const edges = drawing.edges.map((e, i): LaidEdge => {
    const l = g.edge(e.from, e.to, String(i));
    return {
      ...e,
      points: (l.points ?? []).map((p: Point) => ({ x: p.x, y: p.y })),
      labelAt: l.x === undefined || l.y === undefined ? null : { x: l.x, y: l.y },
    };
  });
  const label = g.graph();
  return { nodes, edges, width: label.width ?? 0, height: label.height ?? 0, engine: 'dagre', params: drawing.params };
}

/** Keys of the main path's nodes, in order (from the edges marked `main`). */
export function mainPath(drawing: GraphDrawing): string[] {
  const next = new Map<string, string>();
  const targets = new Set<string>();
  for (const e of drawing.edges)
    if (e.main) {
      next.set(e.from, e.to);
      targets.add(e.to);
    }
  const start = [...next.keys()].find((k) => !targets.has(k));
  const path: string[] = [];
  for (let k = start; k !== undefined && path.length <= drawing.nodes.length; k = next.get(k)) path.push(k);
  return path;
}

function withLayered(drawing: GraphDrawing): GraphLayout {
  const s = LAYOUT_SPACING;
  const index = new Map(drawing.nodes.map((n, i) => [n.key, i]));
  const from = new Int32Array(drawing.edges.length);
  const to = new Int32Array(drawing.edges.length);
  drawing.edges.forEach((e, i) => {
    from[i] = index.get(e.from) as number;
    to[i] = index.get(e.to) as number;
  });
  const r = layeredLayout(drawing.nodes.length, from, to, {
    widths: Float64Array.from(drawing.nodes, (n) => n.width),
    heights: Float64Array.from(drawing.nodes, (n) => n.height),
    xGap: s.nodeSep,
    yGap: s.rankSep,
  });
  let minX = Infinity;
  let maxX = -Infinity;
  let maxY = 0;
  drawing.nodes.forEach((n, i) => {
    minX = Math.min(minX, (r.x[i] as number) - n.width / 2);
    maxX = Math.max(maxX, (r.x[i] as number) + n.width / 2);
    maxY = Math.max(maxY, (r.y[i] as number) + n.height / 2);
  });
  if (drawing.nodes.length === 0) minX = maxX = 0;
  const dx = s.margin - minX;
  const dy = s.margin;
  const nodes = drawing.nodes.map((n, i): LaidNode => ({
    ...n,
    x: (r.x[i] as number) + dx - n.width / 2,
    y: (r.y[i] as number) + dy - n.height / 2,
  }));
  const edges = drawing.edges.map((e, i): LaidEdge => {
    const a = nodes[from[i] as number] as LaidNode;
    const b = nodes[to[i] as number] as LaidNode;
    return {
      ...e,
      points: [
        { x: a.x + a.width / 2, y: a.y + a.height },
        { x: b.x + b.width / 2, y: b.y },
      ],
      labelAt: null,
    };
  });
  return {
    nodes,
    edges,
    width: maxX - minX + 2 * s.margin,
    height: maxY + 2 * s.margin,
    engine: 'layered',
    params: drawing.params,
  };
}
