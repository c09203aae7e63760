import { spawn } from 'node:child_process';
import { basename } from 'node:path';
import { loadGraph, loadParams } from '../../core/archive/archive.js';
import { selectModule } from '../../core/archive/select.js';
import { MlfError } from '../../core/errors/errors.js';
import { type InspectModule, inspectArchive } from '../../core/archive/inspect.js';
import { type AotAnalysis, analyzeAotCodegen, analyzeAotModule } from '../../core/graph/aot-archive.js';
import { aotGraphJson, aotGraphTable } from '../../core/report/aot-view.js';
import { drawGraphSvg } from '../../core/report/graph-svg.js';
import { buildSnapshot, type GraphTable, graphTable } from '../../core/report/view-data.js';
import { withMlfPath } from '../../node/read/open.js';
import { hashParams } from '../../node/read/params-hash.js';
import { serveViewer } from '../../node/viewer/serve.js';
import {
  archiveBytesForPage,
  archiveChunksForPage,
  readViewerPage,
  reportPageChunks,
} from '../../node/viewer/viewer-page.js';
import { writeChunksAtomic } from '../../node/write/write-stream.js';
import type { CliContext } from '../context.js';
import { formatBytes, plural, safeText } from '../format.js';
import { toJson } from '../io.js';
import { chooseFormat } from '../options.js';
import { about } from './each.js';
import { reportWritten, stdoutTarget, writeOutput } from './output.js';

const isHtml = (h: Uint8Array) => /^\s*<!doctype html/i.test(new TextDecoder().decode(h.subarray(0, 64)));
const isGraphFile = (h: Uint8Array) => /^\s*(digraph|\{|<\?xml|<svg)/.test(new TextDecoder().decode(h.subarray(0, 64)));
import { renderDot, renderGraphJson, renderNetronAttachment } from './graph-export.js';

/** `mlf report`: one self-contained HTML file (opens from file://), written atomically. */
export async function runReport(
  ctx: CliContext,
  input: string,
  opts: { output: string; embedArchive?: boolean; force?: boolean; json?: boolean },
): Promise<number> {
  const path = await ctx.input(input);
  const name = input === '-' ? 'stdin' : basename(path);
  const bar = ctx.progress('building the report');
  bar.update(0);
  let snapshot;
  try {
    snapshot = await about(input, () =>
      withMlfPath(path, (archive) => buildSnapshot(archive, name, { paramHasher: hashParams })),
    );
  } finally {
    bar.stop();
  }
  // The page is written as it is made: the archive, when embedded, is streamed into it as base64.
  const embedded = opts.embedArchive === true;
  const archive = embedded ? await archiveChunksForPage(path) : undefined;
  let written;
  try {
    written = await writeChunksAtomic(
      opts.output === '-' ? stdoutTarget(ctx) : opts.output,
      reportPageChunks(snapshot, archive?.chunks),
      { force: opts.force ?? false, inputs: [path], accepts: isHtml, kindName: 'an HTML file' },
    );
  } finally {
    await archive?.close();
  }
  const v = snapshot.validation;
  if (ctx.json) reportWritten(ctx, 'report', [written], [], { embeddedArchive: embedded, validation: v });
  else if (written.path !== '-')
    // The summary is the command's result: stdout (stderr when stdout carries the page).
    ctx.print(
      `${safeText(opts.output)}: ${formatBytes(written.bytes)}${embedded ? ' with the archive embedded' : ''}; archive ${v.valid ? 'valid' : `invalid (${plural(v.errors, 'error')})`}, ${plural(v.warnings, 'warning')}`,
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
export async function runView(
  ctx: CliContext,
  input: string,
  opts: { port?: string; open?: boolean },
): Promise<number> {
  const io = ctx.io;
  const port = opts.port === undefined ? 0 : Number(opts.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new MlfError('MLF-E901', `--port must be an integer from 0 to 65535, got ${JSON.stringify(opts.port)}`);
  const path = await ctx.input(input);
  // Read (and so check) the archive before serving: a bad path fails here, not in the page.
  await about(input, () => withMlfPath(path, async () => undefined));
  const { bytes, name } = await archiveBytesForPage(path);
  const server = await serveViewer({ page: await readViewerPage(), archive: bytes, name, port });
  io.out(`Serving ${safeText(name)} at ${server.url} (127.0.0.1 only; Ctrl-C stops)`);
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

/** `mlf graph`: the graph of one module (graph executor or AOT) as DOT (default), an SVG drawing, JSON or a Netron attachment; stdout or a file. */
export async function runGraph(
  ctx: CliContext,
  input: string,
  opts: {
    module?: string;
    format?: string;
    json?: boolean;
    params?: 'folded' | 'nodes';
    output?: string;
    force?: boolean;
  },
): Promise<number> {
  const format = chooseFormat(opts, ['dot', 'svg', 'json', 'netron'], 'dot');
  if (opts.params !== undefined && format !== 'svg')
    throw new MlfError('MLF-E901', `--params ${opts.params} applies to --format svg only, not ${format}`);
  const path = await ctx.input(input);
  const svg = (module: string, table: GraphTable) =>
    `${drawGraphSvg(table, { params: opts.params ?? 'folded', legend: true, title: `Graph of module ${module}` })}\n`;
  const text = await about(input, () =>
    withMlfPath(path, async (archive) => {
      if (archive.metadata === null) {
        // Generated code without metadata.json: the AOT main alone says what the module is.
        const aot = await analyzeAotCodegen(archive, opts.module === undefined ? {} : { module: opts.module });
        return renderAot(aot.main.module, aot, null, format, svg);
      }
      const mod =
        selectModule(archive, {
          name: opts.module,
          having: { test: (m) => m.files.graph !== null || m.executor === 'aot', what: 'with a graph' },
        }) ?? archive.modules[0];
      const graph = mod === undefined ? null : await loadGraph(archive, mod);
      if (mod !== undefined && graph === null && mod.executor === 'aot') {
        const aot = await analyzeAotModule(archive, mod);
        if (aot !== null) {
          const report =
            format === 'netron' ? await inspectArchive(archive, { module: mod.name, hashParams: false }) : null;
          return renderAot(mod.name, aot, report?.modules[mod.name] ?? null, format, svg);
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
      if (format === 'svg') return svg(mod.name, table);
      if (format === 'dot') return renderDot(mod.name, table);
      if (format === 'json') return `${toJson(renderGraphJson(mod.name, table))}\n`;
      const report = await inspectArchive(archive, { module: mod.name, hashParams: false });
      return `${toJson(renderNetronAttachment(mod.name, table, report.modules[mod.name]))}\n`;
    }),
  );
  if (opts.output === undefined || opts.output === '-') {
    ctx.io.out(text);
    return 0;
  }
  const written = await writeOutput(ctx, opts.output, text, {
    force: opts.force ?? false,
    inputs: [path],
    accepts: isGraphFile,
    kindName: 'a graph file (DOT, JSON or SVG)',
  });
  if (!ctx.json) reportWritten(ctx, 'graph', [written]);
  return 0;
}

/** An AOT module's graph: the node table from its main, plus (JSON) its calls, buffers and memory layout. */
function renderAot(
  module: string,
  aot: AotAnalysis,
  info: InspectModule | null,
  format: string,
  svg: (module: string, table: GraphTable) => string,
): string {
  const table = aotGraphTable(aot.main);
  if (format === 'svg') return svg(module, table);
  if (format === 'dot') return renderDot(module, table);
  if (format === 'json')
    return `${toJson({ ...renderGraphJson(module, table), executor: 'aot', aot: aotGraphJson(aot.main), memory: aot.layout })}\n`;
  return `${toJson(renderNetronAttachment(module, table, info ?? undefined))}\n`;
}
