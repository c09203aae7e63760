#!/usr/bin/env node
// Builds the viewer into ONE self-contained HTML file (dist/viewer/index.html): the app bundle,
// its CSS and the layout worker (as a Blob-URL source string) are all inlined, so the same file
// is served by `mlf view` and becomes a report that opens from file:// (where Chromium refuses
// external module scripts). esbuild only: no extra toolchain, and `npm ci` stays reliable.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..');
export const DEFAULT_OUT_DIR = join(ROOT, 'dist', 'viewer');
const require = createRequire(import.meta.url);

const common = {
  absWorkingDir: ROOT,
  bundle: true,
  write: false,
  platform: 'browser',
  format: 'iife',
  target: 'es2022',
  minify: true,
  legalComments: 'none',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  logLevel: 'warning',
};

// Inline <script> content must not contain "</script" (it would end the element) nor "<!--"
// (it changes how the HTML parser reads the rest). "<\/" means "</" in JS strings, templates and
// regexes; "<!--" is refused rather than rewritten, as no rewrite is valid in every JS context.
const safeScript = (js) => {
  if (js.includes('<!--')) throw new Error('viewer bundle contains "<!--"; it cannot be inlined safely');
  return js.replace(/<\/(script)/gi, '<\\/$1');
};

/**
 * Builds the viewer. Resolves to the file written and its sizes.
 * @param {{ outDir?: string }} [options]
 * @returns {Promise<{ file: string, bytes: number, gzipBytes: number, workerBytes: number }>}
 */
export async function buildViewer({ outDir = DEFAULT_OUT_DIR } = {}) {
  const worker = await esbuild.build({ ...common, entryPoints: [join(HERE, 'src', 'layout-worker.ts')] });
  const workerJs = worker.outputFiles[0].text;
  const app = await esbuild.build({
    ...common,
    entryPoints: [join(HERE, 'src', 'main.tsx')],
    define: { __LAYOUT_WORKER__: JSON.stringify(workerJs) },
  });
  const appJs = app.outputFiles[0].text;
  const css = [
    readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
    readFileSync(join(HERE, 'src', 'style.css'), 'utf8'),
  ].join('\n');
  const minCss = (await esbuild.transform(css, { loader: 'css', minify: true })).code;
  const template = readFileSync(join(HERE, 'index.html'), 'utf8');
  const html = template
    .replace('/*MLF-STYLE*/', () => minCss.replace(/<\/style/gi, '<\\/style'))
    .replace('/*MLF-SCRIPT*/', () => safeScript(appJs));
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, 'index.html');
  writeFileSync(file, html);
  return {
    file,
    bytes: Buffer.byteLength(html),
    gzipBytes: gzipSync(html, { level: 9 }).byteLength,
    workerBytes: Buffer.byteLength(workerJs),
  };
}

const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const r = await buildViewer();
    console.log(
      `${relative(process.cwd(), r.file)}: ${kib(r.bytes)} (gzipped ${kib(r.gzipBytes)}; layout worker ${kib(r.workerBytes)})`,
    );
  } catch (e) {
    // esbuild has printed its own errors; anything else is shown here.
    console.error(`[build-viewer] failed${e && !e.errors ? `: ${e.message}` : ''}`);
    process.exit(1);
  }
}
