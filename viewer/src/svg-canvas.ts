// The box drawing of small and medium graphs: the SVG that `mlf graph --format svg` writes (same
// core renderer), put in the page and moved by changing its viewBox. Drag to pan, wheel to zoom,
// keys when focused (arrows pan, + and - zoom, 0 fits); a minimap in the corner. Edge labels
// appear once they are large enough to read. Selection marks a node's inputs and consumers;
// search marks the matches and dims the rest.
import type { GraphLayout, LaidNode } from '../../src/core/report/graph-layout.js';
import { CATEGORY_COLORS, renderGraphSvg, TERMINAL_COLORS } from '../../src/core/report/graph-svg.js';
import { createMinimap, type Minimap, type Rect } from './minimap.js';

/** What the graph view needs from a drawing (the SVG one and the WebGL one alike). */
export interface DrawingCanvas {
  /** Highlights a node (or none), its inputs and its consumers, without moving the view. */
  select(id: number | null): void;
  /** Marks search matches (null: no search). */
  highlight(ids: ReadonlySet<number> | null): void;
  /** Moves the view to a node, zooming in to a readable size if needed. */
  focus(id: number): void;
  /** Fits the selected node with its inputs and consumers. */
  zoomToSelection(): void;
  /** Fits the whole graph. */
  fit(): void;
  /** Call after the container was hidden and is shown again. */
  resize(): void;
  destroy(): void;
}

/**
 * Scale (screen pixels per drawing unit) of the first view of a large graph: titles (13 units)
 * are 12 px, param lines and edge labels (11 units) 10 px.
 */
export const READABLE_SCALE = 0.92;
/** Below this scale edge labels are hidden (they would be under 7 px). */
const EDGE_LABEL_SCALE = 0.6;
/** Below this scale all text is hidden. */
const TEXT_SCALE = 0.3;
const MIN_SCALE = 0.02;
const MAX_SCALE = 4;

interface View {
  x: number;
  y: number;
  s: number;
}

const nodeColor = (n: LaidNode) =>
  n.kind === 'op' ? CATEGORY_COLORS[n.category ?? 'other'] : TERMINAL_COLORS[n.kind].stroke;

/** Draws `layout` into `container`; `onPick` fires with the graph node id of a clicked box. */
export function createSvgCanvas(
  container: HTMLElement,
  layout: GraphLayout,
  onPick: (id: number) => void,
  title: string,
): DrawingCanvas {
  const stage = document.createElement('div');
  stage.className = 'svg-stage';
  stage.innerHTML = renderGraphSvg(layout, { title, idPrefix: 'view-graph' });
  container.appendChild(stage);
  const svg = stage.querySelector('svg') as SVGSVGElement;
  svg.removeAttribute('width');
  svg.removeAttribute('height');

  // Indexes: boxes by key, graph node → key, the boxes listing a folded param, edges by end.
  const byKey = new Map<string, Element>();
  for (const g of svg.querySelectorAll('g.node')) byKey.set(g.getAttribute('data-key') ?? '', g);
  const laid = new Map(layout.nodes.map((n) => [n.key, n]));
  const holders = new Map<number, string[]>();
  for (const n of layout.nodes) for (const p of n.params) holders.set(p.node, [...(holders.get(p.node) ?? []), n.key]);
  const edgeEls = new Map<number, Element[]>();
  for (const el of svg.querySelectorAll('[data-edge]')) {
    const i = Number(el.getAttribute('data-edge'));
    edgeEls.set(i, [...(edgeEls.get(i) ?? []), el]);
  }
  const keysOf = (id: number) => (byKey.has(`n${id}`) ? [`n${id}`] : (holders.get(id) ?? []));

  const size = () => ({ w: Math.max(1, container.clientWidth), h: Math.max(1, container.clientHeight) });
  let view: View = { x: 0, y: 0, s: 1 };
  const minimap: Minimap = createMinimap(
    container,
    {
      bounds: { x: 0, y: 0, w: layout.width, h: layout.height },
      boxes: layout.nodes.map((n) => ({ x: n.x, y: n.y, w: n.width, h: n.height, color: nodeColor(n) })),
    },
    (x, y) => centreOn(x, y, view.s, false),
  );
  const visible = (): Rect => {
    const { w, h } = size();
    return { x: view.x, y: view.y, w: w / view.s, h: h / view.s };
  };
  const apply = () => {
    const r = visible();
    svg.setAttribute('viewBox', `${r.x} ${r.y} ${r.w} ${r.h}`);
    svg.classList.toggle('no-edge-labels', view.s < EDGE_LABEL_SCALE);
    svg.classList.toggle('no-text', view.s < TEXT_SCALE);
    svg.setAttribute('data-scale', view.s.toFixed(3));
    minimap.setViewport(r);
    // The minimap only helps when part of the drawing is out of view.
    minimap.show(r.x > 1 || r.y > 1 || r.x + r.w < layout.width - 1 || r.y + r.h < layout.height - 1);
  };
  let anim = 0;
  const moveTo = (target: View, animate: boolean) => {
    cancelAnimationFrame(anim);
    if (!animate) {
      view = target;
      apply();
      return;
    }
    const from = view;
    const t0 = performance.now();
    const step = (now: number) => {
      const t = Math.min(1, (now - t0) / 250);
      const k = t * (2 - t);
      const s = from.s * (target.s / from.s) ** k;
      view = { x: from.x + (target.x - from.x) * k, y: from.y + (target.y - from.y) * k, s };
      apply();
      if (t < 1) anim = requestAnimationFrame(step);
    };
    anim = requestAnimationFrame(step);
  };
  const clampScale = (s: number) => Math.min(MAX_SCALE, Math.max(MIN_SCALE, s));
  const centreOn = (x: number, y: number, s: number, animate: boolean) => {
    const { w, h } = size();
    const sc = clampScale(s);
    moveTo({ x: x - w / 2 / sc, y: y - h / 2 / sc, s: sc }, animate);
  };
  const fitRect = (r: Rect, lo: number, hi: number, animate: boolean) => {
    const { w, h } = size();
    const s = Math.min(hi, Math.max(lo, Math.min(w / (r.w + 40), h / (r.h + 40))));
    centreOn(r.x + r.w / 2, r.y + r.h / 2, s, animate);
  };
  const whole: Rect = { x: 0, y: 0, w: layout.width, h: layout.height };

  // First view: the whole graph if it is readable so, else its top at a readable zoom,
  // centred on the first node of the main path (where a reader starts).
  const initial = () => {
    const { w, h } = size();
    const fit = Math.min(w / layout.width, h / layout.height);
    if (fit >= READABLE_SCALE) return fitRect(whole, READABLE_SCALE, 1.25, false);
    const s = READABLE_SCALE;
    const start = layout.nodes.find((n) => n.kind === 'input') ?? layout.nodes[0];
    const cx = layout.width * s <= w || start === undefined ? layout.width / 2 : start.x + start.width / 2;
    moveTo({ x: cx - w / 2 / s, y: 0, s }, false);
  };
  // A panel laid out later (or hidden) has no size yet: the first view waits for one.
  let started = container.clientWidth > 0 && container.clientHeight > 0;
  if (started) initial();

  // Pointer: drag pans; a press and release without moving picks the box under it.
  let press: { x: number; y: number; view: View; id: number; moved: boolean } | null = null;
  stage.addEventListener('pointerdown', (e) => {
    if (e.button !== 0) return;
    press = { x: e.clientX, y: e.clientY, view, id: e.pointerId, moved: false };
    stage.setPointerCapture(e.pointerId);
  });
  stage.addEventListener('pointermove', (e) => {
    if (press === null) return;
    const dx = e.clientX - press.x;
    const dy = e.clientY - press.y;
    if (!press.moved && Math.hypot(dx, dy) < 4) return;
    press.moved = true;
    stage.classList.add('panning');
    moveTo({ x: press.view.x - dx / press.view.s, y: press.view.y - dy / press.view.s, s: press.view.s }, false);
  });
  stage.addEventListener('pointerup', (e) => {
    const p = press;
    press = null;
    stage.classList.remove('panning');
    if (p === null || p.moved) return;
    // Pointer capture retargets events to the stage: find the box under the pointer.
    const hit = document.elementFromPoint(e.clientX, e.clientY)?.closest('g.node');
    const id = hit?.getAttribute('data-node');
    if (id !== null && id !== undefined) onPick(Number(id));
  });
  stage.addEventListener(
    'wheel',
    (e) => {
      e.preventDefault();
      const r = stage.getBoundingClientRect();
      const px = e.clientX - r.left;
      const py = e.clientY - r.top;
      const s = clampScale(view.s * Math.exp(-e.deltaY * (e.deltaMode === 1 ? 0.05 : 0.0015)));
      // Keep the point under the pointer where it is.
      const gx = view.x + px / view.s;
      const gy = view.y + py / view.s;
      moveTo({ x: gx - px / s, y: gy - py / s, s }, false);
    },
    { passive: false },
  );
  const onKey = (e: KeyboardEvent) => {
    const step = 80 / view.s;
    const { w, h } = size();
    const zoom = (f: number) => centreOn(view.x + w / 2 / view.s, view.y + h / 2 / view.s, view.s * f, true);
    const acts: Record<string, () => void> = {
      ArrowLeft: () => moveTo({ ...view, x: view.x - step }, false),
      ArrowRight: () => moveTo({ ...view, x: view.x + step }, false),
      ArrowUp: () => moveTo({ ...view, y: view.y - step }, false),
      ArrowDown: () => moveTo({ ...view, y: view.y + step }, false),
      '+': () => zoom(1.25),
      '=': () => zoom(1.25),
      '-': () => zoom(0.8),
      '0': () => fitRect(whole, MIN_SCALE, 1.25, true),
    };
    const act = acts[e.key];
    if (act === undefined || e.ctrlKey || e.metaKey || e.altKey) return;
    e.preventDefault();
    act();
  };
  container.addEventListener('keydown', onKey);

  let marked: [Element, string][] = [];
  const mark = (el: Element | undefined, cls: string) => {
    if (el === undefined) return;
    el.classList.add(cls);
    marked.push([el, cls]);
  };
  let selected: number | null = null;
  let matches: Element[] = [];
  const box = (key: string): Rect | null => {
    const n = laid.get(key);
    return n === undefined ? null : { x: n.x, y: n.y, w: n.width, h: n.height };
  };
  let size0 = `${container.clientWidth}x${container.clientHeight}`;
  const observer = new ResizeObserver(() => {
    const now = `${container.clientWidth}x${container.clientHeight}`;
    if (now === size0 || container.clientWidth === 0) return;
    size0 = now;
    if (started) apply();
    else {
      started = true;
      initial();
    }
  });
  observer.observe(container);

  return {
    select(id) {
      for (const [el, cls] of marked) el.classList.remove(cls);
      marked = [];
      selected = id;
      if (id === null) return;
      const keys = keysOf(id);
      const own = byKey.has(`n${id}`);
      for (const k of keys) mark(byKey.get(k), own ? 'selected' : 'holds-selected');
      if (!own) return;
      layout.edges.forEach((e, i) => {
        if (e.to === `n${id}`) {
          for (const el of edgeEls.get(i) ?? []) mark(el, 'in-edge');
          mark(byKey.get(e.from), 'pred');
        } else if (e.from === `n${id}`) {
          for (const el of edgeEls.get(i) ?? []) mark(el, 'out-edge');
          mark(byKey.get(e.to), 'succ');
        }
      });
    },
    highlight(ids) {
      for (const el of matches) el.classList.remove('match');
      matches = [];
      svg.classList.toggle('searching', ids !== null);
      if (ids === null) return;
      for (const id of ids)
        for (const k of keysOf(id)) {
          const el = byKey.get(k);
          if (el !== undefined) {
            el.classList.add('match');
            matches.push(el);
          }
        }
    },
    focus(id) {
      const r = box(keysOf(id)[0] ?? '');
      if (r === null) return;
      centreOn(r.x + r.w / 2, r.y + r.h / 2, Math.max(view.s, READABLE_SCALE), true);
    },
    zoomToSelection() {
      if (selected === null) return;
      const keys = new Set(keysOf(selected));
      for (const e of layout.edges) {
        if (keys.has(e.to)) keys.add(e.from);
        if (keys.has(e.from)) keys.add(e.to);
      }
      const rects = [...keys].map(box).filter((r): r is Rect => r !== null);
      if (rects.length === 0) return;
      const x0 = Math.min(...rects.map((r) => r.x));
      const y0 = Math.min(...rects.map((r) => r.y));
      const x1 = Math.max(...rects.map((r) => r.x + r.w));
      const y1 = Math.max(...rects.map((r) => r.y + r.h));
      fitRect({ x: x0, y: y0, w: x1 - x0, h: y1 - y0 }, READABLE_SCALE, 1.5, true);
    },
    fit() {
      fitRect(whole, MIN_SCALE, 1.25, true);
    },
    resize() {
      apply();
    },
    destroy() {
      cancelAnimationFrame(anim);
      observer.disconnect();
      container.removeEventListener('keydown', onKey);
      minimap.destroy();
      stage.remove();
    },
  };
}
