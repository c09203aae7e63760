/**
 * `mlf project`: deterministic, self-contained C projects that build with make and CMake, gcc and
 * clang, warning-free for our files; every wild archive with complete codegen builds.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeNpy } from '../../../src/core/params/npy.js';
import { TVM, tarFiles } from '../../helpers/archive.js';
import { cli, COMPLETE_WILD, exec, tempDir, treeFiles, WILD } from '../../helpers/runner.js';

const tmp = tempDir('mlf-project-');
const cache = tempDir('mlf-project-cache-');
const mlf = cli(cache);
afterAll(() => {
  for (const d of [tmp, cache]) rmSync(d, { recursive: true, force: true });
});
const GRAPH = `${TVM}/graph-cnn/model.tar`;

function project(archive: string, name: string, ...flags: string[]): string {
  const dir = join(tmp, name);
  const r = mlf('project', archive, '-o', dir, ...flags);
  expect(r.code, r.err).toBe(0);
  return dir;
}

/** Runs a built program on a reference input and compares its raw output with TVM's. */
function expectReference(binary: string, cwd: string, fixture: string, input: string, params: string[] = []): void {
  const bin = join(tmp, `${fixture}-${input}.bin`);
  writeFileSync(bin, decodeNpy(new Uint8Array(readFileSync(`${TVM}/${fixture}/default.input.${input}.npy`))).data);
  const out = join(tmp, `out-${Math.random().toString(36).slice(2)}`);
  mkdirSync(out);
  const r = exec(binary, [...params, '-i', bin, '-o', out, '-n', '2'], cwd);
  expect(r.code, r.err).toBe(0);
  expect(JSON.parse(r.out)).toMatchObject({ module: 'default', repeat: 2 });
  const expected = decodeNpy(new Uint8Array(readFileSync(`${TVM}/${fixture}/default.output.0.npy`))).data;
  expect(Buffer.from(readFileSync(join(out, 'output0.bin'))).equals(Buffer.from(expected))).toBe(true);
}

describe('generation', () => {
  it('is deterministic: the same archive gives byte-identical projects', () => {
    const a = treeFiles(project(GRAPH, 'det-a'));
    const b = treeFiles(project(GRAPH, 'det-b'));
    expect([...a.keys()]).toEqual([...b.keys()]);
    for (const [p, bytes] of a) expect(bytes.equals(b.get(p) as Buffer), p).toBe(true);
    const c = treeFiles(project(GRAPH, 'det-c', '--embed-params'));
    const d = treeFiles(project(GRAPH, 'det-d', '--embed-params'));
    for (const [p, bytes] of c) expect(bytes.equals(d.get(p) as Buffer), p).toBe(true);
  });

  it('copies the codegen unchanged and the templates as they are, with placeholders filled', () => {
    const files = treeFiles(join(tmp, 'det-a'));
    const archive = tarFiles(GRAPH);
    for (const p of [
      'codegen/host/src/default_lib0.c',
      'codegen/host/src/default_lib1.c',
      'parameters/default.params',
    ]) {
      expect(files.get(`model/${p}`)?.equals(archive.get(p) as Uint8Array)).toBe(true);
    }
    for (const [p, bytes] of treeFiles('templates/runtime'))
      expect(files.get(`runtime/${p}`)?.equals(bytes), p).toBe(true);
    expect(files.get('main.c')?.equals(readFileSync('templates/host/main.c'))).toBe(true);
    for (const [p, bytes] of files)
      if (!p.startsWith('model/')) expect(bytes.toString('utf8'), p).not.toMatch(/@MLF_[A-Z_]+@/);
    expect(files.get('Makefile')?.toString()).toMatch(
      /CODEGEN_SOURCES := model\/codegen\/host\/src\/default_lib0\.c model\/codegen\/host\/src\/default_lib1\.c\n/,
    );
    expect(JSON.parse(files.get('mlf-project.json')?.toString() ?? '')).toMatchObject({
      template: 'host',
      board: null,
      modules: [{ module: 'default', kind: 'graph', params: 'model/parameters/default.params', plan: 'model_plan.c' }],
    });
    const plan = files.get('model_plan.c')?.toString() ?? '';
    expect(plan).toMatch(/static uint8_t storage_0\[3072\] MLF_ALIGNED\(64\);/);
    expect(plan.match(/ != 0\) return failed\(/g)).toHaveLength(9); // one packed call per tvm_op node
  });

  it('refuses an existing folder without --force (E904) and archives it cannot build (E101 for codegen-only folders)', () => {
    const r = mlf('project', GRAPH, '-o', join(tmp, 'det-a'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/MLF-E904/);
    for (const d of ['octoml-mlperftiny-kws-cmsisnn-codegen-only', 'kobeyu-nms-standalone-graph']) {
      const out = join(tmp, d);
      const x = mlf('project', `${WILD}/${d}`, '-o', out);
      expect(x.code).toBe(1);
      expect(x.err).toMatch(/MLF-E101.*metadata\.json is missing/);
      expect(existsSync(out)).toBe(false);
    }
  });
});

describe('building', () => {
  it('graph-cnn with make and gcc (-Wall -Wextra -Werror on our files) reproduces TVM', () => {
    const dir = join(tmp, 'det-a');
    const r = exec('make', ['-j2'], dir);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/-std=c11 -Wall -Wextra -Werror -c model_plan\.c/);
    expect(r.err).not.toMatch(/warning/);
    expectReference(join(dir, 'build/mlf_model'), dir, 'graph-cnn', 'input', ['-p', 'model/parameters/default.params']);
  });

  it('with clang, and with params compiled in', () => {
    const dir = join(tmp, 'det-c');
    const r = exec('make', ['-j2', 'CC=clang'], dir);
    expect(r.code, r.err).toBe(0);
    expect(r.err).not.toMatch(/warning/);
    expect(existsSync(join(dir, 'model/parameters'))).toBe(false);
    expectReference(join(dir, 'build/mlf_model'), dir, 'graph-cnn', 'input');
  });

  it('with CMake (AOT, C interface)', () => {
    const dir = project(`${TVM}/aot-mlp/model.tar`, 'aot-cmake');
    expect(exec('cmake', ['-S', '.', '-B', 'build-cmake'], dir).code).toBe(0);
    const r = exec('cmake', ['--build', 'build-cmake', '-j2'], dir);
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out + r.err).not.toMatch(/warning/);
    expectReference(join(dir, 'build-cmake/mlf_model'), dir, 'aot-mlp', 'x');
  });

  it('the cmake-lib template builds a static library', () => {
    const dir = project(`${TVM}/mnist-graph/model.tar`, 'lib', '--template', 'cmake-lib');
    expect(existsSync(join(dir, 'main.c'))).toBe(false);
    expect(exec('cmake', ['-S', '.', '-B', 'b'], dir).code).toBe(0);
    const r = exec('cmake', ['--build', 'b', '-j2'], dir);
    expect(r.code, r.out + r.err).toBe(0);
    expect(existsSync(join(dir, 'b/libmlf_model.a'))).toBe(true);
  });

  for (const [path] of COMPLETE_WILD) {
    it(`wild: ${path} builds with make`, () => {
      const dir = project(`${WILD}/${path}`, `wild-${path.split('/')[0]}`);
      const r = exec('make', ['-j2', 'CFLAGS=-O0'], dir);
      expect(r.code, r.err).toBe(0);
      expect(existsSync(join(dir, 'build/mlf_model'))).toBe(true);
    });
  }
});
