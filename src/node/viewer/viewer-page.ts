import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { packCanonical } from '../../core/archive/canonical.js';
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
  if (archive !== undefined)
    parts.push(
      `<script type="application/octet-stream" id="mlf-archive">${Buffer.from(archive).toString('base64')}</script>`,
    );
  if (!page.includes('<!--MLF-BOOT-->'))
    throw new MlfError('MLF-E401', 'the viewer page has no boot marker; rebuild it with npm run build:viewer');
  return page.replace('<!--MLF-BOOT-->', () => parts.join('\n'));
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
