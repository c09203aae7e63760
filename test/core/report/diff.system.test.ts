/**
 * `mlf diff` through the built CLI, beside `diffArchives`: fixture pairs, and archives changed
 * inside the tests (one module added, workspace grown, an output renamed, the markdown comment).
 * Expected figures come from the edits and from the fixtures' expected.json / metadata.json, never
 * from our own output. The cases without the CLI: diff.test.ts.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderDiffMarkdown } from '../../../src/core/report/diff-render.js';
import { json, TVM, tarFiles } from '../../helpers/archive.js';
import { mlf } from '../../helpers/common.js';
import {
  changeParam,
  diff,
  edited,
  GRAPH,
  growWorkspace,
  MNIST,
  MULTI,
  renameOutput,
  WORKSPACE,
} from '../../helpers/diff.js';

const tmp = mkdtempSync(join(tmpdir(), 'mlf-diff-'));
const expected = (f: string) => JSON.parse(readFileSync(`${TVM}/${f}/expected.json`, 'utf8')).modules;
let n = 0;
const save = (bytes: Uint8Array) => {
  const p = join(tmp, `a${n++}.tar`);
  writeFileSync(p, bytes);
  return p;
};

describe('fixture pairs', () => {
  it('a fixture against itself: no differences', async () => {
    for (const f of [GRAPH, MULTI, `${TVM}/aot-mlp/model.tar`]) expect((await diff(f, f)).identical).toBe(true);
    const r = mlf('diff', GRAPH, GRAPH);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Summary: no differences \(1 module compared, 0 added, 0 removed\)/);
  });

  it('graph-cnn vs multi-graph --module mod1: the same model (interface, memory, graph); the weights were drawn separately', async () => {
    const r = await diff(GRAPH, MULTI, 'mod1');
    expect(r.notes).toEqual(['A has no module "mod1"; comparing its only module "default"']);
    const m = r.modules[0]!;
    expect([m.name, m.nameB]).toEqual(['default', 'mod1']);
    expect(m.interface).toEqual([]);
    expect(m.executors.added.concat(m.executors.removed, m.targets.added, m.targets.removed)).toEqual([]);
    expect(m.memory.devices.every((d) => d.workspace.delta === 0 && d.io.delta === 0 && d.constants.delta === 0)).toBe(
      true,
    );
    expect(m.graph).toMatchObject({ nodes: { delta: 0 }, operatorsAdded: [], operatorsRemoved: [] });
    // Params: same names, dtypes and shapes; a value change exactly where expected.json's SHA-256 differ.
    const [pa, pb] = [expected('graph-cnn').default.params, expected('multi-graph').mod1.params];
    const differing = Object.keys(pa)
      .filter((k) => pa[k].sha256 !== pb[k].sha256)
      .sort();
    expect(m.params!.changed.map((p) => [p.name, p.change])).toEqual(differing.map((k) => [k, 'values']));
    expect(m.params!.unchanged).toBe(Object.keys(pa).length - differing.length);
    // Codegen files are matched across the module rename (default_lib0.c ↔ mod1_lib0.c).
    expect(m.codegen.changed.map((c) => [c.path, c.pathB, c.change])).toEqual([
      ['codegen/host/src/default_lib0.c', 'codegen/host/src/mod1_lib0.c', 'changed'],
      ['codegen/host/src/default_lib1.c', 'codegen/host/src/mod1_lib1.c', 'changed'],
    ]);
    expect(mlf('diff', GRAPH, MULTI, '--module', 'mod1').code).toBe(0);
  });

  it('graph-cnn vs mnist-graph: one module each, compared and said so; many differences', async () => {
    const r = await diff(GRAPH, MNIST);
    expect(r.notes).toEqual(['comparing module "default" of A with module "mnist" of B (each archive has one module)']);
    expect([r.added, r.removed, r.identical]).toEqual([[], [], false]);
    const m = r.modules[0]!;
    const [ea, eb] = [expected('graph-cnn').default, expected('mnist-graph').mnist];
    expect(m.interface.filter((c) => c.kind === 'input').map((c) => [c.change, c.key])).toEqual([
      ...Object.keys(ea.inputs).map((k) => ['removed', k]),
      ...Object.keys(eb.inputs).map((k) => ['added', k]),
    ]);
    const added = Object.keys(eb.params).filter((k) => !(k in ea.params));
    const reshaped = Object.keys(ea.params).filter(
      (k) => k in eb.params && JSON.stringify(ea.params[k].shape) !== JSON.stringify(eb.params[k].shape),
    );
    expect(
      m
        .params!.changed.filter((p) => p.change === 'added')
        .map((p) => p.name)
        .sort(),
    ).toEqual(added.sort());
    expect(
      m
        .params!.changed.filter((p) => p.change === 'shape')
        .map((p) => p.name)
        .sort(),
    ).toEqual(reshaped.sort());
    const strip = (ops: string[], mod: string) => ops.map((o) => o.replace(`tvmgen_${mod}_`, ''));
    const opsA = strip(ea.graph.func_names, 'default');
    const opsB = strip(eb.graph.func_names, 'mnist');
    expect(strip(m.graph!.operatorsAdded, 'mnist')).toEqual(opsB.filter((o) => !opsA.includes(o)));
    expect(strip(m.graph!.operatorsRemoved, 'default')).toEqual(opsA.filter((o) => !opsB.includes(o)));
    expect(m.graph!.nodes).toMatchObject({
      a: ea.graph.num_nodes,
      b: eb.graph.num_nodes,
      delta: eb.graph.num_nodes - ea.graph.num_nodes,
    });
    const wsB = json(tarFiles(MNIST).get('metadata.json')).modules.mnist.memory.functions.main[0].workspace_size_bytes;
    expect(m.memory.devices[0]!.workspace).toEqual({
      a: WORKSPACE,
      b: wsB,
      delta: wsB - WORKSPACE,
      percent: ((wsB - WORKSPACE) / WORKSPACE) * 100,
    });
    const text = mlf('diff', GRAPH, MNIST);
    expect(text.code).toBe(0);
    expect(text.out.indexOf('Regressions')).toBeLessThan(text.out.indexOf('Other changes'));
    expect(text.out.trim().split('\n').at(-1)).toMatch(/^Summary: \d+ regressions, \d+ other changes/);
  });
});

describe('archives changed in the test', () => {
  it('one module added by mlf merge; removed the other way round (a regression)', async () => {
    const mod2 = join(tmp, 'mod2.tar');
    const merged = join(tmp, 'merged.tar');
    expect(mlf('extract-module', MULTI, '--module', 'mod2', '-o', mod2).code).toBe(0);
    expect(mlf('merge', GRAPH, mod2, '-o', merged).code).toBe(0);
    const r = await diff(GRAPH, merged);
    expect([r.added, r.removed, r.modules.map((m) => m.name), r.notes]).toEqual([['mod2'], [], ['default'], []]);
    expect(r.identical).toBe(false);
    expect((await diff(GRAPH, merged, 'default')).identical).toBe(true);
    const back = mlf('diff', merged, GRAPH);
    expect(back.out).toMatch(/Regressions \(1\):\n {2}module mod2 removed/);
    expect(JSON.parse(mlf('diff', merged, GRAPH, '--json').out)).toMatchObject({
      a: merged,
      b: GRAPH,
      removed: ['mod2'],
      added: [],
    });
  });

  it('workspace grown by 1024 bytes: exact absolute and percentage delta, reported as a regression', async () => {
    const r = await diff(GRAPH, edited(growWorkspace));
    const ws = r.modules[0]!.memory.devices[0]!.workspace;
    expect(ws).toEqual({ a: WORKSPACE, b: WORKSPACE + 1024, delta: 1024, percent: (1024 / WORKSPACE) * 100 });
    const out = mlf('diff', GRAPH, save(edited(growWorkspace))).out;
    const pct = ((1024 / WORKSPACE) * 100).toFixed(2);
    expect(out).toContain(`Regressions (1):\n  default: workspace (device 1): ${WORKSPACE} B`);
    expect(out).toContain(`(+1024 B, +${pct}%)`);
    expect(out.trim().split('\n').at(-1)).toBe(
      'Summary: 1 regression, 0 other changes (1 module compared, 0 added, 0 removed)',
    );
  });

  it('an output renamed: an interface change', async () => {
    const r = await diff(GRAPH, edited(renameOutput));
    expect(r.modules[0]!.interface).toEqual([
      {
        kind: 'output',
        change: 'changed',
        key: '0',
        fields: ['name'],
        a: { name: 'output', dtype: 'float32', shape: [1, 10] },
        b: { name: 'logits', dtype: 'float32', shape: [1, 10] },
      },
    ]);
    expect(mlf('diff', GRAPH, save(edited(renameOutput))).out).toMatch(
      /Regressions \(1\):\n {2}default: output 0 \(output\): renamed output → logits/,
    );
  });

  it('markdown for a pull-request comment (snapshot)', async () => {
    const head = edited((files, meta) => {
      changeParam(files);
      growWorkspace(files, meta);
      renameOutput(files, meta);
    });
    const md = renderDiffMarkdown(await diff(GRAPH, head), { a: 'main/model.tar', b: 'pr/model.tar' });
    await expect(md).toMatchFileSnapshot('__snapshots__/diff.md');
    expect(mlf('diff', GRAPH, save(head), '--markdown').out.trim()).toBe(
      md.replace('main/model.tar', GRAPH).replace('pr/model.tar', join(tmp, `a${n - 1}.tar`)),
    );
  });
});

describe('usage', () => {
  it('--json with --markdown is a usage error (2); an unknown module exits 1 with E903; no stack traces', () => {
    const both = mlf('diff', GRAPH, GRAPH, '--json', '--markdown');
    expect(both.code).toBe(2);
    // Under --json the error is a JSON document on stdout.
    expect(JSON.parse(both.out).error.code).toBe('MLF-E901');
    const none = mlf('diff', MULTI, MULTI, '--module', 'mod9');
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/MLF-E903.*"mod1", "mod2"/);
    expect(both.err + none.err).not.toMatch(/\n\s+at .+:\d+:\d+/);
    expect(mlf('diff', GRAPH).code).toBe(2);
    // A folder without metadata.json has no modules: an error, not "no differences".
    const bare = mlf('diff', 'test/fixtures/wild/octoml-mlperftiny-kws-cmsisnn-codegen-only', GRAPH);
    expect([bare.code, /MLF-E101/.test(bare.err)]).toEqual([1, true]);
  });
});
