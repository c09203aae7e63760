// Graph view: node list with search (left), the drawing (centre), the selected node's details
// (right). Graphs up to SVG_MAX_NODES drawn nodes are drawn as boxes (the SVG of `mlf graph
// --format svg`, laid out in a worker); larger ones as WebGL points with our own fast layout.
// Marks itself `data-graph-ready` once the first frame is drawn.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { buildGraphDrawing, type ParamMode } from '../../src/core/report/graph-drawing.js';
import type { LayoutEngine } from '../../src/core/report/graph-layout.js';
import { CATEGORY_COLORS } from '../../src/core/report/graph-svg.js';
import { OP_CATEGORIES, OP_CATEGORY_LABELS } from '../../src/core/report/op-names.js';
import { type GraphTable, graphTable } from '../../src/core/report/view-data.js';
import { createGraphCanvas } from './graph-canvas.js';
import { layoutDrawingInWorker, layoutInWorker } from './layout-client.js';
import { NodeDetails } from './node-details.js';
import { NodeList } from './node-list.js';
import type { Session } from './session.js';
import { createSvgCanvas, type DrawingCanvas } from './svg-canvas.js';

/** Above this many drawn nodes the graph is drawn with WebGL points instead of SVG boxes. */
export const SVG_MAX_NODES = 5000;

type Phase =
  | { state: 'loading' }
  | { state: 'none' }
  | { state: 'ready'; table: GraphTable; ms: number; drawn: 'boxes' | 'points'; engine: LayoutEngine | null }
  | { state: 'error'; message: string };

/** Nodes a box drawing of `table` would have (outputs included), without building it. */
function drawnCount(table: GraphTable, params: ParamMode): number {
  const kept = params === 'nodes' ? table.nodes.length : table.nodes.filter((n) => n.kind !== 'param').length;
  return kept + table.heads.length;
}

/** The graph panel of one module; `visible` tells it to resize after being hidden. */
export function GraphView(props: {
  session: Session;
  module: string;
  visible: boolean;
  selected: number | null;
  onSelect: (id: number | null) => void;
}) {
  const [phase, setPhase] = useState<Phase>({ state: 'loading' });
  const [query, setQuery] = useState('');
  const [params, setParams] = useState<ParamMode>('folded');
  const [drawError, setDrawError] = useState<string | null>(null);
  // Known before the layout finishes, so the legend is in place before the drawing is made
  // (a legend appearing later would resize the drawing: a full re-index in WebGL at 50k nodes).
  const [drawn, setDrawn] = useState<'boxes' | 'points' | null>(null);
  const host = useRef<HTMLDivElement>(null);
  const canvas = useRef<DrawingCanvas | null>(null);
  const list = useRef<HTMLDivElement | null>(null);
  // The selection and search as of now, for a drawing that finishes later.
  const current = useRef({ selected: props.selected, matches: null as ReadonlySet<number> | null });
  // Set when a click in the drawing selected the node: the view then stays where it is.
  const picked = useRef<number | null>(null);

  useEffect(() => {
    let cancelled = false;
    setPhase({ state: 'loading' });
    setDrawError(null);
    const t0 = performance.now();
    (async () => {
      const graph = await props.session.graph(props.module);
      if (graph === null) return setPhase({ state: 'none' });
      const paramNames = new Set(Object.keys(props.session.report.modules[props.module]?.params ?? {}));
      const table = graphTable(graph, paramNames);
      const boxes = drawnCount(table, params) <= SVG_MAX_NODES;
      if (!cancelled) setDrawn(boxes ? 'boxes' : 'points');
      const pick = (id: number) => {
        picked.current = id;
        props.onSelect(id);
      };
      let engine: LayoutEngine | null = null;
      let draw: () => DrawingCanvas;
      if (boxes) {
        const layout = await layoutDrawingInWorker(buildGraphDrawing(table, { params }));
        engine = layout.engine;
        draw = () => createSvgCanvas(host.current as HTMLElement, layout, pick, `Graph of module ${props.module}`);
      } else {
        const from = new Int32Array(table.edges.length);
        const to = new Int32Array(table.edges.length);
        table.edges.forEach((e, i) => {
          from[i] = e.from;
          to[i] = e.to;
        });
        const layout = await layoutInWorker(table.nodes.length, from, to);
        draw = () => createGraphCanvas(host.current as HTMLElement, table, layout, pick);
      }
      if (cancelled || host.current === null) return;
      try {
        canvas.current = draw();
        canvas.current.highlight(current.current.matches);
        if (current.current.selected !== null) {
          canvas.current.select(current.current.selected);
          canvas.current.focus(current.current.selected);
        }
      } catch (e) {
        // No WebGL (some locked-down browsers): the list and details still work.
        setDrawError(
          `The graph cannot be drawn here (${e instanceof Error ? e.message : String(e)}); use the node list.`,
        );
      }
      // Two frames: the drawing renders on the next animation frame after construction.
      requestAnimationFrame(() =>
        requestAnimationFrame(
          () =>
            !cancelled &&
            setPhase({
              state: 'ready',
              table,
              ms: Math.round(performance.now() - t0),
              drawn: boxes ? 'boxes' : 'points',
              engine,
            }),
        ),
      );
    })().catch(
      (e: unknown) => !cancelled && setPhase({ state: 'error', message: e instanceof Error ? e.message : String(e) }),
    );
    return () => {
      cancelled = true;
      canvas.current?.destroy();
      canvas.current = null;
    };
  }, [props.session, props.module, params]);

  useEffect(() => {
    if (props.visible) canvas.current?.resize();
  }, [props.visible]);

  const table = phase.state === 'ready' ? phase.table : null;
  const items = useMemo(() => {
    if (table === null) return [];
    const q = query.trim().toLowerCase();
    const all = table.nodes.map((n) => n.id);
    if (q === '') return all;
    return all.filter((id) => {
      const n = table.nodes[id];
      return n !== undefined && (n.name.toLowerCase().includes(q) || (n.funcName ?? '').toLowerCase().includes(q));
    });
  }, [table, query]);

  useEffect(() => {
    const matches = query.trim() === '' || table === null ? null : new Set(items);
    current.current.matches = matches;
    canvas.current?.highlight(matches);
  }, [items]);

  useEffect(() => {
    current.current.selected = props.selected;
    canvas.current?.select(props.selected);
    // A selection made elsewhere (the list, the memory timeline) brings the node into view.
    if (props.selected !== null && picked.current !== props.selected) canvas.current?.focus(props.selected);
    picked.current = null;
  }, [props.selected]);

  if (phase.state === 'none') {
    const ex = props.session.report.modules[props.module]?.executors.join(', ') || 'operator style';
    return (
      <p class="empty">
        Module {props.module} has no graph-executor JSON ({ex}): nothing to draw.
      </p>
    );
  }
  const ready = phase.state === 'ready';
  const boxes = drawn === 'boxes';
  return (
    <div
      class="graph-view"
      data-graph-ready={ready ? 'true' : 'false'}
      data-drawn={ready ? phase.drawn : undefined}
      data-engine={ready ? (phase.engine ?? undefined) : undefined}
    >
      <aside class="graph-side" aria-label="Node search">
        <label class="search">
          <span>Search nodes</span>
          <input
            type="search"
            id="node-search"
            placeholder="name or function"
            value={query}
            onInput={(e) => setQuery(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key !== 'Enter' && e.key !== 'ArrowDown') return;
              e.preventDefault();
              if (items[0] !== undefined) props.onSelect(items[0]);
              list.current?.focus();
            }}
          />
        </label>
        <p class="muted count" aria-live="polite">
          {table === null ? '' : `${items.length} of ${table.nodes.length} nodes`}
        </p>
        {table !== null && (
          <NodeList
            nodes={table.nodes}
            items={items}
            selected={props.selected}
            onSelect={(id) => props.onSelect(id)}
            listRef={list}
          />
        )}
      </aside>
      <div class="graph-main">
        <div class="graph-toolbar">
          <button type="button" id="graph-fit" onClick={() => canvas.current?.fit()} disabled={!ready}>
            Fit graph
          </button>
          <button
            type="button"
            id="graph-zoom-selection"
            onClick={() => canvas.current?.zoomToSelection()}
            disabled={!ready || props.selected === null}
          >
            Zoom to selection
          </button>
          {(boxes || params === 'nodes') && (
            <label class="toggle">
              <input
                type="checkbox"
                id="graph-params-nodes"
                checked={params === 'nodes'}
                onChange={(e) => setParams(e.currentTarget.checked ? 'nodes' : 'folded')}
              />{' '}
              params as nodes
            </label>
          )}
          <span class="muted" role="status" id="graph-status">
            {phase.state === 'loading' && 'Laying out the graph…'}
            {ready &&
              `Ready: ${table?.nodes.length} nodes, ${table?.edges.length} edges (${phase.ms} ms${
                phase.drawn === 'points' ? ', drawn as points' : ''
              })`}
            {phase.state === 'error' && `Graph failed: ${phase.message}`}
          </span>
        </div>
        {drawn !== null && <Legend boxes={drawn === 'boxes'} />}
        {drawError !== null && <p class="error">{drawError}</p>}
        <div
          class="graph-canvas"
          ref={host}
          tabIndex={0}
          role="region"
          aria-label="Graph drawing: arrow keys pan, plus and minus zoom, 0 fits; use the node list to move through nodes"
        />
      </div>
      <aside class="graph-details" aria-label="Selected node">
        {table !== null && props.selected !== null ? (
          <NodeDetails table={table} id={props.selected} onJump={(id) => props.onSelect(id)} />
        ) : (
          <p class="muted">Select a node in the list or the drawing.</p>
        )}
      </aside>
    </div>
  );
}

function Legend(props: { boxes: boolean }) {
  if (!props.boxes)
    return (
      <p class="legend" aria-hidden="true">
        <span class="dot kind-op" /> operator <span class="dot kind-input" /> input <span class="dot kind-param" />{' '}
        param <span class="dot kind-head" /> output
      </p>
    );
  return (
    <p class="legend" aria-hidden="true">
      {OP_CATEGORIES.map((c) => (
        <span key={c} class="legend-item">
          <span class="swatch" style={{ background: CATEGORY_COLORS[c] }} />
          {OP_CATEGORY_LABELS[c]}
        </span>
      ))}
      <span class="legend-item">
        <span class="swatch terminal input" />
        input
      </span>
      <span class="legend-item">
        <span class="swatch terminal output" />
        output
      </span>
      <span class="legend-item">
        <span class="swatch sel pred" />
        inputs of the selection
      </span>
      <span class="legend-item">
        <span class="swatch sel succ" />
        consumers
      </span>
    </p>
  );
}
