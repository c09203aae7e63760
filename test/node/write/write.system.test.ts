/**
 * Writers: pack, merge, split, extract-module, convert, export from build outputs, params import.
 * Archives are compared through `mlf inspect --json`, GNU tar and byte equality.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeParams } from '../../../src/core/params/codec.js';
import { json, TVM, tarFiles } from '../../helpers/archive.js';
import { mlfEnv } from '../../helpers/common.js';

const tmp = mkdtempSync(join(tmpdir(), 'mlf-write-'));
let n = 0;
const out = (ext = '.tar') => join(tmp, `out${n++}${ext}`);

const mlf = (args: string[], env: Record<string, string> = {}) => mlfEnv(env, ...args);

function inspect(path: string): any {
  const r = mlf(['inspect', path, '--json']);
  expect(r.code, r.err).toBe(0);
  const j = JSON.parse(r.out);
  delete j.container;
  return j;
}

const FULL = ['graph-cnn', 'aot-mlp', 'mnist-graph', 'multi-graph'].map((f) => join(TVM, f, 'model.tar'));
const WILD = [
  'wild/guberti-arduino-ic-v2-graph/output.tar',
  'wild/guberti-arduino-ic-v2-graph-linkparams/output.tar',
  'wild/guberti-arduino-kws-v4-graph/model.tar',
  'wild/guberti-arduino-kws-v5-aot-packed/model.tar',
  'wild/hannah-magicwand-v7-graph/model.tar',
  'wild/snuvlsi-conv-v7-graph-2inputs/lib_graph_system-lib.tar',
].map((p) => join('test/fixtures', p));

describe('unpack then pack', () => {
  it.each([...FULL, ...WILD])('%s: same inspect report, identical bytes when packed twice', (archive) => {
    const dir = out('');
    expect(mlf(['unpack', archive, '-o', dir]).code).toBe(0);
    const a = out();
    const b = out();
    expect(mlf(['pack', dir, '-o', a]).code).toBe(0);
    expect(mlf(['pack', dir, '-o', b]).code).toBe(0);
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
    expect(inspect(a)).toEqual(inspect(archive));
  });

  it('a TVM archive re-packed keeps every member name and byte; metadata.json differs only in export_datetime', () => {
    const archive = join(TVM, 'multi-graph/model.tar');
    const dest = out();
    expect(mlf(['pack', archive, '-o', dest], { SOURCE_DATE_EPOCH: '1700000000' }).code).toBe(0);
    const before = tarFiles(archive);
    const after = tarFiles(dest);
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    const listing = (p: string) => execFileSync('tar', ['-tf', p], { encoding: 'utf8' }).split('\n').sort();
    expect(listing(dest)).toEqual(listing(archive));
    for (const [path, data] of before)
      if (path !== 'metadata.json') expect(Buffer.from(after.get(path)!).equals(Buffer.from(data)), path).toBe(true);
    const m0 = json(before.get('metadata.json'));
    const m1 = json(after.get('metadata.json'));
    for (const m of Object.values<any>(m1.modules)) expect(m.export_datetime).toBe('2023-11-14 22:13:20Z');
    for (const k of Object.keys(m0.modules)) m1.modules[k].export_datetime = m0.modules[k].export_datetime;
    expect(m1).toEqual(m0);
    // mtimes come from SOURCE_DATE_EPOCH
    expect(execFileSync('tar', ['--utc', '-tvf', dest], { encoding: 'utf8' })).toMatch(/2023-11-14 22:13/);
  });

  it('refuses to pack an invalid folder, and an existing destination without --force', () => {
    const dir = out('');
    mkdirSync(dir);
    writeFileSync(join(dir, 'metadata.json'), '{"version": 8}');
    const r = mlf(['pack', dir, '-o', out()]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/MLF-E103/);
    const dest = out();
    writeFileSync(dest, 'keep me');
    expect(mlf(['pack', join(TVM, 'graph-cnn/model.tar'), '-o', dest]).err).toMatch(/MLF-E904/);
    expect(readFileSync(dest, 'utf8')).toBe('keep me');
  });

  it.each(['.tgz', '.tar.gz', '.tar.zst'])('compressed %s output reads back with GNU tar and with mlf', (ext) => {
    const dest = out(ext);
    expect(mlf(['pack', join(TVM, 'graph-cnn/model.tar'), '-o', dest]).code).toBe(0);
    const flag = ext === '.tar.zst' ? '--zstd' : '-z';
    expect(execFileSync('tar', [flag, '-tf', dest], { encoding: 'utf8' })).toMatch(/\.\/parameters\/default\.params/);
    expect(inspect(dest)).toEqual(inspect(join(TVM, 'graph-cnn/model.tar')));
  });
});

describe('merge, split, extract-module', () => {
  it('merge(split(x)) equals x for the multi-module fixture', () => {
    const archive = join(TVM, 'multi-graph/model.tar');
    const dir = out('');
    expect(mlf(['split', archive, '-o', dir]).code).toBe(0);
    const merged = out();
    const r = mlf(['merge', join(dir, 'mod1.tar'), join(dir, 'mod2.tar'), '-o', merged]);
    expect(r.code).toBe(0);
    // TVM's own multi-module output defines the system-lib entry point twice: reported, not fatal.
    expect(r.err).toMatch(/MLF-W109[\s\S]*TVMSystemLibEntryPoint/);
    expect(inspect(merged)).toEqual(inspect(archive));
    const one = out();
    expect(mlf(['extract-module', archive, '--module', 'mod2', '-o', one]).code).toBe(0);
    expect(Object.keys(inspect(one).modules)).toEqual(['mod2']);
    expect(inspect(one).modules.mod2).toEqual(inspect(archive).modules.mod2);
  });

  it('merging two single-module fixtures with distinct names validates clean', () => {
    const merged = out();
    expect(
      mlf(['merge', join(TVM, 'graph-cnn/model.tar'), join(TVM, 'mnist-graph/model.tar'), '-o', merged]).code,
    ).toBe(0);
    const v = JSON.parse(mlf(['validate', merged, '--json']).out);
    expect(v.errors).toBe(0);
    expect(Object.keys(inspect(merged).modules)).toEqual(['default', 'mnist']);
  });

  it('clashing module names fail with MLF-E411 unless renamed; symbol clashes are reported', () => {
    const a = join(TVM, 'graph-cnn/model.tar');
    const b = join(TVM, 'aot-mlp/model.tar');
    const dest = out();
    const r = mlf(['merge', a, b, '-o', dest]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/MLF-E411.*"default"/);
    const ok = mlf(['merge', a, b, '--rename', 'default=mlp', '-o', dest]);
    expect(ok.code).toBe(0);
    // The renamed module's C symbols and header are renamed too, so nothing clashes any more.
    expect(ok.err).not.toMatch(/MLF-W109/);
    const report = inspect(dest);
    expect(Object.keys(report.modules)).toEqual(['default', 'mlp']);
    expect(report.modules.mlp.codegen.sources.map((s: any) => s.path)).toEqual([
      'codegen/host/src/mlp_lib0.c',
      'codegen/host/src/mlp_lib1.c',
    ]);
    expect(report.modules.mlp.codegen.headers.map((s: any) => s.path)).toEqual(['codegen/host/include/tvmgen_mlp.h']);
  });

  it('two modules writing different bytes at one path fail with MLF-E412', () => {
    const dest = out();
    // Both AOT modules named default carry codegen/host/include/tvmgen_default.h with different content.
    const split = out('');
    mlf(['split', join(TVM, 'aot-mlp/model.tar'), '-o', split]);
    // A header that is not named after the module keeps its path when the module is renamed.
    const folder = (text: string) => {
      const files = tarFiles(join(split, 'default.tar'));
      files.set('codegen/host/include/common.h', new TextEncoder().encode(text));
      const dir = out('');
      mkdirSync(dir);
      for (const [p, d] of files) {
        mkdirSync(join(dir, p, '..'), { recursive: true });
        writeFileSync(join(dir, p), d);
      }
      return dir;
    };
    const r = mlf(['merge', folder('/* one */'), folder('/* other */'), '--rename', 'default=b', '-o', dest]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/MLF-E412.*common\.h/);
  });
});

describe('convert', () => {
  it.each(['graph-cnn', 'aot-mlp', 'mnist-graph', 'operator-add-i8'])('%s: v7 → v6 → v7 round-trips', (name) => {
    const archive = join(TVM, name, 'model.tar');
    const v6 = out();
    const v7 = out();
    expect(mlf(['convert', archive, '--to-version', '6', '-o', v6]).code).toBe(0);
    expect(inspect(v6).version).toBe(6);
    expect(JSON.parse(mlf(['validate', v6, '--json']).out).errors).toBe(0);
    expect(mlf(['convert', v6, '--to-version', '7', '-o', v7]).code).toBe(0);
    expect(inspect(v7)).toEqual(inspect(archive));
  });

  it('a multi-module archive cannot become version 6 (MLF-E413)', () => {
    const r = mlf(['convert', join(TVM, 'multi-graph/model.tar'), '--to-version', '6', '-o', out()]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/MLF-E413.*mod1, mod2/);
  });

  it.each([...WILD.slice(0, 4), 'test/fixtures/wild/linaro-sine-aot-v5-extdeps'])(
    '%s upgrades to v7 and validates clean',
    (archive) => {
      const dest = out();
      expect(mlf(['convert', archive, '--to-version', '7', '-o', dest]).code).toBe(0);
      const v = JSON.parse(mlf(['validate', dest, '--json']).out);
      expect(v.errors).toBe(0);
      const before = inspect(archive);
      const after = inspect(dest);
      expect(after.version).toBe(7);
      const m0 = before.modules.default;
      const m1 = after.modules.default;
      expect(m1.params).toEqual(m0.params);
      expect(m1.graph).toEqual(m0.graph);
      expect(m1.inputs).toEqual(m0.inputs);
      expect(m1.outputs).toEqual(m0.outputs);
      expect(m1.targets).toEqual(m0.targets);
      expect(m1.codegen.sources.map((s: any) => s.path)).toEqual(
        m0.codegen.sources.map((s: any) => s.path.replace(/\/lib(\d)/, '/default_lib$1')),
      );
    },
  );
});

describe('export from build outputs', () => {
  it('mlf pack --manifest and the one-module flags write archives that validate and read identically', () => {
    const src = out('');
    mkdirSync(src);
    const files = tarFiles(join(TVM, 'graph-cnn/model.tar'));
    for (const [p, d] of files) writeFileSync(join(src, p.replaceAll('/', '_')), d);
    const manifest = join(src, 'build.json');
    const meta = json(files.get('metadata.json')).modules.default;
    writeFileSync(
      manifest,
      JSON.stringify({
        modules: [
          {
            name: 'default',
            executor: 'graph',
            targets: meta.target,
            runtime: 'crt',
            graph: 'executor-config_graph_default.graph',
            params: 'parameters_default.params',
            codegen: ['codegen_host_src_default_lib0.c', 'codegen_host_src_default_lib1.c'],
            relay: 'src_default.relay',
            memory: { operatorFunctions: meta.memory.functions.operator_functions },
          },
        ],
      }),
    );
    const env = { SOURCE_DATE_EPOCH: '1700000000' };
    const a = out('.tar.zst');
    const b = out('.tar.zst');
    expect(mlf(['pack', '--manifest', manifest, '-o', a], env).code).toBe(0);
    expect(mlf(['pack', '--manifest', manifest, '-o', b], env).code).toBe(0);
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
    expect(JSON.parse(mlf(['validate', a, '--json']).out).errors).toBe(0);
    const original = inspect(join(TVM, 'graph-cnn/model.tar'));
    const packed = inspect(a);
    expect(packed.modules.default.exportDatetime).toBe('2023-11-14 22:13:20Z');
    packed.modules.default.exportDatetime = original.modules.default.exportDatetime;
    expect(packed).toEqual(original);

    const c = out();
    const flags = [
      '--name',
      'default',
      '--executor',
      'graph',
      '--target',
      meta.target[0],
      '--graph',
      join(src, 'executor-config_graph_default.graph'),
    ];
    flags.push(
      '--params',
      join(src, 'parameters_default.params'),
      '--src',
      join(src, 'codegen_host_src_default_lib0.c'),
      '--src',
      join(src, 'codegen_host_src_default_lib1.c'),
    );
    expect(mlf(['pack', ...flags, '-o', c]).code).toBe(0);
    expect(inspect(c).modules.default.graph).toEqual(original.modules.default.graph);
    const bad = mlf(['pack', '--manifest', join(src, 'parameters_default.params'), '-o', out()]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/MLF-E414/);
  });
});

describe('params import', () => {
  it('export → import keeps every tensor (name, dtype, shape, bytes)', () => {
    const archive = join(TVM, 'mnist-graph/model.tar');
    for (const form of ['.npz', '']) {
      const exported = out(form);
      expect(mlf(['params', 'export', archive, '--to', exported]).code).toBe(0);
      const params = out('.params');
      expect(mlf(['params', 'import', exported, '-o', params]).code).toBe(0);
      const orig = decodeParams(tarFiles(archive).get('parameters/mnist.params')!).tensors;
      const back = new Map(decodeParams(new Uint8Array(readFileSync(params))).tensors.map((t) => [t.name, t]));
      expect(back.size).toBe(orig.length);
      for (const t of orig) {
        const b = back.get(t.name)!;
        expect([b.dtypeName, b.shape]).toEqual([t.dtypeName, t.shape]);
        expect(Buffer.from(b.data).equals(Buffer.from(t.data))).toBe(true);
      }
    }
  });
});
