// Memory benchmark (run after `npm run build`): the commands that read or write whole params,
// at 16 MiB, 256 MiB and 1 GiB of float32 params (bench/lib/big-archive.js: one random tensor in
// a runnable graph archive), peak RSS and median wall time against NumPy/Python references
// (bench/ref_memory.py) where one exists; then the viewer opening the archive in headless
// Chromium (time to the overview, peak JS heap from CDP Performance.getMetrics). Rewrites the
// `## Memory` section of docs/benchmarks.md. MLF_BENCH_SIZES=16,256 (MiB) runs fewer sizes.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { writeBigArchiveFolder } from './lib/big-archive.js';

const root = join(import.meta.dirname, '..');
const SELF_RSS = join(root, 'test', 'helpers', 'maxrss.mjs'); // prints mlf's own peak RSS at exit
const REF = join(import.meta.dirname, 'ref_memory.py');
const MiB = 1024 * 1024;
const SIZES = (process.env.MLF_BENCH_SIZES ?? '16,256,1024').split(',').map(Number);
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const PY = has('python3') ? 'python3' : null;
const NUMPY = PY !== null && spawnSync(PY, ['-c', 'import numpy']).status === 0;
const CHROMIUM = process.env.MLF_CHROMIUM ?? '/usr/bin/chromium';
const RSS_LIMIT = 200; // MB, the target for every command at 1 GiB
const tmp = mkdtempSync(join(os.tmpdir(), 'mlf-bench-memory-'));
const notes = [];
const rows = [];
const targets = [];
const viewerRows = [];

/** Runs argv once: wall seconds, peak RSS of the process tree's largest process (time -v) and mlf's own (maxrss line). */
function runOnce(argv) {
  const full = TIME ? [TIME, '-v', ...argv] : argv;
  const t0 = performance.now();
  const r = spawnSync(full[0], full.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 * MiB });
  const s = (performance.now() - t0) / 1000;
  const err = r.stderr?.toString() ?? '';
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (${r.status}): ${err.slice(-800)}`);
  const tree = /Maximum resident set size \(kbytes\): (\d+)/.exec(err);
  const self = /maxrss (\d+)\s*\n/.exec(err);
  return { s, rss: tree ? Number(tree[1]) / 1024 : null, self: self ? Number(self[1]) / 1024 : null };
}

/** Median time and max RSS of `runs` runs after one warm-up; `before` runs untimed before each (and `sync`). */
function measure(argv, runs, before) {
  before?.();
  runOnce(argv);
  const xs = [];
  for (let i = 0; i < runs; i++) {
    before?.();
    spawnSync('sync');
    xs.push(runOnce(argv));
  }
  return summarise(xs);
}

/**
 * `measure` of our command and its reference (null: none), their runs interleaved, so slow drift
 * (a busy neighbour) hits both alike. Measured one after the other, the first 1 GiB command took
 * 4.1 s right after the archives were written and 2.3 s a little later (the reference the same).
 * Interleaving does not make writes comparable: our writers fsync, and then also wait for the
 * reference's bytes, which it left in the page cache and `sync` only handed to the disk (see the
 * analysis in docs/benchmarks.md).
 */
function measurePair(ours, reference, runs, before = {}) {
  if (reference === null) return [measure(ours, runs, before.ours), null];
  const a = [];
  const b = [];
  before.ours?.();
  runOnce(ours);
  before.ref?.();
  runOnce(reference);
  for (let i = 0; i < runs; i++) {
    before.ours?.();
    spawnSync('sync');
    a.push(runOnce(ours));
    before.ref?.();
    spawnSync('sync');
    b.push(runOnce(reference));
  }
  return [summarise(a), summarise(b)];
}

/** Median wall time, largest tree RSS and largest mlf RSS of some runs. */
function summarise(results) {
  const xs = results.map((r) => r.s).sort((x, y) => x - y);
  const rss = Math.max(0, ...results.map((r) => r.rss ?? 0));
  const self = Math.max(0, ...results.map((r) => r.self ?? 0));
  return { s: xs[Math.floor(xs.length / 2)], rss: TIME ? rss : null, self: self || null };
}

const mlf = (...args) => [process.execPath, SELF_RSS, ...args];
const ref = (...args) => [PY, REF, ...args];
const fmt = (x, d = 2) => (x === null || x === undefined ? '–' : x.toFixed(d));

function row(size, what, ours, baseName, base) {
  const r = { size, what, ours, baseName, base, ratio: base ? ours.s / base.s : null };
  rows.push(r);
  console.log(
    `${size} MiB  ${what.padEnd(40)} ${fmt(ours.s)} s  rss ${fmt(ours.rss, 0)} MB (mlf ${fmt(ours.self, 0)})   ${baseName ?? ''} ${base ? `${fmt(base.s)} s rss ${fmt(base.rss, 0)} MB  ratio ${fmt(r.ratio)}` : ''}`,
  );
  return r;
}

function target(name, met, detail) {
  targets.push({ name, met, detail });
  console.log(`target: ${name}: ${met ? 'met' : 'NOT met'} (${detail})`);
}

/** Opens `archive` in the viewer: time to the overview and to a tensor's statistics, peak JS heap. */
async function viewerRun(browser, archive, tensor) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  await page.goto(pathToFileURL(join(root, 'dist', 'viewer', 'index.html')).href);
  let heap = 0; // JSHeapUsedSize (Performance.getMetrics)
  let buffers = 0; // V8 heap + ArrayBuffer backing stores (Runtime.getHeapUsage), where whole tensors would sit
  let sampling = true;
  const sample = (async () => {
    while (sampling) {
      if (page.isClosed()) return;
      const { metrics } = await cdp.send('Performance.getMetrics');
      heap = Math.max(heap, metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0);
      const u = await cdp.send('Runtime.getHeapUsage');
      buffers = Math.max(buffers, u.usedSize + (u.backingStorageSize ?? 0));
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  sample.catch(() => undefined); // a closed page ends the sampling; the steps below report why
  const t0 = Date.now();
  await page.setInputFiles('#file-input', archive);
  await page.waitForSelector('#verdict', { timeout: 120_000 });
  const overview = Date.now() - t0;
  const overviewHeap = heap;
  const overviewBuffers = buffers;
  await page.click('#tab-params');
  const t1 = Date.now();
  await page.click(`tr[data-param="${tensor}"] button`);
  await page.waitForSelector(`#param-stats[data-param="${tensor}"] [data-stat="mean"]`, { timeout: 300_000 });
  const stats = Date.now() - t1;
  sampling = false;
  await sample;
  await page.close();
  return {
    overview,
    stats,
    heap: heap / MiB,
    overviewHeap: overviewHeap / MiB,
    buffers: buffers / MiB,
    overviewBuffers: overviewBuffers / MiB,
  };
}

async function viewerBench(archives) {
  if (!existsSync(CHROMIUM)) {
    notes.push(`viewer not measured: no Chromium at ${CHROMIUM}`);
    return;
  }
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
  try {
    for (const { mib, tar } of archives) {
      const runs = [];
      for (let i = 0; i < 3; i++) runs.push(await viewerRun(browser, tar, 'p0'));
      const med = (k) => [...runs.map((r) => r[k])].sort((a, b) => a - b)[1];
      const v = { mib, overview: med('overview'), stats: med('stats'), heap: Math.max(...runs.map((r) => r.heap)) };
      v.overviewHeap = Math.max(...runs.map((r) => r.overviewHeap));
      v.buffers = Math.max(...runs.map((r) => r.buffers));
      v.overviewBuffers = Math.max(...runs.map((r) => r.overviewBuffers));
      viewerRows.push(v);
      console.log(
        `viewer ${mib} MiB .tar: overview ${fmt(v.overview / 1000)} s (JS heap ${fmt(v.overviewHeap, 0)} MB), then statistics of p0 ${fmt(v.stats / 1000)} s; peak JS heap ${fmt(v.heap, 0)} MB, with ArrayBuffers ${fmt(v.buffers, 0)} MB`,
      );
      if (mib >= 1024)
        target(
          'viewer opens the 1 GiB .tar: overview within 3 s, JS heap < 300 MB',
          v.overview < 3000 && v.heap < 300 && v.buffers < 300,
          `overview ${fmt(v.overview / 1000)} s, peak JS heap ${fmt(v.heap, 0)} MB, with ArrayBuffers ${fmt(v.buffers, 0)} MB (statistics of the 1 GiB tensor included)`,
        );
    }
  } finally {
    await browser.close();
  }
}

try {
  const archives = [];
  for (const mib of SIZES) {
    const runs = mib >= 256 ? 3 : 5;
    console.log(`\n-- ${mib} MiB params (generating)`);
    const a = writeBigArchiveFolder(join(tmp, `a${mib}`), mib);
    const b = writeBigArchiveFolder(join(tmp, `b${mib}`), mib, 0x1234567);
    const [ta, tb] = [join(tmp, `a${mib}.tar`), join(tmp, `b${mib}.tar`)];
    runOnce(mlf('pack', a.dir, '-o', ta));
    runOnce(mlf('pack', b.dir, '-o', tb));
    archives.push({ mib, tar: ta });
    const out = (n) => join(tmp, `out-${n}`);
    const clean =
      (...paths) =>
      () =>
        paths.forEach((p) => rmSync(p, { recursive: true, force: true }));
    const at = {};
    const add = (key, ...args) => (at[key] = row(mib, ...args));
    /** A row of our command against its reference (null: none), measured interleaved. */
    const addPair = (key, what, ours, baseName, reference, before) => {
      const [o, r] = measurePair(ours, reference, runs, before);
      return add(key, what, o, baseName, r);
    };

    addPair(
      'export',
      'mlf params export -o .npz',
      mlf('params', 'export', ta, '-o', out('m.npz'), '--force'),
      'numpy.savez',
      NUMPY ? ref('export', a.paramsPath, out('n.npz')) : null,
    );
    addPair(
      'exportNpy',
      'mlf params export -o folder',
      mlf('params', 'export', ta, '-o', out('mdir')),
      'numpy.save per tensor',
      NUMPY ? ref('export-npy', a.paramsPath, out('ndir')) : null,
      { ours: clean(out('mdir')), ref: clean(out('ndir')) },
    );
    const npz = NUMPY ? out('n.npz') : out('m.npz');
    const npyDir = NUMPY ? out('ndir') : out('mdir');
    addPair(
      'import',
      'mlf params import .npz',
      mlf('params', 'import', npz, '-o', out('m.params'), '--force'),
      'numpy.load + write',
      NUMPY ? ref('import', npz, out('n.params')) : null,
    );
    addPair(
      'importNpy',
      'mlf params import folder',
      mlf('params', 'import', npyDir, '-o', out('m.params'), '--force'),
      'numpy.load(mmap) + write',
      NUMPY ? ref('import-npy', npyDir, out('n.params')) : null,
    );
    if (NUMPY && mib <= 256) {
      const z = out('c.npz');
      spawnSync(PY, [
        '-c',
        `import numpy as np, sys; z = np.load(sys.argv[1]); np.savez_compressed(sys.argv[2], **{k: z[k] for k in z.files})`,
        npz,
        z,
      ]);
      addPair(
        'importZ',
        'mlf params import .npz (savez_compressed)',
        mlf('params', 'import', z, '-o', out('m.params'), '--force'),
        'numpy.load + write',
        ref('import', z, out('n.params')),
      );
    } else if (NUMPY)
      notes.push(`${mib} MiB: import of a savez_compressed .npz not measured (compressing random floats takes ~1 min)`);
    addPair(
      'diff',
      'mlf diff (every value changed)',
      mlf('diff', ta, tb),
      'NumPy, chunked norms',
      NUMPY ? ref('diff', a.paramsPath, b.paramsPath) : null,
    );
    addPair(
      'report',
      'mlf report',
      mlf('report', ta, '-o', out('r.html'), '--force'),
      'NumPy stats + sha256',
      NUMPY ? ref('report', a.paramsPath) : null,
    );
    addPair(
      'embed',
      'mlf report --embed-archive',
      mlf('report', ta, '-o', out('r.html'), '--force', '--embed-archive'),
      'same + base64 of the .tar',
      NUMPY ? ref('report', a.paramsPath, '--embed', ta, out('n.html')) : null,
    );
    const cache = join(tmp, 'cache');
    process.env.MLF_CACHE_DIR = cache;
    add('footprint', 'mlf footprint (cached build)', measure(mlf('footprint', ta), runs), null, null);
    addPair(
      'project',
      'mlf project (params copied)',
      mlf('project', ta, '-o', out('proj')),
      'cp of the .params',
      ['cp', a.paramsPath, out('copy.params')],
      { ours: clean(out('proj')) },
    );
    add(
      'run',
      'mlf run (cached build; tree RSS = model program)',
      measure(mlf('run', ta, '--random-inputs', '1'), runs),
      null,
      null,
    );
    if (mib >= 1024) {
      const over = rows.filter((r) => r.size === mib && (r.ours.self ?? r.ours.rss ?? 0) >= RSS_LIMIT);
      target(
        `every command at 1 GiB: mlf's peak RSS < ${RSS_LIMIT} MB`,
        over.length === 0,
        rows
          .filter((r) => r.size === mib)
          .map((r) => `${r.what.replace(/ \(.*\)$/, '')} ${fmt(r.ours.self ?? r.ours.rss, 0)}`)
          .join(', '),
      );
      const slow = rows.filter(
        (r) => r.size === mib && r.ratio !== null && r.ratio > 1.5 && r.baseName !== 'cp of the .params',
      );
      target(
        'none more than 1.5x slower than its NumPy/Python reference at 1 GiB',
        slow.length === 0,
        rows
          .filter((r) => r.size === mib && r.ratio !== null && r.baseName !== 'cp of the .params')
          .map((r) => `${r.what.replace(/ \(.*\)$/, '')} ${fmt(r.ratio)}x`)
          .join(', '),
      );
    }
    rmSync(a.dir, { recursive: true, force: true });
    rmSync(b.dir, { recursive: true, force: true });
    rmSync(tb, { force: true });
    for (const n of [
      'm.npz',
      'n.npz',
      'c.npz',
      'mdir',
      'ndir',
      'm.params',
      'n.params',
      'r.html',
      'n.html',
      'proj',
      'copy.params',
    ])
      rmSync(out(n), { recursive: true, force: true });
  }
  await viewerBench(archives);
  writeDoc();
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

function writeDoc() {
  const docPath = join(root, 'docs/benchmarks.md');
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const np = NUMPY
    ? spawnSync(PY, ['-c', 'import numpy; print(numpy.__version__)']).stdout.toString().trim()
    : 'absent';
  const lines = [
    '## Memory',
    '',
    `Generated by \`node bench/memory.js\` (part of \`npm run bench\`) on ${new Date().toISOString().slice(0, 10)}: ${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM; Node ${process.version}; NumPy ${np}; load average before the run ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}.`,
    '',
    'A runnable graph archive (`bench/lib/big-archive.js`: one float32 param of random bits, one C operator) at each size, a second one with other values for `diff`; CLI runs as in the I/O section (median of 3-5 after a warm-up, `sync` before each), the runs of each command interleaved with those of its reference. **Peak RSS** is the largest process of the tree (`/usr/bin/time -v`); **mlf** is the mlf process alone (`process.resourceUsage().maxRSS` at exit, through test/helpers/maxrss.mjs): they differ where mlf runs a compiler or the model program. References (bench/ref_memory.py): `numpy.savez`/`numpy.save` of `np.memmap` views of the .params; `numpy.load` then a .params written by `tofile`; for diff the same figures (max |Δ|, relative L2, changed and non-finite counts) over 16 Mi-element float64 chunks; for report the same statistics (SHA-256, min, max, mean, std, zeros, NaN, inf, 40-bin histogram) in two chunked passes, plus for `--embed-archive` the .tar base64-encoded into the output; for `project` a `cp` of the .params (it copies it). footprint and run have no reference.',
    '',
    '| params | command | ours (s) | peak RSS (MB) | mlf (MB) | reference | reference (s) | reference RSS (MB) | ours / reference |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.size} MiB | ${r.what} | ${fmt(r.ours.s)} | ${fmt(r.ours.rss, 0)} | ${fmt(r.ours.self, 0)} | ${r.baseName ?? ''} | ${r.base ? fmt(r.base.s) : '–'} | ${r.base ? fmt(r.base.rss, 0) : '–'} | ${r.ratio === null ? '–' : `${fmt(r.ratio)}x`} |`,
    ),
    '',
    '**Viewer** (headless Debian Chromium, `dist/viewer/index.html` from file://, the .tar chosen with `setInputFiles`; median of 3 fresh pages; JS heap = the largest `JSHeapUsedSize` of CDP `Performance.getMetrics` sampled every 50 ms over the whole run, and with ArrayBuffers = the largest V8 heap plus ArrayBuffer backing stores of `Runtime.getHeapUsage`, which JSHeapUsedSize leaves out; archive bytes in Blobs are in neither):',
    '',
    '| params | overview shown | JS heap then (MB) | statistics of the tensor | peak JS heap (MB) | peak with ArrayBuffers (MB) |',
    '| --- | --- | --- | --- | --- | --- |',
    ...viewerRows.map(
      (v) =>
        `| ${v.mib} MiB | ${fmt(v.overview / 1000)} s | ${fmt(v.overviewHeap, 0)} | ${fmt(v.stats / 1000)} s | ${fmt(v.heap, 0)} | ${fmt(v.buffers, 0)} |`,
    ),
    '',
    '**Targets**',
    '',
    ...targets.map((t) => `- ${t.met ? 'met' : '**not met**'}: ${t.name} — ${t.detail}`),
    '',
    ...(notes.length ? ['Notes:', '', ...notes.map((n) => `- ${n}`), ''] : []),
  ];
  const marker = '<!-- memory-analysis -->';
  let doc = existsSync(docPath) ? readFileSync(docPath, 'utf8') : '# Benchmarks\n';
  const start = doc.indexOf('\n## Memory\n');
  let analysis = '';
  if (start >= 0) {
    const rest = doc.slice(start + 1);
    const next = rest.indexOf('\n## ', 5);
    const section = next >= 0 ? rest.slice(0, next + 1) : rest;
    const m = section.indexOf(marker);
    if (m >= 0) analysis = section.slice(m);
    doc = doc.slice(0, start + 1) + (next >= 0 ? rest.slice(next + 1) : '');
  }
  doc = `${doc.trimEnd()}\n\n${lines.join('\n')}\n${analysis ? `\n${analysis.trimEnd()}\n` : ''}`;
  writeFileSync(docPath, doc);
  console.log(`\nwrote the Memory section of ${docPath}`);
}
