// Memory: the timeline of live buffers (graph executor storage ids, or an AOT module's pool and
// arena buffers), an AOT module's pool map, workspace / io / constants per device (from
// metadata), storage pools by size (graph executor) and operator functions by workspace.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { computeStoragePools, type GraphJson, type StoragePool } from '../../src/core/index.js';
import { aotMemoryTimeline, graphMemoryTimeline, peakLive } from '../../src/core/report/memory-timeline.js';
import type { ModuleViews } from '../../src/core/report/module-views.js';
import { graphTable } from '../../src/core/report/view-data.js';
import { BarChart } from './bar-chart.js';
import { formatBytes, shortFuncName } from './format.js';
import { MemoryTimelineChart } from './memory-timeline.js';
import { PoolMap } from './pool-map.js';
import type { Session } from './session.js';

const TOP = 15;

function DeviceBars(props: {
  main: { device: number; workspaceBytes: number; ioBytes: number | null; constantsBytes: number | null }[];
}) {
  const max = Math.max(1, ...props.main.flatMap((e) => [e.workspaceBytes, e.ioBytes ?? 0, e.constantsBytes ?? 0]));
  return (
    <table class="grid bars" id="device-memory">
      <caption>Per device (metadata.json, as TVM computed it)</caption>
      <thead>
        <tr>
          <th scope="col">device</th>
          <th scope="col">kind</th>
          <th scope="col" class="num">
            bytes
          </th>
          <th scope="col" class="bar-col">
            <span class="sr-only">share</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {props.main.flatMap((e) =>
          (
            [
              ['workspace', e.workspaceBytes],
              ['io', e.ioBytes],
              ['constants', e.constantsBytes],
            ] as [string, number | null][]
          ).map(([kind, v]) => (
            <tr key={`${e.device}-${kind}`} data-kind={kind}>
              <td>{e.device}</td>
              <td>{kind}</td>
              <td class="num" title={v === null ? '' : `${v} bytes`}>
                {formatBytes(v)}
              </td>
              <td class="bar-col">
                <span
                  class={`hbar hbar-${kind}`}
                  style={{ width: `${v === null ? 0 : Math.max(0.5, (100 * v) / max)}%` }}
                />
              </td>
            </tr>
          )),
        )}
      </tbody>
    </table>
  );
}

function TopTable(props: { id: string; caption: string; head: string; rows: [string, number][] }) {
  return (
    <table class="grid" id={props.id}>
      <caption>{props.caption}</caption>
      <thead>
        <tr>
          <th scope="col">{props.head}</th>
          <th scope="col" class="num">
            bytes
          </th>
        </tr>
      </thead>
      <tbody>
        {props.rows.map(([k, v]) => (
          <tr key={k}>
            <td class="mono wrap">{k}</td>
            <td class="num" title={`${v} bytes`}>
              {formatBytes(v)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The memory panel of one module; the timeline's step follows (and sets) the graph selection. */
export function MemoryView(props: {
  session: Session;
  module: string;
  visible: boolean;
  selected: number | null;
  onSelect: (id: number | null) => void;
  onShowInGraph: () => void;
}) {
  const m = props.session.report.modules[props.module];
  const [hideParams, setHideParams] = useState(true);
  const [graph, setGraph] = useState<GraphJson | null>(null);
  const [views, setViews] = useState<ModuleViews | null>(null);
  useEffect(() => {
    setGraph(null);
    setViews(null);
    props.session.graph(props.module).then(setGraph, () => setGraph(null));
    props.session.views(props.module).then(setViews, () => setViews(null));
  }, [props.session, props.module]);
  // An AOT module (no graph JSON): its main's calls and pool buffers, linked to its fused graph.
  const aot = graph === null ? (views?.aot ?? null) : null;
  const pools = useMemo<StoragePool[]>(
    () => (graph === null ? [] : computeStoragePools(graph).sort((a, b) => b.bytes - a.bytes)),
    [graph],
  );
  const timeline = useMemo(
    () =>
      graph !== null
        ? graphMemoryTimeline(graphTable(graph, new Set(Object.keys(m?.params ?? {}))))
        : aot !== null
          ? aotMemoryTimeline(aot.layout, aot.table)
          : null,
    [graph, aot, m],
  );
  const summedPeak = useMemo(
    () =>
      timeline === null
        ? 0
        : peakLive({ ...timeline, buffers: timeline.buffers.filter((b) => b.kind !== 'param') }).bytes,
    [timeline],
  );
  const step = useMemo(() => {
    if (timeline === null || props.selected === null) return null;
    const i = timeline.steps.findIndex((s) => s.node === props.selected);
    return i < 0 ? null : i;
  }, [timeline, props.selected]);
  const ops = useMemo(
    () => [...(m?.memory.operatorFunctions ?? [])].sort((a, b) => b.workspaceBytes - a.workspaceBytes),
    [m],
  );
  // Stable arrays: the chart is rebuilt only when its data changes.
  const poolXY = useMemo(() => [pools.map((_, i) => i), pools.map((p) => p.bytes)] as const, [pools]);
  const opsXY = useMemo(() => [ops.map((_, i) => i), ops.map((o) => o.workspaceBytes)] as const, [ops]);
  if (m === undefined) return <p class="empty">No module selected.</p>;
  return (
    <div class="memory-view">
      {timeline !== null && timeline.steps.length > 0 && (
        <section class="card wide" aria-labelledby="mem-time-h">
          <h2 id="mem-time-h">Memory over time</h2>
          {aot === null ? (
            <p class="muted">
              Storage ids live at each operator, in the order the graph executor runs them: a tensor is live from the
              operator that writes it to the last one that reads it (inputs from the start, outputs to the end).
            </p>
          ) : (
            <p class="muted" id="timeline-aot">
              Buffers of the AOT main at each operator call, in the order <span class="mono">__tvm_main__</span> makes
              them: a pool slice or arena block is held from the first call that uses it to the last; constant-pool data
              counts as params.
            </p>
          )}
          <div class="timeline-tools">
            <label class="toggle">
              <input
                type="checkbox"
                id="timeline-params"
                checked={!hideParams}
                onChange={(e) => setHideParams(!e.currentTarget.checked)}
              />{' '}
              {aot === null ? 'include params (live the whole time)' : 'include constant pools (live the whole time)'}
            </label>
            <button type="button" onClick={props.onShowInGraph} disabled={step === null} id="timeline-show">
              Show the step's operator in the graph
            </button>
          </div>
          {props.visible && (
            <MemoryTimelineChart
              timeline={timeline}
              step={step}
              hideParams={hideParams}
              onStep={(i) => props.onSelect(timeline.steps[i]?.node ?? null)}
            />
          )}
        </section>
      )}
      {aot !== null && (
        <section class="card wide" aria-labelledby="mem-pool-h" id="aot-memory">
          <h2 id="mem-pool-h">AOT memory layout</h2>
          {props.visible && (
            <PoolMap
              layout={aot.layout}
              summedPeak={summedPeak}
              step={step}
              onStep={(i) => props.onSelect(timeline?.steps[i]?.node ?? null)}
            />
          )}
        </section>
      )}
      <section class="card" aria-labelledby="mem-dev-h">
        <h2 id="mem-dev-h">Workspace, io and constants</h2>
        {m.memory.main === null || m.memory.main.length === 0 ? (
          <p class="muted">This module's metadata records no per-device figures.</p>
        ) : (
          <DeviceBars main={m.memory.main} />
        )}
      </section>
      <section class="card" aria-labelledby="mem-sid-h">
        <h2 id="mem-sid-h">Storage ids by size</h2>
        {pools.length === 0 ? (
          <p class="muted">
            {m.graph === null
              ? `No graph executor: storage ids do not apply${aot !== null ? ' (the AOT layout is above)' : ''}.`
              : 'Loading…'}
          </p>
        ) : (
          <>
            <p class="muted">
              {pools.length} storage pools, {formatBytes(pools.reduce((a, p) => a + p.bytes, 0))} in total (each pool is
              as large as the largest tensor sharing it).
            </p>
            {props.visible && (
              <BarChart
                id="chart-sids"
                title="bytes per storage id, largest first"
                x={poolXY[0]}
                y={poolXY[1]}
                xName="pool"
                xLabel={(i) => (Number.isInteger(i) && pools[i] ? `sid ${pools[i].storageId}` : '')}
                yLabel={formatBytes}
                summary={`Bar chart of ${pools.length} storage pools; the largest is storage id ${pools[0]?.storageId} with ${formatBytes(pools[0]?.bytes)}.`}
              />
            )}
            <TopTable
              id="table-sids"
              caption={`Largest ${Math.min(TOP, pools.length)} storage ids`}
              head="storage id (tensors)"
              rows={pools.slice(0, TOP).map((p) => [`sid ${p.storageId} (${p.entries.length})`, p.bytes])}
            />
          </>
        )}
      </section>
      <section class="card" aria-labelledby="mem-op-h">
        <h2 id="mem-op-h">Operator functions by workspace</h2>
        {ops.length === 0 ? (
          <p class="muted">The metadata lists no operator functions.</p>
        ) : (
          <>
            {props.visible && (
              <BarChart
                id="chart-ops"
                title="workspace bytes per operator function, largest first"
                x={opsXY[0]}
                y={opsXY[1]}
                xName="function"
                xLabel={(i) => (Number.isInteger(i) && ops[i] ? shortFuncName(ops[i].name).slice(0, 18) : '')}
                yLabel={formatBytes}
                color="#8a4fbf"
                summary={`Bar chart of ${ops.length} operator functions; the largest workspace is ${formatBytes(ops[0]?.workspaceBytes)}.`}
              />
            )}
            <TopTable
              id="table-ops"
              caption={`Largest ${Math.min(TOP, ops.length)} workspaces`}
              head="function"
              rows={ops.slice(0, TOP).map((o) => [o.name, o.workspaceBytes])}
            />
          </>
        )}
      </section>
    </div>
  );
}
