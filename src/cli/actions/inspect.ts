import { type InspectModule, type InspectReport, inspectArchive } from '../../core/archive/inspect.js';
import { findModule } from '../../core/archive/archive.js';
import { MlfError } from '../../core/errors/errors.js';
import { withMlfPath } from '../../node/read/open.js';
import { hashParams } from '../../node/read/params-hash.js';
import { formatBytes, formatDiagnostic, formatTable, formatTensor } from '../format.js';
import { type CliIo, toJson } from '../io.js';

/** `mlf inspect`: prints a summary or the JSON contract; exit 1 when the archive has no metadata. */
export async function runInspect(path: string, opts: { module?: string; json?: boolean }, io: CliIo): Promise<number> {
  const report = await withMlfPath(path, async (archive) => {
    if (opts.module !== undefined) findModule(archive, opts.module);
    // Text mode shows no hashes, so params are indexed header-only (payloads never read); JSON
    // hashes them in one streamed pass with node:crypto.
    return inspectArchive(archive, {
      hashParams: opts.json === true,
      paramHasher: hashParams,
      ...(opts.module === undefined ? {} : { module: opts.module }),
    });
  });
  io.out(opts.json ? toJson(report) : renderInspect(path, report));
  const fatal = report.diagnostics.find((d) => d.severity === 'error' && d.code === 'MLF-E101');
  if (fatal !== undefined && !opts.json) throw new MlfError(fatal.code, fatal.message, fatal);
  return fatal === undefined ? 0 : 1;
}

/** The human-readable summary. */
export function renderInspect(path: string, r: InspectReport): string {
  const lines = [`${path}: MLF version ${r.version ?? '?'}, ${r.style ?? 'unknown style'}, ${r.container}`];
  for (const [name, m] of Object.entries(r.modules)) lines.push('', `module ${name}`, formatTable(moduleRows(m), '  '));
  if (r.runtimeFiles > 0) lines.push('', `bundled TVM runtime: ${r.runtimeFiles} files`);
  if (r.extraFiles.length > 0) lines.push('', `extra files: ${r.extraFiles.join(', ')}`);
  const notes = r.diagnostics.filter((d) => d.code !== 'MLF-W101');
  if (notes.length > 0) lines.push('', ...notes.map(formatDiagnostic));
  return lines.join('\n');
}

function moduleRows(m: InspectModule): string[][] {
  const rows: string[][] = [
    ['executors', m.executors.join(', ') || (m.style === 'operator' ? '(operator style)' : 'none')],
    ['targets', m.targets.join(' | ')],
    ['exported', m.exportDatetime],
  ];
  if (m.inputs !== null) {
    const ins = Object.entries(m.inputs);
    rows.push(['inputs', ins.map(([n, t]) => `${n} ${formatTensor(t.dtype, t.shape)}`).join(', ') || 'none']);
  }
  if (m.outputs !== null) {
    rows.push([
      'outputs',
      m.outputs
        .map(
          (o) =>
            `${o.name ?? '?'} ${formatTensor(o.dtype, o.shape)}${o.shape === null && o.bytes !== null ? ` (${o.bytes} B)` : ''}`,
        )
        .join(', '),
    ]);
  }
  for (const [fn, bufs] of Object.entries(m.functions ?? {})) {
    rows.push(['function', `${fn}(${bufs.map((b) => formatTensor(b.dtype, b.shape)).join(', ')})`]);
  }
  if (m.params !== null) {
    const ps = Object.values(m.params);
    rows.push([
      'params',
      `${ps.length} tensors, ${formatBytes(ps.reduce((a, p) => a + p.bytes, 0))}${m.paramsFile ? ` in ${m.paramsFile.path}` : ''}`,
    ]);
  }
  if (m.graph !== null) {
    const g = m.graph;
    rows.push([
      'graph',
      `${g.nodes} nodes, ${g.operators.length} operators, ${g.argNodes} arg nodes, ${g.storageIds} storage ids (${formatBytes(m.memory.storageBytes)})`,
    ]);
  }
  if (m.aot !== null) {
    const a = m.aot;
    const ws = a.workspace;
    rows.push([
      'aot main',
      a.error !== null
        ? `not read: ${a.error}`
        : `${a.function}: ${a.operators.length} calls, ${a.buffers} buffers, ${a.planner === 'usmp' ? 'USMP pools' : a.planner === 'arena' ? 'workspace arena' : 'no intermediates'}${ws === null ? '' : `, workspace ${formatBytes(ws.computedBytes)} from the C`}`,
    ]);
  }
  for (const e of m.memory.main ?? []) {
    rows.push([
      `memory dev ${e.device}`,
      `workspace ${formatBytes(e.workspaceBytes)}, io ${formatBytes(e.ioBytes)}, constants ${formatBytes(e.constantsBytes)}`,
    ]);
  }
  const cg = [...m.codegen.sources, ...m.codegen.objects, ...m.codegen.headers];
  rows.push(['codegen', cg.map((f) => `${f.path} (${formatBytes(f.bytes)})`).join('\n') || 'none']);
  // multi-line cells: indent continuation lines under the value column
  return rows.flatMap(([k, v]) => (v ?? '').split('\n').map((line, i) => [i === 0 ? (k ?? '') : '', line]));
}
