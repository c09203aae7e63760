/**
 * The tar reader and writer on examples: the fixtures list like GNU tar and Python's tarfile, what
 * GNU tar and tarfile write reads back, packTar's output reads in both, each dialect, refusal and
 * end-of-archive rule (every truncation and random bytes: tar.system.test.ts).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MlfError } from '../../../src/core/errors/errors.js';
import { type ByteSource, bytesSource } from '../../../src/core/common/source.js';
import {
  normalizeMemberPath,
  readTarEntry,
  readTarIndex,
  readTarIndexSync,
  type TarEntry,
  tarEntryData,
} from '../../../src/core/tar/read.js';
import { packTar } from '../../../src/core/tar/write.js';
import { fixtureTarPaths } from '../../helpers/archive.js';
import * as b from '../../helpers/tar-builder.js';
import { mlfError, pythonPath, run } from '../../helpers/common.js';

const fixtureTars = fixtureTarPaths();

/** The MlfError code a call throws (fails the test on any other exception or on success). */
const codeOf = (f: () => unknown): string => mlfError(f).code;
const read = (bytes: Uint8Array, limits?: Parameters<typeof readTarIndexSync>[1]) => readTarIndexSync(bytes, limits);
const codeOfTar = (bytes: Uint8Array, limits = {}) => codeOf(() => readTarIndexSync(bytes, { limits }));
const paths = (bytes: Uint8Array) => read(bytes).entries.map((e) => e.path);

function permString(e: TarEntry): string {
  const bits = 'rwxrwxrwx';
  let s = e.type === 'directory' ? 'd' : '-';
  for (let i = 0; i < 9; i++) s += e.mode & (1 << (8 - i)) ? bits[i] : '-';
  return s;
}

function gnuTime(mtime: number): string {
  const whole = Math.floor(mtime);
  const iso = new Date(whole * 1000).toISOString().replace('T', ' ').slice(0, 19);
  const frac = String(mtime).split('.')[1];
  return frac ? `${iso}.${frac}` : iso;
}

/** A ByteSource that records every read. */
function countingSource(inner: ByteSource): ByteSource & { reads: [number, number][] } {
  const reads: [number, number][] = [];
  const read = (o: number, l: number) => {
    reads.push([o, l]);
    return inner.read(o, l);
  };
  return { byteLength: inner.byteLength, reads, read };
}

describe('fixtures', () => {
  it('finds the fixture tars', () => expect(fixtureTars.length).toBeGreaterThanOrEqual(11));

  it.each(fixtureTars)('%s lists like GNU tar -tvf', async (path) => {
    const bytes = new Uint8Array(readFileSync(path));
    const index = readTarIndexSync(bytes);
    expect(await readTarIndex(bytesSource(bytes))).toEqual(index);
    expect(index.root).toBe(true);
    expect(index.endMarker).toBe(true);
    expect(index.warnings).toEqual([]);
    const gnu = run('tar', ['--utc', '--full-time', '-tvf', path]).toString().trimEnd().split('\n');
    expect(gnu[0]).toMatch(/ \.\/$/);
    const ours = index.entries.map(
      (e) => `${permString(e)} ${e.uname}/${e.gname} ${e.size} ${gnuTime(e.mtime)} ${e.rawPath}`,
    );
    expect(ours).toEqual(gnu.slice(1).map((l) => l.replace(/ +/g, ' '))); // GNU pads columns
    for (const e of index.entries) {
      expect(e.path).toBe(e.rawPath.replace(/^\.\//, '').replace(/\/$/, ''));
      if (e.type !== 'file') continue;
      const data = tarEntryData(bytes, e);
      expect(Buffer.from(data).equals(run('tar', ['-xOf', path, e.rawPath]))).toBe(true);
      expect(Buffer.from(await readTarEntry(bytesSource(bytes), e)).equals(data)).toBe(true);
    }
  });

  it('agrees with Python tarfile on names, sizes, modes and fractional PAX mtimes', () => {
    const script = `
import json, sys, tarfile
out = []
for p in sys.argv[1:]:
    with tarfile.open(p) as t:
        out.append([[m.name, m.size, m.mtime, m.mode, m.isdir(), m.uid, m.gid] for m in t.getmembers() if m.name not in ('.', './')])
print(json.dumps(out))`;
    const py = JSON.parse(run(pythonPath(), ['-c', script, ...fixtureTars]).toString()) as unknown[][];
    fixtureTars.forEach((path, i) => {
      const ours = readTarIndexSync(new Uint8Array(readFileSync(path))).entries.map((e) => [
        e.rawPath.replace(/\/$/, ''),
        e.size,
        e.mtime,
        e.mode,
        e.type === 'directory',
        e.uid,
        e.gid,
      ]);
      expect(ours).toEqual(py[i]);
    });
  });

  it('reads only headers and PAX payloads, never file data', async () => {
    const bytes = new Uint8Array(readFileSync(fixtureTars.find((p) => p.includes('linkparams'))!));
    const src = countingSource(bytesSource(bytes));
    const index = await readTarIndex(src);
    const dataRanges = index.entries.filter((e) => e.size > 0).map((e) => [e.dataOffset, e.dataOffset + e.size]);
    const end = index.byteLength - 1024; // the first end block: what follows is checked to be zeros
    for (const [o, l] of src.reads) {
      if (o > end) continue;
      expect(l).toBeLessThanOrEqual(512);
      for (const [s, end] of dataRanges) expect(o + l <= s! || o >= end!).toBe(true);
    }
  });

  it('costs the same for a 3 GB member as for a small one', async () => {
    const head = b.concat(b.dir('./'), b.header({ name: './big.params', size: 3_000_000_000 }));
    const tail = b.concat(b.file('./after.txt', 'x'), b.zeroBlocks(2));
    const bigEnd = head.byteLength + 3_000_000_000;
    const source: ByteSource & { reads: number } = {
      byteLength: bigEnd + tail.byteLength,
      reads: 0,
      async read(offset, length) {
        this.reads += length;
        if (offset + length <= head.byteLength) return head.subarray(offset, offset + length);
        if (offset >= bigEnd) return tail.subarray(offset - bigEnd, offset - bigEnd + length);
        throw new Error(`read inside the data: ${offset}`);
      },
    };
    const index = await readTarIndex(source);
    expect(index.entries.map((e) => [e.path, e.size])).toEqual([
      ['big.params', 3_000_000_000],
      ['after.txt', 1],
    ]);
    expect(source.reads).toBe(5 * 512);
  });
});

describe('archives written by GNU tar and Python tarfile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mlf-src-'));
  const long = `${'segment_of_a_long_path/'.repeat(5)}${'f'.repeat(60)}.c`; // >100 bytes, >155-byte prefix split
  const files: Record<string, string> = { 'a.txt': 'alpha', 'sub/ünï.c': 'unicode', 'sub/empty': '', [long]: 'long' };
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  afterAll(() => rmSync(dir, { recursive: true }));

  const check = (bytes: Uint8Array, withLong = true) => {
    const index = readTarIndexSync(bytes);
    expect(index.endMarker).toBe(true);
    for (const [name, text] of Object.entries(files)) {
      if (!withLong && name === long) continue;
      const e = index.entries.find((x) => x.path === name);
      expect(e, name).toBeDefined();
      expect(new TextDecoder().decode(tarEntryData(bytes, e!))).toBe(text);
    }
    const listing = new Uint8Array(run('tar', ['--quoting-style=literal', '-tf', '-'], bytes));
    expect(index.entries.map((e) => e.rawPath)).toEqual(
      new TextDecoder()
        .decode(listing)
        .trimEnd()
        .split('\n')
        .filter((n) => n !== './'),
    );
  };

  it.each(['gnu', 'oldgnu', 'pax', 'ustar', 'posix'])('GNU tar --format=%s', (format) => {
    check(new Uint8Array(run('tar', ['-C', dir, `--format=${format}`, '-cf', '-', '.'])));
  });

  it('GNU tar --format=v7 (short names only)', () => {
    check(new Uint8Array(run('tar', ['-C', dir, '--format=v7', '-cf', '-', 'a.txt', 'sub'])), false);
  });

  it.each(['USTAR_FORMAT', 'GNU_FORMAT', 'PAX_FORMAT'])('Python tarfile %s', (format) => {
    const script = `import io, sys, tarfile
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode='w', format=tarfile.${format}) as t:
    t.add(sys.argv[1], arcname='.')
sys.stdout.buffer.write(buf.getvalue())`;
    check(new Uint8Array(run(pythonPath(), ['-c', script, dir])));
  });
});

describe('packTar', () => {
  const longName = `codegen/host/src/${'a_rather_long_generated_operator_name_'.repeat(4)}lib0.c`;
  const input = [
    { path: 'codegen', type: 'directory' as const },
    { path: 'codegen/host', type: 'directory' as const },
    { path: 'codegen/host/src', type: 'directory' as const },
    { path: longName, type: 'file' as const, data: new TextEncoder().encode('int x;\n') },
    {
      path: 'metadata.json',
      type: 'file' as const,
      data: new TextEncoder().encode('{"version": 7}\n'),
      mtime: 1700000000,
    },
    { path: 'src/ünïcode.txt', type: 'file' as const, data: new Uint8Array(1000).fill(7), mode: 0o600 },
    { path: 'empty.bin', type: 'file' as const },
  ];
  const tarBytes = packTar(input);

  it('is deterministic, record-padded and TVM-shaped', () => {
    expect(packTar(input)).toEqual(tarBytes);
    expect(tarBytes.byteLength % 10240).toBe(0);
    const index = read(tarBytes);
    expect(index.root).toBe(true);
    expect(index.endMarker).toBe(true);
    expect(index.entries.map((e) => e.path)).toEqual(input.map((e) => e.path));
    expect(index.entries[0]).toMatchObject({
      rawPath: './codegen/',
      mode: 0o755,
      uname: 'root',
      gname: 'root',
      uid: 0,
      mtime: 0,
    });
    expect(index.entries[3]).toMatchObject({ rawPath: `./${longName}`, mode: 0o644, size: 7 });
    expect(index.entries[4]!.mtime).toBe(1700000000);
    expect(index.entries[5]).toMatchObject({ mode: 0o600, size: 1000 });
    expect(tarEntryData(tarBytes, index.entries[5]!)).toEqual(new Uint8Array(1000).fill(7));
    expect(new TextDecoder().decode(tarBytes.subarray(0, 3))).toBe('./\0');
  });

  it('reads back in GNU tar (listing and contents)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mlf-tar-'));
    try {
      const path = join(dir, 'out.tar');
      writeFileSync(path, tarBytes);
      const names = run('tar', ['--quoting-style=literal', '-tf', path]).toString().trimEnd().split('\n');
      expect(names).toEqual([
        './',
        './codegen/',
        './codegen/host/',
        './codegen/host/src/',
        `./${longName}`,
        './metadata.json',
        './src/ünïcode.txt',
        './empty.bin',
      ]);
      expect(run('tar', ['-xOf', path, `./${longName}`]).toString()).toBe('int x;\n');
      expect(run('tar', ['-xOf', path, './metadata.json']).toString()).toBe('{"version": 7}\n');
      expect(run('tar', ['-xOf', path, './src/ünïcode.txt'])).toEqual(Buffer.alloc(1000, 7));
      const verbose = run('tar', ['--utc', '-tvf', path]).toString();
      expect(verbose).toMatch(/-rw-r--r-- root\/root +15 2023-11-14 22:13 \.\/metadata\.json/);
      expect(spawnSync('tar', ['-tf', path]).stderr.toString()).toBe('');
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('reads back in Python tarfile, including the >100-byte PAX name', () => {
    const script = `
import io, sys, tarfile, json
t = tarfile.open(fileobj=io.BytesIO(sys.stdin.buffer.read()))
print(json.dumps([[m.name, m.size, m.isdir(), m.uname, (t.extractfile(m).read().decode('latin-1') if m.isfile() and m.size < 100 else None)] for m in t.getmembers()]))`;
    const py = JSON.parse(run(pythonPath(), ['-c', script], tarBytes).toString());
    expect(py[0]).toEqual(['.', 0, true, 'root', null]);
    expect(py[4]).toEqual([`./${longName}`, 7, false, 'root', 'int x;\n']);
    expect(py[6]).toEqual(['./src/ünïcode.txt', 1000, false, 'root', null]);
    expect(py.length).toBe(8);
  });

  it('writes plain names without prefixDotSlash', () => {
    const t = packTar([{ path: 'a.txt', type: 'file', data: new Uint8Array([1]) }], {
      prefixDotSlash: false,
      mtime: 5,
    });
    const index = read(t);
    expect(index.root).toBe(false);
    expect(index.entries).toMatchObject([{ path: 'a.txt', rawPath: 'a.txt', mtime: 5 }]);
    expect(t.byteLength).toBe(10240);
  });

  it('refuses unsafe, root and duplicate paths', () => {
    expect(codeOf(() => packTar([{ path: '../x', type: 'file' }]))).toBe('MLF-E005');
    expect(codeOf(() => packTar([{ path: '.', type: 'directory' }]))).toBe('MLF-E005');
    expect(
      codeOf(() =>
        packTar([
          { path: 'a', type: 'file' },
          { path: './a', type: 'file' },
        ]),
      ),
    ).toBe('MLF-E006');
    expect(codeOf(() => packTar([{ path: 'a', type: 'file', mtime: -1 }]))).toBe('MLF-E003');
  });
});

describe('accepted dialects', () => {
  it('reads ustar prefix, GNU magic, v7 headers and odd octal spellings', () => {
    const t = b.tar([
      b.file('name.c', 'abc', { prefix: 'some/dir' }),
      b.file('gnu.c', 'x', { magic: 'gnu' }),
      b.file('v7.c', 'yy', { magic: 'v7' }),
      b.entry({ name: 'v7dir/', typeflag: '\0', magic: 'v7' }),
      b.file('spaces.c', '12345', { size: '     5 ', mode: ' 644 \0', mtime: '17\0\0\0\0\0\0\0\0\0\0' }),
      b.file('full.c', 'z', { size: '00000000001', uid: '00000017' }),
      b.file('b256.c', 'q'.repeat(300), { size: b.base256(300n, 12), uid: b.base256(70000n, 8) }),
      b.file('allnul.c', '', { size: new Uint8Array(12), mtime: new Uint8Array(12) }),
    ]);
    const index = read(t);
    expect(index.entries.map((e) => [e.path, e.type, e.size])).toEqual([
      ['some/dir/name.c', 'file', 3],
      ['gnu.c', 'file', 1],
      ['v7.c', 'file', 2],
      ['v7dir', 'directory', 0],
      ['spaces.c', 'file', 5],
      ['full.c', 'file', 1],
      ['b256.c', 'file', 300],
      ['allnul.c', 'file', 0],
    ]);
    expect(index.entries[2]).toMatchObject({ uname: '', gname: '' });
    expect(index.entries[4]).toMatchObject({ mode: 0o644, mtime: 0o17 });
    expect(index.entries[5]!.uid).toBe(0o17);
    expect(index.entries[6]!.uid).toBe(70000);
    expect(new TextDecoder().decode(tarEntryData(t, index.entries[0]!))).toBe('abc');
  });

  it('accepts a signed checksum', () => {
    const t = b.tar([b.file('ünï.c', 'x', { checksum: 'signed', uname: 'ü'.repeat(10) })]);
    expect(paths(t)).toEqual(['ünï.c']);
  });

  it('honours PAX path, size, mtime, uid, gid, uname, gname', () => {
    const long = `${'d/'.repeat(60)}file.c`;
    const t = b.tar([
      b.pax({ path: long, size: '5', mtime: '1795292062.4480178', uid: '1000', gid: '1001', uname: 'me', gname: 'us' }),
      b.header({ name: 'short', size: 0 }),
      b.padBlock('hello'),
    ]);
    const [e] = read(t).entries;
    expect(e).toMatchObject({
      path: long,
      rawPath: long,
      size: 5,
      mtime: 1795292062.4480178,
      uid: 1000,
      gid: 1001,
      uname: 'me',
      gname: 'us',
    });
    expect(new TextDecoder().decode(tarEntryData(t, e!))).toBe('hello');
  });

  it('applies PAX global mtime/uname to later entries, local records win', () => {
    const t = b.tar([
      b.pax({ mtime: '42', uname: 'global' }, { typeflag: 'g' }),
      b.file('a', 'x'),
      b.pax({ mtime: '7.5' }),
      b.file('b', 'y'),
    ]);
    expect(read(t).entries.map((e) => [e.mtime, e.uname])).toEqual([
      [42, 'global'],
      [7.5, 'global'],
    ]);
  });

  it('refuses NUL padding after PAX records (bsdtar ignores such a header) (E007)', () => {
    const payload = b.concat(b.paxRecord('path', 'second'), new Uint8Array(7));
    expect(codeOfTar(b.tar([b.pax(payload), b.file('hdr', 'x')]))).toBe('MLF-E007');
  });

  it('reads GNU long names and a matching PAX path', () => {
    const long = `${'x'.repeat(150)}.c`;
    expect(paths(b.tar([b.gnuLongName(long), b.file(long.slice(0, 100), 'x', { magic: 'gnu' })]))).toEqual([long]);
    expect(paths(b.tar([b.gnuLongName(long), b.pax({ path: long }), b.file('x', 'x')]))).toEqual([long]);
  });

  it('normalises ./ prefixes and trailing slashes, and records the root', () => {
    const t = b.tar([b.dir('./'), b.dir('././a/'), b.file('./a/b.c', 'x'), b.dir('a/c//')]);
    const index = read(t);
    expect(index.root).toBe(true);
    expect(index.entries.map((e) => [e.path, e.rawPath])).toEqual([
      ['a', '././a/'],
      ['a/b.c', './a/b.c'],
      ['a/c', 'a/c//'],
    ]);
    expect(paths(b.tar([b.dir('.')]))).toEqual([]);
  });
});

describe('refusals', () => {
  it.each(['1', '2', '3', '4', '6', '7', 'K', 'V', 'M', 'S', 'N', 'D', 'A', 'Z', '8', '\x80'])(
    'typeflag %j is E004 before any data is read',
    async (flag) => {
      // Declares a size that would be over every limit and past EOF: the type check comes first.
      const t = b.tar([b.header({ name: 'link', typeflag: flag, linkname: '/etc/passwd', size: 0o77777777777 })]);
      expect(codeOfTar(t, { maxMemberBytes: 1 })).toBe('MLF-E004');
      const src = countingSource(bytesSource(t));
      await expect(readTarIndex(src)).rejects.toMatchObject({ code: 'MLF-E004', offset: 0 });
      expect(src.reads).toEqual([[0, 512]]);
    },
  );

  it('refuses links named through PAX, and sparse files', () => {
    const e = (() => {
      try {
        read(b.tar([b.pax({ path: 'ok', linkpath: '/etc/shadow' }), b.header({ name: 'x', typeflag: '2' })]));
      } catch (err) {
        return err as MlfError;
      }
    })();
    expect(e).toMatchObject({ code: 'MLF-E004', offset: 1024 });
    expect(e!.message).toContain('/etc/shadow');
    expect(codeOfTar(b.tar([b.pax({ 'GNU.sparse.major': '1', 'GNU.sparse.minor': '0' }), b.file('s', 'x')]))).toBe(
      'MLF-E004',
    );
  });

  it('checks the header checksum (E001)', () => {
    expect(codeOfTar(b.tar([b.file('a', 'x', { checksum: 'bad' })]))).toBe('MLF-E001');
    expect(codeOfTar(b.tar([b.file('a', 'x', { checksum: '0000000\0' })]))).toBe('MLF-E001');
    expect(codeOfTar(b.tar([b.file('a', 'x', { checksum: 'zzzzzz\0 ' })]))).toBe('MLF-E001');
    expect(codeOfTar(b.tar([b.file('a', 'x', { checksum: '        ' })]))).toBe('MLF-E001');
    expect(codeOfTar(new TextEncoder().encode('x'.repeat(2048)))).toBe('MLF-E001');
  });

  it.each([
    ['non-octal size', { size: '0000000001a\0' }],
    ['8 in size', { size: '00000000008\0' }],
    ['space inside digits', { size: '000 0000001\0' }],
    ['negative base-256 size', { size: b.base256(5n, 12, true) }],
    ['base-256 marker 0x81', { size: b.concat(new Uint8Array([0x81]), new Uint8Array(11)) }],
    ['huge base-256 size', { size: new Uint8Array(12).fill(0xff).fill(0x80, 0, 1) }],
    ['non-octal mtime', { mtime: '-0000000001\0' }],
    ['negative base-256 uid', { uid: b.base256(1n, 8, true) }],
    ['non-octal mode', { mode: '0000x44\0' }],
  ])('refuses a bad numeric field (%s) with E003', (_, spec) => {
    expect(codeOfTar(b.tar([b.entry({ name: 'f', ...spec }, '')]))).toBe('MLF-E003');
  });

  it('refuses a directory with data (E003)', () => {
    expect(codeOfTar(b.tar([b.entry({ name: 'd/', typeflag: '5' }, 'hidden header')]))).toBe('MLF-E003');
  });

  const unsafe = [
    '/etc/passwd',
    '//x',
    '////x',
    'C:x',
    'c:/x',
    'C:..\\x',
    'C:\\x',
    '\\\\srv\\share\\x',
    'a\\..\\..\\x',
    '..',
    '../x',
    'a/../../x',
    './../x',
    'a/..',
    'a//b',
    'a/./b',
    './/x',
  ];
  it.each(unsafe)('refuses the unsafe name %j (E005) in the header, PAX path and GNU long name', (name) => {
    expect(codeOfTar(b.tar([b.file(name, 'x')]))).toBe('MLF-E005');
    expect(codeOfTar(b.tar([b.pax({ path: name }), b.file('fine', 'x')]))).toBe('MLF-E005');
    expect(codeOfTar(b.tar([b.gnuLongName(name), b.file('fine', 'x', { magic: 'gnu' })]))).toBe('MLF-E005');
    expect(codeOf(() => normalizeMemberPath(name))).toBe('MLF-E005');
  });

  it('refuses other unsafe names (E005)', () => {
    expect(codeOfTar(b.tar([b.pax({ path: 'a\0b' }), b.file('fine', 'x')]))).toBe('MLF-E005');
    expect(codeOfTar(b.tar([b.file('x', 'x', { prefix: '..' })]))).toBe('MLF-E005');
    expect(codeOfTar(b.tar([b.file('.', '')]))).toBe('MLF-E005');
    expect(codeOfTar(b.tar([b.entry({ name: new Uint8Array([0x61, 0xff, 0xfe]) }, 'x')]))).toBe('MLF-E005');
    expect(codeOfTar(b.tar([b.header({ name: '', typeflag: '0', mode: 0o644 })]))).toBe('MLF-E005');
    expect(codeOf(() => normalizeMemberPath(''))).toBe('MLF-E005');
    expect(normalizeMemberPath('./')).toBe('');
    expect(normalizeMemberPath('././a/b/')).toBe('a/b');
  });

  it('enforces path length and depth limits (E009)', () => {
    expect(codeOfTar(b.tar([b.pax({ path: 'a'.repeat(5000) }), b.file('x', 'x')]))).toBe('MLF-E009');
    expect(codeOfTar(b.tar([b.file('abcdef', 'x')]), { maxPathBytes: 5 })).toBe('MLF-E009');
    expect(codeOfTar(b.tar([b.pax({ path: `${'a/'.repeat(64)}f` }), b.file('x', 'x')]))).toBe('MLF-E009');
    expect(paths(b.tar([b.pax({ path: `${'a/'.repeat(63)}f` }), b.file('x', 'x')]))).toHaveLength(1);
    expect(codeOfTar(b.tar([b.file('a/b/c', 'x')]), { maxPathDepth: 2 })).toBe('MLF-E009');
  });

  it.each([
    ['the same name twice', [b.file('a', 'x'), b.file('a', 'y')]],
    ['./a and a', [b.file('./a', 'x'), b.file('a', 'y')]],
    ['a file and a directory', [b.file('a', 'x'), b.dir('a/')]],
    ['a directory and a file', [b.dir('./a/'), b.file('a', 'x')]],
    ['case-only difference', [b.file('metadata.json', 'x'), b.file('Metadata.JSON', 'y')]],
    ['NFC and NFD', [b.file('caf\u00e9', 'x'), b.file('cafe\u0301', 'y')]],
    ['sharp s', [b.file('stra\u00dfe', 'x'), b.file('STRASSE', 'y')]],
    ['a file used as a directory', [b.file('a', 'x'), b.file('a/b', 'y')]],
    ['a directory implied, then a file', [b.file('A/b', 'x'), b.file('a', 'y')]],
    ['two root entries', [b.dir('./'), b.dir('.')]],
  ])('refuses duplicates: %s (E006)', (_, parts) => {
    expect(codeOfTar(b.tar(parts as Uint8Array[]))).toBe('MLF-E006');
  });

  it.each([
    ['length too long', '99 path=x\n'],
    ['length too short', '5 path=x\n'],
    ['no length', 'path=x\n'],
    ['no space', '10path=xy\n'],
    ['no equals sign', '10 pathxy\n'],
    ['empty key', '6 =xy\n'],
    ['garbage after NUL padding', '9 path=x\n\0\0junk'],
    ['huge length', `${'9'.repeat(40)} path=x\n`],
  ])('refuses a malformed PAX record (%s) with E007', (_, payload) => {
    expect(codeOfTar(b.tar([b.pax(payload), b.file('f', 'x')]))).toBe('MLF-E007');
  });

  it('refuses bad PAX values and malformed extended headers (E007)', () => {
    const bad = (recs: [string, string | Uint8Array][]) => codeOfTar(b.tar([b.pax(recs), b.file('f', 'x')]));
    expect(bad([['path', new Uint8Array([0x61, 0xc3])]])).toBe('MLF-E007');
    expect(bad([['size', '-1']])).toBe('MLF-E007');
    expect(bad([['size', '+1']])).toBe('MLF-E007');
    expect(bad([['size', ' 1']])).toBe('MLF-E007');
    expect(bad([['size', '0_1']])).toBe('MLF-E007');
    expect(bad([['size', '1e3']])).toBe('MLF-E007');
    expect(bad([['size', '9'.repeat(30)]])).toBe('MLF-E007');
    expect(bad([['mtime', 'yesterday']])).toBe('MLF-E007');
    expect(bad([['uid', '-3']])).toBe('MLF-E007');
    expect(codeOfTar(b.tar([b.pax({ path: 'a' }), b.pax({ path: 'b' }), b.file('f', 'x')]))).toBe('MLF-E007');
    expect(codeOfTar(b.tar([b.gnuLongName('a'), b.gnuLongName('b'), b.file('f', 'x')]))).toBe('MLF-E007');
    expect(codeOfTar(b.tar([b.pax({ path: 'a' }, { typeflag: 'g' }), b.file('f', 'x')]))).toBe('MLF-E007');
    expect(codeOfTar(b.tar([b.pax({ size: '3' }, { typeflag: 'g' }), b.file('f', 'x')]))).toBe('MLF-E007');
    expect(codeOfTar(b.tar([b.file('f', 'x'), b.pax({ path: 'dangling' })]))).toBe('MLF-E007');
  });

  it('refuses extended headers that tar readers apply differently (E015)', () => {
    const one = (...parts: Uint8Array[]) => codeOfTar(b.tar([...parts, b.file('f', 'x')]));
    for (const key of ['size', 'path', 'mtime', 'uid', 'uname', 'comment'])
      expect(one(b.pax([[key, '']])), key).toBe('MLF-E015');
    expect(one(b.pax([['mtime', '']], { typeflag: 'g' }))).toBe('MLF-E015');
    expect(
      one(
        b.pax([
          ['path', 'one'],
          ['path', 'two'],
        ]),
      ),
    ).toBe('MLF-E015');
    expect(
      one(
        b.pax([
          ['mtime', '1'],
          ['mtime', '1'],
        ]),
      ),
    ).toBe('MLF-E015');
    expect(one(b.pax([['path\0x', 'evil']]))).toBe('MLF-E015');
    expect(one(b.pax([['pa th', 'evil']]))).toBe('MLF-E015');
    expect(one(b.gnuLongName('a'), b.pax({ path: 'b' }))).toBe('MLF-E015');
    expect(one(b.pax({ path: 'b' }), b.gnuLongName('a'))).toBe('MLF-E015');
    expect(one(b.pax({ path: 'a' }), b.pax({ mtime: '5' }, { typeflag: 'g' }))).toBe('MLF-E015');
    // Records or name bytes in the padding: CPython reads the whole padded block.
    const padded = (head: Uint8Array, extra: string) => {
      const out = new Uint8Array(head);
      const size = Number.parseInt(new TextDecoder().decode(out.subarray(124, 135)), 8);
      out.set(new TextEncoder().encode(extra), 512 + size);
      return out;
    };
    expect(one(padded(b.pax({ mtime: '1' }), '17 path=evil.c\n'))).toBe('MLF-E015');
    expect(one(padded(b.gnuLongName('abcd'), 'efgh'))).toBe('MLF-E015');
    // The same records without ambiguity are read.
    expect(paths(b.tar([b.gnuLongName('a'), b.pax({ path: 'a' }), b.file('f', 'x')]))).toEqual(['a']);
  });

  it('refuses names whose trailing "/" disagrees with the type (E013)', () => {
    const data = b.tar([b.file('evil.c', 'EVIL')]);
    const one = (...parts: Uint8Array[]) => codeOfTar(b.tar(parts));
    expect(one(b.file('file/', 'x'))).toBe('MLF-E013');
    expect(one(b.entry({ name: 'd/', typeflag: '0' }, data))).toBe('MLF-E013');
    expect(one(b.pax({ path: 'd' }), b.entry({ name: 'd/', typeflag: '\0' }, data))).toBe('MLF-E013');
    expect(one(b.pax({ path: 'd/' }), b.entry({ name: 'd', typeflag: '\0' }))).toBe('MLF-E013');
    expect(one(b.gnuLongName('d'), b.entry({ name: 'd/', typeflag: '\0' }, data))).toBe('MLF-E013');
    expect(one(b.gnuLongName('d/'), b.entry({ name: 'd', typeflag: '\0' }))).toBe('MLF-E013');
    expect(one(b.pax({ path: 'd/' }), b.file('d', ''))).toBe('MLF-E013');
    expect(one(b.entry({ name: '', prefix: 'p', typeflag: '\0' }))).toBe('MLF-E013');
    // Agreeing names: a v7-style folder (type NUL, trailing slash everywhere) and a '5' without one.
    expect(read(b.tar([b.pax({ path: 'd/' }), b.entry({ name: 'd/', typeflag: '\0' })])).entries).toMatchObject([
      { path: 'd', type: 'directory' },
    ]);
    expect(read(b.tar([b.entry({ name: 'e', typeflag: '5' })])).entries).toMatchObject([
      { path: 'e', type: 'directory' },
    ]);
  });

  it('refuses a prefix field in GNU and v7 headers (E014) and unreadable device numbers (E003)', () => {
    const prefixed = (magic: 'gnu' | 'v7') =>
      codeOfTar(b.tar([b.file('default_lib0.c', 'x', { magic, prefix: 'codegen/host/src' })]));
    expect(prefixed('gnu')).toBe('MLF-E014');
    expect(prefixed('v7')).toBe('MLF-E014');
    expect(paths(b.tar([b.file('x.c', 'x', { magic: 'ustar', prefix: 'p' })]))).toEqual(['p/x.c']);
    const devmajor = { offset: 329, bytes: 'zz\0' };
    expect(codeOfTar(b.tar([b.file('a', 'x', { patches: [devmajor] })]))).toBe('MLF-E003');
    expect(codeOfTar(b.tar([b.pax({ mtime: '1' }, { patches: [devmajor] }), b.file('a', 'x')]))).toBe('MLF-E003');
  });

  it('enforces entry, member, total and extended-header limits (E009)', () => {
    const three = b.tar([b.file('a', 'xx'), b.file('b', 'yy'), b.file('c', 'zz')]);
    expect(read(three, { limits: { maxEntries: 3, maxMemberBytes: 2, maxTotalBytes: 6 } }).entries).toHaveLength(3);
    expect(codeOfTar(three, { maxEntries: 2 })).toBe('MLF-E009');
    expect(codeOfTar(three, { maxMemberBytes: 1 })).toBe('MLF-E009');
    expect(codeOfTar(three, { maxTotalBytes: 5 })).toBe('MLF-E009');
    expect(
      codeOfTar(b.tar([b.pax({ path: 'a'.repeat(600) }), b.file('f', 'x')]), { maxExtendedHeaderBytes: 512 }),
    ).toBe('MLF-E009');
    expect(codeOfTar(b.tar([b.gnuLongName('a'.repeat(600)), b.file('f', 'x')]), { maxExtendedHeaderBytes: 512 })).toBe(
      'MLF-E009',
    );
    // A huge declared size is a limit problem, not an allocation.
    expect(codeOfTar(b.tar([b.header({ name: 'f', size: b.base256(2n ** 52n, 12) })]))).toBe('MLF-E009');
  });
});

describe('end of archive', () => {
  const body = b.concat(b.dir('./'), b.file('./a.txt', 'hello'));

  it('stops at two zero blocks; only zeros may follow', () => {
    const index = read(b.concat(body, b.zeroBlocks(2), new Uint8Array(8000)));
    expect(index).toMatchObject({ endMarker: true, warnings: [], byteLength: body.byteLength + 1024 });
    expect(index.entries.map((e) => e.path)).toEqual(['a.txt']);
  });

  it.each([
    ['a member after the end marker', b.concat(body, b.zeroBlocks(2), b.file('hidden', 'x'), b.zeroBlocks(2))],
    ['garbage after the end marker', b.concat(body, b.zeroBlocks(2), new Uint8Array(100).fill(0x55))],
    ['one byte deep in the record padding', b.concat(body, b.zeroBlocks(19), new Uint8Array([1]))],
    ['a member after a lone zero block', b.concat(body, b.zeroBlocks(1), b.file('hidden', 'x'), b.zeroBlocks(2))],
  ])('refuses %s (E017): tar -i and tarfile(ignore_zeros=True) would read it', (_, t) => {
    expect(codeOfTar(t)).toBe('MLF-E017');
  });

  it.each([
    ['no zero block', 0, body.byteLength],
    ['one zero block', 1, body.byteLength + 512],
  ])('warns MLF-W001 with %s', (_, n, end) => {
    const index = read(b.concat(body, b.zeroBlocks(n)));
    expect(index.endMarker).toBe(false);
    expect(index.byteLength).toBe(end);
    expect(index.warnings).toMatchObject([{ code: 'MLF-W001', severity: 'warning' }]);
    expect(index.entries).toHaveLength(1);
  });

  it('refuses data past EOF (E002), a partial header (E002), empty input (E010)', () => {
    expect(codeOfTar(b.concat(b.header({ name: 'f', size: 10_000 }), b.zeroBlocks(3)))).toBe('MLF-E002');
    expect(codeOfTar(b.concat(body, b.header({ name: 'g' }).subarray(0, 100)))).toBe('MLF-E002');
    expect(codeOfTar(new Uint8Array(0))).toBe('MLF-E010');
  });

  it('reports MlfError offsets and member names', () => {
    const bad = b.tar([b.file('a', 'x'), b.file('b', 'x', { checksum: 'bad' })]);
    expect(() => read(bad)).toThrow(
      expect.objectContaining({
        code: 'MLF-E001',
        offset: 1024,
        message: expect.stringMatching(/^tar: header checksum at offset 1024/),
      }),
    );
    const dup = b.tar([b.file('a', 'x'), b.file('a', 'x')]);
    expect(() => read(dup)).toThrow(expect.objectContaining({ code: 'MLF-E006', offset: 1024, member: 'a' }));
    expect(() => tarEntryData(new Uint8Array(10), { path: 'x', dataOffset: 512, size: 1 } as TarEntry)).toThrow(
      MlfError,
    );
  });
});
