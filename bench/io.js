// I/O benchmark (run after `npm run build`): generates TVM-shaped archives with 16 MiB, 256 MiB and
// 1 GiB of float32 params (seeded PRNG) in os.tmpdir(), times the mlf CLI against cat, sha256sum,
// GNU tar, gzip/zstd, Python tarfile and a NumPy reader (median of several runs after one warm-up),
// measures peak RSS with /usr/bin/time -v, and rewrites the `## I/O` section of docs/benchmarks.md.
// Set MLF_BENCH_SIZES=16,256 (MiB) to run fewer sizes.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { checkGraph } from '../dist/core/graph/graph.js';
import { computeSids, computeStoragePools } from '../dist/core/graph/facts.js';
import { parseJsonText } from '../dist/core/common/json.js';
import { decodeParams } from '../dist/core/params/codec.js';
import { dtypeFileElementBytes } from '../dist/core/params/dtype.js';
import { readMlfPath } from '../dist/node/read/open.js';
import { loadParams } from '../dist/core/archive/archive.js';
import { syntheticArchive } from './lib/synthetic.js';
import { writeBigArchiveFolder } from './lib/big-archive.js';

const root = join(import.meta.dirname, '..');
const MLF = join(root, 'bin', 'mlf.js');
const MiB = 1024 * 1024;
const SIZES = (process.env.MLF_BENCH_SIZES ?? '16,256,1024').split(',').map(Number);
const tmp = mkdtempSync(join(os.tmpdir(), 'mlf-bench-io-'));
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const PY = has('python3') ? 'python3' : null;
const NUMPY = PY !== null && spawnSync(PY, ['-c', 'import numpy']).status === 0;
const notes = [];

/** Runs argv once; returns wall seconds and peak RSS in MB (from /usr/bin/time -v). */
function runOnce(argv, opts = {}) {
  const full = TIME ? [TIME, '-v', ...argv] : argv;
  const t0 = performance.now();
  const r = spawnSync(full[0], full.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 * MiB, ...opts });
  const s = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (${r.status}): ${r.stderr?.toString().slice(-500)}`);
  const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr?.toString() ?? '');
  return { s, rss: m ? Number(m[1]) / 1024 : null };
}

/**
 * Writes back dirty pages (untimed) before a timed run: otherwise a run pays for the writeback of
 * whatever ran before it (generating 1 GiB archives, `tar -cf`, which leaves its output in the
 * page cache, while our writers fsync theirs), and the 1 GiB figures swing by 2x.
 */
function settle() {
  spawnSync('sync');
}

/** Median wall time (and max RSS) of `runs` runs after one warm-up; `before` runs untimed before each. */
function measure(argv, runs, before) {
  before?.();
  runOnce(argv); // warm-up: page cache, JIT of node itself
  const xs = [];
  let rss = 0;
  for (let i = 0; i < runs; i++) {
    before?.();
    settle();
    const r = runOnce(argv);
    xs.push(r.s);
    rss = Math.max(rss, r.rss ?? 0);
  }
  xs.sort((a, b) => a - b);
  return { s: xs[Math.floor(xs.length / 2)], rss: TIME ? rss : null };
}
/** Median of the `seconds` a child reports on stdout as JSON (in-process time), after one warm-up. */
function measureReported(argv, runs) {
  const once = () => {
    const r = spawnSync(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (${r.status}): ${r.stderr.toString().slice(-500)}`);
    return JSON.parse(r.stdout.toString()).seconds;
  };
  once();
  const xs = Array.from({ length: runs }, () => (settle(), once())).sort((a, b) => a - b);
  return { s: xs[Math.floor(xs.length / 2)], rss: null };
}
const sh = (cmd) => ['sh', '-c', cmd];
const node = (...args) => [process.execPath, ...args];

/**
 * Writes the folder and canonical .tar of a runnable graph archive (bench/lib/big-archive.js, the
 * generator bench/memory.js and the memory tests use) with `mib` MiB of params; returns paths.
 */
function makeArchive(mib) {
  const dir = join(tmp, `m${mib}`);
  const { paramsPath, bytes } = writeBigArchiveFolder(dir, mib);
  const tar = join(tmp, `m${mib}.tar`);
  execFileSync(process.execPath, [MLF, 'pack', dir, '-o', tar], { stdio: 'ignore' });
  return { dir, tar, paramsPath, bytes };
}

const rows = []; // { size, what, ours, base, baseName, ratio, rss }
const fmt = (x, d = 2) => (x === null || x === undefined ? '–' : x.toFixed(d));
function row(size, what, ours, baseName, base) {
  const r = { size, what, ours, baseName, base, ratio: base ? ours.s / base.s : null };
  rows.push(r);
  console.log(
    `${size} MiB  ${what.padEnd(34)} ${fmt(ours.s)} s  rss ${fmt(ours.rss, 0)} MB   ${baseName ?? ''} ${base ? `${fmt(base.s)} s  ratio ${fmt(r.ratio)}` : ''}`,
  );
  return r;
}

const targets = [];
function target(name, met, detail) {
  targets.push({ name, met, detail });
  console.log(`target: ${name}: ${met ? 'met' : 'NOT met'} (${detail})`);
}

try {
  const inspectRuns = [];
  for (const mib of SIZES) {
    const runs = mib >= 1024 ? 3 : mib >= 256 ? 3 : 5;
    console.log(`\n-- ${mib} MiB params (generating)`);
    const a = makeArchive(mib);
    const out = join(tmp, 'out');
    const clean = () => rmSync(out, { recursive: true, force: true });
    const cat = measure(sh(`cat ${a.paramsPath} > /dev/null`), runs);
    const sha = has('sha256sum') ? measure(['sha256sum', a.paramsPath], runs) : null;
    const pj = row(
      mib,
      'mlf params --json (.params)',
      measure(node(MLF, 'params', a.paramsPath, '--json'), runs),
      'sha256sum',
      sha,
    );
    const decodeOnly = join(root, 'bench/lib/decode-only.js');
    const dec = row(
      mib,
      'decode, no hash, streamed (.params, whole process)',
      measure(node(decodeOnly, a.paramsPath, 'stream'), runs),
      'cat > /dev/null',
      cat,
    );
    const decIn = row(
      mib,
      'decode, no hash, streamed (in-process time)',
      measureReported(node(decodeOnly, a.paramsPath, 'stream'), runs),
      'cat > /dev/null',
      cat,
    );
    row(
      mib,
      'decode, no hash, readFile + decodeParams (in-process)',
      measureReported(node(decodeOnly, a.paramsPath, 'whole'), runs),
      'cat > /dev/null',
      cat,
    );
    if (NUMPY)
      row(
        mib,
        'NumPy reader + sha256 (reference)',
        measure([PY, join(root, 'bench/ref_params.py'), a.paramsPath], runs),
        'mlf params --json',
        pj.ours,
      );
    const ins = row(
      mib,
      'mlf inspect (.tar)',
      measure(node(MLF, 'inspect', a.tar), runs),
      'tar -tf',
      measure(['tar', '-tf', a.tar], runs),
    );
    inspectRuns.push({ mib, ...ins.ours });
    if (PY)
      row(
        mib,
        'mlf inspect (.tar) vs Python tarfile',
        ins.ours,
        'tarfile list',
        measure([PY, '-c', `import tarfile,sys; print(len(tarfile.open(sys.argv[1]).getnames()))`, a.tar], runs),
      );
    row(mib, 'mlf validate (.tar)', measure(node(MLF, 'validate', a.tar), runs), null, null);
    row(
      mib,
      'mlf inspect --json (.tar, hashes)',
      measure(node(MLF, 'inspect', a.tar, '--json'), runs),
      'sha256sum',
      sha,
    );
    const pack = row(
      mib,
      'mlf pack folder -o .tar',
      measure(node(MLF, 'pack', a.dir, '-o', `${out}.tar`, '--force'), runs),
      'tar -cf',
      measure(['tar', '-cf', `${out}.tar`, '-C', a.dir, '.'], runs),
    );
    row(
      mib,
      'mlf unpack .tar',
      measure(node(MLF, 'unpack', a.tar, '-o', out), runs, clean),
      'tar -xf',
      measure(sh(`mkdir -p ${out} && tar -xf ${a.tar} -C ${out}`), runs, clean),
    );
    clean();
    let zst = null;
    if (has('zstd')) {
      zst = row(
        mib,
        'mlf pack folder -o .tar.zst',
        measure(node(MLF, 'pack', a.dir, '-o', `${out}.tar.zst`, '--force'), runs),
        'tar -c | zstd -3',
        measure(sh(`tar -c -C ${a.dir} . | zstd -3 -q -c > ${out}.zst`), runs),
      );
      row(
        mib,
        'mlf inspect (.tar.zst)',
        measure(node(MLF, 'inspect', `${out}.tar.zst`), runs),
        'zstd -d > /dev/null',
        measure(sh(`zstd -d -q -c ${out}.tar.zst > /dev/null`), runs),
      );
    } else notes.push(`${mib} MiB: zstd not installed, .tar.zst not measured`);
    if (mib <= 16 && has('gzip')) {
      row(
        mib,
        'mlf pack folder -o .tar.gz',
        measure(node(MLF, 'pack', a.dir, '-o', `${out}.tar.gz`, '--force'), runs),
        'tar -c | gzip',
        measure(sh(`tar -c -C ${a.dir} . | gzip -c > ${out}.gz`), runs),
      );
    } else if (has('gzip'))
      notes.push(
        `${mib} MiB: .tar.gz writes not measured (gzip level 6 runs at ~20 MB/s on random floats, ours and gzip's alike)`,
      );
    if (mib >= 1024) {
      target(
        'mlf inspect, 1 GiB .tar: < 0.5 s and < 150 MB peak RSS',
        ins.ours.s < 0.5 && (ins.ours.rss ?? 0) < 150,
        `${fmt(ins.ours.s)} s, ${fmt(ins.ours.rss, 0)} MB`,
      );
      if (sha)
        target(
          'mlf params --json, 1 GiB: within 1.3x of sha256sum',
          pj.ratio <= 1.3,
          `${fmt(pj.ours.s)} s vs ${fmt(sha.s)} s = ${fmt(pj.ratio)}x`,
        );
      const thr = cat.s / decIn.ours.s;
      const whole = cat.s / dec.ours.s;
      target(
        'decode without hashing, 1 GiB: >= 80% of cat throughput (decoder time in-process; Node start-up is a fixed cost shown separately)',
        thr >= 0.8,
        `${fmt(decIn.ours.s)} s vs cat ${fmt(cat.s)} s = ${fmt(thr * 100, 0)}% of cat throughput; whole process incl. start-up ${fmt(dec.ours.s)} s = ${fmt(whole * 100, 0)}%, peak RSS ${fmt(dec.ours.rss, 0)} MB`,
      );
      target(
        'mlf pack 1 GiB .tar: within 1.5x of tar -cf',
        pack.ratio <= 1.5,
        `${fmt(pack.ours.s)} s vs ${fmt(pack.base.s)} s = ${fmt(pack.ratio)}x, peak RSS ${fmt(pack.ours.rss, 0)} MB`,
      );
    }
    if (zst !== null && mib === Math.max(...SIZES))
      target(
        `mlf pack ${mib} MiB .tar.zst: within 1.5x of tar -c | zstd -3`,
        zst.ratio <= 1.5,
        `${fmt(zst.ours.s)} s vs ${fmt(zst.base.s)} s = ${fmt(zst.ratio)}x, peak RSS ${fmt(zst.ours.rss, 0)} MB`,
      );
    rmSync(a.dir, { recursive: true, force: true });
    for (const f of [a.tar, a.paramsPath, `${out}.tar`, `${out}.tar.zst`, `${out}.zst`, `${out}.tar.gz`, `${out}.gz`])
      rmSync(f, { force: true });
  }
  if (inspectRuns.length > 1) {
    const [lo, hi] = [inspectRuns[0], inspectRuns[inspectRuns.length - 1]];
    target(
      `mlf inspect flat from ${lo.mib} MiB to ${hi.mib} MiB`,
      hi.s < lo.s * 1.5,
      `${fmt(lo.s)} s → ${fmt(hi.s)} s`,
    );
  }

  // Graphs, in-process: parse + structural check + storage map + sids (after the writeback of the I/O runs).
  settle();
  const graphRows = [];
  for (const n of [1000, 10000, 100000]) {
    const tarBytes = syntheticArchive(n).tar;
    const path = join(tmp, `g${n}.tar`);
    writeFileSync(path, tarBytes);
    const archive = await readMlfPath(path);
    const member = archive.contents.members.get(archive.modules[0].files.graph);
    const text = new TextDecoder().decode(await member.read());
    await archive.contents.close?.();
    const times = [];
    for (let i = 0; i < 4; i++) {
      const t0 = performance.now();
      const { graph } = checkGraph(parseJsonText(text, 'graph', 'MLF-E301', 'graph'));
      computeStoragePools(graph);
      computeSids(graph);
      if (i > 0) times.push((performance.now() - t0) / 1000);
    }
    times.sort((a, b) => a - b);
    graphRows.push({ n, kb: text.length / 1024, s: times[1] });
    console.log(
      `graph ${n} nodes (${fmt(text.length / MiB)} MiB JSON): parse+check+storage+sids ${fmt(times[1], 3)} s`,
    );
  }
  const g100k = graphRows.find((g) => g.n === 100000);
  target(
    'parse, validate and storage map of a 100k-node graph < 1 s (in-process)',
    g100k.s < 1,
    `${fmt(g100k.s, 3)} s`,
  );

  // Alignment of real tensors (zero-copy typed views need dataOffset % elementBytes === 0).
  const align = await fixtureAlignment();
  console.log(
    `fixture tensors misaligned for their element type: ${align.misaligned} of ${align.total} (element size > 1: ${align.wide})`,
  );

  writeDoc(graphRows, align);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

async function fixtureAlignment() {
  const files = [];
  const walk = (d) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(params|tar|tgz|tar\.gz|tar\.zst)$/.test(n)) files.push(p);
    }
  };
  walk(join(root, 'test/fixtures'));
  walk(join(root, 'examples'));
  let total = 0;
  let wide = 0;
  let misaligned = 0;
  const count = (t) => {
    const size = dtypeFileElementBytes(t.dtype);
    total++;
    if (size > 1) wide++;
    if (size > 1 && t.dataOffset % size !== 0) misaligned++;
  };
  for (const f of files) {
    try {
      if (f.endsWith('.params')) decodeParams(new Uint8Array(readFileSync(f))).tensors.forEach(count);
      else {
        const a = await readMlfPath(f);
        for (const m of a.modules) (await loadParams(a, m).catch(() => null))?.tensors.forEach(count);
        await a.contents.close?.();
      }
    } catch {
      /* malformed fixtures are expected */
    }
  }
  return { total, wide, misaligned, files: files.length };
}

function versions() {
  const v = (argv) => {
    try {
      return execFileSync(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'ignore'] })
        .toString()
        .split('\n')[0]
        .trim();
    } catch {
      return 'absent';
    }
  };
  return [
    `Node ${process.version}`,
    v(['tar', '--version']),
    v(['zstd', '--version']),
    v(['gzip', '--version']),
    v(['sha256sum', '--version']),
    PY ? v([PY, '--version']) : 'python3 absent',
    NUMPY ? `NumPy ${v([PY, '-c', 'import numpy; print(numpy.__version__)'])}` : 'NumPy absent',
  ].join('; ');
}

function writeDoc(graphRows, align) {
  const docPath = join(root, 'docs/benchmarks.md');
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const lines = [
    '## I/O',
    '',
    `Generated by \`node bench/io.js\` (part of \`npm run bench\`) on ${new Date().toISOString().slice(0, 10)}: ${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, ${os.type()} ${os.release()}.`,
    `Versions: ${versions()}.`,
    '',
    "Synthetic TVM-shaped archives (metadata.json, graph, one float32 param of random bytes from a seeded PRNG, a C file), written by bench/lib/big-archive.js and packed by `mlf pack` in os.tmpdir(), deleted afterwards. Every figure is the median wall time of 3-5 CLI runs (5 at 16 MiB) after one warm-up run (page cache warm), including Node and CLI start-up (0.2-0.3 s here); `sync` runs (untimed) before each timed run, so none pays for an earlier one's writeback. `mlf` writers fsync their output before renaming it into place; `tar -cf` leaves its output in the page cache. Peak RSS from `/usr/bin/time -v`.",
    '',
    '| params | what | ours (s) | peak RSS (MB) | baseline | baseline (s) | ours / baseline |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.size} MiB | ${r.what} | ${fmt(r.ours.s)} | ${fmt(r.ours.rss, 0)} | ${(r.baseName ?? '').replaceAll('|', '\\|')} | ${r.base ? fmt(r.base.s) : '–'} | ${r.ratio === null ? '–' : `${fmt(r.ratio)}x`} |`,
    ),
    '',
    '**Graphs** (in-process, `parseJsonText` + `checkGraph` + `computeStoragePools` + `computeSids`, median of 3 after a warm-up; synthetic chain from bench/lib/synthetic.js):',
    '',
    '| nodes | graph JSON | seconds |',
    '| --- | --- | --- |',
    ...graphRows.map((g) => `| ${g.n} | ${fmt(g.kb / 1024)} MiB | ${fmt(g.s, 3)} |`),
    '',
    '**Targets**',
    '',
    ...targets.map((t) => `- ${t.met ? 'met' : '**not met**'}: ${t.name} — ${t.detail}`),
    '',
    `**Alignment of real tensors** (test/fixtures and examples, ${align.files} files): ${align.misaligned} of ${align.wide} tensors with elements wider than one byte (${align.total} tensors in all) start at an offset that is not a multiple of their element size, so \`tensorView\` copies those; the rest are zero-copy views.`,
    '',
    ...(notes.length ? ['Notes: ', ...notes.map((n) => `- ${n}`), ''] : []),
    ...(NUMPY ? [] : ['- NumPy baseline skipped: python3 or NumPy is not installed.']),
    ...(TIME ? [] : ['- Peak RSS not measured: /usr/bin/time is missing.']),
  ];
  const marker = '<!-- io-analysis -->';
  let doc = existsSync(docPath) ? readFileSync(docPath, 'utf8') : '# Benchmarks\n';
  const start = doc.indexOf('\n## I/O\n');
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
  console.log(`\nwrote the I/O section of ${docPath}`);
}
