/**
 * Issue 14, Unix plumbing and messages: `-` for stdin and stdout, several archives per read
 * command, --json everywhere (JSON errors on stdout), colours, completion, clear messages.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TVM } from '../helpers/archive.js';
import { run } from '../helpers/common.js';
import { mlf, noStack } from '../helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'mlf-plumbing-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const GRAPH = resolve(TVM, 'graph-cnn/model.tar');
const AOT = resolve(TVM, 'aot-mlp/model.tar');
const at = (name: string) => join(work, name);
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('- is standard input and standard output', () => {
  it('cat A | mlf inspect -, for a tar, a .tgz and a .tar.zst', () => {
    const tar = readFileSync(GRAPH);
    const containers = [tar, run('gzip', ['-c', '-n'], tar), run('zstd', ['-c', '-q'], tar)];
    const expected = JSON.parse(mlf(['inspect', GRAPH, '--json']).out);
    for (const bytes of containers) {
      const r = mlf(['inspect', '-', '--json'], { input: bytes });
      expect(r.code).toBe(0);
      const got = JSON.parse(r.out);
      expect({ ...got, container: 'x' }).toEqual({ ...expected, container: 'x' });
    }
    const text = mlf(['inspect', '-'], { input: tar });
    expect(text.out.split('\n')[0]).toBe('-: MLF version 7, full-model, tar');
    expect(mlf(['validate', '-'], { input: tar }).code).toBe(0);
  });

  it('an error about standard input says <stdin>, never the temporary file', () => {
    const r = mlf(['inspect', '-'], { input: 'not an archive at all, just some text that is long enough' });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/MLF-E010/);
    expect(r.err).not.toMatch(/mlf-stdin-/);
  });

  it('graph -o - --format json is JSON jq reads; graph defaults to DOT; no file named - is written', () => {
    const r = spawnSync(
      'sh',
      ['-c', `node "$1" graph "$2" -o - --format json | jq -c '.nodes | length'`, 'sh', resolve('bin/mlf.js'), GRAPH],
      {
        cwd: work,
        encoding: 'utf8',
      },
    );
    expect(r.status).toBe(0);
    const graph = JSON.parse(
      execFileSync('tar', ['xOf', GRAPH, './executor-config/graph/default.graph'], { encoding: 'utf8' }),
    );
    expect(Number(r.stdout.trim())).toBe(graph.nodes.length);
    expect(mlf(['graph', GRAPH]).out).toMatch(/^digraph "default" \{/);
    expect(mlf(['graph', GRAPH, '--json']).out).toBe(mlf(['graph', GRAPH, '--format', 'json']).out);
    const both = mlf(['graph', GRAPH, '--json', '--format', 'dot']);
    expect(both.code).toBe(2);
    const paramsDot = mlf(['graph', GRAPH, '--params', 'nodes']); // --params is for the SVG drawing
    expect([paramsDot.code, paramsDot.err]).toEqual([
      2,
      expect.stringMatching(/MLF-E901: --params nodes applies to --format svg only/),
    ]);
    expect(existsSync(join(work, '-'))).toBe(false);
  });

  it('report -o -, params export -o -, pack -o - write to stdout; what they write equals the file form', () => {
    const html = mlf(['report', GRAPH, '-o', '-'], { cwd: work });
    expect([html.code, html.out.slice(0, 15).toLowerCase()]).toEqual([0, '<!doctype html>']);
    const npz = mlf(['params', 'export', GRAPH, '-o', '-']);
    expect(npz.code).toBe(0);
    expect(mlf(['params', 'export', GRAPH, '-o', at('w.npz')]).code).toBe(0);
    expect(npz.stdout.equals(readFileSync(at('w.npz')))).toBe(true);
    const env = { SOURCE_DATE_EPOCH: '1700000000' };
    const tar = mlf(['pack', GRAPH, '-o', '-'], { env });
    expect(mlf(['pack', GRAPH, '-o', at('p.tar')], { env }).code).toBe(0);
    expect(tar.stdout.equals(readFileSync(at('p.tar')))).toBe(true);
    // GNU tar reads what pack wrote to the pipe.
    expect(run('tar', ['tf', '-'], tar.stdout).toString()).toMatch(/\.\/metadata\.json/);
    expect(existsSync(join(work, '-'))).toBe(false);
  });

  it('params export: -o x.npz works, out.txt is refused instead of becoming a folder', () => {
    expect(mlf(['params', 'export', GRAPH, '-o', at('x.npz')]).code).toBe(0);
    const r = mlf(['params', 'export', GRAPH, '--to', at('out.txt')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/is neither/);
    expect(existsSync(at('out.txt'))).toBe(false);
  });
});

describe('several archives per read command, one summary, a combined exit status', () => {
  it('mlf validate a.tar b.tgz c.tar.zst', () => {
    const tar = readFileSync(GRAPH);
    writeFileSync(at('b.tgz'), run('gzip', ['-c', '-n'], readFileSync(AOT)));
    writeFileSync(at('c.tar.zst'), run('zstd', ['-c', '-q'], tar));
    const r = mlf(['validate', GRAPH, at('b.tgz'), at('c.tar.zst')]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/3 archives: 3 valid$/m);
    const j = JSON.parse(mlf(['validate', GRAPH, at('b.tgz'), at('missing.tar'), '--json']).out);
    expect([j.valid, j.invalid, j.archives[2].error.code]).toEqual([2, 1, 'MLF-E902']);
    const bad = mlf(['validate', GRAPH, at('missing.tar')]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/MLF-E902.*missing\.tar/);
    expect(bad.out).toMatch(/2 archives: 1 valid, 1 invalid/);
  });

  it('mlf inspect a b prints both and exits 1 when one fails', () => {
    const r = mlf(['inspect', GRAPH, AOT]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /graph-cnn\/model\.tar: MLF version 7[\s\S]*aot-mlp\/model\.tar: MLF version 7[\s\S]*2 archives: 2 read/,
    );
  });
});

describe('--json everywhere', () => {
  it('mlf inspect missing.tar --json is a JSON error on stdout, exit 1', () => {
    const r = mlf(['inspect', 'missing.tar', '--json']);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out);
    expect(j.error).toMatchObject({ code: 'MLF-E902', location: null });
    expect(j.error.message).toMatch(/missing\.tar/);
    expect(j.error.hint).toMatch(/does not exist/);
    // A usage error under --json is JSON too (exit 2).
    const u = mlf(['inspect', GRAPH, '--json', '--frobnicate']);
    expect([u.code, JSON.parse(u.out).error.code]).toEqual([2, 'MLF-E901']);
  });

  it('writers report path, bytes and sha256 of what they wrote', () => {
    const r = mlf(['convert', GRAPH, '--to-version', '7', '-o', at('c.tar'), '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    const bytes = readFileSync(at('c.tar'));
    expect(j.written).toEqual([{ path: at('c.tar'), bytes: bytes.byteLength, sha256: sha(bytes) }]);
    const k = JSON.parse(mlf(['keygen', '-o', at('k'), '--json']).out);
    expect(k.written.map((w: { path: string }) => w.path)).toEqual([at('k'), `${at('k')}.pub`]);
    const u = JSON.parse(mlf(['unpack', GRAPH, '-o', at('u'), '--json']).out);
    const files = execFileSync('tar', ['tvf', GRAPH], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => l.startsWith('-'));
    expect(u.written[0]).toMatchObject({ path: at('u'), files: files.length });
  });
});

describe('flags and messages', () => {
  it('validate --strict --allow W104 passes a TVM archive whose only warning is W104', () => {
    expect(mlf(['validate', GRAPH, '--strict']).code).toBe(1);
    expect(mlf(['validate', GRAPH, '--strict', '--allow', 'W104']).code).toBe(0);
    expect(mlf(['validate', GRAPH, AOT, '--strict', '--allow', 'W104,MLF-W102']).code).toBe(0);
    expect(mlf(['validate', GRAPH, '--strict', '--allow', 'E101']).code).toBe(2);
  });

  it('conflicting flags are refused: pack --manifest with module flags', () => {
    writeFileSync(at('build.json'), '{"modules":[]}');
    const r = mlf(['pack', '--manifest', at('build.json'), '--executor', 'aot', '--graph', 'foo', '-o', at('m.tar')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--executor, --graph cannot be given with it/);
  });

  it('split --ext zst is .tar.zst', () => {
    const dir = at('split');
    const r = mlf(['split', resolve(TVM, 'multi-graph/model.tar'), '-o', dir, '--ext', 'zst']);
    expect(r.code).toBe(0);
    expect(existsSync(join(dir, 'mod1.tar.zst'))).toBe(true);
  });

  it('zip, xz, bzip2, 7z and empty files are named, not shown as hex', () => {
    const src = at('zsrc');
    mkdirSync(src);
    writeFileSync(join(src, 'metadata.json'), '{}');
    execFileSync('zip', ['-q', '-r', at('m.zip'), '.'], { cwd: src });
    writeFileSync(at('m.tar.xz'), run('xz', ['-c'], readFileSync(GRAPH)));
    writeFileSync(at('m.tar.bz2'), run('bzip2', ['-c'], readFileSync(GRAPH)));
    // The 7z signature (7z is not installed here): 6 magic bytes, then a version.
    writeFileSync(at('m.7z'), Buffer.from([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c, 0, 4, ...new Array(600).fill(0)]));
    writeFileSync(at('empty.tar'), '');
    const cases: [string, RegExp][] = [
      ['m.zip', /a zip file/],
      ['m.tar.xz', /an xz-compressed file/],
      ['m.tar.bz2', /a bzip2-compressed file/],
      ['m.7z', /a 7z archive/],
      ['empty.tar', /an empty file/],
    ];
    for (const [name, re] of cases) {
      const r = mlf(['inspect', at(name)]);
      expect([name, r.code]).toEqual([name, 1]);
      expect(r.err).toMatch(re);
      expect(r.err).toContain(name); // the error names its file
      expect(r.err).not.toMatch(/first bytes/);
    }
  });

  it('a tar whose members sit under one folder says where metadata.json is; E101 printed once', () => {
    const root = at('nested');
    mkdirSync(root);
    execFileSync('tar', ['xf', GRAPH, '-C', root]);
    execFileSync('tar', ['cf', at('nested.tar'), '-C', work, 'nested']);
    const r = mlf(['inspect', at('nested.tar')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/every member sits under nested\/, and it is at nested\/metadata\.json/);
    expect(r.out).not.toMatch(/MLF-E101/);
    expect(r.err.match(/MLF-E101/g)).toHaveLength(1);
  });

  it('--input x=bad.npy names the file', () => {
    writeFileSync(at('bad.npy'), 'not a numpy file');
    const r = mlf(['run', GRAPH, '--input', `input=${at('bad.npy')}`]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/MLF-E911.*bad\.npy/);
  });

  it('plurals: 1 warning, 1 tensor; sizes without nested parentheses', () => {
    const v = mlf(['validate', GRAPH]);
    expect(v.out).toMatch(/\(0 errors, 1 warning\)/);
    const one = mlf(['params', resolve(TVM, 'operator-add-i8/model.tar')]);
    expect(one.out + one.err).not.toMatch(/\b1 tensors\b/);
    const i = mlf(['inspect', GRAPH]).out;
    expect(i).not.toMatch(/B \(\d+ B \(/);
    expect(i).toMatch(/10 storage ids, 54104 B \(52\.8 KiB\)/);
  });

  it('--color forces colour, NO_COLOR and --no-color turn it off', () => {
    const esc = /\u001b\[/;
    expect(mlf(['validate', GRAPH, '--color']).out).toMatch(esc);
    expect(mlf(['validate', GRAPH]).out).not.toMatch(esc);
    expect(mlf(['validate', GRAPH], { env: { NO_COLOR: '', FORCE_COLOR: '1' } }).out).toMatch(esc);
    expect(mlf(['validate', GRAPH, '--no-color'], { env: { NO_COLOR: '', FORCE_COLOR: '1' } }).out).not.toMatch(esc);
    expect(mlf(['validate', GRAPH, '--json', '--color']).out).not.toMatch(esc);
  });

  it('mlf completion bash|zsh|fish: scripts the shells accept, naming every command', () => {
    const bash = mlf(['completion', 'bash']).out;
    expect(spawnSync('bash', ['-n'], { input: bash }).status).toBe(0);
    for (const cmd of ['inspect', 'validate', 'pack', 'unpack', 'graph', 'completion']) expect(bash).toContain(cmd);
    expect(mlf(['completion', 'zsh']).out).toMatch(/^#compdef mlf/);
    expect(mlf(['completion', 'fish']).out).toMatch(/complete -c mlf -n __fish_use_subcommand -a inspect/);
    expect(mlf(['completion', 'tcsh']).code).toBe(2);
  });

  it('--help has examples; the root help lists exit statuses and points to the docs', () => {
    const root = mlf(['--help']).out;
    expect(root).toMatch(/Exit statuses:\n\s+0 /);
    expect(root).toMatch(/docs\/diagnostics\.md/);
    const cmds = [
      'inspect',
      'validate',
      'pack',
      'merge',
      'split',
      'unpack',
      'graph',
      'report',
      'run',
      'sign',
      'verify',
      'check',
      'diff',
    ];
    for (const c of cmds)
      expect([c, mlf([c, '--help']).out]).toEqual([c, expect.stringMatching(/Examples:\n\s+\$ mlf /)]);
    noStack(root);
  });
});
