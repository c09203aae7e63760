// Benchmark of the emulated boards (run after `npm run build`): every TVM 0.18 fixture on every
// shipped board with `mlf run --target` and TVM's reference inputs: instructions of one inference
// (QEMU -icount, exact), flash and static RAM of the linked firmware, measured peak stack and arena
// use, and how many output elements are bit-identical to TVM's reference outputs.
// Rewrites the part of docs/runner.md between the `mcu-bench` markers.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeNpy, encodeNpy } from '../dist/node/index.js';

const TVM = 'test/fixtures/tvm-0.18';
const BOARDS = readdirSync('templates/boards')
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.slice(0, -5))
  .sort((a, b) => order(a) - order(b));
function order(b) {
  return ['cortex-m3', 'cortex-m4', 'cortex-m7', 'cortex-m33', 'cortex-m55', 'riscv32'].indexOf(b);
}
const FIXTURES = [
  ['graph-cnn', [['default', ['input']]]],
  ['aot-mlp', [['default', ['x']]]],
  ['mnist-graph', [['mnist', ['Input3']]]],
  ['mnist-aot-usmp', [['mnist', ['Input3']]]],
  [
    'multi-graph',
    [
      ['mod1', ['input']],
      ['mod2', ['x']],
    ],
  ],
  ['operator-add-i8', [['add', []]]],
];
const work = mkdtempSync(join(tmpdir(), 'mlf-bench-mcu-'));
const env = { ...process.env, MLF_CACHE_DIR: join(work, 'cache'), NO_COLOR: '1' };

function mlf(...args) {
  const r = spawnSync(process.execPath, ['bin/mlf.js', ...args], { encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(`mlf ${args.join(' ')} failed:\n${r.stderr}`);
  return r.stdout;
}

/**
 * Bit-identical elements of an output against the reference (same dtype and count), and for floats
 * the largest difference relative to the reference's largest magnitude (must stay within 1e-5).
 */
function compare(actual, expected) {
  const a = decodeNpy(new Uint8Array(readFileSync(actual)));
  const e = decodeNpy(new Uint8Array(readFileSync(expected)));
  if (a.descr !== e.descr || a.data.length !== e.data.length) throw new Error(`${actual}: not like ${expected}`);
  const size = Number(/\d+$/.exec(e.descr)?.[0] ?? '1');
  let same = 0;
  for (let i = 0; i < e.data.length; i += size)
    if (Buffer.compare(a.data.subarray(i, i + size), e.data.subarray(i, i + size)) === 0) same++;
  const n = e.data.length / size;
  if (!e.descr.includes('f')) {
    if (same !== n) throw new Error(`${actual}: integers differ from ${expected}`);
    return { same, n, rel: 0 };
  }
  const view = (d) =>
    size === 8 ? new Float64Array(new Uint8Array(d).buffer) : new Float32Array(new Uint8Array(d).buffer);
  const av = view(a.data);
  const ev = view(e.data);
  let largest = 0;
  for (const v of ev) largest = Math.max(largest, Math.abs(v));
  let rel = 0;
  for (let i = 0; i < n; i++) rel = Math.max(rel, Math.abs(av[i] - ev[i]) / largest);
  if (!(rel <= 1e-5)) throw new Error(`${actual}: ${rel} relative to ${expected}`);
  return { same, n, rel };
}

/** operator-add-i8: our own inputs, and c = a + b[0] with int8 wrap-around as the reference. */
function operatorFiles() {
  const a = Int8Array.from({ length: 64 }, (_, i) => ((i * 37) % 256) - 128);
  const b = Int8Array.from([77]);
  const c = Int8Array.from(a, (x) => x + b[0]);
  const file = (name, v) => {
    const p = join(work, `${name}.npy`);
    writeFileSync(p, encodeNpy({ descr: '|i1', shape: [v.length], data: new Uint8Array(v.buffer) }));
    return p;
  };
  return { inputs: ['--input', `a=${file('a', a)}`, '--input', `b=${file('b', b)}`], reference: file('c', c) };
}

function runBoard(board) {
  const rows = [];
  for (const [fixture, modules] of FIXTURES) {
    const several = modules.length > 1;
    const op = fixture === 'operator-add-i8' ? operatorFiles() : null;
    const inputs =
      op?.inputs ??
      modules.flatMap(([m, names]) =>
        names.flatMap((n) => ['--input', `${several ? `${m}:` : ''}${n}=${TVM}/${fixture}/${m}.input.${n}.npy`]),
      );
    const out = join(work, `${board}-${fixture}`);
    const j = JSON.parse(mlf('run', `${TVM}/${fixture}/model.tar`, '--target', board, ...inputs, '-o', out, '--json'));
    if (j.firmware.counterError !== 0)
      throw new Error(`${board} ${fixture}: counter self-check ${j.firmware.counterError}`);
    for (const m of j.modules) {
      const reference = op?.reference ?? `${TVM}/${fixture}/${m.module}.output.0.npy`;
      const c = compare(join(out, several ? `${m.module}/output0.npy` : 'output0.npy'), reference);
      rows.push({ fixture, module: m.module, kind: m.kind, m, f: j.firmware, ...c, several });
    }
  }
  return rows;
}

const kib = (n) => (n / 1024).toFixed(1);

try {
  const qemu = execFileSync('qemu-system-arm', ['--version'], { encoding: 'utf8' }).split('\n')[0];
  const armGcc = execFileSync('arm-none-eabi-gcc', ['--version'], { encoding: 'utf8' }).split('\n')[0];
  const rvGcc = execFileSync('riscv64-unknown-elf-gcc', ['--version'], { encoding: 'utf8' }).split('\n')[0];
  const lines = [
    '<!-- mcu-bench:start (written by bench/mcu.js; regenerate with npm run bench) -->',
    '',
    `${qemu}; ${armGcc}; ${rvGcc}; picolibc; firmware CFLAGS \`-O2 -ffp-contract=off\`, params compiled in.`,
    'Instructions: one inference, counted by QEMU (`-icount`), the same on every run. Flash = text + rodata + data of the',
    'linked firmware; RAM static = data + bss (buffers, arena, params copies, C library); stack = measured peak of one',
    'inference (stack painting); RAM = static + stack. The firmware of a fixture holds all of its modules, so',
    "multi-graph shows one firmware for both. Arena: the allocator's peak.",
    "Bit-exact: output elements identical to TVM's reference output; max rel.: the largest difference relative to the",
    'largest magnitude of the reference (the tests allow 1e-5). operator-add-i8 is compared with `c = a + b[0]` computed in int8.',
    '',
  ];
  for (const board of BOARDS) {
    const profile = JSON.parse(readFileSync(`templates/boards/${board}.json`, 'utf8'));
    lines.push(`#### ${board}: ${profile.description}`, '');
    lines.push(
      '| fixture | module | kind | instructions | flash KiB | RAM static KiB | stack B | RAM KiB | arena B | bit-exact | max rel. |',
    );
    lines.push('| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const r of runBoard(board)) {
      lines.push(
        `| ${r.fixture} | ${r.module} | ${r.kind} | ${r.m.instructions} | ${kib(r.f.flash)} | ${kib(r.f.ramStatic)} | ${r.m.stackPeak} | ${kib(r.f.ramStatic + r.m.stackPeak)} | ${r.m.arena.peak} | ${r.same}/${r.n} | ${r.rel === 0 ? '0' : r.rel.toExponential(1)} |`,
      );
    }
    lines.push('');
    console.log(`${board} done`);
  }
  lines.push('<!-- mcu-bench:end -->');
  const path = 'docs/runner.md';
  const doc = readFileSync(path, 'utf8');
  const start = doc.indexOf('<!-- mcu-bench:start');
  const end = doc.indexOf('<!-- mcu-bench:end -->');
  if (start < 0 || end < 0) throw new Error('docs/runner.md has no mcu-bench markers');
  writeFileSync(path, `${doc.slice(0, start)}${lines.join('\n')}${doc.slice(end + '<!-- mcu-bench:end -->'.length)}`);
  console.log(lines.join('\n'));
} finally {
  rmSync(work, { recursive: true, force: true });
}
