// A laid-out graph drawing as SVG text: the standalone file of `mlf graph --format svg`, the
// picture a report shows without JavaScript, and the markup the viewer puts in its page. Every
// string from the archive is escaped (and XML-invalid characters replaced), so a node name can
// never become markup.
import { buildGraphDrawing, DRAW_METRICS, type ParamMode } from './graph-drawing.js';
import {
  type GraphLayout,
  type LaidEdge,
  type LaidNode,
  type LayoutEngine,
  layoutGraphDrawing,
  type Point,
} from './graph-layout.js';
import { OP_CATEGORIES, OP_CATEGORY_LABELS, type OpCategory } from './op-names.js';
import type { GraphTable } from './view-data.js';

/** Fill colours of operator boxes by category (white text on each has a contrast of 5:1 or more). */
export const CATEGORY_COLORS: Readonly<Record<OpCategory, string>> = {
  conv: '#2f5f9e',
  elementwise: '#8a4b08',
  layout: '#5b6068',
  pool: '#2a7649',
  quant: '#7b3fa0',
  other: '#3d4a5c',
};

/** Fill and stroke of the other node kinds. */
export const TERMINAL_COLORS = {
  input: { fill: '#d6f0df', stroke: '#1d7a45' },
  output: { fill: '#fde3cc', stroke: '#b45200' },
  param: { fill: '#eef0f3', stroke: '#8a8f98' },
} as const;

/** Font of the drawing: monospace, so text widths are known without measuring. */
export const DRAW_FONT = "ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, 'Liberation Mono', monospace";

/** Options of {@link renderGraphSvg}. */
export interface SvgOptions {
  /** Accessible title (`<title>`), e.g. `Graph of module default`. */
  title?: string;
  /** Draw a legend of the categories above the graph (standalone files). */
  legend?: boolean;
  /** Prefix of element ids, so several drawings can share a page. */
  idPrefix?: string;
}

/** XML text: markup characters escaped, characters XML 1.0 forbids replaced by U+FFFD. */
export function escapeXml(s: string): string {
  return s
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '\ufffd')
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const num = (x: number) => String(Math.round(x * 10) / 10);

/** A smooth path through `points` (a uniform B-spline, as d3's curveBasis draws it). */
export function splinePath(points: readonly Point[]): string {
  const p = points;
  if (p.length === 0) return '';
  const first = p[0] as Point;
  if (p.length === 1) return `M${num(first.x)},${num(first.y)}`;
  if (p.length === 2) return `M${num(first.x)},${num(first.y)}L${num((p[1] as Point).x)},${num((p[1] as Point).y)}`;
  let d = `M${num(first.x)},${num(first.y)}`;
  const curve = (a: Point, b: Point, c: Point) =>
    `C${num((2 * a.x + b.x) / 3)},${num((2 * a.y + b.y) / 3)} ${num((a.x + 2 * b.x) / 3)},${num((a.y + 2 * b.y) / 3)} ${num(
      (a.x + 4 * b.x + c.x) / 6,
    )},${num((a.y + 4 * b.y + c.y) / 6)}`;
  const a0 = p[0] as Point;
  const a1 = p[1] as Point;
  d += `L${num((5 * a0.x + a1.x) / 6)},${num((5 * a0.y + a1.y) / 6)}`;
  for (let i = 2; i < p.length; i++) d += curve(p[i - 2] as Point, p[i - 1] as Point, p[i] as Point);
  const last = p[p.length - 1] as Point;
  d += curve(p[p.length - 2] as Point, last, last);
  d += `L${num(last.x)},${num(last.y)}`;
  return d;
}

/** A rectangle path with only its top corners rounded. */
function topRounded(x: number, y: number, w: number, h: number, r: number): string {
  return `M${num(x)},${num(y + h)}V${num(y + r)}Q${num(x)},${num(y)} ${num(x + r)},${num(y)}H${num(x + w - r)}Q${num(
    x + w,
  )},${num(y)} ${num(x + w)},${num(y + r)}V${num(y + h)}Z`;
}

/** Baseline that centres one line of text of `size` on `mid`. */
const baseline = (mid: number, size: number) => mid + size * 0.35;

function renderNode(n: LaidNode): string {
  const m = DRAW_METRICS;
  const cx = n.x + n.width / 2;
  const parts: string[] = [`<title>${escapeXml(n.full)}</title>`];
  const title = (fill: string, weight: string) =>
    `<text class="label title" x="${num(cx)}" y="${num(baseline(n.y + m.titleLine / 2, m.titleSize))}" font-size="${m.titleSize}"${weight} fill="${fill}" text-anchor="middle">${escapeXml(n.title)}</text>`;
  if (n.kind === 'op') {
    const color = CATEGORY_COLORS[n.category ?? 'other'];
    const lines = n.params.map((p) => p.text);
    if (n.moreParams > 0) lines.push(`+${n.moreParams} more`);
    if (lines.length === 0) {
      parts.push(
        `<rect class="box" x="${num(n.x)}" y="${num(n.y)}" width="${num(n.width)}" height="${num(n.height)}" rx="5" fill="${color}" stroke="${color}"/>`,
      );
    } else {
      parts.push(
        `<rect class="box" x="${num(n.x)}" y="${num(n.y)}" width="${num(n.width)}" height="${num(n.height)}" rx="5" fill="#ffffff" stroke="${color}"/>`,
        `<path class="head" d="${topRounded(n.x, n.y, n.width, m.titleLine, 5)}" fill="${color}"/>`,
      );
      lines.forEach((text, i) => {
        const mid = n.y + m.titleLine + m.padY / 2 + i * m.paramLine + m.paramLine / 2;
        parts.push(
          `<text class="label param" x="${num(n.x + m.padX)}" y="${num(baseline(mid, m.smallSize))}" font-size="${m.smallSize}" fill="#2b3138">${escapeXml(text)}</text>`,
        );
      });
    }
    parts.push(title('#ffffff', ' font-weight="600"'));
  } else {
    const c = TERMINAL_COLORS[n.kind];
    const rx = n.kind === 'param' ? 3 : n.height / 2;
    const dash = n.kind === 'param' ? ' stroke-dasharray="4 2"' : '';
    parts.push(
      `<rect class="box" x="${num(n.x)}" y="${num(n.y)}" width="${num(n.width)}" height="${num(n.height)}" rx="${num(rx)}" fill="${c.fill}" stroke="${c.stroke}" stroke-width="1.5"${dash}/>`,
      title('#1f2328', ''),
    );
  }
  const cat = n.category === null ? '' : ` cat-${n.category}`;
  return `<g class="node ${n.kind}${cat}" data-key="${n.key}" data-node="${n.node}">${parts.join('')}</g>`;
}

function renderEdge(e: LaidEdge, i: number, arrow: string): string {
  return `<path class="edge${e.main ? ' main' : ''}" data-edge="${i}" data-from="${e.from}" data-to="${e.to}" d="${splinePath(e.points)}" fill="none" stroke="${e.main ? '#59636e' : '#8c96a3'}" stroke-width="${e.main ? 1.6 : 1.2}" marker-end="url(#${arrow})"/>`;
}

function renderEdgeLabel(e: LaidEdge, i: number): string {
  if (e.labelAt === null) return '';
  const m = DRAW_METRICS;
  return `<text class="edge-label" data-edge="${i}" x="${num(e.labelAt.x)}" y="${num(baseline(e.labelAt.y, m.edgeLabelSize))}" font-size="${m.edgeLabelSize}" fill="#4a5360" text-anchor="middle">${escapeXml(e.label)}</text>`;
}

/** Height of the legend band above the drawing. */
const LEGEND_HEIGHT = 28;

function renderLegend(width: number): string {
  const items: [string, string, string][] = OP_CATEGORIES.map((c) => [OP_CATEGORY_LABELS[c], CATEGORY_COLORS[c], '']);
  items.push(['input', TERMINAL_COLORS.input.fill, TERMINAL_COLORS.input.stroke]);
  items.push(['output', TERMINAL_COLORS.output.fill, TERMINAL_COLORS.output.stroke]);
  let x = 12;
  const parts: string[] = [];
  for (const [label, fill, stroke] of items) {
    parts.push(
      `<rect x="${x}" y="8" width="12" height="12" rx="2" fill="${fill}"${stroke ? ` stroke="${stroke}"` : ''}/>`,
      `<text x="${x + 17}" y="18" font-size="11" fill="#1f2328">${escapeXml(label)}</text>`,
    );
    x += 17 + textWidthOf(label) + 16;
  }
  return `<g class="legend" aria-hidden="true">${parts.join('')}</g><line x1="0" y1="${LEGEND_HEIGHT}" x2="${num(width)}" y2="${LEGEND_HEIGHT}" stroke="#d8dde3"/>`;
}

const textWidthOf = (s: string) => Math.ceil([...s].length * 11 * DRAW_METRICS.charWidth);

/** Minimum width of a drawing with a legend: the legend's own width. */
function legendWidth(): number {
  const labels = [...OP_CATEGORIES.map((c) => OP_CATEGORY_LABELS[c]), 'input', 'output'];
  return 12 + labels.reduce((a, l) => a + 17 + textWidthOf(l) + 16, 0);
}

/** Renders a laid-out drawing as one SVG element (a standalone file when written alone). */
export function renderGraphSvg(layout: GraphLayout, options: SvgOptions = {}): string {
  const id = options.idPrefix ?? 'mlf-graph';
  const top = options.legend ? LEGEND_HEIGHT + 8 : 0;
  const width = Math.ceil(Math.max(layout.width, options.legend ? legendWidth() : 0));
  const height = Math.ceil(layout.height + top);
  const arrow = `${id}-arrow`;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="mlf-graph" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="${id}-title" font-family="${DRAW_FONT.replace(/"/g, '&quot;')}">`,
    `<title id="${id}-title">${escapeXml(options.title ?? 'Graph')}</title>`,
    `<defs><marker id="${arrow}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#6b7580"/></marker></defs>`,
    `<rect class="background" width="${width}" height="${height}" fill="#ffffff"/>`,
  ];
  if (options.legend) out.push(renderLegend(width));
  out.push(`<g class="drawing"${top > 0 ? ` transform="translate(0,${top})"` : ''}>`);
  out.push(`<g class="edges">${layout.edges.map((e, i) => renderEdge(e, i, arrow)).join('')}</g>`);
  out.push(`<g class="edge-labels">${layout.edges.map(renderEdgeLabel).join('')}</g>`);
  out.push(`<g class="nodes">${layout.nodes.map(renderNode).join('')}</g>`);
  out.push('</g></svg>');
  return out.join('\n');
}

/**
 * The whole pipeline for one graph table: drawing model, layout, SVG. What `mlf graph --format
 * svg` writes and `mlf report` embeds.
 */
export function drawGraphSvg(
  table: GraphTable,
  options: SvgOptions & { params?: ParamMode; engine?: LayoutEngine | 'auto' } = {},
): string {
  const drawing = buildGraphDrawing(table, { params: options.params ?? 'folded' });
  return renderGraphSvg(layoutGraphDrawing(drawing, { engine: options.engine ?? 'auto' }), options);
}
