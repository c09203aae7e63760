// Where the viewer's data comes from: an archive parsed in the page (file picker, drop, served
// URL, or bytes embedded in a report) or a snapshot a report embedded as JSON. Only src/core.
import {
  findModule,
  type GraphJson,
  type InspectReport,
  inspectArchive,
  loadGraph,
  type MlfArchive,
  openArchiveBlob,
  readMlf,
  readText,
  type ValidationReport,
  validateArchive,
} from '../../src/core/index.js';
import type { TensorSummary, ViewSnapshot } from '../../src/core/report/view-data.js';
import { openParamsReader } from '../../src/core/params/params-reader.js';
import { summariseTensorStreamed } from '../../src/core/report/param-summary.js';
import { loadModuleViews, type ModuleViews } from '../../src/core/report/module-views.js';

/** One row of the params table. */
export interface ParamRow {
  index: number;
  name: string;
  dtype: string;
  shape: number[];
  bytes: number;
}

/** A file the code view can show. */
export interface CodeFile {
  path: string;
  bytes: number;
  kind: 'source' | 'header' | 'relay' | 'tir' | 'graph' | 'metadata';
}

/** What every view reads; implemented over an archive or over a report's snapshot. */
export interface Session {
  name: string;
  report: InspectReport;
  validation: ValidationReport;
  /** True when raw bytes are at hand (weights statistics on demand, full code). */
  hasArchive: boolean;
  /** Why a report's embedded archive is not at hand, when it could not be loaded. */
  archiveError?: string;
  graph(module: string): Promise<GraphJson | null>;
  params(module: string): Promise<ParamRow[]>;
  /** Statistics and histogram of one tensor, computed when first asked for. */
  paramSummary(module: string, name: string): Promise<TensorSummary | null>;
  codeFiles(module: string): CodeFile[];
  /** The AOT main (fused graph, memory layout) and the Relay @main, where the module has them. */
  views(module: string): Promise<ModuleViews>;
  /** Text of a member; null when the report did not embed the archive. */
  text(path: string): Promise<string | null>;
}

/** Opens archive bytes (a File from the picker or a drop, or embedded bytes) in the page. */
export async function openBlob(blob: Blob, name: string): Promise<Session> {
  const archive = await readMlf(await openArchiveBlob(blob));
  // Hashes are skipped: the viewer never shows them and SHA-256 of big weights costs seconds.
  const report = await inspectArchive(archive, { hashParams: false });
  const validation = await validateArchive(archive);
  return archiveSession(archive, name, report, validation);
}

/** Opens the archive a report embedded (see `embeddedArchive`); its summary and verdict were computed by `mlf report`. */
export async function openEmbedded(blob: Blob, snapshot: ViewSnapshot): Promise<Session> {
  const archive = await readMlf(await openArchiveBlob(blob));
  return archiveSession(archive, snapshot.name, snapshot.report, snapshot.validation);
}

function memo<T>(f: (key: string) => Promise<T>): (key: string) => Promise<T> {
  const cache = new Map<string, Promise<T>>();
  return (key) => {
    let p = cache.get(key);
    if (p === undefined) cache.set(key, (p = f(key)));
    return p;
  };
}

function archiveSession(
  archive: MlfArchive,
  name: string,
  report: InspectReport,
  validation: ValidationReport,
): Session {
  const graph = memo((m) => loadGraph(archive, findModule(archive, m)).catch(() => null));
  // Header-only: the table needs names, dtypes and shapes; payloads are read per tensor, in chunks.
  const params = memo((m) => openParamsReader(archive, findModule(archive, m)).catch(() => null));
  const summaries = memo(async (key): Promise<TensorSummary | null> => {
    const [m, n] = key.split('\u0000') as [string, string];
    const p = await params(m);
    const t = p?.index.tensors.find((x) => x.name === n);
    return p === null || t === undefined ? null : summariseTensorStreamed(p.read, t, { readAhead: false });
  });
  return {
    name,
    report,
    validation,
    hasArchive: true,
    graph,
    params: async (m) =>
      ((await params(m))?.index.tensors ?? []).map((t, index) => ({
        index,
        name: t.name,
        dtype: t.dtypeName,
        shape: t.shape,
        bytes: t.byteLength,
      })),
    paramSummary: (m, n) => summaries(`${m}\u0000${n}`),
    codeFiles: (m) => codeFiles(archive, m),
    text: (path) => readText(archive, path),
    views: memo((m) => loadModuleViews(archive, findModule(archive, m)).catch(() => NO_VIEWS)),
  };
}

function codeFiles(archive: MlfArchive, name: string): CodeFile[] {
  const m = archive.modules.find((x) => x.name === name);
  if (m === undefined) return [];
  const size = (path: string) => archive.contents.members.get(path)?.size ?? 0;
  const out: CodeFile[] = [];
  const add = (path: string | null, kind: CodeFile['kind']) =>
    path !== null && out.push({ path, bytes: size(path), kind });
  for (const p of m.files.sources) add(p, 'source');
  for (const p of m.files.headers) add(p, 'header');
  add(m.files.relay, 'relay');
  for (const p of m.files.tir) add(p, 'tir');
  add(m.files.graph, 'graph');
  add('metadata.json', 'metadata');
  return out.filter((f) => archive.contents.members.has(f.path));
}

/**
 * A session over a report's embedded snapshot: no raw weights and no code text. `archiveError`
 * says why an embedded archive could not be loaded, when that is why the snapshot is used.
 */
export function snapshotSession(s: ViewSnapshot, archiveError?: string): Session {
  const mod = (m: string) => s.modules[m];
  return {
    name: s.name,
    report: s.report,
    validation: s.validation,
    hasArchive: false,
    ...(archiveError === undefined ? {} : { archiveError }),
    graph: async (m) => mod(m)?.graph ?? null,
    params: async (m) =>
      (mod(m)?.params ?? []).map((p, index) => ({
        index,
        name: p.name,
        dtype: p.dtype,
        shape: p.shape,
        bytes: p.bytes,
      })),
    paramSummary: async (m, n) => mod(m)?.params.find((p) => p.name === n)?.summary ?? null,
    codeFiles: (m) => {
      const r = s.report.modules[m];
      if (r === undefined) return [];
      const files: CodeFile[] = [
        ...r.codegen.sources.map((f) => ({ ...f, kind: 'source' as const })),
        ...r.codegen.headers.map((f) => ({ ...f, kind: 'header' as const })),
      ];
      if (r.files.relay !== null) files.push({ path: r.files.relay, bytes: 0, kind: 'relay' });
      for (const p of r.files.tir) files.push({ path: p, bytes: 0, kind: 'tir' });
      return files;
    },
    text: async () => null,
    views: async (m) => mod(m)?.views ?? NO_VIEWS,
  };
}

const NO_VIEWS: ModuleViews = { aot: null, relay: null };

/** How the page was started: by a served archive URL, an embedded report, or empty. */
export type Boot =
  | { kind: 'empty' }
  | { kind: 'url'; url: string; name: string }
  | { kind: 'report'; snapshot: ViewSnapshot; archive: (() => Blob) | null };

/** Reads the boot data `mlf view` or `mlf report` put in the page. */
export function readBoot(doc: Document): Boot {
  const el = doc.getElementById('mlf-boot');
  const text = el?.textContent?.trim() ?? '';
  if (text === '') return { kind: 'empty' };
  const boot = JSON.parse(text) as { url?: string; name?: string; snapshot?: ViewSnapshot };
  if (boot.url !== undefined) return { kind: 'url', url: boot.url, name: boot.name ?? boot.url };
  if (boot.snapshot !== undefined) {
    // Decoded when opened, where a failure is shown: the report's own summary stays usable.
    const embedded = (doc.getElementById('mlf-archive')?.textContent?.trim() ?? '') !== '';
    return { kind: 'report', snapshot: boot.snapshot, archive: embedded ? () => embeddedArchive(doc) : null };
  }
  return { kind: 'empty' };
}

/**
 * The archive a report embedded, as a Blob: base64 in one or more `<script>` elements (`mlf
 * report` writes parts of a few MiB, the first with id `mlf-archive`, so no string the page
 * reads is larger than a part), each decoded on its own (an empty Blob when there is none).
 */
export function embeddedArchive(doc: Document): Blob {
  const first = doc.getElementById('mlf-archive');
  const parts: Blob[] = [];
  if (first === null) return new Blob([]);
  const rest = [...doc.querySelectorAll('script.mlf-archive-part')].filter((el) => el !== first);
  for (const el of [first, ...rest]) {
    const text = el.textContent?.trim() ?? '';
    if (text !== '') parts.push(new Blob([decodeBase64(text) as BlobPart]));
  }
  return new Blob(parts);
}

/** Decodes base64 (embedded archive bytes); the native decoder where the browser has one. */
export function decodeBase64(b64: string): Uint8Array {
  const U8 = Uint8Array as unknown as { fromBase64?: (s: string) => Uint8Array };
  if (typeof U8.fromBase64 === 'function') return U8.fromBase64(b64.replace(/\s+/g, ''));
  const bin = atob(b64.replace(/\s+/g, ''));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
