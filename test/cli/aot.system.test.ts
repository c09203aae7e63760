/**
 * AOT modules through the CLI: `mlf graph` lists the calls of `__tvm_main__` (checked against a
 * line scan of the C), `inspect` and `diff` see AOT operators, and the validate, convert and
 * params gaps found on wild archives, each on a synthetic archive made from a real one.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packFiles, text, TVM, tarFiles } from '../helpers/archive.js';

const tmp = mkdtempSync(join(tmpdir(), 'mlf-aot-cli-'));
const WILD = 'test/fixtures/wild';

function mlf(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/mlf.js', ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const write = (name: string, files: Map<string, Uint8Array>) => {
  const p = join(tmp, name);
  writeFileSync(p, packFiles(files));
  return p;
};
const decode = (b: Uint8Array | undefined) => new TextDecoder().decode(b);

/** The C sources of a fixture by path. */
function cFiles(fixture: string): Map<string, string> {
  if (fixture.endsWith('.tar')) {
    return new Map([...tarFiles(fixture)].filter(([p]) => p.endsWith('.c')).map(([p, b]) => [p, decode(b)]));
  }
  const dir = join(fixture, 'codegen/host/src');
  return new Map(readdirSync(dir).map((f) => [`codegen/host/src/${f}`, readFileSync(join(dir, f), 'utf8')]));
}

/** Independent of the tokenizer: the callees of the lines between the main's `{` line and the next line that is `}`. */
function scanCalls(fixture: string, main: string): string[] {
  for (const t of cFiles(fixture).values()) {
    const lines = t.split('\n');
    const start = lines.findIndex((l) => l.includes(`${main}(`) && l.trimEnd().endsWith('{'));
    if (start < 0) continue;
    const body = lines.slice(start + 1, lines.indexOf('}', start));
    return body.flatMap((l) => [...l.matchAll(/\b(tvmgen_\w+)\s*\(/g)].map((m) => m[1] as string));
  }
  throw new Error(`no ${main}`);
}

const AOT = [
  [`${TVM}/aot-mlp/model.tar`, 'tvmgen_default___tvm_main__'],
  [`${TVM}/mnist-aot-usmp/model.tar`, 'tvmgen_mnist___tvm_main__'],
  [`${WILD}/guberti-arduino-kws-v5-aot-packed/model.tar`, 'tvmgen_default_run_model'],
  [`${WILD}/linaro-sine-aot-v5-extdeps`, 'tvmgen_default___tvm_main__'],
  [`${WILD}/octoml-mlperftiny-kws-cmsisnn-codegen-only`, 'tvmgen_default___tvm_main__'],
] as const;

describe('mlf graph on every AOT module of the fixtures', () => {
  for (const [fixture, main] of AOT) {
    it(fixture, () => {
      const r = mlf('graph', fixture, '--format', 'json');
      expect(r.code, r.err).toBe(0);
      const g = JSON.parse(r.out);
      const calls = scanCalls(fixture, main);
      expect(g.executor).toBe('aot');
      expect(g.aot.function).toBe(main);
      expect(g.aot.calls.map((c: { callee: string }) => c.callee)).toEqual(calls);
      // The op nodes are the calls, in order.
      expect(
        g.nodes.filter((n: { kind: string }) => n.kind === 'op').map((n: { funcName: string }) => n.funcName),
      ).toEqual(calls);
      // Every buffer a call writes has a size; pool slices have their offsets.
      for (const c of g.aot.calls) {
        for (const a of c.args.filter((x: { role: string }) => x.role === 'write')) {
          const b = g.aot.buffers[a.buffer];
          if (b.kind === 'output' && fixture.includes('octoml')) continue; // written by CMSIS-NN library calls
          expect(b.bytes, `${c.callee} writes ${b.name}`).toBeGreaterThan(0);
          if (b.pool !== null) expect(Number.isInteger(b.offset)).toBe(true);
        }
      }
      expect(g.memory.steps).toHaveLength(calls.length);
      // DOT (the default format) and SVG draw one operator box per call, in order, pool slices placed.
      const dot = mlf('graph', fixture);
      expect(dot.code, dot.err).toBe(0);
      const boxes = dot.out.split('\n').filter((l) => l.includes('shape=box'));
      expect(boxes.map((l) => /label="(tvmgen_\w+)/.exec(l)?.[1])).toEqual(calls);
      if (fixture.includes('mnist')) expect(dot.out).toContain('float32 · 6272 B @ global_workspace+35712');
      const svg = mlf('graph', fixture, '--format', 'svg');
      expect(svg.code, svg.err).toBe(0);
      expect(svg.out.match(/<g class="node op /g)).toHaveLength(calls.length);
      expect(JSON.parse(mlf('graph', fixture, '--format', 'netron').out).signature).toBe('netron:attachment');
    });
  }

  it('mnist USMP: the pool map in the JSON', () => {
    const g = JSON.parse(mlf('graph', `${TVM}/mnist-aot-usmp/model.tar`, '--format', 'json').out);
    expect(g.memory.planner).toBe('usmp');
    expect(g.memory.regions).toContainEqual({
      name: 'global_workspace',
      kind: 'workspace-pool',
      declaredBytes: 42048,
      usedBytes: 42048,
    });
    const sid4 = g.memory.intervals.find((iv: { name: string }) => iv.name === 'sid_4_let');
    expect(sid4).toMatchObject({ region: 'global_workspace', offset: 0, bytes: 25088 });
    expect(g.memory.workspace).toMatchObject({ computedBytes: 42048, metadataBytes: 42048 });
  });
});

describe('inspect and diff of AOT modules', () => {
  it('inspect shows full output shapes and the AOT main', () => {
    const r = mlf('inspect', `${TVM}/mnist-aot-usmp/model.tar`);
    expect(r.out).toMatch(/outputs +output float32\[1, 10\]/);
    const j = JSON.parse(mlf('inspect', `${TVM}/mnist-aot-usmp/model.tar`, '--json').out).modules.mnist;
    expect(j.aot).toMatchObject({ function: 'tvmgen_mnist___tvm_main__', planner: 'usmp', error: null });
    expect(j.aot.operators).toHaveLength(12);
    expect(j.outputs).toEqual([{ name: 'output', dtype: 'float32', shape: [1, 10], bytes: 40 }]);
  });

  it('inspect lists only real inputs of an AOT module whose Relay @main also takes the weights (kws v5)', () => {
    const j = JSON.parse(mlf('inspect', `${WILD}/guberti-arduino-kws-v5-aot-packed/model.tar`, '--json').out).modules
      .default;
    expect(j.inputs).toEqual({ Reshape_1: { dtype: 'int8', shape: [1, 1960], bytes: 1960 } });
    expect(j.outputs).toEqual([{ name: 'output', dtype: 'int8', shape: [1, 4], bytes: 4 }]);
  });

  it('diff lists operators added and removed between AOT builds', () => {
    const files = tarFiles(`${TVM}/aot-mlp/model.tar`);
    const lib1 = decode(files.get('codegen/host/src/default_lib1.c'));
    files.set(
      'codegen/host/src/default_lib1.c',
      text(lib1.replace('  if (tvmgen_default_fused_layout_transform_1(sid_1) != 0 ) return -1;\n', '')),
    );
    const r = mlf('diff', `${TVM}/aot-mlp/model.tar`, write('mlp-fewer.tar', files), '--json');
    expect(r.code, r.err).toBe(0);
    const g = JSON.parse(r.out).modules[0].graph;
    expect(g.operatorsRemoved).toEqual(['tvmgen_default_fused_layout_transform_1']);
    expect(g.operatorsAdded).toEqual([]);
  });
});

describe('validate: AOT and object-file checks', () => {
  const codes = (archive: string) => {
    const r = mlf('validate', archive, '--json');
    return JSON.parse(r.out).diagnostics.map((d: { code: string; member?: string }) =>
      `${d.code} ${d.member ?? ''}`.trim(),
    );
  };

  it('the header declares tvmgen_default_run but no source defines it: E409', () => {
    const files = tarFiles(`${TVM}/aot-mlp/model.tar`);
    files.delete('codegen/host/src/default_lib0.c');
    const found = codes(write('no-run.tar', files));
    expect(found).toContain('MLF-E409 codegen/host/include/tvmgen_default.h');
    expect(found.filter((c: string) => c.endsWith('tvmgen_default.h'))).toHaveLength(1);
  });

  it('header _SIZE macros that disagree with metadata: E420, each once', () => {
    const files = tarFiles(`${TVM}/aot-mlp/model.tar`);
    const h = decode(files.get('codegen/host/include/tvmgen_default.h'));
    files.set(
      'codegen/host/include/tvmgen_default.h',
      text(
        h
          .replace('TVMGEN_DEFAULT_X_SIZE 256', 'TVMGEN_DEFAULT_X_SIZE 512')
          .replace('WORKSPACE_SIZE 8352', 'WORKSPACE_SIZE 100'),
      ),
    );
    const r = JSON.parse(mlf('validate', write('macros.tar', files), '--json').out);
    const w = r.diagnostics
      .filter((d: { code: string }) => d.code === 'MLF-E420')
      .map((d: { message: string }) => d.message);
    expect(w.sort()).toEqual([
      'input "x" is 256 bytes in metadata.json, but codegen/host/include/tvmgen_default.h says TVMGEN_DEFAULT_X_SIZE 512',
      'workspace_size_bytes is 8352 in metadata.json, but codegen/host/include/tvmgen_default.h says TVMGEN_DEFAULT_WORKSPACE_SIZE 100',
    ]);
  });

  it('an object file for another machine than the target names: E416; one for the target passes', () => {
    const src = join(tmp, 'o.c');
    writeFileSync(src, 'int mlf_extra(void) { return 1; }\n');
    const build = (cmd: string, args: string[], out: string) => {
      const r = spawnSync(cmd, [...args, '-c', src, '-o', out]);
      expect(r.status, String(r.stderr)).toBe(0);
      return new Uint8Array(readFileSync(out));
    };
    const arm64 = build('clang', ['--target=aarch64-linux-gnu'], join(tmp, 'a64.o'));
    const thumb = build('arm-none-eabi-gcc', ['-mcpu=cortex-m33', '-mthumb'], join(tmp, 'm33.o'));
    const linaro = `${WILD}/linaro-sine-aot-v5-extdeps`; // target "c -keys=cpu -link-params=0 -mcpu=cortex-m33"
    const withObject = (name: string, bytes: Uint8Array) => {
      const files = new Map<string, Uint8Array>();
      const walk = (d: string, rel: string) => {
        for (const e of readdirSync(d, { withFileTypes: true })) {
          if (e.isDirectory()) walk(join(d, e.name), `${rel}${e.name}/`);
          else files.set(`${rel}${e.name}`, new Uint8Array(readFileSync(join(d, e.name))));
        }
      };
      walk(linaro, '');
      files.set('codegen/host/lib/default_lib0.o', bytes);
      return write(name, files);
    };
    const bad = mlf('validate', withObject('linaro-a64.tar', arm64), '--json');
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.out).diagnostics.find((d: { code: string }) => d.code === 'MLF-E416').message).toBe(
      'codegen/host/lib/default_lib0.o is AArch64 code (ELF), but module "default" targets ARM (c -keys=cpu -link-params=0 -mcpu=cortex-m33)',
    );
    expect(codes(withObject('linaro-m33.tar', thumb)).filter((c: string) => c.startsWith('MLF-E'))).toEqual([]);
  });

  it('a stray file under codegen/host is reported once (E406), not also as an unknown file (W101)', () => {
    const files = tarFiles(`${TVM}/aot-mlp/model.tar`);
    files.set('codegen/host/src/notes.txt', text('mine\n'));
    const found = codes(write('stray.tar', files)).filter((c: string) => c.endsWith('codegen/host/src/notes.txt'));
    expect(found).toEqual(['MLF-E406 codegen/host/src/notes.txt']);
  });
});

describe('convert keeps what it does not understand, and never writes an invalid archive', () => {
  it('an unknown member is kept at its path and reported; the result validates', () => {
    const files = tarFiles(`${WILD}/guberti-arduino-kws-v5-aot-packed/model.tar`);
    files.set('README.md', text('how this model was made\n'));
    const out = join(tmp, 'converted.tar');
    const r = mlf('convert', write('with-readme.tar', files), '--to-version', '7', '-o', out);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/kept README\.md \(not part of any module\) at the same path/);
    expect(decode(tarFiles(out).get('README.md'))).toBe('how this model was made\n');
    expect(mlf('validate', out).code).toBe(0);
  });

  it('an input whose conversion would not validate is refused with that code, nothing written', () => {
    const files = tarFiles(`${TVM}/aot-mlp/model.tar`);
    files.set('codegen/host/src/notes.txt', text('mine\n'));
    const out = join(tmp, 'refused.tar');
    const r = mlf('convert', write('bad-input.tar', files), '--to-version', '7', '-o', out);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^error MLF-E406 .*the converted archive would not be valid, so nothing was written/);
    expect(existsSync(out)).toBe(false);
  });
});

describe('params of a merged archive', () => {
  it('a second module with an empty params file does not make the choice ambiguous', () => {
    const merged = join(tmp, 'merged.tar');
    expect(
      mlf('merge', `${TVM}/graph-cnn/model.tar`, `${TVM}/aot-mlp/model.tar`, '--rename', 'default=mlp', '-o', merged)
        .code,
    ).toBe(0);
    const r = mlf('params', merged, '--json');
    expect(r.code, r.err).toBe(0);
    const expected = JSON.parse(readFileSync(`${TVM}/graph-cnn/expected.json`, 'utf8')).modules.default.params;
    const got = JSON.parse(r.out);
    expect(got.source).toBe(`${merged}:parameters/default.params`);
    expect(got.params.map((p: { name: string }) => p.name).sort()).toEqual(Object.keys(expected).sort());
  });
});
