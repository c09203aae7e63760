// Graph view: node list with search (left), WebGL drawing laid out in a worker (centre), the
// selected node's details (right). Marks itself `data-graph-ready` once the first frame is drawn.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { type GraphTable, graphTable } from '../../src/core/report/view-data.js';
import { createGraphCanvas, type GraphCanvas } from './graph-canvas.js';
import { layoutInWorker } from './layout-client.js';
import { NodeDetails } from './node-details.js';
import { NodeList } from './node-list.js';
import type { Session } from './session.js';
import type { ModuleViews } from '../../src/core/report/module-views.js';

type Phase =
  | { state: 'loading' }
  | { state: 'none' }
  | { state: 'ready'; table: GraphTable; ms: number }
  | { state: 'error'; message: string };

/** The graph panel of one module; `visible` tells it to resize after being hidden. */
export function GraphView(props: { session: Session; module: string; visible: boolean }) {
  const [phase, setPhase] = useState<Phase>({ state: 'loading' });
  // `fused`: the graph executor's graph or the AOT main's calls; `relay`: the Relay @main.
  const [level, setLevel] = useState<'fused' | 'relay'>('fused');
  const [views, setViews] = useState<ModuleViews | null>(null);
  const [query, setQuery] = useState('');
  const [selected, setSelected] = useState<number | null>(null);
  const [drawError, setDrawError] = useState<string | null>(null);
  const host = useRef<HTMLDivElement>(null);
  const canvas = useRef<GraphCanvas | null>(null);
  const list = useRef<HTMLDivElement | null>(null);

  useEffect(() => {
    let cancelled = false;
    setPhase({ state: 'loading' });
    setSelected(null);
    setDrawError(null);
    const t0 = performance.now();
    (async () => {
      const v = await props.session.views(props.module);
      if (!cancelled) setViews(v);
      const graph = level === 'relay' ? null : await props.session.graph(props.module);
      const paramNames = new Set(Object.keys(props.session.report.modules[props.module]?.params ?? {}));
      const table =
        level === 'relay' ? v.relay : graph !== null ? graphTable(graph, paramNames) : (v.aot?.table ?? null);
      if (table === null) return setPhase({ state: 'none' });
      const from = new Int32Array(table.edges.length);
      const to = new Int32Array(table.edges.length);
      table.edges.forEach((e, i) => {
        from[i] = e.from;
        to[i] = e.to;
      });
      const layout = await layoutInWorker(table.nodes.length, from, to);
      if (cancelled || host.current === null) return;
      try {
        canvas.current = createGraphCanvas(host.current, table, layout, (id) => setSelected(id));
      } catch (e) {
        // No WebGL (some locked-down browsers): the list and details still work.
        setDrawError(
          `The graph cannot be drawn here (${e instanceof Error ? e.message : String(e)}); use the node list.`,
        );
      }
      // Two frames: sigma renders on the next animation frame after construction.
      requestAnimationFrame(() =>
        requestAnimationFrame(
          () => !cancelled && setPhase({ state: 'ready', table, ms: Math.round(performance.now() - t0) }),
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
  }, [props.session, props.module, level]);

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

  const select = (id: number, move = true) => {
    setSelected(id);
    if (move) canvas.current?.focus(id);
  };
  useEffect(() => canvas.current?.select(selected), [selected]);

  if (phase.state === 'none' && level === 'fused' && views?.relay == null) {
    const ex = props.session.report.modules[props.module]?.executors.join(', ') || 'operator style';
    return (
      <p class="empty">
        Module {props.module} has no graph-executor JSON or AOT main ({ex}): nothing to draw.
      </p>
    );
  }
  const members = (id: number) => {
    const f = table?.nodes[id]?.funcName;
    return level === 'fused' && f != null ? views?.aot?.members[f] : undefined;
  };
  return (
    <div class="graph-view" data-graph-ready={phase.state === 'ready' ? 'true' : 'false'}>
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
              if (items[0] !== undefined) select(items[0]);
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
            onSelect={(id) => select(id)}
            listRef={list}
          />
        )}
      </aside>
      <div class="graph-main">
        <div class="graph-toolbar">
          {views?.relay != null && (
            <label class="graph-level">
              Level{' '}
              <select
                id="graph-level"
                value={level}
                onChange={(e) => setLevel(e.currentTarget.value as 'fused' | 'relay')}
              >
                <option value="fused">fused operators</option>
                <option value="relay">Relay</option>
              </select>
            </label>
          )}
          <button type="button" onClick={() => canvas.current?.fit()} disabled={canvas.current === null}>
            Fit graph
          </button>
          <span class="legend" aria-hidden="true">
            <span class="dot kind-op" /> operator <span class="dot kind-input" /> input <span class="dot kind-param" />{' '}
            param <span class="dot kind-head" /> output
          </span>
          <span class="muted" role="status" id="graph-status">
            {phase.state === 'loading' && 'Laying out the graph…'}
            {phase.state === 'ready' &&
              `Ready: ${table?.nodes.length} nodes, ${table?.edges.length} edges (${phase.ms} ms)`}
            {phase.state === 'error' && `Graph failed: ${phase.message}`}
          </span>
        </div>
        {drawError !== null && <p class="error">{drawError}</p>}
        <div
          class="graph-canvas"
          ref={host}
          aria-label="Graph drawing (use the node list to move through nodes with the keyboard)"
          role="img"
        />
      </div>
      <aside class="graph-details" aria-label="Selected node">
        {table !== null && selected !== null ? (
          <NodeDetails table={table} id={selected} onJump={(id) => select(id)} members={members(selected)} />
        ) : (
          <p class="muted">Select a node in the list or the drawing.</p>
        )}
      </aside>
    </div>
  );
}
