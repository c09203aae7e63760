import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { ArchiveMember } from '../../core/archive/archive.js';
import { packCanonical, planCanonical } from '../../core/archive/canonical.js';
import { MEMBER_CHUNK } from '../read/member-chunks.js';
import { fileSource } from '../read/source.js';
import { memberRangeChunks, sourceMember } from '../read/range-chunks.js';
import { planChunks } from '../write/write-stream.js';
import { MlfError } from '../../core/errors/errors.js';
import { renderStaticReport } from '../../core/report/static-report.js';
import type { ViewSnapshot } from '../../core/report/view-data.js';
import { openArchivePath } from '../read/open.js';
import { packageRoot } from '../package-root.js';

/** Path of the built viewer page: `dist/viewer/index.html` in the package folder. */
export function viewerPagePath(): string {
  const path = join(packageRoot(), 'dist', 'viewer', 'index.html');
  if (!existsSync(path)) {
    throw new MlfError(
      'MLF-E401',
      `the viewer page is not built (looked for ${path})`,
      {},
      'Run npm run build (it runs build:viewer) in the package folder.',
    );
  }
  return path;
}

/** Reads the built viewer page. */
export function readViewerPage(): Promise<string> {
  return readFile(viewerPagePath(), 'utf8');
}

/** JSON that is safe inside a `<script>` element: `<` never appears literally. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Puts boot data (and optionally the archive as base64) into the page's head. */
export function injectBoot(page: string, boot: unknown, archive?: Uint8Array): string {
  const parts = [`<script type="application/json" id="mlf-boot">${scriptJson(boot)}</script>`];
  if (archive !== undefined) parts.push(`${ARCHIVE_OPEN}${Buffer.from(archive).toString('base64')}</script>`);
  if (!page.includes('<!--MLF-BOOT-->'))
    throw new MlfError('MLF-E401', 'the viewer page has no boot marker; rebuild it with npm run build:viewer');
  return page.replace('<!--MLF-BOOT-->', () => parts.join('\n'));
}

// The archive goes in parts: the page decodes one at a time, and no string it reads is larger than
// a part (a browser cannot hold the base64 of a large archive as one string). Read by the
// viewer's `embeddedArchive` (viewer/src/session.ts).
const ARCHIVE_OPEN = '<script type="application/octet-stream" id="mlf-archive" class="mlf-archive-part">';
const ARCHIVE_NEXT = '</script>\n<script type="application/octet-stream" class="mlf-archive-part">';
/** Archive bytes per part: 6 MiB, 8 MiB of base64 (a multiple of 3, so parts decode on their own). */
const PART_BYTES = 6 * 1024 * 1024;

/** Archive bytes encoded per call: 120 KiB strings stay in V8's young generation and die young. */
const SLICE_BYTES = 90 * 1024;

/** The archive as base64 `<script>` parts (see ARCHIVE_OPEN), a slice of input at a time. */
async function* base64Parts(archive: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  yield Buffer.from(ARCHIVE_OPEN);
  let inPart = 0;
  // Whole triples of bytes (or the archive's last bytes) as base64, opening a new part when one is full.
  function* encode(bytes: Buffer): Generator<Uint8Array> {
    for (let i = 0; i < bytes.byteLength;) {
      if (inPart === PART_BYTES) {
        yield Buffer.from(ARCHIVE_NEXT);
        inPart = 0;
      }
      const n = Math.min(SLICE_BYTES, PART_BYTES - inPart, bytes.byteLength - i);
      yield Buffer.from(bytes.toString('base64', i, i + n), 'latin1');
      inPart += n;
      i += n;
    }
  }
  let carry = Buffer.alloc(0); // fewer than 3 bytes, copied: the chunks' buffer may be reused
  for await (const chunk of archive) {
    let c = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (carry.byteLength > 0) {
      const head = Buffer.concat([carry, c.subarray(0, 3 - carry.byteLength)]);
      c = c.subarray(3 - carry.byteLength);
      carry = head;
      if (head.byteLength < 3) continue;
      yield* encode(head);
    }
    const whole = c.byteLength - (c.byteLength % 3);
    yield* encode(c.subarray(0, whole));
    carry = Buffer.from(c.subarray(whole));
  }
  yield* encode(carry);
  yield Buffer.from('</script>');
}

/**
 * The report page as chunks: the viewer with a snapshot inside and, with `archive`, the archive's
 * bytes streamed into it as base64 (never a whole copy in memory), and the graph drawings as
 * SVG for readers without JavaScript. The bytes of `renderReportPage`.
 */
export async function* reportPageChunks(
  snapshot: ViewSnapshot,
  archive?: AsyncIterable<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  const page = injectBoot(injectStatic(await readViewerPage(), renderStaticReport(snapshot)), { snapshot });
  if (archive === undefined) {
    yield Buffer.from(page);
    return;
  }
  const boot = page.indexOf('<script type="application/json" id="mlf-boot">');
  const at = page.indexOf('</script>', boot) + '</script>'.length;
  yield Buffer.from(`${page.slice(0, at)}\n`);
  yield* base64Parts(archive);
  yield Buffer.from(page.slice(at));
}

/**
 * The bytes the page opens, as chunks, and a display name: an archive file as it is (.tar, .tgz,
 * .tar.zst are all read in the page) read a chunk at a time; an extracted folder as the canonical
 * tar of its files, streamed. `close` releases the files.
 */
export async function archiveChunksForPage(
  path: string,
): Promise<{ chunks: AsyncIterable<Uint8Array>; name: string; close(): Promise<void> }> {
  const isDir = await stat(path).then(
    (s) => s.isDirectory(),
    (e: NodeJS.ErrnoException) => {
      throw new MlfError('MLF-E902', `cannot read ${path}: ${e.code ?? String(e)}`);
    },
  );
  if (!isDir) {
    const source = await fileSource(path);
    return {
      chunks: memberRangeChunks(sourceMember(source))(0, source.byteLength),
      name: basename(path),
      close: () => source.close(),
    };
  }
  const contents = await openArchivePath(path);
  const plan = planCanonical([...contents.members].map(([p, m]) => ({ path: p, size: m.size })));
  return {
    chunks: planChunks(plan, (p) => contents.members.get(p) as ArchiveMember, MEMBER_CHUNK),
    name: `${basename(path)}.tar`,
    close: async () => contents.close?.(),
  };
}

/** Puts markup shown without JavaScript (`<noscript>…`) at the start of the page's body. */
export function injectStatic(page: string, html: string): string {
  if (!page.includes('<!--MLF-STATIC-->'))
    throw new MlfError('MLF-E401', 'the viewer page has no static marker; rebuild it with npm run build:viewer');
  return page.replace('<!--MLF-STATIC-->', () => html);
}

/**
 * The report page: the viewer with a snapshot (and with `archive`, the archive bytes) inside,
 * and the graph drawings as SVG for readers without JavaScript.
 */
export async function renderReportPage(snapshot: ViewSnapshot, archive?: Uint8Array): Promise<string> {
  return injectBoot(injectStatic(await readViewerPage(), renderStaticReport(snapshot)), { snapshot }, archive);
}

/**
 * The bytes the page opens and a display name: an archive file as it is (.tar, .tgz, .tar.zst are
 * all read in the page); an extracted folder packed canonically into a tar first.
 */
export async function archiveBytesForPage(path: string): Promise<{ bytes: Uint8Array; name: string }> {
  const isDir = await stat(path).then(
    (s) => s.isDirectory(),
    (e: NodeJS.ErrnoException) => {
      throw new MlfError('MLF-E902', `cannot read ${path}: ${e.code ?? String(e)}`);
    },
  );
  if (!isDir) return { bytes: new Uint8Array(await readFile(path)), name: basename(path) };
  const contents = await openArchivePath(path);
  try {
    const files = new Map<string, Uint8Array>();
    for (const [p, m] of contents.members) files.set(p, await m.read());
    return { bytes: packCanonical(files), name: `${basename(path)}.tar` };
  } finally {
    await contents.close?.();
  }
}
