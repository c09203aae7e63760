/**
 * Archives that lie, and archives at the edges (issue 20): every disagreement between the
 * sources that state a size is a validation error with numbers, and `project`/`run` refuse such
 * archives before anything is built; large but valid inputs work or get a typed error, within
 * seconds and under 512 MB.
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDType } from '../../../src/core/params/dtype.js';
import { encodeNpy } from '../../../src/core/params/npy.js';
import { copyAndNopOnly, copyOp, LYING } from '../../helpers/lying.js';
import { cli, npyValues, tempDir } from '../../helpers/runner.js';
import { spawnSync } from 'node:child_process';
import { graphArchive, graphOf, input, nopChain, param } from '../../helpers/synth.js';

const tmp = tempDir('mlf-lying-');
const cache = tempDir('mlf-lying-cache-');
const mlf = cli(cache);
afterAll(() => {
  for (const d of [tmp, cache]) rmSync(d, { recursive: true, force: true });
});

const write = (name: string, bytes: Uint8Array) => {
  const p = join(tmp, name);
  writeFileSync(p, bytes);
  return p;
};

/** The CLI in one process, with its peak resident memory (MiB) and wall time (s). */
function measured(...args: string[]) {
  const t = performance.now();
  const r = spawnSync(process.execPath, ['test/helpers/maxrss.mjs', ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', MLF_CACHE_DIR: cache },
  });
  const rss = Number(/maxrss (\d+)\s*$/.exec(r.stderr)?.[1] ?? NaN) / 1024;
  return { code: r.status, out: r.stdout, err: r.stderr, mib: rss, seconds: (performance.now() - t) / 1000 };
}

describe('lying archives are validation errors, and project and run refuse them', () => {
  it.each(LYING)('$name: $code', ({ name, make, code }) => {
    const archive = write(`${name.replace(/\W+/g, '-')}.tar`, make());
    const v = mlf('validate', archive, '--json');
    expect(v.code).toBe(1);
    const errors = JSON.parse(v.out).diagnostics.filter((d: { severity: string }) => d.severity === 'error');
    expect(errors.map((d: { code: string }) => d.code)).toContain(code);
    // The message says what disagrees: the numbers, or the names.
    expect(errors.find((d: { code: string }) => d.code === code).message).toMatch(/\d+ bytes|\d+ entries|, but /);
    const out = join(tmp, `out-${Math.random().toString(36).slice(2)}`);
    const r = mlf('run', archive, '--random-inputs', '1', '--output-dir', out);
    expect([r.code, r.err]).toEqual([1, expect.stringMatching(/^error MLF-E\d+/)]);
    expect(r.err).toMatch(/fails validation/);
    expect(existsSync(out)).toBe(false);
    const p = mlf('project', archive, '-o', join(tmp, `p-${Math.random().toString(36).slice(2)}`));
    expect(p.code).toBe(1);
  });

  it('the __copy case names both sizes', () => {
    const v = mlf('validate', write('copy.tar', (LYING[0] as (typeof LYING)[number]).make()));
    expect(v.out).toMatch(
      /copies entry 0, float32\[1, 3, 16, 16\] = 3072 bytes, into entry 1, float32\[1, 10\] = 40 bytes/,
    );
  });

  it('the AOT case names the header macro', () => {
    const v = mlf('validate', write('aot.tar', (LYING[2] as (typeof LYING)[number]).make()));
    expect(v.out).toMatch(
      /"output" is 4 bytes in metadata\.json, but codegen\/host\/include\/tvmgen_default\.h says TVMGEN_DEFAULT_OUTPUT_SIZE 40/,
    );
  });
});

describe('edges that work', () => {
  it('a graph of only __copy and __nop nodes builds under -Werror and copies its input', () => {
    const archive = write('copy-nop.tar', copyAndNopOnly());
    expect(mlf('validate', archive).code).toBe(0);
    const x = write(
      'x.npy',
      encodeNpy({ descr: '<f4', shape: [2, 3], data: new Uint8Array(new Float32Array([1, 2, 3, 4, 5, 6]).buffer) }),
    );
    const out = join(tmp, 'copy-nop-out');
    const r = mlf('run', archive, '--input', `x=${x}`, '--output-dir', out);
    expect(r.code, r.err).toBe(0);
    expect(npyValues(join(out, 'output0.npy'))).toEqual({ descr: '<f4', shape: [6], values: [1, 2, 3, 4, 5, 6] });
  });

  it('a valid graph of 130k entries (main: "Maximum call stack size exceeded", exit 3): project and run work', () => {
    const archive = write(
      'big-graph.tar',
      graphArchive(nopChain(130_000), 'int mlf_test_unused(void) { return 0; }\n'),
    );
    const p = measured('project', archive, '-o', join(tmp, 'big-graph'));
    expect(p.code, p.err).toBe(0);
    expect(p.mib).toBeLessThan(512);
    const r = mlf('run', archive, '--random-inputs', '1', '--output-dir', join(tmp, 'big-graph-out'));
    expect(r.code, r.err).toBe(0);
  });

  it('project --embed-params of 100 MB of params (main: "Invalid string length") streams the C array', () => {
    const n = 100 * 2 ** 20;
    const graph = graphOf({
      nodes: [
        input('x'),
        input('p'),
        {
          op: 'tvm_op',
          name: 'z',
          inputs: [
            [0, 0, 0],
            [1, 0, 0],
          ],
          attrs: { func_name: 'my_op', num_inputs: '2', num_outputs: '1', flatten_data: '0' },
        },
      ],
      entries: [
        [[4], 'float32', 0],
        [[n], 'uint8', 1],
        [[4], 'float32', 2],
      ],
      heads: [[2, 0, 0]],
    });
    const data = new Uint8Array(n);
    for (let i = 0; i < n; i += 4093) data[i] = i & 255;
    const archive = write(
      'params-100mb.tar',
      graphArchive(graph, copyOp(16).replace('args[1]', 'args[2]'), [param('p', parseDType('uint8'), [n], data)]),
    );
    const dir = join(tmp, 'embed');
    const p = measured('project', archive, '-o', dir, '--embed-params');
    expect(p.code, p.err).toBe(0);
    expect(p.mib).toBeLessThan(512);
    // The array holds the whole .params file (its header, then the tensor): check the count of
    // full 32-value lines without reading 200 MB of C into a string.
    const plan = join(dir, 'model_plan.c');
    const decl = spawnSync('grep', ['-m1', '-oE', 'embedded_params\\[[0-9]+\\]', plan], { encoding: 'utf8' }).stdout;
    const size = Number(/\[(\d+)\]/.exec(decl)?.[1]);
    expect(size).toBeGreaterThan(n);
    const wc = spawnSync('grep', ['-cE', '^([0-9]+,){32}$', plan], { encoding: 'utf8' });
    expect(Number(wc.stdout.trim())).toBe(Math.floor(size / 32));
    rmSync(archive);
    rmSync(dir, { recursive: true });
  });
});

describe('edges that get a typed error', () => {
  it('an input of shape [2^20, 2^20] (main: RangeError in randomTensor, exit 3) is E009 in seconds', () => {
    const graph = graphOf({
      nodes: [
        input('x'),
        {
          op: 'tvm_op',
          name: 'z',
          inputs: [[0, 0, 0]],
          attrs: { func_name: 'my_op', num_inputs: '1', num_outputs: '1', flatten_data: '0' },
        },
      ],
      entries: [
        [[2 ** 20, 2 ** 20], 'float32', 0],
        [[4], 'float32', 1],
      ],
      heads: [[1, 0, 0]],
    });
    const archive = write('huge-input.tar', graphArchive(graph, copyOp(16)));
    const r = measured('run', archive, '--random-inputs', '1', '--output-dir', join(tmp, 'huge-out'));
    expect([r.code, r.err.split('\n')[0]]).toEqual([
      1,
      expect.stringMatching(/^error MLF-E009: (\S+: )?module "default" needs \d+ bytes of static buffers/),
    ]);
    expect(r.seconds).toBeLessThan(30);
    expect(r.mib).toBeLessThan(512);
  });
});
