// Overview: archive facts, the module's interface and totals, and the validator's diagnostics.
import type { Diagnostic } from '../../src/core/index.js';
import { formatBytes, formatCount, formatTensor } from './format.js';
import type { Session } from './session.js';

function Facts(props: { rows: [string, preact.ComponentChildren][]; label: string; id?: string }) {
  return (
    <dl class="facts" aria-label={props.label} id={props.id}>
      {props.rows.map(([k, v]) => (
        <div key={k} class="fact" data-fact={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

function location(d: Diagnostic): string {
  return [d.member, d.jsonPath, d.offset === undefined ? undefined : `@${d.offset}`]
    .filter((x) => x !== undefined)
    .join(' ');
}

/** The validator's findings, errors first. */
function Diagnostics(props: { list: Diagnostic[]; valid: boolean }) {
  const list = [...props.list].sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1));
  return (
    <section class="card" aria-labelledby="diag-h">
      <h2 id="diag-h">
        Validation{' '}
        <span class={`badge ${props.valid ? 'ok' : 'bad'}`} id="verdict">
          {props.valid ? 'valid' : 'invalid'}
        </span>
      </h2>
      {list.length === 0 ? (
        <p class="muted">No findings.</p>
      ) : (
        <ul class="diagnostics">
          {list.map((d, i) => (
            <li key={i} class={d.severity}>
              <span class="code">{d.code}</span> <span class="sev">{d.severity}</span>{' '}
              {location(d) && <span class="loc">{location(d)}</span>}
              <div>{d.message}</div>
              <div class="hint">hint: {d.hint}</div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** The overview panel of one module. */
export function Overview(props: { session: Session; module: string }) {
  const { report, validation } = props.session;
  const m = report.modules[props.module];
  const archiveRows: [string, preact.ComponentChildren][] = [
    ['file', props.session.name],
    ['MLF version', String(report.version ?? '?')],
    ['style', report.style ?? 'unknown'],
    ['container', report.container],
    ['modules', Object.keys(report.modules).join(', ') || 'none'],
  ];
  if (report.runtimeFiles > 0) archiveRows.push(['bundled runtime', `${report.runtimeFiles} files`]);
  if (report.extraFiles.length > 0) archiveRows.push(['extra files', report.extraFiles.join(', ')]);
  const moduleDiags = validation.diagnostics;
  if (m === undefined) {
    return (
      <div class="overview">
        <section class="card">
          <h2>Archive</h2>
          <Facts rows={archiveRows} label="Archive" />
        </section>
        <Diagnostics list={moduleDiags} valid={validation.valid} />
      </div>
    );
  }
  const params = Object.values(m.params ?? {});
  const rows: [string, preact.ComponentChildren][] = [
    ['executors', m.executors.join(', ') || (m.style === 'operator' ? '(operator style)' : 'none')],
    ['targets', m.targets.join(' | ')],
    ['exported', m.exportDatetime],
  ];
  if (params.length > 0 || m.paramsFile !== null)
    rows.push([
      'params',
      `${formatCount(params.length)} tensors, ${formatBytes(params.reduce((a, p) => a + p.bytes, 0))}`,
    ]);
  if (m.graph !== null) {
    rows.push([
      'graph',
      `${formatCount(m.graph.nodes)} nodes, ${formatCount(m.graph.operators.length)} operators, ${formatCount(m.graph.storageIds)} storage ids (${formatBytes(m.memory.storageBytes)})`,
    ]);
  }
  for (const e of m.memory.main ?? []) {
    rows.push([
      `memory, device ${e.device}`,
      `workspace ${formatBytes(e.workspaceBytes)} · io ${formatBytes(e.ioBytes)} · constants ${formatBytes(e.constantsBytes)}`,
    ]);
  }
  const code = [...m.codegen.sources, ...m.codegen.objects, ...m.codegen.headers];
  rows.push(['codegen', `${code.length} files, ${formatBytes(code.reduce((a, f) => a + f.bytes, 0))}`]);
  const inputs = Object.entries(m.inputs ?? {});
  return (
    <div class="overview">
      <section class="card" aria-labelledby="mod-h">
        <h2 id="mod-h">
          Module{' '}
          <span class="mono" id="overview-module">
            {props.module}
          </span>
        </h2>
        <Facts rows={rows} label="Module facts" id="module-facts" />
        <h3>Interface</h3>
        <table class="grid" id="io-table">
          <thead>
            <tr>
              <th scope="col">direction</th>
              <th scope="col">name</th>
              <th scope="col">tensor</th>
              <th scope="col" class="num">
                bytes
              </th>
            </tr>
          </thead>
          <tbody>
            {inputs.map(([name, t]) => (
              <tr key={`i-${name}`} data-input={name}>
                <td>input</td>
                <td class="mono">{name}</td>
                <td class="mono">{formatTensor(t.dtype, t.shape)}</td>
                <td class="num">{t.bytes ?? '—'}</td>
              </tr>
            ))}
            {(m.outputs ?? []).map((o, i) => (
              <tr key={`o-${i}`} data-output={i}>
                <td>output</td>
                <td class="mono">{o.name ?? '?'}</td>
                <td class="mono">{formatTensor(o.dtype, o.shape)}</td>
                <td class="num">{o.bytes ?? '—'}</td>
              </tr>
            ))}
            {Object.entries(m.functions ?? {}).map(([fn, bufs]) => (
              <tr key={`f-${fn}`}>
                <td>function</td>
                <td class="mono">{fn}</td>
                <td class="mono">{bufs.map((b) => formatTensor(b.dtype, b.shape)).join(', ')}</td>
                <td class="num">{bufs.reduce((a, b) => a + (b.bytes ?? 0), 0)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section class="card" aria-labelledby="arch-h">
        <h2 id="arch-h">Archive</h2>
        <Facts rows={archiveRows} label="Archive facts" id="archive-facts" />
      </section>
      <Diagnostics list={moduleDiags} valid={validation.valid} />
    </div>
  );
}
