/**
 * Issue 14, observed cases: writers never destroy what the user did not point at, and plain
 * mistakes are typed errors (exit 1 or 2), never stack traces (exit 3).
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TVM } from '../helpers/archive.js';
import { mlf, noStack } from '../helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'mlf-safety-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let n = 0;
const fresh = () => {
  const d = join(work, `case-${n++}`);
  mkdirSync(d);
  return d;
};
const GRAPH = resolve(TVM, 'graph-cnn/model.tar');
const AOT = resolve(TVM, 'aot-mlp/model.tar');

describe('--force replaces only what mlf could have written', () => {
  it('run/project/unpack/params export refuse to turn a regular file into a folder', () => {
    const d = fresh();
    const victim = join(d, 'victim.tar');
    copyFileSync(GRAPH, victim);
    const before = readFileSync(victim);
    const cases = [
      ['run', GRAPH, '--random-inputs', '1', '--output-dir', victim, '--force'],
      ['project', GRAPH, '-o', victim, '--force'],
      ['unpack', GRAPH, '-o', victim, '--force'],
      ['params', 'export', GRAPH, '--to', join(d, 'victim'), '--force'],
    ];
    writeFileSync(join(d, 'victim'), 'notes');
    for (const args of cases) {
      const r = mlf(args);
      expect([args[0], r.code]).toEqual([args[0], 1]);
      expect(r.err).toMatch(/MLF-E904.*refusing to replace .*: it is a file/);
      noStack(r.err);
    }
    expect(readFileSync(victim).equals(before)).toBe(true);
    expect(readFileSync(join(d, 'victim'), 'utf8')).toBe('notes');
  });

  it('unpack -o . --force in a folder with other files refuses and deletes nothing', () => {
    const d = fresh();
    writeFileSync(join(d, 'important.txt'), 'keep me');
    for (const args of [
      ['unpack', GRAPH, '-o', '.', '--force'],
      ['project', GRAPH, '-o', '.', '--force'],
      ['run', GRAPH, '--random-inputs', '1', '-o', '.', '--force'],
      ['unpack', GRAPH, '-o', '..', '--force'],
    ]) {
      const r = mlf(args, { cwd: d });
      expect([args.join(' '), r.code]).toEqual([args.join(' '), 1]);
      expect(r.err).toMatch(
        /MLF-E904 ?: refusing to write over \.\.?: it is (the current folder|a folder that holds the current folder)/,
      );
      noStack(r.err);
    }
    expect(readFileSync(join(d, 'important.txt'), 'utf8')).toBe('keep me');
  });

  it('a folder with foreign files is never replaced; one holding only what mlf wrote is', () => {
    const d = fresh();
    const out = join(d, 'model');
    expect(mlf(['unpack', GRAPH, '-o', out]).code).toBe(0);
    expect(mlf(['unpack', GRAPH, '-o', out, '--force']).code).toBe(0);
    writeFileSync(join(out, 'notes.txt'), 'mine');
    const r = mlf(['unpack', GRAPH, '-o', out, '--force']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/it holds notes\.txt, which mlf did not write/);
    expect(readFileSync(join(out, 'notes.txt'), 'utf8')).toBe('mine');
    // project leaves a marker, so a project for another module replaces an earlier one.
    const proj = join(d, 'proj');
    expect(mlf(['project', GRAPH, '-o', proj]).code).toBe(0);
    expect(mlf(['project', AOT, '-o', proj, '--force']).code).toBe(0);
    expect(readFileSync(join(proj, '.mlf-output.json'), 'utf8')).toMatch(/"writtenBy":"mlf"/);
  });

  it('the input itself, a folder holding it, symbolic links and non-archives are refused', () => {
    const d = fresh();
    const input = join(d, 'in.tar');
    copyFileSync(GRAPH, input);
    const r1 = mlf(['convert', input, '--to-version', '7', '-o', input, '--force']);
    expect(r1.code).toBe(1);
    expect(r1.err).toMatch(/refusing to write over .*in\.tar: it is the input/);
    const r2 = mlf(['unpack', input, '-o', d, '--force']);
    expect(r2.err).toMatch(/it holds the input/);
    symlinkSync(GRAPH, join(d, 'link.tar'));
    const r3 = mlf(['pack', GRAPH, '-o', join(d, 'link.tar'), '--force']);
    expect(r3.err).toMatch(/is a symbolic link; mlf never writes through or replaces one\n\s+hint: Give the real path/);
    writeFileSync(join(d, 'notes.tar'), 'not an archive');
    const r4 = mlf(['pack', GRAPH, '-o', join(d, 'notes.tar'), '--force']);
    expect(r4.err).toMatch(/refusing to replace .*notes\.tar: it is not a tar, gzip or zstd archive/);
    expect(readFileSync(join(d, 'notes.tar'), 'utf8')).toBe('not an archive');
    for (const r of [r1, r2, r3, r4]) expect(r.code).toBe(1);
  });
});

describe('typed errors instead of stack traces (exit 1, never 3)', () => {
  it('split -o an existing file, split -o file/sub, run -o file/sub', () => {
    const d = fresh();
    const file = join(d, 'file.json');
    writeFileSync(file, '{}');
    const cases: [string[], RegExp][] = [
      [['split', GRAPH, '-o', file], /MLF-E904.*is not a folder/],
      [['split', GRAPH, '-o', join(file, 'sub')], /MLF-E904.*not a folder \(ENOTDIR\)/],
      [['run', GRAPH, '--random-inputs', '1', '--output-dir', join(file, 'sub')], /MLF-E904.*not a folder \(ENOTDIR\)/],
    ];
    for (const [args, re] of cases) {
      const r = mlf(args);
      expect([args[0], r.code]).toEqual([args[0], 1]);
      expect(r.err).toMatch(re);
      noStack(r.err);
    }
    expect(readFileSync(file, 'utf8')).toBe('{}');
  });

  it('a missing parent folder is refused the same way by every writer, with a hint to create it', () => {
    const d = fresh();
    const missing = join(d, 'no', 'such');
    const cases = [
      ['pack', GRAPH, '-o', join(missing, 'a.tar')],
      ['convert', GRAPH, '--to-version', '7', '-o', join(missing, 'a.tar')],
      ['merge', GRAPH, AOT, '--rename', 'default=b', '-o', join(missing, 'a.tar')],
      ['extract-module', GRAPH, '--module', 'default', '-o', join(missing, 'a.tar')],
      ['split', GRAPH, '-o', join(missing, 'parts')],
      ['unpack', GRAPH, '-o', join(missing, 'x')],
      ['project', GRAPH, '-o', join(missing, 'x')],
      ['run', GRAPH, '--random-inputs', '1', '-o', join(missing, 'x')],
      ['report', GRAPH, '-o', join(missing, 'r.html')],
      ['graph', GRAPH, '-o', join(missing, 'g.dot')],
      ['params', 'export', GRAPH, '-o', join(missing, 'w.npz')],
      ['keygen', '-o', join(missing, 'key')],
      ['sign', GRAPH, '--key', join(d, 'nokey'), '--detached', '-o', join(missing, 's.sig')],
    ];
    for (const args of cases) {
      const r = mlf(args);
      const name = args.slice(0, 2).join(' ');
      if (args[0] === 'sign') {
        expect([name, r.code]).toEqual([name, 1]); // the key is read first
        continue;
      }
      expect([name, r.code]).toEqual([name, 1]);
      expect([name, r.err]).toEqual([name, expect.stringMatching(/MLF-E904/)]);
      expect([name, r.err]).toEqual([
        name,
        expect.stringMatching(/hint: The folder .* does not exist; create it first \(mkdir -p /),
      ]);
      expect(r.err).not.toMatch(/--force/);
      noStack(r.err);
    }
    expect(existsSync(join(d, 'no'))).toBe(false);
  });
});

describe('merge --rename', () => {
  it('renames the AOT header and symbols with the module, so the merged module runs', () => {
    const d = fresh();
    const merged = join(d, 'both.tar');
    const r = mlf(['merge', GRAPH, AOT, '--rename', 'default=cnn', '-o', merged]);
    expect(r.code).toBe(0);
    expect(JSON.parse(mlf(['validate', merged, '--json']).out).errors).toBe(0);
    const report = JSON.parse(mlf(['inspect', merged, '--json']).out);
    expect(report.modules.cnn.codegen.headers.map((h: { path: string }) => h.path)).toEqual([
      'codegen/host/include/tvmgen_cnn.h',
    ]);
    const run = mlf(['run', merged, '--module', 'cnn', '--random-inputs', '1', '--json']);
    expect([run.code, run.err]).toEqual([0, '']);
    expect(JSON.parse(run.out).module).toBe('cnn');
  }, 120_000);

  it('refuses the same module renamed twice, a rename that matches nothing, and names that differ only in case', () => {
    const twice = mlf([
      'merge',
      GRAPH,
      AOT,
      '--rename',
      'default=x',
      '--rename',
      'default=y',
      '-o',
      join(fresh(), 'a.tar'),
    ]);
    expect(twice.code).toBe(2);
    expect(twice.err).toMatch(/MLF-E901.*given twice/);
    const none = mlf(['merge', GRAPH, AOT, '--rename', '2:nope=x', '-o', join(fresh(), 'a.tar')]);
    expect([none.code, /matches no module of input 2/.test(none.err)]).toEqual([2, true]);
    const fold = mlf(['merge', AOT, AOT, '--rename', 'default=DEFAULT', '-o', join(fresh(), 'a.tar')]);
    expect([fold.code, /MLF-E411.*differ only in case/.test(fold.err)]).toEqual([1, true]);
    const indexed = mlf(['merge', GRAPH, AOT, '--rename', '1:default=cnn', '-o', join(fresh(), 'a.tar'), '--json']);
    expect(indexed.code).toBe(0);
    expect(JSON.parse(indexed.out).written[0].sha256).toMatch(/^[0-9a-f]{64}$/);
  });
});
