import { type InspectModule, type InspectReport, inspectArchive } from '../../core/archive/inspect.js';
import { findModule } from '../../core/archive/archive.js';
import { CODES, type MlfCode } from '../../core/errors/codes.js';
import { MlfError } from '../../core/errors/errors.js';
import { validateContents } from '../../core/archive/validate.js';
import { openArchivePath, withMlfPath } from '../../node/read/open.js';
import { hashParams } from '../../node/read/params-hash.js';
import type { CliContext } from '../context.js';
import { formatBytes, formatDiagnostic, formatTable, formatTensor, plural, safeText } from '../format.js';
import { chooseFormat } from '../options.js';
import { eachInput, failureJson, reportFailure, summary } from './each.js';

/** `mlf inspect A…`: a summary or the JSON contract per archive; exit 1 when one cannot be read or lacks metadata. */
export async function runInspect(
  ctx: CliContext,
  inputs: string[],
  opts: { module?: string; json?: boolean; format?: string },
): Promise<number> {
  const json = chooseFormat(opts, ['text', 'json'], 'text') === 'json';
  const results = await eachInput(ctx, inputs, (path) =>
    withMlfPath(path, async (archive) => {
      if (opts.module !== undefined) findModule(archive, opts.module);
      // Text mode shows no hashes, so params are indexed header-only (payloads never read); JSON
      // hashes them in one streamed pass with node:crypto.
      return inspectArchive(archive, {
        hashParams: json,
        paramHasher: hashParams,
        ...(opts.module === undefined ? {} : { module: opts.module }),
      });
    }),
  );
  const fatalOf = (r: InspectReport) => r.diagnostics.find((d) => d.severity === 'error' && d.code === 'MLF-E101');
  let failed = 0;
  const docs: unknown[] = [];
  for (const [i, o] of results.entries()) {
    if ('error' in o) {
      failed++;
      reportFailure(ctx, o.error);
      docs.push(failureJson(o.label, o.error));
      continue;
    }
    const fatal = fatalOf(o.result);
    if (fatal !== undefined) failed++;
    if (json) docs.push(inputs.length === 1 ? o.result : { path: o.label, ...o.result });
    else {
      if (i > 0) ctx.print('');
      ctx.print(renderInspect(ctx.shown(o.label), o.result));
      // The missing metadata is the error of this command: printed once, on stderr.
      if (fatal !== undefined) ctx.warn(fatal);
    }
  }
  if (json) ctx.printJson(inputs.length === 1 ? docs[0] : { archives: docs, failed });
  else if (inputs.length > 1)
    ctx.print(
      `\n${summary(inputs.length, [
        [inputs.length - failed, 'read'],
        [failed, 'failed'],
      ])}`,
    );
  return failed === 0 ? 0 : 1;
}

/** The human-readable summary; every name from the archive is escaped. */
export function renderInspect(path: string, r: InspectReport): string {
  const lines = [`${path}: MLF version ${r.version ?? '?'}, ${r.style ?? 'unknown style'}, ${r.container}`];
  for (const [name, m] of Object.entries(r.modules))
    lines.push('', `module ${safeText(name)}`, formatTable(moduleRows(m), '  '));
  if (r.runtimeFiles > 0) lines.push('', `bundled TVM runtime: ${plural(r.runtimeFiles, 'file')}`);
  if (r.extraFiles.length > 0) lines.push('', `extra files: ${r.extraFiles.map(safeText).join(', ')}`);
  const notes = r.diagnostics.filter((d) => d.code !== 'MLF-W101' && d.code !== 'MLF-E101');
  if (notes.length > 0) lines.push('', ...notes.map(formatDiagnostic));
  return lines.join('\n');
}

const list = (xs: readonly string[]) => xs.map(safeText);

function moduleRows(m: InspectModule): string[][] {
  const rows: string[][] = [
    ['executors', list(m.executors).join(', ') || (m.style === 'operator' ? '(operator style)' : 'none')],
    ['targets', list(m.targets).join(' | ')],
    ['exported', safeText(String(m.exportDatetime))],
  ];
  if (m.inputs !== null) {
    const ins = Object.entries(m.inputs);
    rows.push(['inputs', ins.map(([n, t]) => `${safeText(n)} ${formatTensor(t.dtype, t.shape)}`).join(', ') || 'none']);
  }
  if (m.outputs !== null) {
    rows.push([
      'outputs',
      m.outputs
        .map(
          (o) =>
            `${safeText(o.name ?? '?')} ${formatTensor(o.dtype, o.shape)}${o.shape === null && o.bytes !== null ? ` (${o.bytes} B)` : ''}`,
        )
        .join(', '),
    ]);
  }
  for (const [fn, bufs] of Object.entries(m.functions ?? {})) {
    rows.push(['function', `${safeText(fn)}(${bufs.map((b) => formatTensor(b.dtype, b.shape)).join(', ')})`]);
  }
  if (m.params !== null) {
    const ps = Object.values(m.params);
    rows.push([
      'params',
      `${plural(ps.length, 'tensor')}, ${formatBytes(ps.reduce((a, p) => a + p.bytes, 0))}${m.paramsFile ? ` in ${safeText(m.paramsFile.path)}` : ''}`,
    ]);
  }
  if (m.graph !== null) {
    const g = m.graph;
    rows.push([
      'graph',
      `${plural(g.nodes, 'node')}, ${plural(g.operators.length, 'operator')}, ${plural(g.argNodes, 'arg node')}, ${plural(g.storageIds, 'storage id')}, ${formatBytes(m.memory.storageBytes)}`,
    ]);
  }
  if (m.aot !== null) {
    const a = m.aot;
    const ws = a.workspace;
    const planner =
      a.planner === 'usmp' ? 'USMP pools' : a.planner === 'arena' ? 'workspace arena' : 'no intermediates';
    rows.push([
      'aot main',
      a.error !== null
        ? `not read: ${safeText(a.error)}`
        : `${safeText(a.function ?? '?')}: ${plural(a.operators.length, 'call')}, ${plural(a.buffers, 'buffer')}, ${planner}${ws === null ? '' : `, workspace ${formatBytes(ws.computedBytes)} from the C`}`,
    ]);
  }
  for (const e of m.memory.main ?? []) {
    rows.push([
      `memory dev ${e.device}`,
      `workspace ${formatBytes(e.workspaceBytes)}, io ${formatBytes(e.ioBytes)}, constants ${formatBytes(e.constantsBytes)}`,
    ]);
  }
  const cg = [...m.codegen.sources, ...m.codegen.objects, ...m.codegen.headers];
  rows.push(['codegen', cg.map((f) => `${safeText(f.path)}, ${formatBytes(f.bytes)}`).join('\n') || 'none']);
  // multi-line cells: indent continuation lines under the value column
  return rows.flatMap(([k, v]) => (v ?? '').split('\n').map((line, i) => [i === 0 ? (k ?? '') : '', line]));
}

/** `--allow W104,MLF-W102` as codes; anything not a warning code is a usage error. */
export function parseAllow(text: string | undefined): Set<MlfCode> {
  const out = new Set<MlfCode>();
  for (const raw of (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')) {
    const code = (raw.toUpperCase().startsWith('MLF-') ? raw.toUpperCase() : `MLF-${raw.toUpperCase()}`) as MlfCode;
    if (!(code in CODES) || !code.startsWith('MLF-W'))
      throw new MlfError('MLF-E901', `--allow takes warning codes such as W104; ${JSON.stringify(raw)} is not one`);
    out.add(code);
  }
  return out;
}

/** `mlf validate A…`: exit 0 when every archive is valid, 1 when one has errors (or, with --strict, warnings not allowed). */
export async function runValidate(
  ctx: CliContext,
  inputs: string[],
  opts: { json?: boolean; format?: string; strict?: boolean; allow?: string },
): Promise<number> {
  const json = chooseFormat(opts, ['text', 'json'], 'text') === 'json';
  const allow = parseAllow(opts.allow);
  if (allow.size > 0 && !opts.strict) throw new MlfError('MLF-E901', '--allow only makes sense with --strict');
  const results = await eachInput(ctx, inputs, async (path) => {
    let contents: Awaited<ReturnType<typeof openArchivePath>> | undefined;
    try {
      const report = await validateContents(async () => (contents = await openArchivePath(path)), { strict: false });
      // --strict makes warnings errors, except the --allow ones (as core's strict mode, per code).
      const diagnostics = report.diagnostics.map((d) =>
        opts.strict === true && d.severity === 'warning' && !allow.has(d.code)
          ? { ...d, severity: 'error' as const }
          : d,
      );
      const errors = diagnostics.filter((d) => d.severity === 'error').length;
      return { valid: errors === 0, errors, warnings: diagnostics.length - errors, diagnostics };
    } finally {
      await contents?.close?.();
    }
  });
  let invalid = 0;
  const docs: unknown[] = [];
  for (const o of results) {
    if ('error' in o) {
      invalid++;
      reportFailure(ctx, o.error);
      docs.push(failureJson(o.label, o.error));
      continue;
    }
    const r = o.result;
    if (!r.valid) invalid++;
    docs.push({ path: o.label, ...r });
    if (!json) {
      ctx.print(
        `${ctx.shown(o.label)}: ${r.valid ? 'valid' : 'INVALID'} (${plural(r.errors, 'error')}, ${plural(r.warnings, 'warning')})`,
      );
      for (const d of r.diagnostics) ctx.print(formatDiagnostic(d));
    }
  }
  if (json) ctx.printJson(inputs.length === 1 ? docs[0] : { archives: docs, valid: inputs.length - invalid, invalid });
  else if (inputs.length > 1)
    ctx.print(
      `\n${summary(inputs.length, [
        [inputs.length - invalid, 'valid'],
        [invalid, 'invalid'],
      ])}`,
    );
  return invalid === 0 ? 0 : 1;
}
