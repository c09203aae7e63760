// The viewer in headless Chromium, opened from file:// like a downloaded page: every TVM 0.18
// fixture through the file picker, one by drag and drop; overview values against expected.json;
// graph search and node details; memory; params sorted by size with statistics checked against an
// independent computation; code; keyboard-only use; an axe scan of every view.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeParams } from '../../src/core/params/codec.js';
import { TVM_FIXTURES, tarFiles } from '../helpers/archive.js';
import {
  collectErrors,
  launchChromium,
  seriousViolations,
  shot,
  TVM_DIR,
  VIEWER_URL,
  waitForChange,
  waitForText,
} from '../helpers/viewer.js';

interface Expected {
  modules?: Record<string, { executor: string; inputs: Record<string, { dtype: string; shape: number[] }> }>;
  function?: string;
}
const tarOf = (f: string) => join(TVM_DIR, f, 'model.tar');
const expected = (f: string) => JSON.parse(readFileSync(join(TVM_DIR, f, 'expected.json'), 'utf8')) as Expected;

let browser: Browser;
let page: Page;
let errors: string[];

beforeAll(async () => {
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
  errors = collectErrors(page);
});
afterAll(async () => {
  await browser?.close();
});

async function openByPicker(fixture: string, hash = ''): Promise<void> {
  await page.goto(`${VIEWER_URL}${hash}`);
  await page.setInputFiles('#file-input', tarOf(fixture));
  await page.waitForSelector('#tab-overview');
}

const tab = (id: string) => page.click(`#tab-${id}`);
const texts = (sel: string) => page.$$eval(sel, (els) => els.map((e) => (e.textContent ?? '').trim()));

describe('viewer from file://', () => {
  it('opens every tvm-0.18 fixture through the file picker and shows its overview', async () => {
    for (const f of TVM_FIXTURES) {
      await openByPicker(f);
      const want = expected(f);
      const modules = await texts('#module-select option');
      if (want.modules === undefined) {
        expect(modules, f).toEqual([want.function]);
        expect(await page.textContent('#io-table'), f).toContain('int8[64]');
      } else {
        expect(modules, f).toEqual(Object.keys(want.modules));
      }
      for (const [name, m] of Object.entries(want.modules ?? {})) {
        await page.selectOption('#module-select', name);
        expect(await waitForText(page, '#overview-module', name)).toBe(name);
        expect(await page.textContent('#module-facts [data-fact="executors"] dd')).toBe(m.executor);
        for (const [input, t] of Object.entries(m.inputs)) {
          const row = await texts(`#io-table tr[data-input="${input}"] td`);
          expect(row.slice(0, 3), `${f}/${name}/${input}`).toEqual([
            'input',
            input,
            `${t.dtype}[${t.shape.join(', ')}]`,
          ]);
        }
      }
      expect(await page.textContent('#verdict'), f).toBe('valid');
      await shot(page, `overview-${f}`);
    }
  });

  it('opens an archive dropped on the page (DataTransfer + drop event)', async () => {
    await page.goto(VIEWER_URL);
    expect(await seriousViolations(page), 'landing page').toEqual([]);
    const b64 = readFileSync(tarOf('multi-graph')).toString('base64');
    await page.evaluate((data) => {
      const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], 'multi-graph.tar', { type: 'application/x-tar' }));
      window.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
      document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, b64);
    await page.waitForSelector('#tab-overview');
    expect(await texts('#module-select option')).toEqual(['mod1', 'mod2']);
    expect(await page.textContent('header .file')).toBe('multi-graph.tar');
    await page.selectOption('#module-select', 'mod2');
    await waitForText(page, '#overview-module', 'mod2');
    expect(await texts('#io-table tr[data-input="x"] td')).toContain('float32[1, 64]');
  });

  it('graph: finds a node by name, selects it and shows op, func_name, shapes, storage and bytes', async () => {
    await openByPicker('graph-cnn');
    await tab('graph');
    await page.waitForSelector('[data-graph-ready="true"]', { timeout: 30_000 });
    const graph = JSON.parse(
      new TextDecoder().decode(tarFiles(tarOf('graph-cnn')).get('executor-config/graph/default.graph')),
    );
    const id = graph.nodes.findIndex((n: { name: string }) => n.name === 'tvmgen_default_fused_nn_max_pool2d');
    expect(id).toBeGreaterThan(0);
    await page.fill('#node-search', 'max_pool');
    expect(await waitForText(page, '.graph-side .count', '1 of 14 nodes')).toBe('1 of 14 nodes');
    await page.click(`#node-opt-${id}`);
    expect(await waitForText(page, '#detail-name', 'tvmgen_default_fused_nn_max_pool2d')).toBe(
      'tvmgen_default_fused_nn_max_pool2d',
    );
    expect(await page.textContent('#detail-func')).toBe('tvmgen_default_fused_nn_max_pool2d');
    const entry = graph.node_row_ptr[id];
    const out = page.locator('#detail-outputs tbody tr').first();
    expect(JSON.parse((await out.getAttribute('data-shape')) ?? '')).toEqual(graph.attrs.shape[1][entry]);
    expect(await out.getAttribute('data-dtype')).toBe(graph.attrs.dltype[1][entry]);
    expect((await out.locator('td').nth(1).textContent())?.trim()).toBe(String(graph.attrs.storage_id[1][entry]));
    await shot(page, 'graph-graph-cnn');
    // A click on an input name jumps to that node.
    await page.click('#node-details .io-list button >> nth=0');
    expect(await waitForChange(page, '#detail-name', 'tvmgen_default_fused_nn_max_pool2d')).not.toBe(
      'tvmgen_default_fused_nn_max_pool2d',
    );
  });

  it('memory: per-device figures, storage ids and operator workspaces', async () => {
    await tab('memory');
    await page.waitForSelector('#chart-sids canvas');
    expect(await texts('#device-memory tbody tr td:nth-child(2)')).toEqual(['workspace', 'io', 'constants']);
    expect(await page.locator('#table-sids tbody tr').count()).toBe(10);
    expect(await page.locator('#chart-ops canvas').count()).toBeGreaterThan(0);
    await shot(page, 'memory-graph-cnn', true);
  });

  it('params: sorted by size, statistics of p0 match an independent computation', async () => {
    await tab('params');
    await page.click('#sort-bytes');
    await page.waitForSelector('th[aria-sort="descending"] #sort-bytes');
    const bytes = await page.$$eval('#params-table tbody tr', (rows) =>
      rows.map((r) => Number(r.getAttribute('data-bytes'))),
    );
    expect(bytes).toEqual([...bytes].sort((a, b) => b - a));
    await page.click('#params-table tr[data-param="p0"] button');
    await page.waitForSelector('#param-stats[data-param="p0"] [data-stat="min"]');
    // Independent: decode the .params bytes and read the float32 payload directly.
    const dict = decodeParams(tarFiles(tarOf('graph-cnn')).get('parameters/default.params') as Uint8Array);
    const p0 = dict.tensors.find((t) => t.name === 'p0')!;
    const values = new Float32Array(p0.data.slice().buffer);
    const stat = async (k: string) => Number(await page.getAttribute(`#param-stats [data-stat="${k}"]`, 'data-value'));
    expect(await stat('count')).toBe(values.length);
    expect(await stat('min')).toBe(Math.min(...values));
    expect(await stat('max')).toBe(Math.max(...values));
    expect(await stat('mean')).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 10);
    expect(await stat('zeros')).toBe(values.filter((v) => v === 0).length);
    expect(await page.locator('#param-histogram canvas').count()).toBeGreaterThan(0);
    await shot(page, 'params-graph-cnn');
  });

  it('code: a generated C file with a known line', async () => {
    await tab('code');
    await page.click('.file-button[data-path="codegen/host/src/default_lib0.c"]');
    await page.waitForSelector('#code-host .cm-content');
    expect(await page.textContent('#code-host .cm-content')).toContain('#include <tvm/runtime/crt/module.h>');
    await shot(page, 'code-graph-cnn');
  });

  it('every view has no serious or critical axe violations', async () => {
    for (const id of ['overview', 'graph', 'memory', 'params', 'code']) {
      await tab(id);
      expect(await seriousViolations(page), id).toEqual([]);
    }
  });

  it('works with the keyboard alone: modules, views and the node list', async () => {
    await openByPicker('multi-graph');
    await page.focus('body');
    for (let i = 0; i < 8 && (await page.evaluate(() => document.activeElement?.id)) !== 'module-select'; i++)
      await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('module-select');
    await page.keyboard.press('ArrowDown');
    expect(await waitForText(page, '#overview-module', 'mod2')).toBe('mod2');
    for (let i = 0; i < 8 && (await page.evaluate(() => document.activeElement?.id)) !== 'tab-overview'; i++)
      await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('tab-overview');
    await page.keyboard.press('ArrowRight');
    await page.waitForSelector('#tab-graph[aria-selected="true"]');
    await page.waitForSelector('#panel-graph [data-graph-ready="true"]');
    await page.keyboard.press('Tab'); // into the panel: the search field
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('node-search');
    await page.keyboard.type('p');
    await page.keyboard.press('Enter'); // selects the first match and moves to the list
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('node-list');
    const first = await waitForChange(page, '#detail-name', null);
    await page.keyboard.press('ArrowDown');
    const second = await waitForChange(page, '#detail-name', first);
    expect(second).not.toBe(first);
    expect(await page.getAttribute('#node-list', 'aria-activedescendant')).toMatch(/^node-opt-\d+$/);
    await page.keyboard.press('ArrowUp');
    expect(await waitForText(page, '#detail-name', first ?? '')).toBe(first);
    // Back to the tabs, and on to Params with End/Left and Enter.
    await page.focus('#tab-graph');
    await page.keyboard.press('End');
    await page.waitForSelector('#tab-code[aria-selected="true"]');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#tab-params[aria-selected="true"]');
    await shot(page, 'keyboard-params');
  });

  it('logged no console errors', () => {
    expect(errors).toEqual([]);
  });
});
