/**
 * Compilers, make and the model program run under a wall-clock timeout and an address-space
 * limit (issue 20): hitting one is MLF-E520 with what to raise, and nothing started keeps
 * running. Limits come from options, CLI flags or MLF_BUILD_TIMEOUT / MLF_RUN_TIMEOUT /
 * MLF_MEMORY_LIMIT.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveRunnerLimits } from '../../../src/node/runner/limits.js';
import { spawnCollect } from '../../../src/node/runner/spawn.js';
import { TVM } from '../../helpers/archive.js';
import { tempDir } from '../../helpers/runner.js';
import { graphArchive, graphOf, input, op } from '../../helpers/synth.js';

const tmp = tempDir('mlf-limits-');
const cache = tempDir('mlf-limits-cache-');
afterAll(() => {
  for (const d of [tmp, cache]) rmSync(d, { recursive: true, force: true });
});
const GRAPH = `${TVM}/graph-cnn/model.tar`;

function mlf(env: Record<string, string>, ...args: string[]) {
  const t = performance.now();
  const r = spawnSync(process.execPath, ['bin/mlf.js', ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', MLF_CACHE_DIR: cache, ...env },
  });
  return { code: r.status, out: r.stdout, err: r.stderr, seconds: (performance.now() - t) / 1000 };
}
const out = () => join(tmp, `out-${Math.random().toString(36).slice(2)}`);
/** Whether a process still runs (a zombie waiting to be reaped does not), polled for up to 2 s. */
function alive(pid: number): boolean {
  const running = () => {
    try {
      return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      return false; // gone
    }
  };
  for (let i = 0; i < 20 && running(); i++) spawnSync('sleep', ['0.1']);
  return running();
}

/** A graph whose one operator never returns. */
const LOOP = graphArchive(
  graphOf({
    nodes: [input('x'), op('spin', 'my_op', [0])],
    entries: [
      [[4], 'float32', 0],
      [[4], 'float32', 1],
    ],
    heads: [[1, 0, 0]],
  }),
  '#include <stdint.h>\nint32_t my_op(void* a, int32_t* c, int32_t n, void* r, int32_t* rc, void* h) {\n  for (volatile int i = 0;; i++) {}\n  return 0;\n}\n',
);

describe('timeouts', () => {
  it('a model program that never ends is stopped at --run-timeout (E520)', () => {
    const archive = join(tmp, 'loop.tar');
    writeFileSync(archive, LOOP);
    const r = mlf({}, 'run', archive, '--random-inputs', '1', '--output-dir', out(), '--run-timeout', '2');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /^error MLF-E520: \S+: the model program took longer than 2 s and was stopped; raise the limit with --run-timeout/,
    );
    const ps = spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).stdout;
    expect(ps).not.toMatch(new RegExp(`${cache}.*mlf_model`));
  });

  it('MLF_RUN_TIMEOUT sets it too', () => {
    const archive = join(tmp, 'loop.tar');
    const r = mlf({ MLF_RUN_TIMEOUT: '1' }, 'run', archive, '--random-inputs', '1', '--output-dir', out());
    expect(r.err).toMatch(/^error MLF-E520: \S+: the model program took longer than 1 s/);
  });

  it('a build that hangs is stopped at --build-timeout, compilers included (E520)', () => {
    // A "compiler" that answers --version and then hangs, leaving its pid behind.
    const cc = join(tmp, 'slow-cc');
    const pids = join(tmp, 'pids');
    writeFileSync(
      cc,
      `#!/bin/sh\n[ "$1" = --version ] && { echo slow-cc 1.0; exit 0; }\necho $$ >> ${pids}\nexec sleep 600\n`,
      {
        mode: 0o755,
      },
    );
    const r = mlf({}, 'run', GRAPH, '--random-inputs', '1', '--output-dir', out(), '--cc', cc, '--build-timeout', '3');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /^error MLF-E520: \S+: building the generated project took longer than 3 s and was stopped; raise the limit with --build-timeout/,
    );
    expect(r.seconds).toBeLessThan(60);
    const started = readFileSync(pids, 'utf8').trim().split('\n').map(Number);
    expect(started.length).toBeGreaterThan(0);
    for (const pid of started) expect(alive(pid), `compiler ${pid} still running`).toBe(false);
  });
});

describe('memory', () => {
  it('a compiler short of address space is E520 naming the limit', () => {
    const r = mlf(
      {},
      'run',
      GRAPH,
      '--random-inputs',
      '1',
      '--output-dir',
      out(),
      '--memory-limit',
      '40',
      '--cflags',
      '-O1',
    );
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /^error MLF-E520: \S+: building the generated project ran out of memory under the limit of 40 MiB; raise it with --memory-limit/,
    );
  });

  it('the limit applies through ulimit -v (a child sees it)', async () => {
    const r = await spawnCollect('sh', ['-c', 'ulimit -v'], { limits: { memoryBytes: 64 * 2 ** 20 } });
    expect(r.stdout.trim()).toBe(String(64 * 1024));
  });

  it('arguments reach the program as they are, never as shell text', async () => {
    const marker = join(tmp, 'INJECTED');
    const r = await spawnCollect('echo', [`$(touch ${marker})`, '; touch x', '"'], {
      limits: { memoryBytes: 2 ** 30 },
    });
    expect(r.stdout).toBe(`$(touch ${marker}) ; touch x "\n`);
    expect(existsSync(marker)).toBe(false);
  });
});

describe('configuration', () => {
  it('options beat the environment, which beats the defaults', () => {
    expect(resolveRunnerLimits({}, {})).toEqual({
      buildTimeoutSeconds: 600,
      runTimeoutSeconds: 600,
      memoryBytes: 4 * 2 ** 30,
    });
    const env = { MLF_BUILD_TIMEOUT: '5', MLF_RUN_TIMEOUT: '0', MLF_MEMORY_LIMIT: '256' };
    expect(resolveRunnerLimits({}, env)).toEqual({
      buildTimeoutSeconds: 5,
      runTimeoutSeconds: 0,
      memoryBytes: 256 * 2 ** 20,
    });
    expect(resolveRunnerLimits({ buildTimeoutSeconds: 7 }, env).buildTimeoutSeconds).toBe(7);
  });

  it('a malformed value is a usage error (exit 2)', () => {
    expect(mlf({ MLF_RUN_TIMEOUT: 'soon' }, 'run', GRAPH, '--random-inputs', '1', '--output-dir', out()).code).toBe(2);
    expect(mlf({}, 'run', GRAPH, '--random-inputs', '1', '--output-dir', out(), '--run-timeout', '-1').code).toBe(2);
  });
});
