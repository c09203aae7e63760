/**
 * Hostile input past the tar layer (issue 20), through the built CLI as a user runs it: ELF objects
 * planted under codegen/host/lib (`mlf footprint`, `mlf check --max-flash`), `.npz` and `.npy` files
 * (`mlf params import`), and writers asked to produce what the reader refuses (`mlf merge`). Each
 * must end with exit 1 and an MLF code, no stack trace, within seconds and under 512 MB of peak
 * RSS (GNU time's %M of the whole process tree), leaving no output behind. Before the fixes these
 * ran for minutes, took gigabytes, crashed (exit 3, signal 6) or wrote unreadable archives.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { packFiles, TVM, tarFiles } from '../helpers/archive.js';
import { HOSTILE_ELF, HOSTILE_NPZ, npyWithHeader } from '../helpers/hostile-inputs.js';

const work = mkdtempSync(join(tmpdir(), 'mlf-parsers-'));
const cache = join(work, 'cache');
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Peak RSS allowed for a refusal, and wall time (the footprint cases include compiling the archive's C). */
const MAX_RSS_MB = 512;
const MAX_MS = { parse: 5_000, compile: 30_000 };

interface Measured {
  code: number | null;
  err: string;
  ms: number;
  rssMb: number;
}

/**
 * The built CLI under GNU time (peak RSS of the process tree) and a 60 s kill switch, so that a
 * regression fails the test instead of running for 20 minutes.
 */
function measured(...args: string[]): Measured {
  const t = performance.now();
  const r = spawnSync(
    '/usr/bin/time',
    ['-f', 'MLF_PEAK_RSS_KB=%M', 'timeout', '-s', 'KILL', '60', process.execPath, 'bin/mlf.js', ...args],
    { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', MLF_CACHE_DIR: cache }, maxBuffer: 1 << 26 },
  );
  const ms = performance.now() - t;
  const m = /MLF_PEAK_RSS_KB=(\d+)\s*$/.exec(r.stderr);
  if (m === null) throw new Error(`GNU time printed no figure: ${r.stderr.slice(-500)}`);
  return { code: r.status, err: r.stderr.slice(0, m.index), ms, rssMb: Number(m[1]) / 1024 };
}

function expectRefused(r: Measured, code: string, maxMs: number): void {
  expect([r.code, r.err], r.err).toEqual([1, expect.stringMatching(new RegExp(`^error ${code}`, 'm'))]);
  expect(r.err).not.toMatch(/\n\s+at .+:\d+:\d+/); // no stack trace
  expect(r.rssMb).toBeLessThan(MAX_RSS_MB);
  expect(r.ms).toBeLessThan(maxMs);
  if (process.env.MLF_CORPUS_TIMES) console.log(`${code}: ${r.ms.toFixed(0)} ms, ${r.rssMb.toFixed(0)} MB`);
}

describe('ELF objects under codegen/host/lib', () => {
  const base = tarFiles(`${TVM}/aot-mlp/model.tar`);
  for (const [name, make] of Object.entries(HOSTILE_ELF)) {
    it(`${name}: footprint and check --max-flash exit 1 with MLF-E508`, () => {
      const files = new Map(base);
      files.set('codegen/host/lib/default_lib9.o', make());
      const archive = join(work, `elf-${Object.keys(HOSTILE_ELF).indexOf(name)}.tar`);
      writeFileSync(archive, packFiles(files));
      const f = measured('footprint', archive);
      expectRefused(f, 'MLF-E508', MAX_MS.compile);
      expectRefused(measured('check', archive, '--max-flash', '1MiB'), 'MLF-E508', MAX_MS.compile);
    });
  }
});

describe('params import of hostile .npz and .npy', () => {
  const expected: Record<string, string> = {
    'Zip64 end record claiming 0xFFFFFFFF entries': 'MLF-E911',
    'empty zip (no arrays)': 'MLF-E911',
    '4000 entries overlapping one stored 1 MiB member': 'MLF-E911',
    'a flipped data byte (CRC-32 mismatch)': 'MLF-E911',
    'encrypted flag set': 'MLF-E911',
    'deflated npy header of a 60-million-entry shape tuple': 'MLF-E009',
    'npy header of a 75 000-entry shape tuple': 'MLF-E009',
  };

  it('every case has an expected code', () => {
    expect(Object.keys(HOSTILE_NPZ).sort()).toEqual(Object.keys(expected).sort());
  });

  for (const [name, make] of Object.entries(HOSTILE_NPZ)) {
    it(`${name}: exit 1 with ${expected[name]}, nothing written`, () => {
      const dir = mkdtempSync(join(work, 'npz-'));
      writeFileSync(join(dir, 'evil.npz'), make());
      const r = measured('params', 'import', join(dir, 'evil.npz'), '-o', join(dir, 'out.params'));
      expectRefused(r, expected[name] as string, MAX_MS.parse);
      expect(readdirSync(dir)).toEqual(['evil.npz']);
    });
  }

  it('a folder holding a .npy with a 150 KB header: exit 1 with MLF-E009 (NumPy caps headers at 10000)', () => {
    const dir = mkdtempSync(join(work, 'npy-'));
    mkdirSync(join(dir, 'in'));
    const shape = '1,'.repeat(75_000);
    writeFileSync(
      join(dir, 'in', 'a.npy'),
      npyWithHeader(`{'descr': '|u1', 'fortran_order': False, 'shape': (${shape}), }`, Uint8Array.of(1), 2),
    );
    const r = measured('params', 'import', join(dir, 'in'), '-o', join(dir, 'out.params'));
    expectRefused(r, 'MLF-E009', MAX_MS.parse);
    expect(r.err).toContain('maxNpyHeaderBytes');
    expect(existsSync(join(dir, 'out.params'))).toBe(false);
  });
});

describe('writers never write what the reader refuses', () => {
  const A = `${TVM}/aot-mlp/model.tar`;
  it.each<[string, string, string]>([
    ['default=DEFAULT (case-fold collision, was E006 on reading)', 'default=DEFAULT', 'MLF-E411'],
    // merge checks a new name before the writer's own segment-length check (E005, in writable-names.test.ts).
    ['default=<300 characters> (NAME_MAX, split failed with ENAMETOOLONG)', `default=${'x'.repeat(300)}`, 'MLF-E105'],
    ['default=../x (a path, not a name)', 'default=../x', 'MLF-E105'],
  ])('merge A A --rename %s', (_name, rename, code) => {
    const dir = mkdtempSync(join(work, 'merge-'));
    const r = measured('merge', A, A, '--rename', rename, '-o', join(dir, 'm.tar'));
    expectRefused(r, code, MAX_MS.parse);
    expect(readdirSync(dir)).toEqual([]);
  });
});
