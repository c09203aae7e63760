// The viewer's pure parts in Node: the layered layout, the node table and histograms, page assembly
// and the loopback server (a 50k-node chain: viewer-unit.system.test.ts).
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { parseGraph } from '../../src/core/graph/graph.js';
import { decodeParams } from '../../src/core/params/codec.js';
import { graphTable, summariseTensor, tensorHistogram } from '../../src/core/report/view-data.js';
import { serveViewer } from '../../src/node/viewer/serve.js';
import { renderStaticReport } from '../../src/core/report/static-report.js';
import { injectBoot, injectStatic, scriptJson } from '../../src/node/viewer/viewer-page.js';
import { layeredLayout } from '../../src/core/graph/layered-layout.js';
import { TVM, tarFiles } from '../helpers/archive.js';
import { edgeArrays as edges } from '../helpers/graphs.js';

describe('layered layout', () => {
  it('puts every node below its producers and sources just above their first consumer', () => {
    // 0 → 2 → 3 → 4, param 1 → 4, skip 2 → 4
    const [from, to] = edges([
      [0, 2],
      [2, 3],
      [3, 4],
      [1, 4],
      [2, 4],
    ]);
    const r = layeredLayout(5, from, to);
    expect(Array.from(r.layer)).toEqual([0, 2, 1, 2, 3]);
    expect(r.layers).toBe(4);
    for (let i = 0; i < from.length; i++) expect(r.layer[to[i]!]!).toBeGreaterThan(r.layer[from[i]!]!);
    expect(r.x[1]).not.toBe(r.x[3]); // two nodes in one layer never overlap
  });

  it('packs boxes of given sizes: no two overlap, layers stacked by their tallest box', () => {
    // 0 → {1, 2, 3} → 4, boxes of different widths and heights.
    const [from, to] = edges([
      [0, 1],
      [0, 2],
      [0, 3],
      [1, 4],
      [2, 4],
      [3, 4],
    ]);
    const widths = Float64Array.from([80, 120, 40, 200, 60]);
    const heights = Float64Array.from([24, 60, 24, 40, 24]);
    const r = layeredLayout(5, from, to, { widths, heights, xGap: 10, yGap: 30 });
    const box = (i: number) => ({
      x0: r.x[i]! - widths[i]! / 2,
      x1: r.x[i]! + widths[i]! / 2,
      y0: r.y[i]! - heights[i]! / 2,
      y1: r.y[i]! + heights[i]! / 2,
    });
    for (let i = 0; i < 5; i++)
      for (let j = i + 1; j < 5; j++) {
        const a = box(i);
        const b = box(j);
        const apart = a.x1 + 10 <= b.x0 + 1e-3 || b.x1 + 10 <= a.x0 + 1e-3 || a.y1 <= b.y0 || b.y1 <= a.y0;
        expect(apart, `${i} and ${j}`).toBe(true);
      }
    // Layer 1 is 60 tall (its tallest box): node 4 starts 30 below it.
    expect(box(4).y0 - Math.max(box(1).y1, box(2).y1, box(3).y1)).toBeCloseTo(30, 3);
  });

  it('survives a cycle (malformed graphs still draw)', () => {
    const [from, to] = edges([
      [0, 1],
      [1, 2],
      [2, 0],
      [2, 3],
    ]);
    const r = layeredLayout(4, from, to);
    expect(r.layer.every((l) => l >= 0)).toBe(true);
  });
});

describe('node table and tensor summaries', () => {
  const files = tarFiles(`${TVM}/graph-cnn/model.tar`);
  const graph = parseGraph(new TextDecoder().decode(files.get('executor-config/graph/default.graph')));
  const params = decodeParams(files.get('parameters/default.params')!);

  it('tells inputs, params and operators apart and sizes every output', () => {
    const t = graphTable(graph, new Set(params.tensors.map((p) => p.name)));
    expect(t.nodes.map((n) => n.kind).filter((k) => k === 'param')).toHaveLength(4);
    expect(t.nodes[0]).toMatchObject({
      name: 'input',
      kind: 'input',
      funcName: null,
      outputs: [{ shape: [1, 3, 16, 16], dtype: 'float32', bytes: 3072 }],
    });
    expect(t.edges).toHaveLength(13);
    for (const n of t.nodes) for (const o of n.outputs) expect(o.poolBytes).toBeGreaterThanOrEqual(o.bytes as number);
  });

  it('histograms count every finite value once', () => {
    const p2 = params.tensors.find((p) => p.name === 'p2')!;
    const s = summariseTensor(p2);
    expect(s.histogram?.counts.reduce((a, b) => a + b, 0)).toBe(5120);
    const nan = {
      dtype: p2.dtype,
      data: new Uint8Array(new Float32Array([1, Number.NaN, 3, Number.POSITIVE_INFINITY]).buffer),
    };
    const h = tensorHistogram(nan, summariseTensor(nan).stats!, 2);
    expect(h).toEqual({ min: 1, max: 3, counts: [1, 1] });
  });
});

describe('page assembly and the loopback server', () => {
  const files = tarFiles(`${TVM}/graph-cnn/model.tar`);
  const graph = parseGraph(new TextDecoder().decode(files.get('executor-config/graph/default.graph')));
  const params = decodeParams(files.get('parameters/default.params')!);

  it('puts the static drawings where the page marks them, escaped inside <noscript>', () => {
    const page = injectStatic('<body><!--MLF-STATIC--><div id="app"></div></body>', '<noscript>x</noscript>');
    expect(page).toBe('<body><noscript>x</noscript><div id="app"></div></body>');
    expect(() => injectStatic('<body></body>', '')).toThrow(/static marker/);
    const html = renderStaticReport({
      name: '</noscript><script>alert(1)</script>',
      report: {} as never,
      validation: {} as never,
      modules: {
        '<m>': {
          graph,
          params: params.tensors.map((t) => ({
            name: t.name,
            dtype: '',
            shape: [],
            bytes: 0,
            summary: { stats: null, histogram: null },
          })),
        },
      },
    });
    expect(html.match(/<\/noscript>/g)).toHaveLength(1);
    expect(html).toContain('<h2>Module &lt;m&gt;</h2>');
    expect(html.match(/<svg /g)).toHaveLength(1);
    expect(html).not.toContain('class="node param'); // params folded
  });

  it('keeps embedded JSON inside its script element', () => {
    const page = injectBoot('<head><!--MLF-BOOT--></head>', { name: '</script><script>alert(1)</script>' });
    expect(page.match(/<\/script>/g)).toHaveLength(1);
    expect(JSON.parse(scriptJson('a</b>'))).toBe('a</b>');
  });

  it('serves only the page and the archive, to loopback Host headers only', async () => {
    const server = await serveViewer({
      page: '<html><!--MLF-BOOT--></html>',
      archive: new Uint8Array([1, 2, 3]),
      name: 'm.tar',
    });
    const get = (path: string, host = `127.0.0.1:${server.port}`) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: server.port, path, headers: { host } }, (res) => {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end();
      });
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      expect((await get('/')).body).toContain('"url":"archive"');
      expect((await get('/archive')).body).toBe('\u0001\u0002\u0003');
      expect((await get('/../../etc/passwd')).status).toBe(404);
      expect((await get('/package.json')).status).toBe(404);
      expect((await get('/', 'evil.example:80')).status).toBe(421);
    } finally {
      await server.close();
    }
  });
});
