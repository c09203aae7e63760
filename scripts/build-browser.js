#!/usr/bin/env node
// Bundles the browser-safe core (src/core/index.ts) into one ESM file for browsers.
// platform 'browser' makes esbuild refuse Node builtins (`node:fs`, `fs`, ...): if anything in
// src/core or its dependencies pulls one in, the build fails, which is the point of this check.
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_OUTFILE = join(ROOT, 'dist', 'browser', 'mlf-core.js');

/**
 * Builds the browser bundle. Resolves to its path and sizes; rejects when esbuild reports an
 * error (a Node builtin reached from src/core is one).
 * @param {{ outfile?: string, logLevel?: import('esbuild').LogLevel }} [options]
 * @returns {Promise<{ outfile: string, bytes: number, gzipBytes: number }>}
 */
export async function buildBrowserBundle({ outfile = DEFAULT_OUTFILE, logLevel = 'warning' } = {}) {
  await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: [join(ROOT, 'src', 'core', 'index.ts')],
    outfile,
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: true,
    sourcemap: true,
    legalComments: 'none',
    logLevel,
  });
  const code = readFileSync(outfile);
  return { outfile, bytes: code.byteLength, gzipBytes: gzipSync(code, { level: 9 }).byteLength };
}

const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const { outfile, bytes, gzipBytes } = await buildBrowserBundle();
    console.log(
      `${relative(process.cwd(), outfile)}: ${bytes} bytes (${kib(bytes)}), gzipped ${gzipBytes} bytes (${kib(gzipBytes)})`,
    );
  } catch {
    // esbuild already printed the errors (e.g. a node: import reached from src/core).
    console.error('[build-browser] failed');
    process.exit(1);
  }
}
