// Benchmark of the host runner (run after `npm run build`): inference latency of `mlf run` per
// TVM 0.18 fixture (the driver's own per-inference timings), and the overhead of the generated
// graph plan against a hand-written direct call of the same operators (bench/graph_cnn_direct.c).
// Writes the `## Runner` section of docs/benchmarks.md.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeNpy, decodeParams } from '../dist/node/index.js';

const REPEAT = Number(process.env.BENCH_REPEAT ?? 200);
const ROUNDS = 7; // direct vs plan, interleaved, to even out machine noise
const TVM = 'test/fixtures/tvm-0.18';
const work = mkdtempSync(join(tmpdir(), 'mlf-bench-runner-'));
const env = { ...process.env, MLF_CACHE_DIR: join(work, 'cache'), NO_COLOR: '1' };

const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const us = (ns) => (ns / 1000).toFixed(ns < 10_000 ? 2 : 1);

function mlf(...args) {
  const r = spawnSync(process.execPath, ['bin/mlf.js', ...args], { encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(`mlf ${args.join(' ')} failed:\n${r.stderr}`);
  return r.stdout;
}

/** Latency of `mlf run` for each fixture module with its reference input. */
function fixtureLatencies() {
  const cases = [
    ['graph-cnn', 'default', ['input']],
    ['aot-mlp', 'default', ['x']],
    ['mnist-graph', 'mnist', ['Input3']],
    ['multi-graph', 'mod1', ['input']],
    ['multi-graph', 'mod2', ['x']],
    ['operator-add-i8', 'add', []],
  ];
  return cases.map(([fixture, module, inputs]) => {
    const args = inputs.length
      ? inputs.flatMap((n) => ['--input', `${n}=${TVM}/${fixture}/${module}.input.${n}.npy`])
      : ['--random-inputs', '1'];
    mlf(
      'run',
      `${TVM}/${fixture}/model.tar`,
      '--module',
      module,
      ...args,
      '--output-dir',
      join(work, 'warm'),
      '--force',
    ); // build
    const r = JSON.parse(
      mlf(
        'run',
        `${TVM}/${fixture}/model.tar`,
        '--module',
        module,
        ...args,
        '--output-dir',
        join(work, `${fixture}-${module}`),
        '--repeat',
        String(REPEAT),
        '--json',
      ),
    );
    return { fixture, module, kind: r.kind, minNs: r.timings.minNs, medianNs: r.timings.medianNs };
  });
}

/** Median per-inference time of the generated plan and of the hand-written harness for graph-cnn. */
function planOverhead() {
  const dir = join(work, 'graph-cnn');
  mlf('project', `${TVM}/graph-cnn/model.tar`, '-o', dir);
  execFileSync('make', ['-j2', '-s'], { cwd: dir });
  const params = decodeParams(new Uint8Array(readFileSync(join(dir, 'model/parameters/default.params'))));
  const files = ['p0', 'p1', 'p2', 'p3'].map((name) => {
    const p = join(work, `${name}.bin`);
    writeFileSync(p, params.tensors.find((t) => t.name === name).data);
    return p;
  });
  const input = join(work, 'input.bin');
  writeFileSync(input, decodeNpy(new Uint8Array(readFileSync(`${TVM}/graph-cnn/default.input.input.npy`))).data);
  const direct = join(work, 'graph_cnn_direct');
  execFileSync(
    'cc',
    [
      '-O2',
      '-std=c11',
      '-Wall',
      '-Wextra',
      '-Werror',
      '-Iruntime/include',
      '-c',
      'runtime/src/mlf_backend.c',
      '-o',
      join(work, 'backend.o'),
    ],
    { cwd: dir },
  );
  execFileSync(
    'cc',
    ['-O2', '-w', '-Iruntime/include', '-c', 'model/codegen/host/src/default_lib1.c', '-o', join(work, 'lib1.o')],
    { cwd: dir },
  );
  execFileSync('cc', [
    '-O2',
    '-std=c11',
    '-Wall',
    '-Wextra',
    '-Werror',
    `-I${dir}/runtime/include`,
    'bench/graph_cnn_direct.c',
    join(work, 'lib1.o'),
    join(work, 'backend.o'),
    '-lm',
    '-o',
    direct,
  ]);
  const expected = new Float32Array(
    decodeNpy(new Uint8Array(readFileSync(`${TVM}/graph-cnn/default.output.0.npy`))).data.slice().buffer,
  )[0];
  const plan = [];
  const hand = [];
  for (let round = 0; round < ROUNDS; round++) {
    const d = JSON.parse(execFileSync(direct, [input, ...files, String(REPEAT)], { encoding: 'utf8' }));
    if (Math.fround(d.out0) !== expected) throw new Error(`the direct harness computed ${d.out0}, TVM ${expected}`);
    hand.push(median(d.ns));
    const p = JSON.parse(
      execFileSync(
        join(dir, 'build/mlf_model'),
        ['-p', 'model/parameters/default.params', '-i', input, '-n', String(REPEAT)],
        { cwd: dir, encoding: 'utf8' },
      ),
    );
    plan.push(median(p.ns));
  }
  return { planNs: median(plan), directNs: median(hand) };
}

function machineHeader() {
  const cpu =
    readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.+)/)?.[1] ?? cpus()[0]?.model ?? 'unknown';
  const gcc = execFileSync('gcc', ['--version'], { encoding: 'utf8' }).split('\n')[0];
  const nproc = execFileSync('nproc', { encoding: 'utf8' }).trim();
  return `# Benchmarks\n\nMachine: ${nproc} CPUs (nproc), ${cpu}; Node ${process.version}; ${gcc}.\n`;
}

/** Replaces (or appends) the `## Runner` section of docs/benchmarks.md; other sections stay. */
function writeSection(section) {
  const path = 'docs/benchmarks.md';
  const text = existsSync(path) ? readFileSync(path, 'utf8') : machineHeader();
  const start = text.search(/^## Runner$/m);
  let updated;
  if (start < 0) updated = `${text.trimEnd()}\n\n${section}`;
  else {
    const next = text.slice(start + 1).search(/^## /m);
    updated = `${text.slice(0, start)}${section}${next < 0 ? '' : `\n${text.slice(start + 1 + next)}`}`;
  }
  writeFileSync(path, `${updated.trimEnd()}\n`);
}

try {
  const rows = fixtureLatencies();
  const { planNs, directNs } = planOverhead();
  const overhead = ((planNs - directNs) / directNs) * 100;
  const lines = [
    '## Runner',
    '',
    `\`mlf run\` on each TVM 0.18 fixture with its reference input: ${REPEAT} timed inferences after one warm-up, timed by`,
    'the compiled driver itself with `clock_gettime` (gcc -O2). Regenerate with `npm run bench`.',
    '',
    '| fixture | module | kind | min µs | median µs |',
    '| --- | --- | --- | ---: | ---: |',
    ...rows.map((r) => `| ${r.fixture} | ${r.module} | ${r.kind} | ${us(r.minNs)} | ${us(r.medianNs)} |`),
    '',
    `Generated graph plan vs a hand-written direct call of the same operators (graph-cnn, \`bench/graph_cnn_direct.c\`),`,
    `median of ${ROUNDS} interleaved rounds of ${REPEAT}-inference medians: plan ${us(planNs)} µs, direct ${us(directNs)} µs,`,
    `overhead ${overhead >= 0 ? '+' : ''}${overhead.toFixed(1)} %.`,
    '',
  ];
  writeSection(lines.join('\n'));
  console.log(lines.join('\n'));
} finally {
  rmSync(work, { recursive: true, force: true });
}
