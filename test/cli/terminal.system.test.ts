/**
 * Issue 13 item 9: terminal control characters in names from an archive are escaped in every
 * text output (JSON stays valid JSON); issue 20: CLI crashes on odd inputs are typed errors.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { json, packFiles, TVM, tarFiles, text } from '../helpers/archive.js';
import { mlf, noStack } from '../helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'mlf-terminal-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const GRAPH = resolve(TVM, 'graph-cnn/model.tar');
const at = (name: string) => join(work, name);

/** ESC, CR, BEL, a CSI that erases the line, and a C1 CSI (U+009B). */
const EVIL = 'x\u001b[2K\r\u0007signature valid\u009b2K.txt';
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

/** Text output with our own colour codes removed (there are none with NO_COLOR, but be exact). */
const controls = (s: string) => s.replace(/\n/g, '').match(RAW);

describe('control characters in member names never reach the terminal raw', () => {
  const files = tarFiles(GRAPH);
  files.set(EVIL, text('payload'));
  const path = at('evil.tar');
  writeFileSync(path, packFiles(files));

  it('validate, inspect and manifest escape them; --json stays valid JSON with the exact name', () => {
    for (const args of [
      ['validate', path],
      ['inspect', path],
      ['manifest', path],
    ]) {
      const r = mlf(args);
      expect([args[0], r.code]).toEqual([args[0], 0]);
      expect([args[0], controls(r.out + r.err)]).toEqual([args[0], null]);
      expect(r.out).toContain('x\\x1b[2K\\x0d\\x07signature valid\\x9b2K.txt');
    }
    const v = JSON.parse(mlf(['validate', path, '--json']).out);
    expect(v.diagnostics.map((d: { member?: string }) => d.member)).toContain(EVIL);
    const raw = mlf(['inspect', path, '--json']).out;
    expect(raw).not.toMatch(/[\u0080-\u009f]/); // C1 controls escaped (\u009b), the value unchanged
    expect(JSON.parse(raw).extraFiles).toContain(EVIL);
  });

  it('a failed verify cannot be repainted as "signature valid"', () => {
    const key = at('k');
    expect(mlf(['keygen', '-o', key]).code).toBe(0);
    const signed = at('signed.tar');
    expect(mlf(['sign', path, '--key', key, '-o', signed]).code).toBe(0);
    const changed = tarFiles(signed);
    changed.set(EVIL, text('changed'));
    const tampered = at('tampered.tar');
    writeFileSync(tampered, packFiles(changed));
    const r = mlf(['verify', tampered, '--pubkey', `${key}.pub`]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/MLF-E603/);
    expect(controls(r.out + r.err)).toBeNull();
    expect(r.out).toBe('');
  });

  it('module and tensor names are escaped too', () => {
    const files = tarFiles(GRAPH);
    const meta = json(files.get('metadata.json'));
    meta.modules.default.executors = ['graph\u001b]0;pwned\u0007'];
    files.set('metadata.json', text(JSON.stringify(meta)));
    writeFileSync(at('exec.tar'), packFiles(files));
    const r = mlf(['inspect', at('exec.tar')]);
    expect(controls(r.out + r.err)).toBeNull();
    expect(r.out).toContain('graph\\x1b]0;pwned\\x07');
  });
});

describe('issue 20: odd inputs to params import and split are typed errors (exit 1)', () => {
  it('a folder holding %zz.npy, a folder named x.npz, a missing .npz', () => {
    const dir = at('npys');
    mkdirSync(dir);
    expect(mlf(['params', 'export', GRAPH, '-o', join(dir, 'ok')]).code).toBe(0);
    writeFileSync(join(dir, 'ok', '%zz.npy'), 'x');
    const cases: [string, RegExp][] = [
      [join(dir, 'ok'), /MLF-E911.*%zz\.npy/],
      [at('missing.npz'), /MLF-E902.*missing\.npz.*no such file/],
    ];
    mkdirSync(at('x.npz'));
    cases.push([at('x.npz'), /MLF-E902.*x\.npz/]);
    for (const [input, re] of cases) {
      const r = mlf(['params', 'import', input, '-o', at('out.params')]);
      expect([input, r.code]).toEqual([input, 1]);
      expect(r.err).toMatch(re);
      noStack(r.err);
    }
  });

  it('split of a module with a 300-character name: E904 before anything is written', () => {
    const name = `m${'x'.repeat(299)}`;
    const files = tarFiles(GRAPH);
    const meta = json(files.get('metadata.json'));
    meta.modules = { [name]: meta.modules.default };
    files.set('metadata.json', text(JSON.stringify(meta)));
    const renamed = new Map<string, Uint8Array>();
    for (const [p, d] of files) renamed.set(p.replace(/default(?=[._])/, name), d);
    writeFileSync(at('long.tar'), packFiles(renamed));
    const out = at('parts');
    const r = mlf(['split', at('long.tar'), '-o', out]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/MLF-E904.*name too long \(ENAMETOOLONG\)/);
    noStack(r.err);
  });
});
