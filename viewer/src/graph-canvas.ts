// The WebGL drawing of a graph with sigma + graphology: positions come from the layout worker,
// sizes are in layout units (so nodes scale with zoom like the geometry), and labels appear once
// a node is drawn large enough to read them.
import Graph from 'graphology';
import Sigma from 'sigma';
import { EdgeLineProgram, NodePointProgram } from 'sigma/rendering';
import type { GraphTable } from '../../src/core/report/view-data.js';
import { shortFuncName } from './format.js';
import type { LayoutResult } from './layout.js';

/** What the graph view needs from the drawing. */
export interface GraphCanvas {
  /** Highlights a node (or none) without moving the camera. */
  select(id: number | null): void;
  /** Animates the camera to a node. */
  focus(id: number): void;
  /** Fits the whole graph. */
  fit(): void;
  /** Call after the container was hidden and is shown again. */
  resize(): void;
  destroy(): void;
}

const COLORS = {
  op: '#2f6fba',
  input: '#1d8a4e',
  param: '#8a8f98',
  head: '#c05a00',
  selected: '#d7263d',
  edge: '#b9c1cc',
};

/** Above this many nodes, lighter WebGL programs (points, 1-pixel lines) keep the first frame fast. */
export const BIG_GRAPH = 5000;

/** Label drawn for a node: the readable part of its function, or its name. */
export function nodeLabel(n: GraphTable['nodes'][number]): string {
  return n.funcName !== null ? shortFuncName(n.funcName) : n.name;
}

/** Drawn labels stay short so neighbours do not collide; the list and details show full names. */
const canvasLabel = (s: string) => (s.length > 22 ? `${s.slice(0, 21)}…` : s);

/** Draws `table` at `layout` into `container`; `onPick` fires for clicks on nodes. */
export function createGraphCanvas(
  container: HTMLElement,
  table: GraphTable,
  layout: LayoutResult,
  onPick: (id: number) => void,
): GraphCanvas {
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
    nodeReducer: (key, data) =>
      key === selected
        ? { ...data, color: COLORS.selected, size: (data.size as number) * 1.8, highlighted: true, zIndex: 1 }
        : data,
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
  return {
    select(id) {
      const touched = [selected, id === null ? null : String(id)].filter((k): k is string => k !== null);
      selected = id === null ? null : String(id);
      // Re-process only the nodes whose look changed (the reducer runs at indexation).
      if (touched.length > 0) renderer.refresh({ partialGraph: { nodes: touched } });
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
      renderer.kill();
    },
  };
}
