/**
 * Names never become code, shell or build-file text (issue 13, items 6 and 7): a graph
 * func_name, a node name or a module name from the archive is checked before it reaches
 * generated C, a Makefile or CMakeLists.txt, and `validate` reports it with a code. Each hostile
 * case here once compiled and ran attacker C (a `touch PWNED`) or ran a shell command.
 */
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { packFiles, text, TVM, tarFiles } from '../../helpers/archive.js';
import { encodeNpy } from '../../../src/core/params/npy.js';
import { cli, exec, npyValues, tempDir } from '../../helpers/runner.js';
import { graphArchive, graphOf, input, op } from '../../helpers/synth.js';

const tmp = tempDir('mlf-names-');
const cache = tempDir('mlf-names-cache-');
const mlf = cli(cache);
afterAll(() => {
  for (const d of [tmp, cache]) rmSync(d, { recursive: true, force: true });
});

/** Every PWNED file under the folders a hostile build could touch. */
function pwned(): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.name === 'PWNED') found.push(join(d, e.name));
      else if (e.isDirectory()) walk(join(d, e.name));
    }
  };
  for (const d of [tmp, cache]) walk(d);
  if (existsSync('PWNED')) found.push('PWNED');
  return found;
}

const write = (name: string, bytes: Uint8Array) => {
  const p = join(tmp, name);
  writeFileSync(p, bytes);
  return p;
};

const GRAPH_MEMBER = 'executor-config/graph/default.graph';

/** graph-cnn with the softmax node's func_name replaced. */
function withFuncName(func: string): string {
  const files = tarFiles(`${TVM}/graph-cnn/model.tar`);
  const graph = JSON.parse(new TextDecoder().decode(files.get(GRAPH_MEMBER)));
  graph.nodes[13].attrs.func_name = func;
  files.set(GRAPH_MEMBER, text(JSON.stringify(graph, null, 2)));
  return write(`func-${Math.random().toString(36).slice(2)}.tar`, packFiles(files));
}

// The preprocessor makes the same text a declaration plus a constructor at file scope, and a
// plain call inside mlf_model_run: what the old plan compiled and ran.
const CONSTRUCTOR =
  '\n#ifndef PWN\n#define PWN\nx;\n#include <stdlib.h>\n__attribute__((constructor)) static void pwn(void) { system("touch PWNED"); }\n' +
  'int32_t tvmgen_default_fused_nn_softmax\n#else\ntvmgen_default_fused_nn_softmax\n#endif\n';

describe('graph func_name', () => {
  it('that smuggles C into the plan is refused by validate (E408), project and run; nothing runs', () => {
    const archive = withFuncName(CONSTRUCTOR);
    const v = mlf('validate', archive);
    expect(v.code).toBe(1);
    expect(v.out + v.err).toMatch(/MLF-E408[\s\S]*nodes\[13\]\.attrs\.func_name/);
    const p = mlf('project', archive, '-o', join(tmp, 'func-project'));
    expect([p.code, p.err]).toEqual([1, expect.stringMatching(/^error MLF-E408/)]);
    expect(existsSync(join(tmp, 'func-project'))).toBe(false);
    const r = mlf('run', archive, '--random-inputs', '1', '--output-dir', join(tmp, 'func-out'));
    expect([r.code, r.err]).toEqual([1, expect.stringMatching(/^error MLF-E408/)]);
    expect(pwned()).toEqual([]);
  });

  it.each([
    ['system', 'MLF-E409'],
    ['abort', 'MLF-E409'],
    ['constructor', 'MLF-E409'],
    ['__proto__', 'MLF-E408'],
    ['prototype', 'MLF-E409'],
    ['int', 'MLF-E408'],
    ['a-b', 'MLF-E408'],
    ['', 'MLF-E408'],
  ])('%j, a name the module does not define or no C identifier, is %s', (func, code) => {
    const archive = withFuncName(func);
    const v = mlf('validate', archive, '--json');
    const codes = JSON.parse(v.out).diagnostics.map((d: { code: string }) => d.code);
    expect(codes).toContain(code);
    const r = mlf('run', archive, '--random-inputs', '1', '--output-dir', join(tmp, `x-${Math.random()}`));
    expect([r.code, r.err]).toEqual([1, expect.stringMatching(new RegExp(`^error ${code}`))]);
  });

  it('a real func_name the module defines is accepted (graph-cnn validates and its plan declares it)', () => {
    expect(mlf('validate', `${TVM}/graph-cnn/model.tar`).code).toBe(0);
  });
});

/** Copies x (float32[4]) through a __copy node into y, then `my_op` copies y into z (the output). */
function copyGraph(copyName: string) {
  const graph = graphOf({
    nodes: [input('x'), op(copyName, '__copy', [0]), op('z', 'my_op', [1])],
    entries: [
      [[4], 'float32', 0],
      [[4], 'float32', 1],
      [[4], 'float32', 2],
    ],
    heads: [[2, 0, 0]],
  });
  const source = `#include <stdint.h>
#include <string.h>
typedef union { void* v_handle; int64_t v_int64; double v_float64; } value;
/* Packed ABI: args[i].v_handle is a DLTensor*, whose first field is its data pointer. */
int32_t my_op(value* args, int32_t* codes, int32_t n, void* r, int32_t* rc, void* h) {
  memcpy(*(void**)args[1].v_handle, *(void**)args[0].v_handle, 16);
  return 0;
}
`;
  return graphArchive(graph, source);
}

describe('node names in comments', () => {
  it('a __copy node named to close its comment stays a comment (runs, no PWNED, output = input)', () => {
    const name = 'c */ { extern int system(const char*); system("touch PWNED"); } /* c';
    const archive = write('comment.tar', copyGraph(name));
    expect(mlf('validate', archive).code).toBe(0);
    const dir = join(tmp, 'comment-project');
    expect(mlf('project', archive, '-o', dir).code).toBe(0);
    const plan = readFileSync(join(dir, 'model_plan.c'), 'utf8');
    expect(plan).toContain(
      '/* node 1 c *\\/ { extern int system(const char*); system("touch PWNED"); } /\\* c: __copy */',
    );
    const input = write(
      'x.npy',
      encodeNpy({ descr: '<f4', shape: [4], data: new Uint8Array(new Float32Array([1, 2, 3, 4]).buffer) }),
    );
    const r = mlf('run', archive, '--input', `x=${input}`, '--output-dir', join(tmp, 'comment-out'));
    expect(r.code, r.err).toBe(0);
    expect(npyValues(join(tmp, 'comment-out', 'output0.npy')).values).toEqual([1, 2, 3, 4]);
    expect(pwned()).toEqual([]);
  });
});

/** graph-cnn with its module (metadata key, model_name, graph, params and Relay files) renamed. */
function renamedModule(name: string): string {
  const files = tarFiles(`${TVM}/graph-cnn/model.tar`);
  const meta = JSON.parse(new TextDecoder().decode(files.get('metadata.json')));
  meta.modules = { [name]: { ...meta.modules.default, model_name: name } };
  files.set('metadata.json', text(JSON.stringify(meta, null, 2)));
  for (const [from, to] of [
    [GRAPH_MEMBER, `executor-config/graph/${name}.graph`],
    ['parameters/default.params', `parameters/${name}.params`],
    ['src/default.relay', `src/${name}.relay`],
  ] as const) {
    const data = files.get(from);
    files.delete(from);
    if (data !== undefined) files.set(to, data);
  }
  return write(`module-${Math.random().toString(36).slice(2)}.tar`, packFiles(files));
}

describe('module names', () => {
  it('x;touch PWNED; is reported by validate (E408) and never reaches a Makefile', () => {
    const archive = renamedModule('x;touch PWNED;');
    const v = mlf('validate', archive);
    expect(v.code).toBe(1);
    expect(v.out + v.err).toMatch(/MLF-E408[\s\S]*module name "x;touch PWNED;"/);
    const dir = join(tmp, 'module-project');
    const p = mlf('project', archive, '-o', dir);
    expect([p.code, p.err]).toEqual([1, expect.stringMatching(/^error MLF-E408/)]);
    expect(existsSync(dir)).toBe(false);
    expect(pwned()).toEqual([]);
  });

  it.each(['a b', 'a$(id)', 'a`id`', "a'b", 'a"b', 'a#b', 'a%b', 'ä', '-rf', '.hidden'])(
    '%j is refused by project (E408)',
    (name) => {
      const r = mlf('project', renamedModule(name), '-o', join(tmp, `m-${Math.random()}`));
      expect([r.code, r.err]).toEqual([1, expect.stringMatching(/^error MLF-E408/)]);
    },
  );

  it('names TVM sanitises (dots, dashes) build and run: the Makefile and CMakeLists take them as they are', () => {
    const archive = renamedModule('my-model.v2');
    expect(mlf('validate', archive).code).toBe(0);
    const dir = join(tmp, 'dashes');
    expect(mlf('project', archive, '-o', dir).code).toBe(0);
    expect(readFileSync(join(dir, 'Makefile'), 'utf8')).toContain(
      './$(BUILD)/mlf_model -p model/parameters/my-model.v2.params',
    );
    const r = exec('make', ['-j2', 'run'], dir);
    expect(r.code, r.err).toBe(0);
    expect(exec('cmake', ['-S', '.', '-B', 'cm'], dir).code).toBe(0);
  });
});
