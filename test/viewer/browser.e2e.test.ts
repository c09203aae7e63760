// The browser bundle of src/core (scripts/build-browser.js) reads real TVM archives in headless
// Chromium: fetched, wrapped in a Blob, opened with blobSource, inspected (param hashes through
// WebCrypto) and validated, all inside the page. Uses Debian's Chromium through playwright-core;
// a missing browser fails the suite (install: apt-get install -y chromium, or set MLF_CHROMIUM).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBrowserBundle } from '../../scripts/build-browser.js';

const FIXTURES = join(import.meta.dirname, '../fixtures', 'tvm-0.18');
const CHROMIUM = process.env.MLF_CHROMIUM ?? '/usr/bin/chromium';

interface ExpectedFixture {
  metadata_version: number;
  modules: Record<
    string,
    {
      graph: {
        func_names: string[];
        heads: number[][];
        input_names: string[];
        num_arg_nodes: number;
        num_nodes: number;
        num_storage_ids: number;
      };
      params: Record<string, { dtype: string; shape: number[]; sha256: string }>;
    }
  >;
}

/** What the page hands back (the inspect report, trimmed to what is asserted, and the verdict). */
interface PageResult {
  blobSize: number;
  typeofProcess: string;
  typeofRequire: string;
  typeofBuffer: string;
  report: {
    version: number | null;
    container: string;
    modules: Record<
      string,
      {
        params: Record<string, { dtype: string; shape: number[]; bytes: number; sha256: string }> | null;
        graph: {
          nodes: number;
          argNodes: number;
          heads: number[][];
          operators: string[];
          inputs: string[];
          storageIds: number;
        } | null;
      }
    >;
  };
  verdict: {
    valid: boolean;
    errors: number;
    warnings: number;
    diagnostics: { code: string; severity: string; message: string }[];
  };
}

// Runs in the page as written (not transformed by vitest): imports the bundle as a module and
// exposes one function that does the whole read with the public API.
const INDEX_HTML = `<!doctype html>
<html><head><meta charset="utf-8"><title>mlf-core browser test</title><link rel="icon" href="data:,"></head>
<body>
<script type="module">
import * as mlf from '../mlf-core.js';
window.readArchive = async (url) => {
  const res = await fetch(url);
  if (!res.ok) throw new Error(url + ': HTTP ' + res.status);
  const blob = new Blob([await res.arrayBuffer()], { type: 'application/octet-stream' });
  const contents = await mlf.openArchiveBlob(blob); // a .tgz/.tar.zst is inflated into another Blob
  const archive = await mlf.readMlf(contents);
  const report = await mlf.inspectArchive(archive);
  const verdict = await mlf.validateArchive(archive);
  return {
    blobSize: blob.size,
    typeofProcess: typeof process,
    typeofRequire: typeof require,
    typeofBuffer: typeof Buffer,
    report,
    verdict,
  };
};
window.mlfReady = true;
</script>
</body></html>
`;

let outDir: string;
let bundleFile: string;
let bundleText: string;

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'mlf-browser-'));
  bundleFile = join(outDir, 'mlf-core.js');
  await buildBrowserBundle({ outfile: bundleFile, logLevel: 'error' });
  bundleText = readFileSync(bundleFile, 'utf8');
});

afterAll(() => {
  if (outDir !== undefined) rmSync(outDir, { recursive: true, force: true });
});

describe('browser bundle', () => {
  it('contains no node: imports or requires', () => {
    expect(bundleText.length).toBeGreaterThan(1000);
    // Literal forms, and the minified ones (`from"node:`, `require("node:`, `import("node:`).
    expect(bundleText).not.toContain('require("node:');
    expect(bundleText).not.toContain('from "node:');
    expect(bundleText).not.toMatch(/(?:\brequire\s*\(\s*|\bfrom\s*|\bimport\s*\(\s*|\bimport\s*)["'`]node:/);
  });
});

describe('browser bundle in headless Chromium', () => {
  const served = new Map<string, { type: string; body: Uint8Array | string }>();
  const consoleErrors: string[] = [];
  let server: Server | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let origin: string;
  let cnnTar: Uint8Array;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `Chromium not found at ${CHROMIUM}: the browser test needs it. Install Debian's chromium (apt-get install -y chromium, or node scripts/ensure-test-tools.js) or point MLF_CHROMIUM at a Chromium binary.`,
      );
    }
    cnnTar = new Uint8Array(readFileSync(join(FIXTURES, 'graph-cnn', 'model.tar')));
    served.set('/', { type: 'text/html; charset=utf-8', body: INDEX_HTML });
    served.set('/index.html', { type: 'text/html; charset=utf-8', body: INDEX_HTML });
    served.set('/mlf-core.js', { type: 'text/javascript; charset=utf-8', body: bundleText });
    served.set('/mlf-core.js.map', { type: 'application/json', body: readFileSync(`${bundleFile}.map`) });
    served.set('/graph-cnn.tar', { type: 'application/x-tar', body: cnnTar });
    served.set('/graph-cnn.tgz', { type: 'application/gzip', body: new Uint8Array(gzipSync(cnnTar)) });
    served.set('/graph-cnn.tar.zst', {
      type: 'application/zstd',
      body: new Uint8Array(execFileSync('zstd', ['-c', '-q', '-3'], { input: cnnTar })),
    });
    served.set('/multi-graph.tar', {
      type: 'application/x-tar',
      body: new Uint8Array(readFileSync(join(FIXTURES, 'multi-graph', 'model.tar'))),
    });

    server = createServer((req, res) => {
      const file = served.get(new URL(req.url ?? '/', 'http://x').pathname);
      if (file === undefined) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store' }).end(file.body);
    });
    await new Promise<void>((resolve, reject) => {
      server?.once('error', reject);
      server?.listen(0, '127.0.0.1', resolve);
    });
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    });
    page = await browser.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
    await page.goto(`${origin}/index.html`);
    await page.waitForFunction('window.mlfReady === true', undefined, { timeout: 10_000 });
  });

  afterAll(async () => {
    await browser?.close();
    if (server !== undefined) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server?.close(() => resolve()));
    }
  });

  const read = (path: string): Promise<PageResult> =>
    page.evaluate(
      (url) => (globalThis as unknown as { readArchive(u: string): Promise<PageResult> }).readArchive(url),
      path,
    );

  function expectMatchesFixture(result: PageResult, fixture: string): void {
    const expected = JSON.parse(readFileSync(join(FIXTURES, fixture, 'expected.json'), 'utf8')) as ExpectedFixture;
    const { report, verdict } = result;
    expect(verdict.valid, JSON.stringify(verdict.diagnostics, null, 2)).toBe(true);
    expect(verdict.errors).toBe(0);
    expect(report.version).toBe(expected.metadata_version);
    expect(Object.keys(report.modules).sort()).toEqual(Object.keys(expected.modules).sort());
    for (const [name, want] of Object.entries(expected.modules)) {
      const got = report.modules[name]!;
      expect(got.graph, `${fixture}/${name} graph`).toEqual({
        nodes: want.graph.num_nodes,
        argNodes: want.graph.num_arg_nodes,
        heads: want.graph.heads,
        operators: want.graph.func_names,
        inputs: want.graph.input_names,
        storageIds: want.graph.num_storage_ids,
      });
      expect(got.params, `${fixture}/${name} params`).not.toBeNull();
      expect(Object.keys(got.params!).sort(), `${fixture}/${name} param names`).toEqual(
        Object.keys(want.params).sort(),
      );
      for (const [p, w] of Object.entries(want.params)) {
        const g = got.params![p]!;
        expect({ dtype: g.dtype, shape: g.shape, sha256: g.sha256 }, `${fixture}/${name}.${p}`).toEqual({
          dtype: w.dtype,
          shape: w.shape,
          sha256: w.sha256,
        });
      }
    }
    // Nothing Node leaked into the page.
    expect(result.typeofProcess).toBe('undefined');
    expect(result.typeofRequire).toBe('undefined');
    expect(result.typeofBuffer).toBe('undefined');
  }

  it('reads graph-cnn/model.tar from a Blob and matches expected.json', async () => {
    const result = await read('/graph-cnn.tar');
    expect(result.blobSize).toBe(cnnTar.byteLength);
    expect(result.report.container).toBe('tar');
    expectMatchesFixture(result, 'graph-cnn');
  });

  it('reads a gzip-compressed graph-cnn (.tgz) through DecompressionStream', async () => {
    const result = await read('/graph-cnn.tgz');
    expect(result.report.container).toBe('gzip');
    expectMatchesFixture(result, 'graph-cnn');
  });

  it('reads a zstd-compressed graph-cnn (.tar.zst) through fzstd into a Blob', async () => {
    const result = await read('/graph-cnn.tar.zst');
    expect(result.report.container).toBe('zstd');
    expectMatchesFixture(result, 'graph-cnn');
  });

  it('reads the two-module multi-graph/model.tar', async () => {
    const result = await read('/multi-graph.tar');
    expect(result.report.container).toBe('tar');
    expectMatchesFixture(result, 'multi-graph');
  });

  it('logged no console errors and has no Node globals', async () => {
    expect(await page.evaluate('typeof process')).toBe('undefined');
    expect(consoleErrors).toEqual([]);
  });
});
