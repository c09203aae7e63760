// The viewer's pure parts in Node: the layered layout (iterative: a 50k chain must not overflow
// the stack), the node table and histograms, page assembly and the loopback server.
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { parseGraph } from '../../src/core/graph/graph.js';
import { decodeParams } from '../../src/core/params/codec.js';
import { graphTable, summariseTensor, tensorHistogram } from '../../src/core/report/view-data.js';
import { serveViewer } from '../../src/node/viewer/serve.js';
import { injectBoot, scriptJson } from '../../src/node/viewer/viewer-page.js';
import { layeredLayout } from '../../src/core/graph/layered-layout.js';
import { TVM, tarFiles } from '../helpers/archive.js';

const edges = (pairs: [number, number][]) =>
  [Int32Array.from(pairs.map((p) => p[0])), Int32Array.from(pairs.map((p) => p[1]))] as const;

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

  it('lays out a 50k-node chain with skips and leaves without recursion, quickly', () => {
    const pairs: [number, number][] = [];
    for (let v = 1; v < 50_000; v++) {
      pairs.push([v - 1, v]);
      if (v % 5 === 0 && v > 4) pairs.push([v - 4, v]);
    }
    const [from, to] = edges(pairs);
    const t0 = performance.now();
    const r = layeredLayout(50_000, from, to);
    expect(performance.now() - t0).toBeLessThan(5_000);
    expect(r.layers).toBe(50_000);
    expect(Number.isFinite(r.x[49_999]!)).toBe(true);
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
    for (const n of t.nodes) for (const o of n.outputs) expect(o.poolBytes).toBeGreaterThanOrEqual(o.bytes);
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
