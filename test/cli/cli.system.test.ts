/**
 * The `mlf` binary as users run it (a child process of the built CLI): exit statuses, error
 * output without stack traces, and params export that NumPy loads.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { json, packFiles, TVM, tarFiles, text } from '../helpers/archive.js';
import { mlf, noStack, pythonPath } from '../helpers/common.js';

const tmp = mkdtempSync(join(tmpdir(), 'mlf-cli-'));
const GRAPH = `${TVM}/graph-cnn/model.tar`;
const MULTI = `${TVM}/multi-graph/model.tar`;

describe('exit statuses and errors', () => {
  it('--help and --version exit 0', () => {
    expect(mlf('--help').code).toBe(0);
    expect(mlf('--version').out.trim()).toBe('0.1.0');
  });

  it('usage errors exit 2', () => {
    const r = mlf('inspect');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/missing required argument/);
    expect(mlf('frobnicate').code).toBe(2);
  });

  it('validate: 0 for a valid archive, 1 with --strict when it has warnings', () => {
    expect(mlf('validate', GRAPH).code).toBe(0);
    const strict = mlf('validate', GRAPH, '--strict');
    expect(strict.code).toBe(1);
    expect(strict.out).toMatch(/MLF-W104/);
  });

  it('validate: 1 with a code, location and hint for a broken archive, no stack trace', () => {
    const files = tarFiles(GRAPH);
    const meta = json(files.get('metadata.json'));
    meta.version = 9;
    files.set('metadata.json', text(JSON.stringify(meta)));
    const path = join(tmp, 'v9.tar');
    writeFileSync(path, packFiles(files));
    const r = mlf('validate', path);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/MLF-E103/);
    expect(r.out).toMatch(/metadata\.json \$\.version/);
    expect(r.out).toMatch(
      /version 9 \(newer than any TVM ever wrote\) is not supported; supported versions are 1 to 7/,
    );
    expect(r.out).toMatch(/hint:/);
    noStack(r.out + r.err);
    const j = JSON.parse(mlf('validate', path, '--json').out);
    expect(j).toMatchObject({
      valid: false,
      errors: 1,
      diagnostics: [{ code: 'MLF-E103', severity: 'error', member: 'metadata.json', jsonPath: '$.version' }],
    });
  });

  it('inspect of a broken archive: exit 1, one-line error with code and hint', () => {
    const path = join(tmp, 'garbage.tar');
    writeFileSync(path, new Uint8Array(4096).fill(7));
    const r = mlf('inspect', path);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/MLF-E010/);
    noStack(r.err);
  });

  it('missing file: E902; unknown module: E903', () => {
    const a = mlf('inspect', join(tmp, 'nope.tar'));
    expect(a.code).toBe(1);
    expect(a.err).toMatch(/MLF-E902.*ENOENT/);
    const b = mlf('inspect', MULTI, '--module', 'mod3');
    expect(b.code).toBe(1);
    expect(b.err).toMatch(/MLF-E903.*"mod1", "mod2"/);
    noStack(a.err + b.err);
  });

  it('inspect of a folder without metadata.json lists what it can and exits 1 (E101)', () => {
    const r = mlf('inspect', 'test/fixtures/wild/octoml-mlperftiny-kws-cmsisnn-codegen-only');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/default_lib0\.c/);
    expect(r.err).toMatch(/MLF-E101/);
  });
});

describe('mlf params', () => {
  it('lists a module of a multi-module archive; several modules need --module (exit 2)', () => {
    expect(mlf('params', MULTI).code).toBe(2);
    const r = JSON.parse(mlf('params', MULTI, '--module', 'mod2', '--json').out);
    const expected = JSON.parse(readFileSync(`${TVM}/multi-graph/expected.json`, 'utf8')).modules.mod2.params;
    expect(
      Object.fromEntries(r.params.map((p: any) => [p.name, { dtype: p.dtype, shape: p.shape, sha256: p.sha256 }])),
    ).toEqual(expected);
  });

  it('export to .npz and to a folder of .npy that NumPy loads with the same bytes', () => {
    const npz = join(tmp, 'w.npz');
    expect(mlf('params', 'export', GRAPH, '--to', npz).code).toBe(0);
    const dir = join(tmp, 'w');
    expect(mlf('params', 'export', GRAPH, '--to', dir).code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['p0.npy', 'p1.npy', 'p2.npy', 'p3.npy']);
    const expected = JSON.parse(readFileSync(`${TVM}/graph-cnn/expected.json`, 'utf8')).modules.default.params;
    const py = `
import hashlib, json, sys, numpy as np, os
z = np.load(sys.argv[1])
out = {k: [str(z[k].dtype), list(z[k].shape), hashlib.sha256(np.ascontiguousarray(z[k]).tobytes()).hexdigest()] for k in z.files}
d = {f[:-4]: np.load(os.path.join(sys.argv[2], f)) for f in os.listdir(sys.argv[2])}
out2 = {k: [str(v.dtype), list(v.shape), hashlib.sha256(np.ascontiguousarray(v).tobytes()).hexdigest()] for k, v in d.items()}
print(json.dumps([out, out2]))`;
    const [fromNpz, fromDir] = JSON.parse(execFileSync(pythonPath(), ['-c', py, npz, dir], { encoding: 'utf8' }));
    const want = Object.fromEntries(Object.entries<any>(expected).map(([k, v]) => [k, [v.dtype, v.shape, v.sha256]]));
    expect(fromNpz).toEqual(want);
    expect(fromDir).toEqual(want);
  });

  it('refuses to replace an existing destination without --force', () => {
    const npz = join(tmp, 'twice.npz');
    expect(mlf('params', 'export', GRAPH, '--to', npz).code).toBe(0);
    const before = createHash('sha256').update(readFileSync(npz)).digest('hex');
    const r = mlf('params', 'export', MULTI, '--module', 'mod2', '--to', npz);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/MLF-E904.*already exists\n\s+hint: Use --force/);
    expect(createHash('sha256').update(readFileSync(npz)).digest('hex')).toBe(before);
    expect(mlf('params', 'export', MULTI, '--module', 'mod2', '--to', npz, '--force').code).toBe(0);
    expect(readdirSync(tmp).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
