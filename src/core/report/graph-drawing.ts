// The drawing model of a graph-executor graph, shared by the viewer, `mlf graph --format svg` and
// `mlf report`: operator boxes labelled with short op names and coloured by category, params
// folded into their consumers (or drawn as nodes), inputs and outputs as terminals, and edges
// labelled with shape and dtype. Text is sized for a monospace font (every glyph 0.6 em wide), so
// boxes fit their labels without measuring text, in Node as in the browser.
import { type OpCategory, opCategory, shortOpName } from './op-names.js';
import type { GraphTable, GraphTableNode } from './view-data.js';

/** How params are drawn: listed inside their consumers (default) or as nodes of their own. */
export type ParamMode = 'folded' | 'nodes';

/** Font sizes, line heights and paddings of the drawing (SVG user units). */
export const DRAW_METRICS = {
  /** Width of one glyph per unit of font size: monospace fonts are 0.6 em (Consolas 0.55). */
  charWidth: 0.6,
  titleSize: 13,
  smallSize: 11,
  edgeLabelSize: 11,
  titleLine: 24,
  paramLine: 16,
  padX: 10,
  padY: 6,
  minWidth: 64,
  /** Folded params listed per box; the rest are counted. */
  maxParamLines: 6,
  /** Characters of a title or a line before it is cut with `…`. */
  maxChars: 36,
} as const;

/** `op` boxes, `input`/`output` terminals, `param` boxes (in `nodes` mode). */
export type DrawNodeKind = 'op' | 'input' | 'output' | 'param';

/** One folded param: the text drawn and the graph node it stands for. */
export interface DrawParam {
  node: number;
  text: string;
}

/** A drawn node. */
export interface DrawNode {
  /** Key in the drawing: `n<graph node id>`, or `out<i>` for output `i`. */
  key: string;
  /** Graph node drawn (for an output terminal, the node that produces it). */
  node: number;
  kind: DrawNodeKind;
  /** The drawn label: a short op name, an input or param name, `output`. */
  title: string;
  /** Full name, shown on hover and selection. */
  full: string;
  category: OpCategory | null;
  /** Params folded into this box, at most a few lines (the rest counted in a "+N more" line). */
  params: DrawParam[];
  /** Folded params not listed. */
  moreParams: number;
  width: number;
  height: number;
}

/** A drawn edge: output `output` of `from`'s graph node, consumed by `to`. */
export interface DrawEdge {
  from: string;
  to: string;
  output: number;
  /** `1×16×16×16 float32` (with `#k ` before it for outputs past the first of a node). */
  label: string;
  labelWidth: number;
  labelHeight: number;
  /** On the main path (the longest chain from an input to an output). */
  main: boolean;
}

/** What {@link buildGraphDrawing} makes. */
export interface GraphDrawing {
  nodes: DrawNode[];
  edges: DrawEdge[];
  params: ParamMode;
}

/**
 * `1×16×16×16 float32`; `scalar float32` for a 0-d tensor. Where the shape is unknown (an AOT
 * buffer the C gives only a size for) the byte count stands in for it: `3136 B float32`.
 */
export function tensorLabel(
  dtype: string | null,
  shape: readonly number[] | null,
  bytes: number | null = null,
): string {
  const dims = shape === null ? (bytes === null ? '?' : `${bytes} B`) : shape.length === 0 ? 'scalar' : shape.join('×');
  return dtype === null ? dims : `${dims} ${dtype}`;
}

/** Width of `text` at `size` in the drawing's monospace font. */
export function monoTextWidth(text: string, size: number): number {
  return [...text].length * size * DRAW_METRICS.charWidth;
}

/** `text` cut to `max` characters with `…`. */
export function clipText(text: string, max: number = DRAW_METRICS.maxChars): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

const paramText = (n: GraphTableNode) => {
  const o = n.outputs[0];
  return clipText(o === undefined ? n.name : `${n.name}: ${tensorLabel(o.dtype, o.shape, o.bytes)}`);
};

function sizeNode(node: Omit<DrawNode, 'width' | 'height'>): DrawNode {
  const m = DRAW_METRICS;
  const lines = node.params.map((p) => p.text);
  if (node.moreParams > 0) lines.push(`+${node.moreParams} more`);
  const widest = Math.max(monoTextWidth(node.title, m.titleSize), ...lines.map((l) => monoTextWidth(l, m.smallSize)));
  // Terminals are stadiums: their round ends need room beyond the text.
  const round = node.kind === 'input' || node.kind === 'output' ? m.titleLine / 2 : 0;
  const width = Math.ceil(Math.max(m.minWidth, widest + 2 * m.padX + round));
  const height = m.titleLine + (lines.length > 0 ? lines.length * m.paramLine + m.padY : 0);
  return { ...node, width, height };
}

/**
 * Builds the drawing of a graph table: operators, inputs and (with `params: 'nodes'`) params as
 * nodes, one output terminal per head, and one edge per producer output and consumer.
 */
export function buildGraphDrawing(table: GraphTable, options: { params?: ParamMode } = {}): GraphDrawing {
  const mode = options.params ?? 'folded';
  const consumers = new Map<number, number[]>();
  for (const e of table.edges) {
    const list = consumers.get(e.from) ?? [];
    list.push(e.to);
    consumers.set(e.from, list);
  }
  const heads = new Set(table.heads.map((h) => h[0]));
  // A param with no consumer (or a graph output) keeps a node even when params are folded.
  const folded = (n: GraphTableNode) =>
    mode === 'folded' && n.kind === 'param' && (consumers.get(n.id)?.length ?? 0) > 0 && !heads.has(n.id);
  const nodes: DrawNode[] = [];
  for (const n of table.nodes) {
    if (folded(n)) continue;
    let params: DrawParam[] = [];
    if (mode === 'folded') {
      const seen = new Set<number>();
      for (const [src] of n.inputs) {
        const p = table.nodes[src];
        if (p !== undefined && folded(p) && !seen.has(src)) {
          seen.add(src);
          params.push({ node: src, text: paramText(p) });
        }
      }
    }
    const more = Math.max(0, params.length - DRAW_METRICS.maxParamLines);
    params = params.slice(0, DRAW_METRICS.maxParamLines);
    const kind: DrawNodeKind = n.kind;
    const title =
      n.kind === 'op'
        ? clipText(shortOpName(n.funcName ?? n.name))
        : n.kind === 'param'
          ? paramText(n)
          : clipText(n.name);
    nodes.push(
      sizeNode({
        key: `n${n.id}`,
        node: n.id,
        kind,
        title,
        full: n.kind === 'op' ? (n.funcName ?? n.name) : n.name,
        category: n.kind === 'op' ? opCategory(n.funcName ?? n.name) : null,
        params,
        moreParams: more,
      }),
    );
  }
  table.heads.forEach(([id], i) => {
    const title = table.heads.length > 1 ? `output ${i}` : 'output';
    nodes.push(
      sizeNode({
        key: `out${i}`,
        node: id,
        kind: 'output',
        title,
        full: `${title} (${table.nodes[id]?.name ?? `#${id}`})`,
        category: null,
        params: [],
        moreParams: 0,
      }),
    );
  });

  const drawn = new Set(nodes.map((n) => n.key));
  const edges: DrawEdge[] = [];
  const seen = new Set<string>();
  const addEdge = (from: number, output: number, to: string) => {
    const key = `n${from}:${output}>${to}`;
    if (seen.has(key) || !drawn.has(`n${from}`) || !drawn.has(to)) return;
    seen.add(key);
    const o = table.nodes[from]?.outputs[output];
    const text = o === undefined ? `#${output}` : tensorLabel(o.dtype, o.shape, o.bytes);
    const label = clipText(output > 0 ? `#${output} ${text}` : text);
    const m = DRAW_METRICS;
    edges.push({
      from: `n${from}`,
      to,
      output,
      label,
      labelWidth: Math.ceil(monoTextWidth(label, m.edgeLabelSize) + 4),
      labelHeight: Math.ceil(m.edgeLabelSize * 1.4),
      main: false,
    });
  };
  for (const e of table.edges) addEdge(e.from, e.output, `n${e.to}`);
  table.heads.forEach(([id, output], i) => addEdge(id, output, `out${i}`));
  markMainPath(nodes, edges);
  return { nodes, edges, params: mode };
}

/**
 * Marks the edges of the longest path (in nodes) from an input, preferring first inputs on
 * ties (and earlier nodes for its end): the data path a reader follows, drawn straight.
 */
export function markMainPath(nodes: readonly DrawNode[], edges: DrawEdge[]): void {
  const index = new Map(nodes.map((n, i) => [n.key, i]));
  const n = nodes.length;
  const into: number[][] = Array.from({ length: n }, () => []);
  const outOf: number[][] = Array.from({ length: n }, () => []);
  const indeg = new Int32Array(n);
  edges.forEach((e, i) => {
    const a = index.get(e.from);
    const b = index.get(e.to);
    if (a === undefined || b === undefined) return;
    into[b]?.push(i);
    outOf[a]?.push(i);
    indeg[b] = (indeg[b] as number) + 1;
  });
  // Kahn's order; nodes on a cycle (malformed graphs) are left out and keep length 1.
  const order: number[] = [];
  for (let v = 0; v < n; v++) if (indeg[v] === 0) order.push(v);
  for (let head = 0; head < order.length; head++) {
    for (const ei of outOf[order[head] as number] ?? []) {
      const w = index.get((edges[ei] as DrawEdge).to) as number;
      indeg[w] = (indeg[w] as number) - 1;
      if (indeg[w] === 0) order.push(w);
    }
  }
  // Data nodes: inputs and what they reach. Constants (params, and ops that only transform
  // params) are never on the main path.
  const data = new Uint8Array(n);
  nodes.forEach((node, v) => (data[v] = node.kind === 'input' ? 1 : 0));
  for (const w of order)
    for (const ei of into[w] ?? []) if (data[index.get((edges[ei] as DrawEdge).from) as number] === 1) data[w] = 1;
  // Longest path into each node; on ties the earliest input (edges are in input order) wins.
  const length = new Int32Array(n);
  const via = new Int32Array(n).fill(-1);
  for (const w of order) {
    if (data[w] !== 1) continue;
    length[w] = 1;
    for (const ei of into[w] ?? []) {
      const u = index.get((edges[ei] as DrawEdge).from) as number;
      if (data[u] === 1 && (length[u] as number) + 1 > (length[w] as number)) {
        length[w] = (length[u] as number) + 1;
        via[w] = ei;
      }
    }
  }
  let end = -1;
  for (let v = 0; v < n; v++) if (end < 0 || (length[v] as number) > (length[end] as number)) end = v;
  for (let v = end, guard = 0; v >= 0 && (via[v] as number) >= 0 && guard < n; guard++) {
    const e = edges[via[v] as number] as DrawEdge;
    e.main = true;
    v = index.get(e.from) as number;
  }
}
