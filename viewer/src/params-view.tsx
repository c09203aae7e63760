// Params: the tensors of a module in a sortable table; statistics and a histogram of the one
// selected are computed only then (weights can be hundreds of MB).
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { TensorSummary } from '../../src/core/report/view-data.js';
import { BarChart } from './bar-chart.js';
import { formatBytes, formatCount, formatStat, formatTensor } from './format.js';
import type { ParamRow, Session } from './session.js';

type SortKey = 'index' | 'name' | 'bytes';
const LIMIT = 300;

function Stats(props: { row: ParamRow; summary: TensorSummary | null | undefined }) {
  const { row, summary } = props;
  const s = summary?.stats ?? null;
  const h = summary?.histogram ?? null;
  const xs = useMemo(
    () => (h === null ? [] : h.counts.map((_, i) => h.min + ((i + 0.5) * (h.max - h.min)) / h.counts.length)),
    [h],
  );
  if (summary === undefined) return <p role="status">Computing statistics of {row.name}…</p>;
  const cells: [string, number | null][] =
    s === null
      ? []
      : [
          ['count', s.count],
          ['min', s.min],
          ['max', s.max],
          ['mean', s.mean],
          ['std', s.std],
          ['zeros', s.zeros],
          ['NaN', s.nan],
          ['Inf', s.inf],
        ];
  return (
    <div id="param-stats" data-param={row.name}>
      <h2 class="mono">{row.name}</h2>
      <p class="mono">
        {formatTensor(row.dtype, row.shape)} · {formatBytes(row.bytes)}
      </p>
      {s === null ? (
        <p class="muted">No numeric statistics for {row.dtype}.</p>
      ) : (
        <dl class="facts stats">
          {cells.map(([k, v]) => (
            <div class="fact" key={k} data-stat={k} data-value={v === null ? '' : String(v)}>
              <dt>{k}</dt>
              <dd class="num">{formatStat(v)}</dd>
            </div>
          ))}
        </dl>
      )}
      {h !== null && (
        <BarChart
          id="param-histogram"
          title={`histogram of ${row.name} (${h.counts.length} bins, finite values)`}
          x={xs}
          y={h.counts}
          xName="bin centre"
          xLabel={formatStat}
          yLabel={(v) => formatCount(Math.round(v))}
          height={200}
          color="#1d8a4e"
          summary={`Histogram of ${row.name} from ${formatStat(h.min)} to ${formatStat(h.max)}.`}
        />
      )}
    </div>
  );
}

/** The params panel of one module. */
export function ParamsView(props: { session: Session; module: string }) {
  const [rows, setRows] = useState<ParamRow[] | null>(null);
  const [sort, setSort] = useState<{ key: SortKey; desc: boolean }>({ key: 'index', desc: false });
  const [filter, setFilter] = useState('');
  const [picked, setPicked] = useState<string | null>(null);
  const [summary, setSummary] = useState<TensorSummary | null | undefined>(undefined);

  useEffect(() => {
    setRows(null);
    setPicked(null);
    props.session.params(props.module).then(setRows, () => setRows([]));
  }, [props.session, props.module]);

  useEffect(() => {
    if (picked === null) return;
    let live = true;
    setSummary(undefined);
    // Yield a frame so "Computing…" paints before a long synchronous pass over the weights.
    setTimeout(() => props.session.paramSummary(props.module, picked).then((s) => live && setSummary(s)), 0);
    return () => {
      live = false;
    };
  }, [picked]);

  const shown = useMemo(() => {
    const q = filter.trim().toLowerCase();
    const list = (rows ?? []).filter((r) => q === '' || r.name.toLowerCase().includes(q));
    const cmp = (a: ParamRow, b: ParamRow) =>
      sort.key === 'name' ? a.name.localeCompare(b.name) : sort.key === 'bytes' ? a.bytes - b.bytes : a.index - b.index;
    return list.sort((a, b) => (sort.desc ? -cmp(a, b) : cmp(a, b)));
  }, [rows, sort, filter]);

  if (rows === null) return <p role="status">Reading params…</p>;
  if (rows.length === 0) return <p class="empty">Module {props.module} has no params.</p>;
  const header = (key: SortKey, label: string, num = false) => {
    const active = sort.key === key;
    return (
      <th scope="col" class={num ? 'num' : ''} aria-sort={active ? (sort.desc ? 'descending' : 'ascending') : 'none'}>
        <button
          type="button"
          class="sort"
          id={`sort-${key}`}
          onClick={() => setSort({ key, desc: active ? !sort.desc : key === 'bytes' })}
        >
          {label} {active ? (sort.desc ? '▼' : '▲') : ''}
        </button>
      </th>
    );
  };
  const row = rows.find((r) => r.name === picked);
  const total = rows.reduce((a, r) => a + r.bytes, 0);
  return (
    <div class="params-view">
      <section class="card params-table" aria-labelledby="params-h">
        <h2 id="params-h">
          {formatCount(rows.length)} tensors, {formatBytes(total)}
        </h2>
        <label class="search">
          <span>Filter</span>
          <input
            type="search"
            id="param-filter"
            value={filter}
            onInput={(e) => setFilter(e.currentTarget.value)}
            placeholder="tensor name"
          />
        </label>
        <table class="grid" id="params-table">
          <thead>
            <tr>
              {header('index', '#', true)}
              {header('name', 'name')}
              <th scope="col">tensor</th>
              {header('bytes', 'bytes', true)}
            </tr>
          </thead>
          <tbody>
            {shown.slice(0, LIMIT).map((r) => (
              <tr key={r.name} class={r.name === picked ? 'picked' : ''} data-param={r.name} data-bytes={r.bytes}>
                <td class="num">{r.index}</td>
                <td>
                  <button
                    type="button"
                    class="link mono"
                    aria-pressed={r.name === picked}
                    onClick={() => setPicked(r.name)}
                  >
                    {r.name}
                  </button>
                </td>
                <td class="mono">{formatTensor(r.dtype, r.shape)}</td>
                <td class="num" title={`${r.bytes} bytes`}>
                  {formatBytes(r.bytes)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {shown.length > LIMIT && (
          <p class="muted">
            Showing {LIMIT} of {formatCount(shown.length)}; filter by name to find others.
          </p>
        )}
      </section>
      <section class="card param-detail" aria-label="Selected tensor">
        {row === undefined ? (
          <p class="muted">Select a tensor to compute its statistics and histogram.</p>
        ) : (
          <Stats row={row} summary={summary} />
        )}
      </section>
    </div>
  );
}
