// Viewer benchmark: how long a 50k-node synthetic graph (bench/lib/synthetic.js) takes from
// choosing the file to an interactive graph (the page's data-graph-ready marker) in headless
// Debian Chromium with software WebGL. Median of 3 fresh page loads; fails above 10 s.
// Writes the `## Viewer` section of docs/benchmarks.md. Run after `npm run build`.
// `node bench/viewer.js --page other/index.html` times another build of the page (an A/B check on
// a busy machine) and writes nothing.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { syntheticArchive } from './lib/synthetic.js';

const ROOT = join(import.meta.dirname, '..');
const pageArg = process.argv.indexOf('--page');
const PAGE = pageArg > 0 ? process.argv[pageArg + 1] : join(ROOT, 'dist', 'viewer', 'index.html');
const CHROMIUM = process.env.MLF_CHROMIUM ?? '/usr/bin/chromium';
const NODES = 50_000;
const RUNS = 3;
const LIMIT_MS = 10_000;

if (!existsSync(PAGE)) throw new Error(`${PAGE} is missing: run npm run build first`);
if (!existsSync(CHROMIUM))
  throw new Error(`Chromium not found at ${CHROMIUM} (apt-get install -y chromium, or set MLF_CHROMIUM)`);

const tmp = mkdtempSync(join(tmpdir(), 'mlf-bench-viewer-'));
const syn = syntheticArchive(NODES);
const archive = join(tmp, 'synthetic-50k.tar');
writeFileSync(archive, syn.tar);

const browser = await chromium.launch({
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
const runs = [];
try {
  for (let i = 0; i < RUNS; i++) {
    const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
    await page.goto(`${pathToFileURL(PAGE).href}#graph`);
    const t0 = Date.now();
    await page.setInputFiles('#file-input', archive);
    await page.waitForSelector('#tab-overview', { timeout: 60_000 });
    const opened = Date.now() - t0;
    await page.waitForSelector('[data-graph-ready="true"]', { timeout: 60_000 });
    const ready = Date.now() - t0;
    // One interaction after ready: search a name and select it (list + camera + details).
    const t1 = Date.now();
    await page.fill('#node-search', 'p24000');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.getElementById('detail-name')?.textContent === 'p24000');
    runs.push({ opened, ready, select: Date.now() - t1 });
    await page.close();
  }
} finally {
  await browser.close();
  rmSync(tmp, { recursive: true, force: true });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const m = {
  opened: median(runs.map((r) => r.opened)),
  ready: median(runs.map((r) => r.ready)),
  select: median(runs.map((r) => r.select)),
};
const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
console.log(
  `viewer, ${syn.nodes} nodes (${syn.ops} operators, ${syn.params} params), ${(syn.tar.length / 2 ** 20).toFixed(1)} MiB tar`,
);
for (const [i, r] of runs.entries())
  console.log(`  run ${i + 1}: archive read ${s(r.opened)}, graph ready ${s(r.ready)}, search+select ${s(r.select)}`);
console.log(`  median: graph ready ${s(m.ready)} (limit ${s(LIMIT_MS)})`);

const section = [
  '## Viewer',
  '',
  `A synthetic TVM-like graph-executor archive (\`bench/lib/synthetic.js\`: a chain of ${syn.ops} fused operators with a`,
  `residual skip every 5th op and ${syn.params} parameter leaves, ${syn.nodes} nodes, ${(syn.tar.length / 2 ** 20).toFixed(1)} MiB .tar) opened in`,
  'the viewer (`dist/viewer/index.html` from file://) in headless Debian Chromium with software WebGL (SwiftShader).',
  `Time from \`setInputFiles\` to the \`data-graph-ready\` marker (graph parsed, laid out in the worker, first frame`,
  `drawn), median of ${RUNS} fresh pages. Regenerate with \`npm run bench\`.`,
  '',
  '| step | median |',
  '| --- | ---: |',
  `| archive read, inspected and validated (overview shown) | ${s(m.opened)} |`,
  `| graph interactive (data-graph-ready) | ${s(m.ready)} |`,
  `| then: search a node by name and select it | ${s(m.select)} |`,
  '',
  `Runs: ${runs.map((r) => s(r.ready)).join(', ')}. Target: under ${s(LIMIT_MS)}.`,
].join('\n');

if (pageArg > 0) process.exit(m.ready > LIMIT_MS ? 1 : 0);
const doc = join(ROOT, 'docs', 'benchmarks.md');
const header = `# Benchmarks\n\nMachine: ${(await import('node:os')).cpus().length} CPUs; Node ${process.version}.\n`;
const text = existsSync(doc) ? readFileSync(doc, 'utf8') : header;
const start = text.search(/^## Viewer$/m);
let updated;
if (start < 0) updated = `${text.trimEnd()}\n\n${section}\n`;
else {
  const next = text.slice(start + 1).search(/^## /m);
  updated = `${text.slice(0, start)}${section}\n${next < 0 ? '' : `\n${text.slice(start + 1 + next)}`}`;
}
writeFileSync(doc, `${updated.trimEnd()}\n`);
if (m.ready > LIMIT_MS) {
  console.error(`viewer: median ${s(m.ready)} exceeds ${s(LIMIT_MS)}`);
  process.exit(1);
}
