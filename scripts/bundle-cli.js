#!/usr/bin/env node
// Bundles the built CLI (dist/cli/main.js and what it imports, commander included) into
// dist/cli-bundle/, one chunk per lazily loaded command: Node then reads a few files instead of
// ~200 modules, and `mlf inspect`/`mlf validate` start ~0.08 s sooner (30 % here). The library
// stays unbundled in dist/. Run by `npm run build`, after tsc.
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'dist', 'cli-bundle');

rmSync(OUT, { recursive: true, force: true });
await esbuild.build({
  absWorkingDir: ROOT,
  entryPoints: ['dist/cli/main.js'],
  outdir: OUT,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // CommonJS dependencies (commander) call require(); ESM output has none, so give them one.
  banner: {
    js: "import { createRequire as __mlfCreateRequire } from 'node:module'; const require = __mlfCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
