/**
 * Acceptance: every fixture reads; for the TVM 0.18 fixtures `mlf inspect --json` agrees with the
 * ground truth in expected.json (read back through TVM itself), whatever the container.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { run } from '../../../src/cli/main.js';
import type { InspectReport } from '../../../src/core/archive/inspect.js';
import { TVM, TVM_FIXTURES } from '../../helpers/archive.js';

async function inspectJson(path: string, extra: string[] = []): Promise<InspectReport> {
  let out = '';
  let err = '';
  const code = await run(['inspect', path, '--json', ...extra], { out: (t) => (out += t), err: (t) => (err += t) });
  expect(err).toBe('');
  expect(code).toBe(0);
  return JSON.parse(out);
}

interface Expected {
  metadata_version?: number;
  modules?: Record<string, any>;
  style?: string;
  function?: string;
  buffers?: { dtype: string; shape: number[] }[];
}

const tmp = mkdtempSync(join(tmpdir(), 'mlf-fixtures-'));

/** The same archive as .tar, .tgz, .tar.zst and an extracted folder. */
function containers(name: string): [string, string][] {
  const tar = join(TVM, name, 'model.tar');
  const tgz = join(tmp, `${name}.tgz`);
  writeFileSync(tgz, gzipSync(readFileSync(tar)));
  const zst = join(tmp, `${name}.tar.zst`);
  execFileSync('zstd', ['-q', '-f', '-3', tar, '-o', zst]);
  const dir = join(tmp, `${name}-folder`);
  execFileSync('mkdir', ['-p', dir]);
  execFileSync('tar', ['-xf', tar, '-C', dir]);
  return [
    ['tar', tar],
    ['gzip', tgz],
    ['zstd', zst],
    ['folder', dir],
  ];
}

describe.each([...TVM_FIXTURES, 'mnist-aot-usmp'])('tvm-0.18/%s', (name) => {
  const expected: Expected = JSON.parse(readFileSync(join(TVM, name, 'expected.json'), 'utf8'));

  it.each(containers(name))('inspect --json of the %s form agrees with expected.json', async (kind, path) => {
    const r = await inspectJson(path);
    expect(r.container).toBe(kind);
    if (expected.style === 'operator') {
      expect(r.style).toBe('operator');
      const fn = expected.function as string;
      const m = r.modules[fn];
      expect(m?.functions?.[fn]?.map((b) => ({ dtype: b.dtype, shape: b.shape }))).toEqual(expected.buffers);
      return;
    }
    expect(r.version).toBe(expected.metadata_version);
    expect(Object.keys(r.modules).sort()).toEqual(Object.keys(expected.modules ?? {}).sort());
    for (const [mname, e] of Object.entries(expected.modules ?? {})) {
      const m = r.modules[mname]!;
      expect(m.executors).toEqual([e.executor]);
      expect(m.paramsFile?.bytes).toBe(e.params_file_bytes ?? m.paramsFile?.bytes);
      const params = Object.fromEntries(
        Object.entries(m.params ?? {}).map(([p, v]) => [p, { dtype: v.dtype, shape: v.shape, sha256: v.sha256 }]),
      );
      expect(params).toEqual(e.params);
      if (e.graph) {
        expect(m.graph).toEqual({
          nodes: e.graph.num_nodes,
          argNodes: e.graph.num_arg_nodes,
          heads: e.graph.heads,
          operators: e.graph.func_names,
          inputs: e.graph.input_names,
          storageIds: e.graph.num_storage_ids,
        });
      } else {
        expect(m.graph).toBeNull();
      }
      for (const [iname, info] of Object.entries<any>(e.inputs)) {
        expect(m.inputs?.[iname]).toMatchObject({ dtype: info.dtype, shape: info.shape });
      }
      expect(m.outputs?.length).toBe(e.outputs.length);
      e.outputs.forEach((o: any, i: number) => {
        const got = m.outputs![i]!;
        expect(got.dtype).toBe(o.dtype);
        // AOT metadata records output sizes only; the shape is inferred from the Relay text.
        expect(got.shape).toEqual(o.shape);
        expect(got.bytes).toBe(o.shape.reduce((a: number, b: number) => a * b, 1) * 4);
      });
    }
  });

  it('inspect --module keeps only that module', async () => {
    const first = Object.keys(expected.modules ?? { [expected.function ?? '']: 0 })[0]!;
    const r = await inspectJson(join(TVM, name, 'model.tar'), ['--module', first]);
    expect(Object.keys(r.modules)).toEqual([first]);
  });
});

describe('wild fixtures', () => {
  const wild = 'test/fixtures/wild';
  const archives = readdirSync(wild, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => {
      const files = readdirSync(join(wild, d.name));
      const tars = files.filter((f) => f.endsWith('.tar'));
      if (tars.length > 0) return tars.map((t) => join(wild, d.name, t));
      return files.includes('metadata.json') ? [join(wild, d.name)] : [];
    });

  it('finds the seven wild MLF archives and folders', () => {
    expect(archives).toHaveLength(7);
  });

  it.each(archives)('%s reads and validates', async (path) => {
    const r = await inspectJson(path);
    expect(Object.keys(r.modules)).toEqual(['default']);
    let out = '';
    const code = await run(['validate', path, '--json'], { out: (t) => (out += t), err: () => {} });
    const report = JSON.parse(out);
    expect(report.errors).toBe(0);
    expect(code).toBe(0);
    // The only warnings real archives give are documented in docs/validation.md.
    const known = path.includes('kws-v5-aot') ? ['MLF-W111'] : ['MLF-W102', 'MLF-W104'];
    for (const d of report.diagnostics) expect(known).toContain(d.code);
  });

  it('reads the codegen-only folder and reports the missing metadata.json (E101)', async () => {
    let out = '';
    const code = await run(['validate', join(wild, 'octoml-mlperftiny-kws-cmsisnn-codegen-only'), '--json'], {
      out: (t) => (out += t),
      err: () => {},
    });
    expect(code).toBe(1);
    expect(JSON.parse(out).diagnostics.map((d: { code: string }) => d.code)).toEqual(['MLF-E101']);
  });

  it('lists the params of the standalone nms.params (a 0-d float32 p0)', async () => {
    let out = '';
    const code = await run(['params', join(wild, 'kobeyu-nms-standalone-graph/nms.params'), '--json'], {
      out: (t) => (out += t),
      err: () => {},
    });
    expect(code).toBe(0);
    expect(JSON.parse(out).params).toMatchObject([{ name: 'p0', dtype: 'float32', shape: [], bytes: 4 }]);
  });
});
