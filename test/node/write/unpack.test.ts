import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import type { Limits } from '../../../src/core/common/limits.js';
import { unpackArchive } from '../../../src/node/write/unpack.js';
import { TVM, TVM_FIXTURES } from '../../helpers/archive.js';
import { codeOf, run } from '../../helpers/common.js';
import { dir, entry, file, gnuLongName, pax, tar } from '../../helpers/tar-builder.js';

const work = mkdtempSync(join(tmpdir(), 'mlf-unpack-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let counter = 0;
const freshDir = (): string => mkdtempSync(join(work, `${counter++}-`));

/** Every path under `root` (and root itself) with type, size, mode, mtime and link target; never follows links. */
function snapshot(root: string): string[] {
  const out: string[] = [];
  const visit = (abs: string): void => {
    const st = lstatSync(abs);
    const kind = st.isSymbolicLink()
      ? `link->${readlinkSync(abs)}`
      : st.isDirectory()
        ? 'dir'
        : st.isFile()
          ? 'file'
          : 'other';
    out.push(`${relative(root, abs) || '.'} ${kind} ${st.size} ${st.mode.toString(8)} ${st.mtimeMs}`);
    if (st.isDirectory()) for (const name of readdirSync(abs).sort()) visit(join(abs, name));
  };
  visit(root);
  return out;
}

/** Regular files under `root` by relative path, and every folder. */
function tree(root: string): { files: Map<string, Buffer>; dirs: string[] } {
  const files = new Map<string, Buffer>();
  const dirs: string[] = [];
  for (const rel of (readdirSync(root, { recursive: true }) as string[]).sort()) {
    const abs = join(root, rel);
    const st = lstatSync(abs);
    if (st.isDirectory()) dirs.push(rel);
    else if (st.isFile()) files.set(rel, readFileSync(abs));
    else throw new Error(`${rel} is neither file nor folder`);
  }
  return { files, dirs };
}

/** A sandbox parent with some bystanders, and an archive written outside it. */
function sandbox(bytes: Uint8Array, name = 'evil.tar'): { parent: string; dest: string; input: string } {
  const parent = freshDir();
  mkdirSync(join(parent, 'keep'));
  writeFileSync(join(parent, 'keep', 'file.txt'), 'bystander');
  writeFileSync(join(parent, 'x'), 'another bystander');
  const input = join(freshDir(), name);
  writeFileSync(input, bytes);
  return { parent, dest: join(parent, 'out'), input };
}

describe('unpackArchive on real archives', () => {
  for (const fixture of TVM_FIXTURES) {
    it(`extracts ${fixture} like GNU tar, from .tar, .tgz and .tar.zst`, async () => {
      const tarPath = join(TVM, fixture, 'model.tar');
      const bytes = readFileSync(tarPath);
      const gnu = freshDir();
      run('tar', ['-xf', tarPath, '-C', gnu]);
      const expected = tree(gnu);
      const inputs: [string, Uint8Array][] = [
        ['model.tar', bytes],
        ['model.tgz', run('gzip', ['-c', '-6'], bytes)],
        ['model.tar.zst', run('zstd', ['-c', '-3'], bytes)],
      ];
      for (const [name, data] of inputs) {
        const { dest, input } = sandbox(data, name);
        const result = await unpackArchive(input, dest);
        const got = tree(dest);
        expect([...got.files.keys()]).toEqual([...expected.files.keys()]);
        for (const [p, b] of expected.files) expect(got.files.get(p)?.equals(b)).toBe(true);
        expect(got.dirs).toEqual(expected.dirs); // no empty folders in these fixtures
        expect(result).toEqual({
          files: expected.files.size,
          bytes: [...expected.files.values()].reduce((n, b) => n + b.byteLength, 0),
        });
        for (const p of got.files.keys()) expect(lstatSync(join(dest, p)).mode & 0o7777).toBe(0o644);
        for (const p of ['.', ...got.dirs]) expect(lstatSync(join(dest, p)).mode & 0o7777).toBe(0o755);
        expect(readdirSync(join(dest, '..')).sort()).toEqual(['keep', 'out', 'x']); // no temp folder left
      }
    });
  }
});

const ok = file('ok.txt', 'harmless, and refused with the rest');
const bomb = (): Uint8Array =>
  new Uint8Array(zlib.gzipSync(tar([file('zeros.bin', new Uint8Array(8 << 20))]), { level: 9 }));

/** [name, archive bytes, expected code, limits]. A harmless file comes first wherever it can. */
const MALICIOUS: [string, () => Uint8Array, string, Partial<Limits>?][] = [
  ['../evil', () => tar([ok, file('../evil', 'x')]), 'MLF-E005'],
  ['a/../../evil', () => tar([ok, file('a/../../evil', 'x')]), 'MLF-E005'],
  ['/etc/x', () => tar([ok, file('/etc/x', 'x')]), 'MLF-E005'],
  ['C:\\x', () => tar([ok, file('C:\\x', 'x')]), 'MLF-E005'],
  ['a\\..\\x', () => tar([ok, file('a\\..\\x', 'x')]), 'MLF-E005'],
  ['NUL in a PAX path', () => tar([ok, pax({ path: 'ok.txt\0../../x' }), file('placeholder', 'x')]), 'MLF-E005'],
  ['symlink', () => tar([ok, entry({ name: 'link', typeflag: '2', linkname: '/etc/passwd' })]), 'MLF-E004'],
  ['hardlink', () => tar([ok, entry({ name: 'hard', typeflag: '1', linkname: '../x' })]), 'MLF-E004'],
  [
    'symlink, then a file through it',
    () => tar([ok, dir('d/'), entry({ name: 'd', typeflag: '2', linkname: '..' }), file('d/x', 'pwned')]),
    'MLF-E004',
  ],
  ['character device', () => tar([ok, entry({ name: 'dev', typeflag: '3' })]), 'MLF-E004'],
  ['FIFO', () => tar([ok, entry({ name: 'fifo', typeflag: '6' })]), 'MLF-E004'],
  ['duplicate names', () => tar([ok, file('a', '1'), file('a', '2')]), 'MLF-E006'],
  [
    'Metadata.json + metadata.json',
    () => tar([ok, file('Metadata.json', '{}'), file('metadata.json', '{}')]),
    'MLF-E006',
  ],
  ['PAX path ../x', () => tar([ok, pax({ path: '../x' }), file('innocent', 'x')]), 'MLF-E005'],
  ['GNU long name ../x', () => tar([ok, gnuLongName('../x'), file('innocent', 'x', { magic: 'gnu' })]), 'MLF-E005'],
  [
    'member over maxMemberBytes',
    () => tar([ok, file('big', new Uint8Array(4096))]),
    'MLF-E009',
    { maxMemberBytes: 1000 },
  ],
  [
    'more entries than maxEntries',
    () => tar([ok, ...['a', 'b', 'c', 'd'].map((n) => file(n, n))]),
    'MLF-E009',
    { maxEntries: 3 },
  ],
  [
    'gzip bomb over maxDecompressedBytes',
    bomb,
    'MLF-E009',
    { maxDecompressedBytes: 1 << 20, maxCompressionRatio: 1e9 },
  ],
  ['gzip bomb over the ratio limit', bomb, 'MLF-E009'],
];

describe('unpackArchive refuses malicious archives without touching the disk', () => {
  for (const [name, make, code, limits] of MALICIOUS) {
    it(name, async () => {
      const bytes = make();
      const { parent, dest, input } = sandbox(bytes, bytes[0] === 0x1f ? 'evil.tgz' : 'evil.tar');
      const before = snapshot(parent);
      const options = limits === undefined ? {} : { limits };
      expect(await codeOf(unpackArchive(input, dest, options))).toBe(code);
      expect(await codeOf(unpackArchive(input, dest, { ...options, force: true }))).toBe(code);
      expect(snapshot(parent)).toEqual(before); // includes parent's own mtime: not even a temp folder was made
      expect(() => lstatSync(dest)).toThrow();
    });
  }
});

describe('unpackArchive destinations', () => {
  const good = (): Uint8Array =>
    tar([dir('./'), file('./metadata.json', '{"version": 7}'), file('./src/a.c', 'int x;')]);

  it('refuses an existing destination with E904 and leaves it alone', async () => {
    const { parent, dest, input } = sandbox(good());
    mkdirSync(dest);
    writeFileSync(join(dest, 'old.txt'), 'old');
    const before = snapshot(parent);
    expect(await codeOf(unpackArchive(input, dest))).toBe('MLF-E904');
    expect(snapshot(parent)).toEqual(before);
    writeFileSync(join(parent, 'file-dest'), 'a file');
    expect(await codeOf(unpackArchive(input, join(parent, 'file-dest')))).toBe('MLF-E904');
  });

  it('with force replaces a folder holding only files of the archive; never foreign files or a file', async () => {
    const { parent, dest, input } = sandbox(good());
    mkdirSync(join(dest, 'sub'), { recursive: true });
    writeFileSync(join(dest, 'sub', 'old.txt'), 'old');
    expect(await codeOf(unpackArchive(input, dest, { force: true }))).toBe('MLF-E904');
    expect(readFileSync(join(dest, 'sub', 'old.txt'), 'utf8')).toBe('old');
    rmSync(join(dest, 'sub'), { recursive: true });
    mkdirSync(join(dest, 'src'));
    writeFileSync(join(dest, 'src', 'a.c'), 'an earlier unpack');
    expect(await unpackArchive(input, dest, { force: true })).toEqual({ files: 2, bytes: 20 });
    expect([...tree(dest).files.keys()]).toEqual(['metadata.json', 'src/a.c']);
    expect(readFileSync(join(dest, 'src', 'a.c'), 'utf8')).toBe('int x;');
    writeFileSync(join(parent, 'file-dest'), 'a file');
    expect(await codeOf(unpackArchive(input, join(parent, 'file-dest'), { force: true }))).toBe('MLF-E904');
    expect(readFileSync(join(parent, 'file-dest'), 'utf8')).toBe('a file');
    expect(readdirSync(parent).sort()).toEqual(['file-dest', 'keep', 'out', 'x']);
  });

  it('refuses a destination that is a symbolic link, even with force, and leaves its target alone', async () => {
    const { parent, dest, input } = sandbox(good());
    const elsewhere = freshDir();
    writeFileSync(join(elsewhere, 'precious'), 'do not touch');
    symlinkSync(elsewhere, dest);
    const dangling = join(parent, 'dangling');
    symlinkSync(join(elsewhere, 'missing'), dangling);
    const before = [snapshot(parent), snapshot(elsewhere)];
    expect(await codeOf(unpackArchive(input, dest))).toBe('MLF-E904');
    expect(await codeOf(unpackArchive(input, dest, { force: true }))).toBe('MLF-E904');
    expect(await codeOf(unpackArchive(input, dangling, { force: true }))).toBe('MLF-E904');
    expect([snapshot(parent), snapshot(elsewhere)]).toEqual(before);
  });

  it('refuses to replace a folder that holds the input', async () => {
    const parent = freshDir();
    const input = join(parent, 'inner', 'model.tar');
    mkdirSync(join(parent, 'inner'));
    writeFileSync(input, good());
    expect(await codeOf(unpackArchive(input, join(parent, 'inner'), { force: true }))).toBe('MLF-E904');
    expect(readFileSync(input).byteLength).toBeGreaterThan(0);
  });

  it('refuses a folder as input (E901) and a missing input (E902)', async () => {
    const parent = freshDir();
    expect(await codeOf(unpackArchive(parent, join(parent, 'out')))).toBe('MLF-E901');
    expect(await codeOf(unpackArchive(join(parent, 'nope.tar'), join(parent, 'out')))).toBe('MLF-E902');
    expect(readdirSync(parent)).toEqual([]);
  });

  it('reports a missing destination parent as E904 and leaves no temp folder', async () => {
    const { parent, input } = sandbox(good());
    const before = snapshot(parent);
    expect(await codeOf(unpackArchive(input, join(parent, 'no', 'such', 'out')))).toBe('MLF-E904');
    expect(snapshot(parent)).toEqual(before);
  });
});
