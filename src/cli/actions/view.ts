import { spawn } from 'node:child_process';
import { basename } from 'node:path';
import { findModule, loadGraph, loadParams } from '../../core/archive/archive.js';
import { MlfError } from '../../core/errors/errors.js';
import { type InspectModule, inspectArchive } from '../../core/archive/inspect.js';
import { type AotAnalysis, analyzeAotCodegen, analyzeAotModule } from '../../core/graph/aot-archive.js';
import { aotGraphJson, aotGraphTable } from '../../core/report/aot-view.js';
import { buildSnapshot, graphTable } from '../../core/report/view-data.js';
import { withMlfPath } from '../../node/read/open.js';
import { serveViewer } from '../../node/viewer/serve.js';
import { archiveBytesForPage, readViewerPage, renderReportPage } from '../../node/viewer/viewer-page.js';
import { writeFileAtomic } from '../../node/write/atomic.js';
import { formatBytes } from '../format.js';
import { type CliIo, toJson } from '../io.js';
import { renderDot, renderGraphJson, renderNetronAttachment } from './graph-export.js';

/** `mlf report`: one self-contained HTML file (opens from file://), written atomically. */
export async function runReport(
  path: string,
  opts: { output: string; embedArchive?: boolean; force?: boolean },
  io: CliIo,
): Promise<number> {
  const snapshot = await withMlfPath(path, (archive) => buildSnapshot(archive, basename(path)));
  const archive = opts.embedArchive ? (await archiveBytesForPage(path)).bytes : undefined;
  const html = await renderReportPage(snapshot, archive);
  await writeFileAtomic(opts.output, html, { force: opts.force ?? false });
  const v = snapshot.validation;
  io.out(
    `${opts.output}: ${formatBytes(Buffer.byteLength(html))}${archive ? ' with the archive embedded' : ''}; archive ${v.valid ? 'valid' : `invalid (${v.errors} errors)`}, ${v.warnings} warnings`,
  );
  return 0;
}

/** Tries `xdg-open`; a missing opener or a failure is not an error (the URL is printed). */
function openBrowser(url: string): void {
  try {
    const child = spawn('xdg-open', [url], { stdio: 'ignore', detached: true });
    child.on('error', () => {});
    child.unref();
  } catch {
    // no opener on this system: the printed URL is enough
  }
}

/** `mlf view`: serves the viewer with the archive on 127.0.0.1 until Ctrl-C (SIGINT) or SIGTERM. */
export async function runView(path: string, opts: { port?: string; open?: boolean }, io: CliIo): Promise<number> {
  const port = opts.port === undefined ? 0 : Number(opts.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new MlfError('MLF-E901', `--port must be an integer from 0 to 65535, got ${JSON.stringify(opts.port)}`);
  // Read (and so check) the archive before serving: a bad path fails here, not in the page.
  await withMlfPath(path, async () => undefined);
  const { bytes, name } = await archiveBytesForPage(path);
  const server = await serveViewer({ page: await readViewerPage(), archive: bytes, name, port });
  io.out(`Serving ${name} at ${server.url} (127.0.0.1 only; Ctrl-C stops)`);
  if (opts.open !== false) openBrowser(server.url);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await server.close();
  io.out('Stopped.');
  return 0;
}

/** `mlf graph`: the graph of one module as DOT, JSON or a Netron attachment (graph executor or AOT). */
export async function runGraph(
  path: string,
  opts: { module?: string; format: string; output?: string; force?: boolean },
  io: CliIo,
): Promise<number> {
  const text = await withMlfPath(path, async (archive) => {
    if (archive.metadata === null) {
      // Generated code without metadata.json: the AOT main alone says what the module is.
      const aot = await analyzeAotCodegen(archive, opts.module === undefined ? {} : { module: opts.module });
      return renderAot(aot.main.module, aot, null, opts.format);
    }
    const graphs = archive.modules.filter((m) => m.files.graph !== null || m.executor === 'aot');
    if (opts.module === undefined && graphs.length > 1) {
      throw new MlfError(
        'MLF-E901',
        `the archive has several modules with a graph (${graphs.map((m) => m.name).join(', ')}); choose one with --module`,
      );
    }
    const mod = opts.module === undefined ? (graphs[0] ?? archive.modules[0]) : findModule(archive, opts.module);
    const graph = mod === undefined ? null : await loadGraph(archive, mod);
    if (mod !== undefined && graph === null && mod.executor === 'aot') {
      const aot = await analyzeAotModule(archive, mod);
      if (aot !== null) {
        const report = await inspectArchive(archive, { module: mod.name, hashParams: false });
        return renderAot(mod.name, aot, report.modules[mod.name] ?? null, opts.format);
      }
    }
    if (mod === undefined || graph === null) {
      const what =
        mod === undefined
          ? 'the archive has no modules'
          : `module "${mod.name}" has no graph-executor JSON and no AOT C sources (${mod.executor ?? 'operator style'})`;
      throw new MlfError(
        'MLF-E901',
        `${what}; mlf graph needs a graph-executor module or an AOT module with its generated C`,
        {},
        'List the modules and their executors with mlf inspect.',
      );
    }
    const params = await loadParams(archive, mod);
    const table = graphTable(graph, new Set(params?.tensors.map((t) => t.name) ?? []));
    if (opts.format === 'dot') return renderDot(mod.name, table);
    if (opts.format === 'json') return `${toJson(renderGraphJson(mod.name, table))}\n`;
    const report = await inspectArchive(archive, { module: mod.name, hashParams: false });
    return `${toJson(renderNetronAttachment(mod.name, table, report.modules[mod.name]))}\n`;
  });
  if (opts.output === undefined) io.out(text);
  else {
    await writeFileAtomic(opts.output, text, { force: opts.force ?? false });
    io.out(`${opts.output}: ${formatBytes(Buffer.byteLength(text))}`);
  }
  return 0;
}

/** An AOT module's graph: the node table from its main, plus (JSON) its calls, buffers and memory layout. */
function renderAot(module: string, aot: AotAnalysis, info: InspectModule | null, format: string): string {
  const table = aotGraphTable(aot.main);
  if (format === 'dot') return renderDot(module, table);
  if (format === 'json')
    return `${toJson({ ...renderGraphJson(module, table), executor: 'aot', aot: aotGraphJson(aot.main), memory: aot.layout })}\n`;
  return `${toJson(renderNetronAttachment(module, table, info ?? undefined))}\n`;
}
