// The WebGL drawing of very large graphs with sigma + graphology: positions come from the layout
// worker, sizes are in layout units (so nodes scale with zoom like the geometry), and labels
// appear once a node is drawn large enough to read them. Smaller graphs are drawn as boxes
// (svg-canvas.ts).
import Graph from 'graphology';
import Sigma from 'sigma';
import { EdgeLineProgram, NodePointProgram } from 'sigma/rendering';
import type { LayoutResult } from '../../src/core/graph/layered-layout.js';
import { shortOpName } from '../../src/core/report/op-names.js';
import type { GraphTable } from '../../src/core/report/view-data.js';
import { createMinimap } from './minimap.js';
import type { DrawingCanvas } from './svg-canvas.js';

const COLORS = {
  op: '#2f6fba',
  input: '#1d8a4e',
  param: '#8a8f98',
  head: '#c05a00',
  selected: '#d7263d',
  pred: '#1f5fa8',
  succ: '#8a4fbf',
  match: '#e0a400',
  edge: '#b9c1cc',
};

/** Above this many nodes, lighter WebGL programs (points, 1-pixel lines) keep the first frame fast. */
export const BIG_GRAPH = 5000;

/** Label drawn for a node: the short name of its function's ops, or its name. */
export function nodeLabel(n: GraphTable['nodes'][number]): string {
  return n.funcName !== null ? shortOpName(n.funcName) : n.name;
}

/** Drawn labels stay short so neighbours do not collide; the list and details show full names. */
const canvasLabel = (s: string) => (s.length > 22 ? `${s.slice(0, 21)}…` : s);

/** Draws `table` at `layout` into `container`; `onPick` fires for clicks on nodes. */
export function createGraphCanvas(
  container: HTMLElement,
  table: GraphTable,
  layout: LayoutResult,
  onPick: (id: number) => void,
): DrawingCanvas {
  const heads = new Set(table.heads.map((h) => h[0]));
  const g = new Graph({ type: 'directed', multi: false, allowSelfLoops: false });
  for (const n of table.nodes) {
    const color = heads.has(n.id) ? COLORS.head : COLORS[n.kind];
    // y is negated: sigma's y axis points up, our layers go down.
    g.addNode(String(n.id), {
      x: layout.x[n.id],
      y: -(layout.y[n.id] as number),
      size: n.kind === 'op' ? 0.16 : 0.1,
      color,
      label: canvasLabel(nodeLabel(n)),
    });
  }
  // One drawn edge per producer/consumer pair; explicit keys skip graphology's key generator.
  table.edges.forEach((e, i) => {
    if (!g.hasDirectedEdge(String(e.from), String(e.to)))
      g.addDirectedEdgeWithKey(`e${i}`, String(e.from), String(e.to), { size: 0.03, color: COLORS.edge });
  });

  let selected: string | null = null;
  let preds = new Set<string>();
  let succs = new Set<string>();
  let matches = new Set<string>();
  const big = table.nodes.length > BIG_GRAPH;
  const renderer = new Sigma(g, container, {
    itemSizesReference: 'positions',
    zoomToSizeRatioFunction: (r) => r,
    hideEdgesOnMove: big,
    hideLabelsOnMove: big,
    labelRenderedSizeThreshold: big ? 7 : 4,
    labelFont: 'system-ui, sans-serif',
    labelSize: 12,
    labelGridCellSize: 160,
    minCameraRatio: 0.0005,
    maxCameraRatio: 4,
    allowInvalidContainer: true,
    stagePadding: 24,
    // Measured in software WebGL: with circles and rectangle edges a 50k-node first frame took
    // 2-5 s longer than with points and 1-pixel lines.
    ...(big ? { nodeProgramClasses: { circle: NodePointProgram }, edgeProgramClasses: { line: EdgeLineProgram } } : {}),
    nodeReducer: (key, data) => {
      if (key === selected)
        return { ...data, color: COLORS.selected, size: (data.size as number) * 1.8, highlighted: true, zIndex: 2 };
      if (preds.has(key)) return { ...data, color: COLORS.pred, size: (data.size as number) * 1.4, zIndex: 1 };
      if (succs.has(key)) return { ...data, color: COLORS.succ, size: (data.size as number) * 1.4, zIndex: 1 };
      if (matches.has(key)) return { ...data, color: COLORS.match, size: (data.size as number) * 1.4, zIndex: 1 };
      return data;
    },
    zIndex: true,
  });
  renderer.on('clickNode', ({ node }) => onPick(Number(node)));

  const cameraTo = (id: number, ratio: number, animate: boolean) => {
    const d = renderer.getNodeDisplayData(String(id));
    if (d === undefined) return;
    const state = { x: d.x, y: d.y, ratio };
    if (animate) renderer.getCamera().animate(state, { duration: 300 });
    else renderer.getCamera().setState(state);
  };
  // Readable zoom: about 14 layers high (labels show); a tall graph opens at its inputs, not as a thin line.
  const readable = Math.min(1, 14 / Math.max(1, layout.layers));
  if (layout.layers > 40) {
    const target = Math.min(12, layout.layers - 1);
    const first = layout.layer.findIndex((l) => l === target);
    cameraTo(Math.max(0, first), readable, false);
  }

  // Sigma only listens to window resizes; a panel can change size on its own. A refresh
  // re-indexes every node (about a second at 50k), so only real size changes ask for one.
  let size = `${container.clientWidth}x${container.clientHeight}`;
  const observer = new ResizeObserver(() => {
    const now = `${container.clientWidth}x${container.clientHeight}`;
    if (now === size || container.clientWidth === 0) return;
    size = now;
    renderer.scheduleRefresh();
  });
  observer.observe(container);
  const neighbours = (key: string | null): [Set<string>, Set<string>] =>
    key === null || !g.hasNode(key)
      ? [new Set<string>(), new Set<string>()]
      : [new Set(g.inNeighbors(key)), new Set(g.outNeighbors(key))];
  // Re-process only the nodes whose look changed (the reducer runs at indexation).
  const refresh = (keys: Iterable<string>) => {
    const nodes = [...new Set(keys)].filter((k) => g.hasNode(k));
    if (nodes.length > 0) renderer.refresh({ partialGraph: { nodes } });
  };

  // The minimap shows the layout's points (y down, as laid out); sigma's y axis points up.
  let minX = Infinity;
  let maxX = -Infinity;
  let maxY = 0;
  for (let i = 0; i < layout.x.length; i++) {
    minX = Math.min(minX, layout.x[i] as number);
    maxX = Math.max(maxX, layout.x[i] as number);
    maxY = Math.max(maxY, layout.y[i] as number);
  }
  const pad = 1;
  const bounds = { x: minX - pad, y: -pad, w: maxX - minX + 2 * pad, h: maxY + 2 * pad };
  const dotX = bounds.w / 60;
  const dotY = bounds.h / 150;
  const buildMinimap = () =>
    createMinimap(
      container,
      {
        bounds,
        boxes: table.nodes.map((n) => ({
          x: (layout.x[n.id] as number) - dotX / 2,
          y: (layout.y[n.id] as number) - dotY / 2,
          w: dotX,
          h: dotY,
          color: heads.has(n.id) ? COLORS.head : COLORS[n.kind],
        })),
      },
      (x, y) => {
        const p = renderer.getCamera().getState();
        const d = renderer.graphToViewport({ x, y: -y });
        const c = renderer.viewportToFramedGraph(d);
        renderer.getCamera().setState({ ...p, x: c.x, y: c.y });
      },
    );
  // Built when the page is idle: it is not needed for the first frame (50k boxes take ~0.1-0.2 s).
  let minimap: ReturnType<typeof createMinimap> | null = null;
  let killed = false;
  const idle = (f: () => void) =>
    'requestIdleCallback' in window ? requestIdleCallback(f, { timeout: 2000 }) : setTimeout(f, 200);
  idle(() => {
    if (killed) return;
    minimap = buildMinimap();
    updateMinimap();
  });
  const updateMinimap = () => {
    if (minimap === null) return;
    const a = renderer.viewportToGraph({ x: 0, y: 0 });
    const b = renderer.viewportToGraph({ x: container.clientWidth, y: container.clientHeight });
    minimap.setViewport({
      x: Math.min(a.x, b.x),
      y: -Math.max(a.y, b.y),
      w: Math.abs(b.x - a.x),
      h: Math.abs(b.y - a.y),
    });
  };
  renderer.getCamera().on('updated', updateMinimap);

  return {
    select(id) {
      const before = [selected, ...preds, ...succs].filter((k): k is string => k !== null);
      selected = id === null ? null : String(id);
      [preds, succs] = neighbours(selected);
      refresh([...before, ...(selected === null ? [] : [selected]), ...preds, ...succs]);
    },
    highlight(ids) {
      const before = matches;
      matches = new Set(ids === null ? [] : [...ids].map(String));
      refresh([...before, ...matches]);
    },
    zoomToSelection() {
      if (selected !== null) cameraTo(Number(selected), readable / 3, true);
    },
    focus(id) {
      cameraTo(id, Math.min(renderer.getCamera().getState().ratio, readable), true);
    },
    fit() {
      renderer.getCamera().animatedReset({ duration: 300 });
    },
    resize() {
      const now = `${container.clientWidth}x${container.clientHeight}`;
      if (now !== size) {
        size = now;
        renderer.scheduleRefresh();
      }
    },
    destroy() {
      observer.disconnect();
      killed = true;
      minimap?.destroy();
      renderer.kill();
    },
  };
}
