// Graph view: node list with search (left), the drawing (centre), the selected node's details
// (right). A module shows its fused operators (the graph executor's graph, or the calls of an AOT
// main) and, where it has Relay text, the Relay @main as a second level; a fused node lists the
// Relay ops its name reveals, each a link to them in the Relay level. Graphs up to SVG_MAX_NODES drawn nodes are drawn as boxes (the SVG of `mlf graph
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
import type { ModuleViews } from '../../src/core/report/module-views.js';
import { createSvgCanvas, type DrawingCanvas } from './svg-canvas.js';

/** Above this many drawn nodes the graph is drawn with WebGL points instead of SVG boxes. */
export const SVG_MAX_NODES = 5000;

/** `fused`: the graph executor's graph or the AOT main's calls; `relay`: the Relay @main. */
export type GraphLevel = 'fused' | 'relay';

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
  const [level, setLevel] = useState<GraphLevel>('fused');
  const [views, setViews] = useState<ModuleViews | null>(null);
  // The selection shared with the memory view is a fused node; the Relay level keeps its own.
  const [relaySelected, setRelaySelected] = useState<number | null>(null);
  const selected = level === 'relay' ? relaySelected : props.selected;
  const onSelect = level === 'relay' ? setRelaySelected : props.onSelect;
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
  const current = useRef({ selected, matches: null as ReadonlySet<number> | null });
  // Set when a click in the drawing selected the node: the view then stays where it is.
  const picked = useRef<number | null>(null);

  useEffect(() => {
    let cancelled = false;
    setPhase({ state: 'loading' });
    setDrawError(null);
    const t0 = performance.now();
    (async () => {
      const v = await props.session.views(props.module);
      if (cancelled) return;
      setViews(v);
      const graph = level === 'relay' ? null : await props.session.graph(props.module);
      const paramNames = new Set(Object.keys(props.session.report.modules[props.module]?.params ?? {}));
      const table =
        level === 'relay' ? v.relay : graph !== null ? graphTable(graph, paramNames) : (v.aot?.table ?? null);
      if (table === null) {
        // Only Relay text to show: open on it.
        if (level === 'fused' && v.relay !== null) return setLevel('relay');
        return setPhase({ state: 'none' });
      }
      const boxes = drawnCount(table, params) <= SVG_MAX_NODES;
      if (!cancelled) setDrawn(boxes ? 'boxes' : 'points');
      const pick = (id: number) => {
        picked.current = id;
        onSelect(id);
      };
      let engine: LayoutEngine | null = null;
      let draw: () => DrawingCanvas;
      if (boxes) {
        const layout = await layoutDrawingInWorker(buildGraphDrawing(table, { params }));
        engine = layout.engine;
        draw = () =>
          createSvgCanvas(
            host.current as HTMLElement,
            layout,
            pick,
            `${level === 'relay' ? 'Relay graph' : 'Graph'} of module ${props.module}`,
          );
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
  }, [props.session, props.module, params, level]);

  useEffect(() => {
    setLevel('fused');
    setRelaySelected(null);
  }, [props.session, props.module]);

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
    current.current.selected = selected;
    canvas.current?.select(selected);
    // A selection made elsewhere (the list, the memory timeline) brings the node into view.
    if (selected !== null && picked.current !== selected) canvas.current?.focus(selected);
    picked.current = null;
  }, [selected]);

  if (phase.state === 'none') {
    const ex = props.session.report.modules[props.module]?.executors.join(', ') || 'operator style';
    return (
      <p class="empty">
        Module {props.module} has no graph-executor JSON, AOT main or Relay text ({ex}): nothing to draw.
      </p>
    );
  }
  // A fused node's Relay ops link to the Relay level, where the search finds every node of that op.
  const members = (id: number) => {
    const f = table?.nodes[id]?.funcName;
    return level === 'fused' && f != null ? views?.aot?.members[f] : undefined;
  };
  const showRelayOp = (op: string) => {
    setQuery(op);
    setLevel('relay');
  };
  const ready = phase.state === 'ready';
  const boxes = drawn === 'boxes';
  return (
    <div
      class="graph-view"
      data-level={level}
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
              if (items[0] !== undefined) onSelect(items[0]);
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
            selected={selected}
            onSelect={(id) => onSelect(id)}
            listRef={list}
          />
        )}
      </aside>
      <div class="graph-main">
        <div class="graph-toolbar">
          {views?.relay != null && (
            <label class="graph-level">
              Level{' '}
              <select id="graph-level" value={level} onChange={(e) => setLevel(e.currentTarget.value as GraphLevel)}>
                <option value="fused" disabled={views.aot === null && !hasGraph(props.session, props.module)}>
                  fused operators
                </option>
                <option value="relay">Relay</option>
              </select>
            </label>
          )}
          <button type="button" id="graph-fit" onClick={() => canvas.current?.fit()} disabled={!ready}>
            Fit graph
          </button>
          <button
            type="button"
            id="graph-zoom-selection"
            onClick={() => canvas.current?.zoomToSelection()}
            disabled={!ready || selected === null}
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
        {table !== null && selected !== null ? (
          <NodeDetails
            table={table}
            id={selected}
            onJump={(id) => onSelect(id)}
            level={level}
            members={members(selected)}
            onMember={showRelayOp}
          />
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

/** Whether the module has a graph-executor graph (from the inspect report, without loading it). */
function hasGraph(session: Session, module: string): boolean {
  return session.report.modules[module]?.graph != null;
}
