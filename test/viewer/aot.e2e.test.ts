// AOT modules in the viewer, in headless Chromium: the graph tab draws the calls of
// `__tvm_main__` (counted here by a line scan of the C, not by our reader), a fused node lists the
// Relay ops its name reveals and links to them in the Relay level (whose calls are counted in the
// Relay text); the memory tab shows the timeline and the pool map, with offsets and sizes as the C
// spells them and the workspace figure of metadata.json; a step picked there selects its call in
// the graph. The same from a report page without the archive. Screenshots are kept.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tarFiles } from '../helpers/archive.js';
import {
  collectErrors,
  launchChromium,
  ROOT,
  SHOTS,
  shot,
  TVM_DIR,
  VIEWER_URL,
  waitForText,
} from '../helpers/viewer.js';

const MNIST = join(TVM_DIR, 'mnist-aot-usmp', 'model.tar');
const MLP = join(TVM_DIR, 'aot-mlp', 'model.tar');

let browser: Browser;
let page: Page;
let errors: string[];
let tmp: string;

beforeAll(async () => {
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  errors = collectErrors(page);
  tmp = mkdtempSync(join(tmpdir(), 'mlf-aot-e2e-'));
});
afterAll(async () => {
  await browser?.close();
  rmSync(tmp, { recursive: true, force: true });
});

const decode = (b: Uint8Array | undefined) => new TextDecoder().decode(b);

/** The C of an archive as one text, and the lines of `main`'s body (TVM's formatting: up to a line `}`). */
function cOf(path: string, main: string): { all: string; body: string[] } {
  const texts = [...tarFiles(path)].filter(([p]) => p.endsWith('.c')).map(([, b]) => decode(b));
  for (const t of texts) {
    const lines = t.split('\n');
    const start = lines.findIndex((l) => l.includes(`${main}(`) && l.trimEnd().endsWith('{'));
    if (start >= 0) return { all: texts.join('\n'), body: lines.slice(start + 1, lines.indexOf('}', start)) };
  }
  throw new Error(`no ${main} in ${path}`);
}
const callsOf = (body: string[]) =>
  body.flatMap((l) => [...l.matchAll(/\b(tvmgen_\w+)\s*\(/g)].map((m) => m[1] as string));

async function open(url: string, path: string | null): Promise<void> {
  await page.goto('about:blank');
  await page.goto(url);
  if (path !== null) await page.setInputFiles('#file-input', path);
  await page.waitForSelector('#tab-overview');
  await page.waitForSelector('#panel-graph [data-graph-ready="true"]', { timeout: 30_000 });
}

describe('the graph tab of an AOT module', () => {
  it('mnist (USMP): one box per call of the main, in order; a fused node links to its Relay ops', async () => {
    const calls = callsOf(cOf(MNIST, 'tvmgen_mnist___tvm_main__').body);
    expect(calls).toHaveLength(12);
    await open(`${VIEWER_URL}#graph`, MNIST);
    expect(await page.getAttribute('#panel-graph .graph-view', 'data-level')).toBe('fused');
    await expect.poll(() => page.locator('#panel-graph g.node.op').count()).toBe(calls.length);
    // Op nodes are numbered in call order: their boxes by node number name the calls in order.
    const boxes = await page.$$eval('#panel-graph g.node.op', (gs) =>
      gs.map((g) => [Number(g.getAttribute('data-node')), g.querySelector('title')?.textContent?.split('\n')[0] ?? '']),
    );
    expect(boxes.sort((a, b) => (a[0] as number) - (b[0] as number)).map((b) => b[1])).toEqual(calls);
    // The first conv: its buffers with pool and offset, and the Relay ops its name reveals.
    const conv = calls.indexOf('tvmgen_mnist_fused_nn_contrib_conv2d_NCHWc_add_nn_relu');
    await page.fill('#node-search', calls[conv] as string);
    await page.press('#node-search', 'Enter');
    expect(await waitForText(page, '#detail-func', calls[conv] as string)).toBe(calls[conv]);
    const offset = /void\* sid_4_let = \(&\(global_workspace_1_var\[(\d+)\]\)\);/.exec(
      cOf(MNIST, 'tvmgen_mnist___tvm_main__').all,
    )?.[1];
    expect(await page.textContent('#detail-outputs tbody tr')).toContain(`sid_4_let @ global_workspace+${offset}`);
    expect((await page.textContent('#detail-members'))?.split('→').map((s) => s.trim())).toEqual([
      'nn.contrib_conv2d_NCHWc',
      'add',
      'nn.relu',
    ]);
    await shot(page, 'aot-graph-mnist');
    // `add` leads to the Relay level, searching for it.
    await page.click('#detail-members button:text-is("add")');
    await page.waitForSelector('#panel-graph .graph-view[data-level="relay"][data-graph-ready="true"]');
    expect(await page.inputValue('#node-search')).toBe('add');
    await shot(page, 'aot-relay-mnist');
  });

  it('mnist: the Relay level has one op per call in the Relay text and the parameters as inputs', async () => {
    const relay = decode(tarFiles(MNIST).get('src/mnist.relay'));
    const body = relay.slice(relay.indexOf('{'));
    const relayCalls = [...body.matchAll(/(?:^|[=\s])([a-z_][\w.]*)\(/gm)].map((m) => m[1]);
    expect(relayCalls).toHaveLength(11);
    const params = [...relay.slice(0, relay.indexOf('{')).matchAll(/%(\w+):/g)].length;
    await expect.poll(() => page.locator('#panel-graph g.node.op').count()).toBe(relayCalls.length);
    expect(await page.locator('#panel-graph g.node.input').count()).toBe(params);
    // Inferred types on the node details: the dense is float32[1, 10].
    await page.fill('#node-search', 'nn.dense');
    await page.press('#node-search', 'Enter');
    await page.waitForSelector('#detail-outputs tbody tr');
    expect(await page.getAttribute('#detail-outputs tbody tr', 'data-shape')).toBe('[1,10]');
    expect(await page.textContent('#detail-op')).toBe('nn.dense');
    // Back to the fused level.
    await page.selectOption('#graph-level', 'fused');
    await page.waitForSelector('#panel-graph .graph-view[data-level="fused"][data-graph-ready="true"]');
  });
});

describe('the memory tab of an AOT module', () => {
  it('mnist: the pool map places every slice of the main at its offset; peaks and workspace', async () => {
    const { all, body } = cOf(MNIST, 'tvmgen_mnist___tvm_main__');
    const slices = body.flatMap((l) =>
      [...l.matchAll(/void\* (sid_\d+_let) = \(&\(global_workspace_1_var\[(\d+)\]\)\);/g)].map((m) => [m[1], m[2]]),
    );
    expect(slices).toHaveLength(11);
    const declared = /static uint8_t global_workspace\[(\d+)\]/.exec(all)?.[1];
    const metadata = JSON.parse(decode(tarFiles(MNIST).get('metadata.json'))).modules.mnist.memory.functions.main[0];
    await page.click('#tab-memory');
    await page.waitForSelector('#memory-timeline');
    await page.waitForSelector('#aot-memory .pool-map[data-region="global_workspace"] rect.pool-map-buffer');
    const placed = await page.$$eval(
      '#aot-memory .pool-map[data-region="global_workspace"] rect.pool-map-buffer',
      (rs) => rs.map((r) => [r.getAttribute('data-buffer'), r.getAttribute('data-offset')]),
    );
    for (const s of slices) expect(placed).toContainEqual(s);
    expect(await page.textContent('#aot-regions tr[data-region="global_workspace"]')).toContain('41.1 KiB');
    expect(Number(declared)).toBe(42048);
    expect(await page.getAttribute('#aot-workspace', 'data-computed')).toBe(String(metadata.workspace_size_bytes));
    expect(await page.getAttribute('#aot-workspace', 'data-metadata')).toBe(String(metadata.workspace_size_bytes));
    expect(await page.textContent('#aot-workspace')).toContain('metadata.json agrees');
    // The timeline sums each call's buffers; inside a call USMP reuses a consumed input, which is said.
    expect(Number(await page.getAttribute('#timeline-peak', 'data-bytes'))).toBeGreaterThan(Number(declared));
    expect(await page.textContent('#aot-reuse')).toContain('at most 41.1 KiB is held');
    await shot(page, 'aot-memory-mnist');
    await page.locator('#aot-memory').screenshot({ path: join(SHOTS, 'aot-pool-map-mnist.png') });
  });

  it('mnist: a call picked in the timeline selects it in the graph; the map marks what is held then', async () => {
    const calls = callsOf(cOf(MNIST, 'tvmgen_mnist___tvm_main__').body);
    await page.focus('#memory-timeline');
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowRight');
    await page.waitForSelector('#timeline-live');
    expect(await page.getAttribute('#memory-timeline', 'aria-valuenow')).toBe('2');
    // Call 2 writes sid_2_let; sid_1_let (written by call 1, read by call 4) is still held.
    const live = await page.$$eval('#aot-memory rect[data-live="true"]', (rs) =>
      rs.map((r) => r.getAttribute('data-buffer')),
    );
    expect(live).toEqual(expect.arrayContaining(['sid_1_let', 'sid_2_let']));
    expect(live).not.toContain('sid_4_let');
    await page.click('#timeline-show');
    await page.waitForSelector('#tab-graph[aria-selected="true"]');
    expect(await waitForText(page, '#detail-func', calls[1] as string)).toBe(calls[1]);
  });

  it('aot-mlp: the arena blocks stacked, the workspace of metadata.json from the C', async () => {
    const { body } = cOf(MLP, 'tvmgen_default___tvm_main__');
    const sizes = body.flatMap((l) =>
      [...l.matchAll(/TVMBackendAllocWorkspace\(\d+, \d+, \(uint64_t\)(\d+)/g)].map((m) => Number(m[1])),
    );
    expect(sizes).toEqual([8192, 128]);
    const metadata = JSON.parse(decode(tarFiles(MLP).get('metadata.json'))).modules.default.memory.functions.main[0];
    await open(`${VIEWER_URL}#graph`, MLP);
    await page.click('#tab-memory');
    await page.waitForSelector('#aot-memory .pool-map[data-region="workspace"] rect.pool-map-buffer');
    const placed = await page.$$eval('#aot-memory .pool-map[data-region="workspace"] rect.pool-map-buffer', (rs) =>
      rs.map((r) => [r.getAttribute('data-buffer'), Number(r.getAttribute('data-offset'))]),
    );
    // Stacked in allocation order, 16-byte blocks.
    expect(placed.slice(0, 2)).toEqual([
      ['sid_1', 0],
      ['sid_2', sizes[0]],
    ]);
    expect(await page.getAttribute('#aot-workspace', 'data-computed')).toBe(String(metadata.workspace_size_bytes));
    await page.locator('#aot-memory').screenshot({ path: join(SHOTS, 'aot-pool-map-mlp.png') });
  });
});

describe('a report page of an AOT module (no archive embedded)', () => {
  it('draws the calls and the pool map from the snapshot', async () => {
    const out = join(tmp, 'mnist-aot.html');
    const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'mlf.js'), 'report', MNIST, '-o', out], {
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    const calls = callsOf(cOf(MNIST, 'tvmgen_mnist___tvm_main__').body);
    await open(`${pathToFileURL(out).href}#graph`, null);
    await expect.poll(() => page.locator('#panel-graph g.node.op').count()).toBe(calls.length);
    await page.selectOption('#graph-level', 'relay');
    await page.waitForSelector('#panel-graph .graph-view[data-level="relay"][data-graph-ready="true"]');
    await page.click('#tab-memory');
    await page.waitForSelector('#aot-memory .pool-map[data-region="global_workspace"] rect.pool-map-buffer');
  });

  it('logged no console errors', () => {
    expect(errors).toEqual([]);
  });
});
