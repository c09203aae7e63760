/**
 * `mlf run`: every TVM 0.18 fixture reproduces TVM's own outputs; complete wild archives run on
 * random inputs; user errors give their code, a non-zero exit and leave nothing but the cache.
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeNpy } from '../../../src/core/params/npy.js';
import { packFiles, TVM, tarFiles, text } from '../../helpers/archive.js';
import { cli, COMPLETE_WILD, leftovers, npyValues, tempDir, WILD } from '../../helpers/runner.js';
import { noStack } from '../../helpers/common.js';

const cache = tempDir('mlf-runner-cache-');
const tmp = tempDir('mlf-runner-');
const mlf = cli(cache);
afterAll(() => {
  for (const d of [cache, tmp]) rmSync(d, { recursive: true, force: true });
});

/** Element-wise: integers exactly, floats within 1e-5 relative error. */
function expectClose(actualFile: string, expectedFile: string): void {
  const a = npyValues(actualFile);
  const e = npyValues(expectedFile);
  expect(a.descr).toBe(e.descr);
  expect(a.values.length).toBe(e.values.length);
  const float = e.descr.includes('f');
  e.values.forEach((v, i) => {
    const got = a.values[i] as number;
    if (!float) expect(got).toBe(v);
    else expect(Math.abs(got - v)).toBeLessThanOrEqual(1e-5 * Math.max(Math.abs(v), Math.abs(got)));
  });
}

const REFERENCE = [
  ['graph-cnn', 'default', ['input'], 'graph'],
  ['aot-mlp', 'default', ['x'], 'aot-c'],
  ['mnist-aot-usmp', 'mnist', ['Input3'], 'aot-c'],
  ['mnist-graph', 'mnist', ['Input3'], 'graph'],
  ['multi-graph', 'mod1', ['input'], 'graph'],
  ['multi-graph', 'mod2', ['x'], 'graph'],
] as const;

describe('TVM 0.18 fixtures: outputs equal TVM executor outputs', () => {
  for (const [fixture, module, inputs, kind] of REFERENCE) {
    it(`${fixture} ${module}`, () => {
      const out = join(tmp, `${fixture}-${module}`);
      const args = inputs.flatMap((n) => ['--input', `${n}=${TVM}/${fixture}/${module}.input.${n}.npy`]);
      const r = mlf(
        'run',
        `${TVM}/${fixture}/model.tar`,
        '--module',
        module,
        ...args,
        '--output-dir',
        out,
        '--repeat',
        '3',
        '--json',
      );
      expect(r.err).toBe('');
      expect(r.code, r.out).toBe(0);
      const j = JSON.parse(r.out);
      // AOT archives record output sizes only: the shape comes from the Relay text's inferred types.
      expect(j.notes).toEqual([]);
      expect(j).toMatchObject({ module, kind, timings: { repeat: 3 }, build: { cached: false } });
      expect(j.timings.minNs).toBeGreaterThan(0);
      expect(j.timings.medianNs).toBeGreaterThanOrEqual(j.timings.minNs);
      const reference = npyValues(`${TVM}/${fixture}/${module}.output.0.npy`);
      // The shape TVM's executor gave, as recorded in expected.json (read back through TVM).
      const expected = JSON.parse(readFileSync(`${TVM}/${fixture}/expected.json`, 'utf8')).modules[module];
      expect(reference.shape).toEqual(expected.outputs[0].shape);
      expect(j.outputs).toEqual([
        { index: 0, name: 'output', dtype: 'float32', shape: reference.shape, file: join(out, 'output0.npy') },
      ]);
      expect(readdirSync(out)).toEqual(['output0.npy']);
      expect(npyValues(join(out, 'output0.npy')).shape).toEqual(reference.shape);
      expectClose(join(out, 'output0.npy'), `${TVM}/${fixture}/${module}.output.0.npy`);
    });
  }

  it('operator-add-i8: c = a + b[0] with int8 wrap-around (as its TIR says), on our own inputs', () => {
    let seed = 12345;
    const next = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) >> 8) % 256;
    const a = Int8Array.from({ length: 64 }, () => next() - 128);
    const b = Int8Array.from([next() - 128]);
    const file = (name: string, v: Int8Array) => {
      const p = join(tmp, `${name}.npy`);
      writeFileSync(p, encodeNpy({ descr: '|i1', shape: [v.length], data: new Uint8Array(v.buffer) }));
      return p;
    };
    const out = join(tmp, 'add');
    const r = mlf(
      'run',
      `${TVM}/operator-add-i8/model.tar`,
      '--input',
      `a=${file('a', a)}`,
      '--input',
      `b=${file('b', b)}`,
      '--output-dir',
      out,
    );
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^add \(operator\): 1 run, min .+, median .+\n {2}output0 {2}c {2}int8\[64\]/);
    const expected = Int8Array.from(a, (x) => x + (b[0] as number)); // Int8Array wraps like C's (int8_t) cast
    expect(npyValues(join(out, 'output0.npy'))).toEqual({ descr: '|i1', shape: [64], values: Array.from(expected) });
  });

  it('a second run reuses the cached build', () => {
    const r = mlf(
      'run',
      `${TVM}/graph-cnn/model.tar`,
      '--random-inputs',
      '1',
      '--output-dir',
      join(tmp, 'again'),
      '--json',
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).build.cached).toBe(true);
  });
});

describe('every module from one host program', () => {
  it('multi-graph without --module: mod1/ and mod2/ outputs equal TVM and the --module runs', () => {
    const out = join(tmp, 'multi-all');
    const r = mlf(
      'run',
      `${TVM}/multi-graph/model.tar`,
      '--input',
      `mod1:input=${TVM}/multi-graph/mod1.input.input.npy`,
      '--input',
      `mod2:x=${TVM}/multi-graph/mod2.input.x.npy`,
      '--output-dir',
      out,
      '--json',
    );
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.modules.map((m: { module: string }) => m.module)).toEqual(['mod1', 'mod2']);
    expect(j.modules[0].build.dir).toBe(j.modules[1].build.dir); // one program
    expect(readdirSync(out).sort()).toEqual(['mod1', 'mod2']);
    for (const m of ['mod1', 'mod2']) {
      expectClose(join(out, m, 'output0.npy'), `${TVM}/multi-graph/${m}.output.0.npy`);
      expect(
        readFileSync(join(out, m, 'output0.npy')).equals(readFileSync(join(tmp, `multi-graph-${m}`, 'output0.npy'))),
      ).toBe(true);
    }
    const plain = mlf(
      'run',
      `${TVM}/multi-graph/model.tar`,
      '--input',
      `input=${TVM}/multi-graph/mod1.input.input.npy`,
      '--output-dir',
      join(tmp, 'm2'),
    );
    expect(plain.code).toBe(1);
    expect(plain.err).toMatch(/MLF-E501.*with several modules give --input MODULE:NAME=FILE\.npy/);
  });
});

describe('wild archives with complete codegen run on random inputs', () => {
  for (const [path, kind] of COMPLETE_WILD) {
    it(path, () => {
      const out = join(tmp, `wild-${path.split('/')[0]}`);
      const r = mlf('run', `${WILD}/${path}`, '--random-inputs', '7', '--output-dir', out, '--json');
      expect(r.code, r.err).toBe(0);
      const j = JSON.parse(r.out);
      expect(j.kind).toBe(kind);
      expect(existsSync(join(out, 'output0.npy'))).toBe(true);
    });
  }

  it('the same model built two ways gives the same outputs (link-params vs not; graph vs AOT)', () => {
    const out = (p: string) => npyValues(join(tmp, `wild-${p}`, 'output0.npy')).values;
    expect(out('guberti-arduino-ic-v2-graph-linkparams')).toEqual(out('guberti-arduino-ic-v2-graph'));
    expect(out('guberti-arduino-kws-v5-aot-packed')).toEqual(out('guberti-arduino-kws-v4-graph'));
  });
});

describe('errors: a code, a non-zero exit, nothing left but the cache', () => {
  const GRAPH = `${TVM}/graph-cnn/model.tar`;
  const fails = (code: string, ...args: string[]) => {
    const out = join(tmp, `fail-${code}-${Math.random().toString(36).slice(2)}`);
    const r = mlf('run', ...args, '--output-dir', out);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(new RegExp(`^error ${code}`));
    noStack(r.err);
    expect(existsSync(out)).toBe(false);
    expect(leftovers(cache)).toEqual([]);
    return r.err;
  };

  it('wrong input name (E501), missing input (E501)', () => {
    expect(fails('MLF-E501', GRAPH, '--input', `data=${TVM}/graph-cnn/default.input.input.npy`)).toMatch(
      /no input named "data"; its inputs are "input"/,
    );
    expect(fails('MLF-E501', GRAPH)).toMatch(/no value for input "input"/);
  });

  it('wrong shape and wrong dtype (E502)', () => {
    expect(fails('MLF-E502', GRAPH, '--input', `input=${TVM}/aot-mlp/default.input.x.npy`)).toMatch(
      /shape \[1, 64\], the model takes \[1, 3, 16, 16\]/,
    );
    const f64 = join(tmp, 'f64.npy');
    writeFileSync(f64, encodeNpy({ descr: '<f8', shape: [1, 3, 16, 16], data: new Uint8Array(8 * 768) }));
    expect(fails('MLF-E502', GRAPH, '--input', `input=${f64}`)).toMatch(/holds float64, the model takes float32/);
  });

  it('missing compiler (E503)', () => {
    expect(fails('MLF-E503', GRAPH, '--random-inputs', '1', '--cc', '/nonexistent/cc')).toMatch(/\/nonexistent\/cc/);
  });

  it('compile error in generated code (E504) shows the compiler error', () => {
    const files = tarFiles(`${TVM}/aot-mlp/model.tar`);
    files.set(
      'codegen/host/src/default_lib1.c',
      text(`${new TextDecoder().decode(files.get('codegen/host/src/default_lib1.c'))}\nthis is not C;\n`),
    );
    const broken = join(tmp, 'broken.tar');
    writeFileSync(broken, packFiles(files));
    expect(fails('MLF-E504', broken, '--random-inputs', '1')).toMatch(/default_lib1\.c:\d+:\d+: error:/);
  });

  it('archive without codegen (E505)', () => {
    const files = tarFiles(GRAPH);
    for (const p of [...files.keys()]) if (p.startsWith('codegen/')) files.delete(p);
    const bare = join(tmp, 'bare.tar');
    writeFileSync(bare, packFiles(files));
    expect(fails('MLF-E505', bare, '--random-inputs', '1')).toMatch(/no generated code/);
  });

  it('a workspace arena too small for the model: run failure (E506) names the cause', () => {
    const err = fails('MLF-E506', GRAPH, '--random-inputs', '1', '--cflags', '-O1 -DMLF_WORKSPACE_BYTES=64');
    expect(err).toMatch(/exited with status 1:\n.*workspace arena exhausted: an operator asked for 3888 bytes/);
  });

  it('an existing output folder is kept unless --force (E904, checked before building)', () => {
    const out = join(tmp, 'taken');
    expect(mlf('run', GRAPH, '--random-inputs', '1', '--output-dir', out).code).toBe(0);
    const r = mlf('run', GRAPH, '--random-inputs', '1', '--output-dir', out);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/MLF-E904.*already exists/);
  });

  it('usage errors exit 2', () => {
    expect(mlf('run', GRAPH, '--random-inputs', '1', '--repeat', '0', '--output-dir', join(tmp, 'u')).code).toBe(2);
    expect(mlf('run', GRAPH, '--input', 'novalue', '--output-dir', join(tmp, 'u')).code).toBe(2);
    const board = mlf('run', GRAPH, '--target', 'cortex-m4', '--repeat', '3', '--output-dir', join(tmp, 'u'));
    expect(board.code).toBe(2);
    expect(board.err).toMatch(/MLF-E901.*--repeat and --cc are for host runs/);
  });
});
