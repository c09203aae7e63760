// Reads the geometry of a graph drawing back out of SVG text, written apart from the renderer
// (src/core/report/graph-svg.ts) so tests check the output, not the renderer's own numbers:
// node groups with their box and texts, edge labels, and the transform of the drawing. Text
// extents use the metrics of DejaVu Sans Mono (advance 0.602 em, ascent 0.76 em, descent
// 0.24 em), the monospace font the drawing asks for first where it is installed.

/** An axis-aligned rectangle. */
export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** A text element with its estimated extent. */
export interface SvgText {
  text: string;
  x: number;
  y: number;
  size: number;
  anchor: string;
  extent: Box;
}

/** A drawn node: its `<g class="node …">` attributes, box and texts. */
export interface SvgNode {
  classes: string[];
  node: number;
  key: string;
  title: string;
  box: Box;
  texts: SvgText[];
}

/** What {@link readSvgGeometry} returns. */
export interface SvgGeometry {
  width: number;
  height: number;
  nodes: SvgNode[];
  edgeLabels: SvgText[];
  edges: { from: string; to: string; d: string }[];
}

const ADVANCE = 0.602;
const ASCENT = 0.76;
const DESCENT = 0.24;

const attrs = (tag: string): Map<string, string> => {
  const m = new Map<string, string>();
  for (const a of tag.matchAll(/([\w:-]+)="([^"]*)"/g)) m.set(a[1] as string, a[2] as string);
  return m;
};
const num = (m: Map<string, string>, k: string): number => {
  const v = m.get(k);
  if (v === undefined) throw new Error(`attribute ${k} missing`);
  return Number(v);
};
const unescape = (s: string) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');

function readText(tag: string, body: string, dy: number): SvgText {
  const a = attrs(tag);
  const text = unescape(body);
  const size = num(a, 'font-size');
  const x = num(a, 'x');
  const y = num(a, 'y') + dy;
  const anchor = a.get('text-anchor') ?? 'start';
  const w = [...text].length * size * ADVANCE;
  const left = anchor === 'middle' ? x - w / 2 : anchor === 'end' ? x - w : x;
  return { text, x, y, size, anchor, extent: { x: left, y: y - ASCENT * size, w, h: (ASCENT + DESCENT) * size } };
}

/** Parses a drawing written by `mlf graph --format svg`. */
export function readSvgGeometry(svg: string): SvgGeometry {
  const root = attrs(/<svg\b[^>]*>/.exec(svg)?.[0] ?? '');
  // The drawing group may be moved down under a legend.
  const shift = /<g class="drawing"(?: transform="translate\(0,([\d.]+)\)")?>/.exec(svg);
  if (shift === null) throw new Error('no drawing group');
  const dy = Number(shift[1] ?? 0);
  const nodes: SvgNode[] = [];
  for (const g of svg.matchAll(/<g class="(node [^"]*)" data-key="([^"]*)" data-node="(\d+)">(.*?)<\/g>/gs)) {
    const inner = g[4] as string;
    const rect = /<rect class="box"[^>]*>/.exec(inner);
    if (rect === null) throw new Error(`node ${g[2]} has no box`);
    const r = attrs(rect[0]);
    const texts = [...inner.matchAll(/(<text\b[^>]*>)(.*?)<\/text>/gs)].map((t) =>
      readText(t[1] as string, t[2] as string, dy),
    );
    nodes.push({
      classes: (g[1] as string).split(' '),
      key: g[2] as string,
      node: Number(g[3]),
      title: unescape(/<title>(.*?)<\/title>/s.exec(inner)?.[1] ?? ''),
      box: { x: num(r, 'x'), y: num(r, 'y') + dy, w: num(r, 'width'), h: num(r, 'height') },
      texts,
    });
  }
  const labels = /<g class="edge-labels">(.*?)<\/g>/s.exec(svg)?.[1] ?? '';
  const edgeLabels = [...labels.matchAll(/(<text\b[^>]*>)(.*?)<\/text>/gs)].map((t) =>
    readText(t[1] as string, t[2] as string, dy),
  );
  const edges = [...svg.matchAll(/<path class="edge[^"]*"[^>]*>/g)].map((p) => {
    const a = attrs(p[0]);
    return { from: a.get('data-from') ?? '', to: a.get('data-to') ?? '', d: a.get('d') ?? '' };
  });
  return { width: num(root, 'width'), height: num(root, 'height'), nodes, edgeLabels, edges };
}

/** True when two rectangles share interior area (touching edges do not count). */
export function overlaps(a: Box, b: Box): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/** True when `inner` lies inside `outer` (with `slack` allowed on every side). */
export function inside(inner: Box, outer: Box, slack = 0): boolean {
  return (
    inner.x >= outer.x - slack &&
    inner.y >= outer.y - slack &&
    inner.x + inner.w <= outer.x + outer.w + slack &&
    inner.y + inner.h <= outer.y + outer.h + slack
  );
}
