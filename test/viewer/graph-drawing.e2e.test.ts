// The graph drawing in headless Chromium: the SVG of every graph fixture with the browser's own
// text metrics (every label's rendered box inside its node box, no edge label over a box); the
// viewer's graph tab at its first view for graph-cnn, MNIST, a ~60-node model and ResNet-8
// (labels at 10 px or more, none overlapping, screenshots kept); selection, neighbours, search,
// zoom, minimap and params-as-nodes against the graph JSON; the memory timeline against the
// storage plan computed from the graph JSON, linked to the graph selection.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticArchive } from '../../bench/lib/synthetic.js';
import { loadGraph, loadParams } from '../../src/core/archive/archive.js';
import type { GraphJson } from '../../src/core/graph/graph.js';
import { drawGraphSvg } from '../../src/core/report/graph-svg.js';
import { graphTable } from '../../src/core/report/view-data.js';
import { readMlfPath } from '../../src/node/read/open.js';
import { bruteForceLiveBytes } from '../helpers/memory-plan.js';
import { collectErrors, launchChromium, shot, TVM_DIR, VIEWER_URL, waitForText } from '../helpers/viewer.js';

const WILD = join(import.meta.dirname, '..', 'fixtures', 'wild');
const SVG_FIXTURES = [
  join(TVM_DIR, 'graph-cnn', 'model.tar'),
  join(TVM_DIR, 'mnist-graph', 'model.tar'),
  join(TVM_DIR, 'multi-graph', 'model.tar'),
  join(WILD, 'guberti-arduino-ic-v2-graph', 'output.tar'),
  join(WILD, 'guberti-arduino-kws-v4-graph', 'model.tar'),
  join(WILD, 'hannah-magicwand-v7-graph', 'model.tar'),
  join(WILD, 'snuvlsi-conv-v7-graph-2inputs', 'lib_graph_system-lib.tar'),
];

let browser: Browser;
let page: Page;
let errors: string[];
let tmp: string;
let synthetic60: string;

beforeAll(async () => {
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
  errors = collectErrors(page);
  tmp = mkdtempSync(join(tmpdir(), 'mlf-graph-e2e-'));
  synthetic60 = join(tmp, 'synthetic-60.tar');
  writeFileSync(synthetic60, syntheticArchive(60).tar);
});
afterAll(async () => {
  await browser?.close();
  rmSync(tmp, { recursive: true, force: true });
});

async function modulesOf(path: string): Promise<{ name: string; graph: GraphJson; params: Set<string> }[]> {
  const archive = await readMlfPath(path);
  const out = [];
  for (const m of archive.modules) {
    const graph = await loadGraph(archive, m);
    if (graph === null) continue;
    const params = new Set((await loadParams(archive, m))?.tensors.map((t) => t.name) ?? []);
    out.push({ name: m.name, graph, params });
  }
  return out;
}

async function openGraph(path: string, module?: string): Promise<void> {
  await page.goto('about:blank'); // a new document: the same URL again would only change the hash
  await page.goto(`${VIEWER_URL}#graph`);
  await page.setInputFiles('#file-input', path);
  await page.waitForSelector('#tab-overview');
  if (module !== undefined) await page.selectOption('#module-select', module);
  await page.waitForSelector('#panel-graph [data-graph-ready="true"]', { timeout: 30_000 });
}

describe('SVG drawings with real text metrics', () => {
  it('every label of every graph fixture renders inside its box; no edge label covers a box', async () => {
    let drawings = 0;
    for (const path of SVG_FIXTURES) {
      for (const m of await modulesOf(path)) {
        for (const params of ['folded', 'nodes'] as const) {
          const svg = drawGraphSvg(graphTable(m.graph, m.params), { params, legend: true });
          await page.setContent(`<!doctype html><body style="margin:0">${svg}</body>`);
          const bad = await page.evaluate(() => {
            const problems: string[] = [];
            const rect = (el: SVGGraphicsElement) => {
              const b = el.getBoundingClientRect();
              return { x0: b.left, y0: b.top, x1: b.right, y1: b.bottom };
            };
            const boxes = [...document.querySelectorAll('g.node')].map((g) => ({
              key: g.getAttribute('data-key'),
              box: rect(g.querySelector('.box') as SVGGraphicsElement),
              texts: [...g.querySelectorAll('text')] as SVGTextElement[],
            }));
            for (const n of boxes)
              for (const t of n.texts) {
                const r = rect(t);
                if (r.x0 < n.box.x0 - 0.5 || r.x1 > n.box.x1 + 0.5 || r.y0 < n.box.y0 - 0.5 || r.y1 > n.box.y1 + 0.5)
                  problems.push(`"${t.textContent}" leaves ${n.key}`);
              }
            for (const l of document.querySelectorAll('.edge-label')) {
              const r = rect(l as SVGGraphicsElement);
              for (const n of boxes)
                if (r.x0 < n.box.x1 && n.box.x0 < r.x1 && r.y0 < n.box.y1 && n.box.y0 < r.y1)
                  problems.push(`edge label "${l.textContent}" covers ${n.key}`);
            }
            return problems;
          });
          expect(bad, `${path} ${m.name} ${params}`).toEqual([]);
          drawings++;
        }
      }
    }
    expect(drawings).toBe(16);
  });
});

/** Rendered font size (px) and screen box of every node label inside the drawing's viewport. */
async function visibleLabels(): Promise<
  { text: string; px: number; x0: number; y0: number; x1: number; y1: number }[]
> {
  return page.evaluate(() => {
    const host = document.querySelector('#panel-graph .graph-canvas') as HTMLElement;
    const view = host.getBoundingClientRect();
    return [...host.querySelectorAll('g.node text')]
      .map((t) => {
        const el = t as SVGTextElement;
        const r = el.getBoundingClientRect();
        const px = (el.getScreenCTM()?.a ?? 0) * Number(el.getAttribute('font-size'));
        return { text: el.textContent ?? '', px, x0: r.left, y0: r.top, x1: r.right, y1: r.bottom };
      })
      .filter((l) => l.x0 >= view.left && l.x1 <= view.right && l.y0 >= view.top && l.y1 <= view.bottom);
  });
}

describe('the graph tab at its first view', () => {
  it.each([
    ['graph-cnn', () => join(TVM_DIR, 'graph-cnn', 'model.tar'), 14],
    ['mnist', () => join(TVM_DIR, 'mnist-graph', 'model.tar'), 19],
    ['synthetic-60', () => synthetic60, 60],
    ['resnet8-int8', () => join(WILD, 'guberti-arduino-ic-v2-graph', 'output.tar'), 72],
  ])('%s: boxes with readable labels (>= 10 px), none overlapping', async (name, path, nodes) => {
    await openGraph(path());
    expect(await page.getAttribute('.graph-view', 'data-drawn')).toBe('boxes');
    expect(await page.getAttribute('.graph-view', 'data-engine')).toBe('dagre');
    expect(await page.textContent('#graph-status')).toContain(`${nodes} nodes`);
    const labels = await visibleLabels();
    expect(labels.length, name).toBeGreaterThanOrEqual(5);
    for (const l of labels) expect(l.px, `${name}: "${l.text}"`).toBeGreaterThanOrEqual(10);
    for (let i = 0; i < labels.length; i++)
      for (const b of labels.slice(i + 1)) {
        const a = labels[i]!;
        const hit = a.x0 < b.x1 - 0.5 && b.x0 < a.x1 - 0.5 && a.y0 < b.y1 - 0.5 && b.y0 < a.y1 - 0.5;
        expect(hit, `${name}: "${a.text}" and "${b.text}" overlap`).toBe(false);
      }
    // The first screen starts at the top: the input is in view.
    expect(await page.locator('#panel-graph g.node.input').count()).toBeGreaterThan(0);
    expect(labels.some((l) => l.text.length > 0)).toBe(true);
    await shot(page, `graph-initial-${name}`);
  });
});

describe('navigating the drawing', () => {
  it('selection marks inputs and consumers from the graph JSON; search, zoom, minimap, params as nodes', async () => {
    const path = join(TVM_DIR, 'mnist-graph', 'model.tar');
    const [m] = await modulesOf(path);
    const { graph, params } = m!;
    await openGraph(path);
    const conv = graph.nodes.findIndex((n) => n.name === 'tvmgen_mnist_fused_nn_contrib_conv2d_NCHWc_add_nn_relu_1');
    // Select its consumer from the list (the view centres on it), then click the conv's box.
    await page.fill('#node-search', 'max_pool2d_1');
    await page.keyboard.press('Enter');
    await waitForText(page, '#detail-name', 'tvmgen_mnist_fused_nn_max_pool2d_1');
    await page.fill('#node-search', '');
    await page.waitForTimeout(400); // the view's move
    await page.click(`#panel-graph g.node[data-key="n${conv}"]`);
    expect(await waitForText(page, '#detail-name', graph.nodes[conv]!.name)).toBe(graph.nodes[conv]!.name);
    const keys = (cls: string) =>
      page.$$eval(`#panel-graph g.node.${cls}`, (els) => els.map((e) => e.getAttribute('data-key')).sort());
    expect(await keys('selected')).toEqual([`n${conv}`]);
    const producers = graph.nodes[conv]!.inputs.map(([s]) => s).filter((s) => !params.has(graph.nodes[s]!.name));
    expect(await keys('pred')).toEqual(producers.map((s) => `n${s}`).sort());
    const consumers = graph.nodes.flatMap((n, id) => (n.inputs.some(([s]) => s === conv) ? [`n${id}`] : []));
    expect(await keys('succ')).toEqual(consumers.sort());

    // Zoom to the selection: the selected box ends up in view, larger.
    const scale = async () => Number(await page.getAttribute('#panel-graph svg.mlf-graph', 'data-scale'));
    const before = await scale();
    await page.click('#graph-zoom-selection');
    await page.waitForFunction(
      (s) => Number(document.querySelector('#panel-graph svg.mlf-graph')?.getAttribute('data-scale')) !== s,
      before,
    );
    await page.waitForTimeout(400);
    const inView = await page.evaluate((key) => {
      const host = document.querySelector('#panel-graph .graph-canvas')!.getBoundingClientRect();
      const r = document.querySelector(`#panel-graph g.node[data-key="${key}"]`)!.getBoundingClientRect();
      return r.left >= host.left && r.right <= host.right && r.top >= host.top && r.bottom <= host.bottom;
    }, `n${conv}`);
    expect(inView).toBe(true);

    // Keyboard zoom on the focused drawing.
    await page.focus('#panel-graph .graph-canvas');
    const s0 = await scale();
    await page.keyboard.press('-');
    await page.waitForFunction(
      (s) => Number(document.querySelector('#panel-graph svg.mlf-graph')?.getAttribute('data-scale')) < s,
      s0,
    );

    // The minimap moves the view.
    const box = await page.getAttribute('#panel-graph svg.mlf-graph', 'viewBox');
    const mini = page.locator('#panel-graph canvas.minimap');
    await expect.poll(() => mini.isVisible()).toBe(true);
    const mb = (await mini.boundingBox())!;
    await page.mouse.click(mb.x + mb.width / 2, mb.y + mb.height - 3);
    expect(await page.getAttribute('#panel-graph svg.mlf-graph', 'viewBox')).not.toBe(box);

    // Search: the matches are marked in the drawing, the rest dimmed.
    await page.fill('#node-search', 'max_pool');
    await waitForText(page, '.graph-side .count', '2 of 19 nodes');
    const want = graph.nodes.flatMap((n, id) =>
      n.name.includes('max_pool') || (n.attrs?.func_name ?? '').includes('max_pool') ? [`n${id}`] : [],
    );
    expect(await keys('match')).toEqual(want.sort());
    expect(await page.locator('#panel-graph svg.mlf-graph.searching').count()).toBe(1);
    await page.click('#graph-fit');
    await page.waitForTimeout(400);
    await shot(page, 'graph-mnist-search-selection');
    await page.fill('#node-search', '');
    await page.waitForFunction(() => document.querySelector('#panel-graph svg.mlf-graph.searching') === null);

    // Params as nodes: one box per param, and back.
    await page.check('#graph-params-nodes');
    await page.waitForSelector('#panel-graph [data-graph-ready="true"] g.node.param');
    expect(await page.locator('#panel-graph g.node.param').count()).toBe(params.size);
    expect(await keys('selected')).toEqual([`n${conv}`]); // the selection survives the new drawing
    await shot(page, 'graph-mnist-params-as-nodes');
    await page.uncheck('#graph-params-nodes');
    await page.waitForSelector('#panel-graph [data-graph-ready="true"]');
    await expect.poll(() => page.locator('#panel-graph g.node.param').count()).toBe(0);
  });
});

describe('memory over time', () => {
  it('shows the storage plan peak, and a step picked in the timeline selects its operator in the graph', async () => {
    const path = join(TVM_DIR, 'mnist-graph', 'model.tar');
    const [m] = await modulesOf(path);
    const { graph, params } = m!;
    await openGraph(path);
    await page.click('#tab-memory');
    await page.waitForSelector('#memory-timeline');
    // Params are left out by default: the brute force without them, then with them.
    const noParams = bruteForceLiveBytes(graph, params, { params: false });
    expect(Number(await page.getAttribute('#timeline-peak', 'data-bytes'))).toBe(Math.max(...noParams));
    await page.check('#timeline-params');
    const all = bruteForceLiveBytes(graph, params);
    await expect
      .poll(async () => Number(await page.getAttribute('#timeline-peak', 'data-bytes')))
      .toBe(Math.max(...all));
    // Keyboard: Home picks step 1, ArrowRight step 2; the graph selection follows.
    const ops = graph.nodes.flatMap((n, id) => (n.op === 'tvm_op' ? [id] : []));
    await page.focus('#memory-timeline');
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowRight');
    await page.waitForSelector('#timeline-live');
    expect(await page.getAttribute('#memory-timeline', 'aria-valuenow')).toBe('2');
    const sids = await page.$$eval('#timeline-live tbody tr[data-sid]', (rows) =>
      rows.map((r) => Number(r.getAttribute('data-sid'))).sort((a, b) => a - b),
    );
    expect(sids.length).toBeGreaterThan(0);
    await shot(page, 'memory-timeline-mnist', true);
    await page.click('#timeline-show');
    await page.waitForSelector('#tab-graph[aria-selected="true"]');
    const op = graph.nodes[ops[1]!]!.name;
    expect(await waitForText(page, '#detail-name', op)).toBe(op);
    expect(await page.getAttribute('#panel-graph g.node.selected', 'data-key')).toBe(`n${ops[1]}`);
  });

  it('logged no console errors', () => {
    expect(errors).toEqual([]);
  });
});
