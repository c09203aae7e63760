/**
 * The malicious-archive corpus of test/security/malicious*.test.ts: one case per attack, by case group of
 * docs/security.md, "The malicious-archive corpus" (1-17), each built from code with the documented code the reader gives.
 */
import { gzipSync } from 'node:zlib';
import type { Limits } from '../../src/core/common/limits.js';
import { run } from './common.js';
import { b, editedMlf, editJson, editParams, GRAPH, META, mlfEntries, withMlf } from './hostile.js';

/** An archive on disk: bytes, or a sparse file of `size` bytes with blocks at offsets. */
export type Made = Uint8Array | { size: number; blocks: [number, Uint8Array][] };

/** One attack. */
export interface Case {
  /** Group (1-17) of docs/security.md, "The malicious-archive corpus". */
  group: number;
  name: string;
  make: () => Made;
  /** The code the reader gives (error or warning), or 'valid' for none. */
  code: string;
  /** The code `mlf unpack` (default limits) exits with, or null when it extracts. Default: `code` for tar-level errors (groups 1-13 without `limits`), else null. */
  unpack?: string | null;
  /** Limits for the reader (the CLI always runs with the defaults). */
  limits?: Partial<Limits>;
  ext?: string;
  /** 16 MiB or more of data, or tens of thousands of entries, keys or records: a system test (malicious.system.test.ts). */
  big?: true;
}

const GiB = 1024 ** 3;
const x = (name: string, data: Uint8Array | string = 'x', spec: b.HeaderSpec = {}) => withMlf(b.file(name, data, spec));
const raw = (spec: b.HeaderSpec, data: Uint8Array | string = '') => withMlf(b.entry(spec, data));
const link = (typeflag: string, name: string, linkname: string) => raw({ name, typeflag, linkname });
const u64 = (v: DataView, at: number, n: bigint) => v.setBigUint64(at, n, true);
const i64 = (v: DataView, at: number, n: bigint) => v.setBigInt64(at, n, true);
const zeros = (n: number) => new Uint8Array(n);
const metaText = (s: string) => editedMlf((f) => f.set(META, new TextEncoder().encode(s)));
const META_V7 = (extra: string) =>
  `{"modules":{"default":{"executors":["graph"],"export_datetime":"2024-01-01 00:00:00Z","memory":{"functions":{"main":[],"operator_functions":[]},"sids":[]},"model_name":"default","style":"full-model","target":["c"]${extra}}},"version":7}`;

const HIDDEN_TAR = () => b.tar([b.file('codegen/host/src/default_lib0.c', 'evil')]);
/** An extended header with `extra` written into the zero padding after its payload. */
const dirtyPadding = (head: Uint8Array, extra: string) => {
  const out = new Uint8Array(head);
  const size = Number.parseInt(new TextDecoder().decode(out.subarray(124, 135)), 8);
  out.set(new TextEncoder().encode(extra), 512 + size);
  return out;
};
const skippableFrame = (payload: Uint8Array) => {
  const out = new Uint8Array(8 + payload.byteLength);
  new DataView(out.buffer).setUint32(0, 0x184d2a50, true);
  new DataView(out.buffer).setUint32(4, payload.byteLength, true);
  out.set(payload, 8);
  return out;
};

/** Every case. */
export const CASES: Case[] = [
  // 1. ".." and look-alikes (look-alikes are plain names: extracted, never resolved)
  { group: 1, name: '../evil', make: () => x('../evil'), code: 'MLF-E005' },
  { group: 1, name: 'a/../../evil', make: () => x('a/../../evil'), code: 'MLF-E005' },
  { group: 1, name: './../evil', make: () => x('./../evil'), code: 'MLF-E005' },
  { group: 1, name: 'a/./b (dot segment)', make: () => x('a/./b'), code: 'MLF-E005' },
  { group: 1, name: 'two-dot leader \\u2025/evil is a plain name', make: () => x('\u2025/evil'), code: 'MLF-W101' },
  { group: 1, name: 'full-width ．．/evil is a plain name', make: () => x('\uff0e\uff0e/evil'), code: 'MLF-W101' },
  { group: 1, name: 'percent-encoded %2e%2e/evil is a plain name', make: () => x('%2e%2e/evil'), code: 'MLF-W101' },
  // 2. absolute, drive, UNC and backslash paths
  { group: 2, name: '/etc/x', make: () => x('/etc/x'), code: 'MLF-E005' },
  { group: 2, name: '//x', make: () => x('//x'), code: 'MLF-E005' },
  { group: 2, name: '////x', make: () => x('////x'), code: 'MLF-E005' },
  { group: 2, name: 'C:\\x', make: () => x('C:\\x'), code: 'MLF-E005' },
  { group: 2, name: 'C:/x', make: () => x('C:/x'), code: 'MLF-E005' },
  { group: 2, name: 'drive-relative C:..\\x', make: () => x('C:..\\x'), code: 'MLF-E005' },
  { group: 2, name: 'drive-relative c:x', make: () => x('c:x'), code: 'MLF-E005' },
  { group: 2, name: 'UNC \\\\srv\\x', make: () => x('\\\\srv\\x'), code: 'MLF-E005' },
  { group: 2, name: 'backslashes a\\..\\..\\x', make: () => x('a\\..\\..\\x'), code: 'MLF-E005' },
  // 3. NUL, trailing slash on a file, empty and "." names
  { group: 3, name: 'NUL in the name field ends the name', make: () => x('extra.txt\0../../evil'), code: 'MLF-W101' },
  {
    group: 3,
    name: 'NUL in a PAX path',
    make: () => withMlf(b.pax({ path: 'ok\0../../x' }), b.file('placeholder', 'x')),
    code: 'MLF-E005',
  },
  { group: 3, name: 'regular file named x/', make: () => x('x/'), code: 'MLF-E013' },
  { group: 3, name: 'empty name', make: () => x(''), code: 'MLF-E005' },
  { group: 3, name: '"." as a regular file', make: () => x('.'), code: 'MLF-E005' },
  { group: 3, name: 'a second root entry', make: () => withMlf(b.dir('./'), b.dir('./')), code: 'MLF-E006' },
  // 4. duplicates and collisions after case folding, NFC/NFKC, ignorables
  { group: 4, name: 'duplicate member', make: () => withMlf(b.file('a', '1'), b.file('a', '2')), code: 'MLF-E006' },
  {
    group: 4,
    name: 'duplicate metadata.json',
    make: () => x('./metadata.json', '{"version": 7, "modules": {}}'),
    code: 'MLF-E006',
  },
  { group: 4, name: 'Metadata.json beside metadata.json', make: () => x('Metadata.json', '{}'), code: 'MLF-E006' },
  {
    group: 4,
    name: 'straße vs strasse',
    make: () => withMlf(b.file('straße.txt'), b.file('strasse.txt')),
    code: 'MLF-E006',
  },
  {
    group: 4,
    name: 'é NFC vs NFD',
    make: () => withMlf(b.file('caf\u00e9.txt'), b.file('cafe\u0301.txt')),
    code: 'MLF-E006',
  },
  {
    group: 4,
    name: 'zero-width non-joiner twin of metadata.json',
    make: () => x('meta\u200cdata.json', '{}'),
    code: 'MLF-E006',
  },
  { group: 4, name: 'Kelvin sign vs k', make: () => withMlf(b.file('\u212a.txt'), b.file('k.txt')), code: 'MLF-E006' },
  {
    group: 4,
    name: 'full-width Ａ vs a',
    make: () => withMlf(b.file('\uff21.txt'), b.file('a.txt')),
    code: 'MLF-E006',
  },
  { group: 4, name: 'file, then a file under it', make: () => withMlf(b.file('a'), b.file('a/b')), code: 'MLF-E006' },
  {
    group: 4,
    name: 'folder, then a file of the same name',
    make: () => withMlf(b.dir('a/'), b.file('a')),
    code: 'MLF-E006',
  },
  // 5. prefix/long-name/PAX overrides and over-long names
  {
    group: 5,
    name: 'ustar prefix ".." joined with the name',
    make: () => x('x', 'x', { prefix: '..' }),
    code: 'MLF-E005',
  },
  {
    group: 5,
    name: 'ustar prefix + name of 200 bytes is a plain name',
    make: () => x('n'.repeat(90), 'x', { prefix: 'p'.repeat(110) }),
    code: 'MLF-W101',
  },
  {
    group: 5,
    name: 'GNU long name ../x',
    make: () => withMlf(b.gnuLongName('../x'), b.file('innocent', 'x', { magic: 'gnu' })),
    code: 'MLF-E005',
  },
  {
    group: 5,
    name: 'GNU long link name (K)',
    make: () => raw({ name: '././@LongLink', typeflag: 'K', magic: 'gnu' }, '/etc/passwd\0'),
    code: 'MLF-E004',
  },
  {
    group: 5,
    name: 'PAX path ../x overrides a safe name',
    make: () => withMlf(b.pax({ path: '../x' }), b.file('innocent', 'x')),
    code: 'MLF-E005',
  },
  {
    group: 5,
    name: 'PAX path /etc/passwd',
    make: () => withMlf(b.pax({ path: '/etc/passwd' }), b.file('innocent', 'x')),
    code: 'MLF-E005',
  },
  {
    group: 5,
    name: 'PAX linkpath on a regular file is ignored',
    make: () => withMlf(b.pax({ linkpath: '/etc/passwd' }), b.file('extra.txt', 'x')),
    code: 'MLF-W101',
  },
  {
    group: 5,
    name: 'GNU long name and PAX path disagree',
    make: () => withMlf(b.gnuLongName('a.txt'), b.pax({ path: 'b.txt' }), b.file('c.txt')),
    code: 'MLF-E015',
  },
  {
    group: 5,
    name: 'PAX path over PATH_MAX (maxPathBytes)',
    make: () => withMlf(b.pax({ path: `${'d/'.repeat(2000)}${'f'.repeat(200)}` }), b.file('x')),
    code: 'MLF-E009',
  },
  {
    group: 5,
    name: 'segment over NAME_MAX: read, but unpack refuses before writing',
    make: () => withMlf(b.pax({ path: 'n'.repeat(300) }), b.file('x')),
    code: 'MLF-W101',
    unpack: 'MLF-E005',
  },
  {
    group: 5,
    name: '65 levels deep (maxPathDepth)',
    make: () => withMlf(b.pax({ path: `${'d/'.repeat(64)}f` }), b.file('x')),
    code: 'MLF-E009',
  },
  {
    group: 10,
    name: '1025 levels deep (CVE-2024-28863)',
    make: () => withMlf(b.pax({ path: `${'d/'.repeat(1025)}f` }), b.file('x')),
    code: 'MLF-E009',
  },
  // 6. symlinks
  {
    group: 5,
    name: 'type NUL, header name d/, PAX path d: tarfile parses the data as members (issue 13, 5B)',
    make: () => withMlf(b.pax({ path: 'd' }), b.entry({ name: 'd/', typeflag: '\0' }, HIDDEN_TAR())),
    code: 'MLF-E013',
  },
  {
    group: 5,
    name: 'type NUL, header name d/, GNU long name d (5C)',
    make: () => withMlf(b.gnuLongName('d'), b.entry({ name: 'd/', typeflag: '\0' }, HIDDEN_TAR())),
    code: 'MLF-E013',
  },
  {
    group: 5,
    name: 'GNU magic with a prefix field: tarfile joins it (5D)',
    make: () => x('default_lib0.c', 'evil', { magic: 'gnu', prefix: 'codegen/host/src' }),
    code: 'MLF-E014',
  },
  {
    group: 5,
    name: 'v7 header with a prefix field: tarfile joins it (5E)',
    make: () => x('default_lib0.c', 'evil', { magic: 'v7', prefix: 'codegen/host/src' }),
    code: 'MLF-E014',
  },
  { group: 6, name: 'symlink to an absolute path', make: () => link('2', 'passwd', '/etc/passwd'), code: 'MLF-E004' },
  { group: 6, name: 'symlink escaping with ..', make: () => link('2', 'up', '../../x'), code: 'MLF-E004' },
  {
    group: 6,
    name: 'symlink over a folder, then a file through it (CVE-2021-32803)',
    make: () => withMlf(b.dir('d/'), b.entry({ name: 'd', typeflag: '2', linkname: '/tmp' }), b.file('d/pwned', 'x')),
    code: 'MLF-E004',
  },
  {
    group: 6,
    name: 'symlink chain (CVE-2026-26960)',
    make: () =>
      withMlf(
        b.entry({ name: 'a/b/c/up', typeflag: '2', linkname: '../..' }),
        b.entry({ name: 'a/b/escape', typeflag: '2', linkname: 'c/up/../..' }),
        b.entry({ name: 'exfil', typeflag: '1', linkname: 'a/b/escape/x' }),
      ),
    code: 'MLF-E004',
  },
  {
    group: 6,
    name: 'symlink with a drive-relative PAX linkpath',
    make: () => withMlf(b.pax({ linkpath: 'C:../../../x' }), b.entry({ name: 'l', typeflag: '2' })),
    code: 'MLF-E004',
  },
  // 7. hard links
  { group: 7, name: 'hard link to /etc/passwd', make: () => link('1', 'h', '/etc/passwd'), code: 'MLF-E004' },
  { group: 7, name: 'hard link to ../x', make: () => link('1', 'h', '../x'), code: 'MLF-E004' },
  { group: 7, name: 'hard link to C:../x', make: () => link('1', 'h', 'C:../x'), code: 'MLF-E004' },
  {
    group: 7,
    name: 'hard link to a member not yet seen',
    make: () => withMlf(b.entry({ name: 'h', typeflag: '1', linkname: 'later' }), b.file('later')),
    code: 'MLF-E004',
  },
  {
    group: 7,
    name: 'hard link through a symlink',
    make: () =>
      withMlf(
        b.entry({ name: 's', typeflag: '2', linkname: '/etc' }),
        b.entry({ name: 'h', typeflag: '1', linkname: 's/passwd' }),
      ),
    code: 'MLF-E004',
  },
  // 8. devices, FIFOs and every other type
  ...(
    [
      ['3', 'character device'],
      ['4', 'block device'],
      ['6', 'FIFO'],
      ['7', 'contiguous file'],
      ['Z', 'unknown type Z'],
      ['V', 'GNU volume label'],
      ['M', 'GNU multi-volume continuation'],
      ['S', 'GNU sparse file'],
      ['D', 'GNU dump directory'],
      ['N', 'GNU old long name'],
    ] as const
  ).map(([t, what]): Case => ({
    group: 8,
    name: what,
    make: () => raw({ name: 'dev', typeflag: t }),
    code: 'MLF-E004',
  })),
  {
    group: 8,
    name: 'PAX GNU.sparse.* on a file',
    make: () => withMlf(b.pax({ 'GNU.sparse.major': '1' }), b.file('s')),
    code: 'MLF-E004',
  },
  {
    group: 8,
    name: 'global PAX GNU.sparse.*',
    make: () => withMlf(b.pax({ 'GNU.sparse.size': '9' }, { typeflag: 'g' }), b.file('s')),
    code: 'MLF-E004',
  },
  // 9. modes and owners are never applied
  {
    group: 9,
    name: 'setuid/setgid/sticky, world-writable modes',
    make: () => b.tar(mlfEntries().map((e) => patchMode(e, 0o7777))),
    code: 'valid',
  },
  {
    group: 9,
    name: 'foreign owners (uid 4242, uname evil)',
    make: () => withMlf(b.file('./extra.txt', 'x', { uid: 4242, gid: 4242, uname: 'evil', gname: 'evil' })),
    code: 'MLF-W101',
  },
  // 10. resource exhaustion
  { group: 10, name: '100001 entries (maxEntries)', make: manyEntries, code: 'MLF-E009', ext: '.tar.zst', big: true },
  {
    group: 10,
    name: 'declared size 2^40 in base-256 (maxMemberBytes)',
    make: () => raw({ name: 'big', size: b.base256(2n ** 40n, 12) }),
    code: 'MLF-E009',
  },
  {
    group: 10,
    name: 'declared size 4 GiB + 1 (maxMemberBytes)',
    make: () => raw({ name: 'big', size: 4 * GiB + 1 }),
    code: 'MLF-E009',
  },
  { group: 10, name: '9 GiB in three 3 GiB members, sparse (maxTotalBytes)', make: sparseTotal, code: 'MLF-E009' },
  {
    group: 10,
    name: 'gzip bomb (maxCompressionRatio)',
    make: () => gzipSync(b.tar([b.file('zeros', zeros(16 << 20))]), { level: 9 }),
    code: 'MLF-E009',
    ext: '.tgz',
    big: true,
  },
  {
    group: 10,
    name: 'gzip bomb under the ratio (maxDecompressedBytes)',
    make: () => gzipSync(withMlf(b.file('zeros', zeros(4 << 20))), { level: 9 }),
    code: 'MLF-E009',
    limits: { maxDecompressedBytes: 2 << 20, maxCompressionRatio: 1e9 },
    unpack: null,
    ext: '.tgz',
  },
  {
    group: 10,
    name: 'zstd bomb without a content size (streaming budget)',
    make: () => run('zstd', ['-c', '-19', '--no-content-size'], b.tar([b.file('zeros', zeros(16 << 20))])),
    code: 'MLF-E009',
    ext: '.tar.zst',
    big: true,
  },
  {
    group: 10,
    name: 'zstd frame declaring 2^40 bytes',
    make: () => zstdFrame(2n ** 40n),
    code: 'MLF-E009',
    ext: '.tar.zst',
  },
  {
    group: 10,
    name: 'zstd window of 2 GiB',
    make: () => new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0xa8, 0x01, 0x00, 0x00]),
    code: 'MLF-E009',
    ext: '.tar.zst',
  },
  {
    group: 10,
    name: 'compressed input larger than maxDecompressedBytes',
    make: () => gzipSync(withMlf()),
    code: 'MLF-E009',
    limits: { maxDecompressedBytes: 1000 },
    unpack: null,
    ext: '.tgz',
  },
  {
    group: 10,
    name: 'PAX header of 2 MiB (maxExtendedHeaderBytes)',
    make: () => withMlf(b.header({ name: '././@PaxHeader', typeflag: 'x', size: 2 << 20 })),
    code: 'MLF-E009',
  },
  // 11. numeric fields, checksums, truncation, end of archive
  {
    group: 11,
    name: 'header checksum mismatch',
    make: () => withMlf(b.file('x', 'x', { checksum: 'bad' })),
    code: 'MLF-E001',
  },
  { group: 11, name: 'non-octal size', make: () => raw({ name: 'x', size: '12z4\0' }), code: 'MLF-E003' },
  {
    group: 11,
    name: 'negative base-256 size (CVE-2026-59874)',
    make: () => raw({ name: 'x', size: b.base256(512n, 12, true) }),
    code: 'MLF-E003',
  },
  {
    group: 11,
    name: 'base-256 mtime beyond 2^53',
    make: () => raw({ name: 'x', mtime: b.base256(2n ** 60n, 12) }),
    code: 'MLF-E003',
  },
  {
    group: 11,
    name: 'size runs past the end',
    make: () => b.concat(...mlfEntries(), b.header({ name: 'x', size: 1 << 20 }), zeros(1024)),
    code: 'MLF-E002',
  },
  {
    group: 11,
    name: 'header cut short',
    make: () => b.concat(...mlfEntries(), b.header({ name: 'x' }).subarray(0, 300)),
    code: 'MLF-E002',
  },
  { group: 11, name: 'no end-of-archive blocks', make: () => b.concat(...mlfEntries()), code: 'MLF-W001' },
  {
    group: 11,
    name: 'garbage after the end blocks',
    make: () => b.concat(withMlf(), new TextEncoder().encode('garbage after the end')),
    code: 'MLF-E017',
  },
  {
    group: 11,
    name: 'a lone zero block, then a hidden member',
    make: () => b.concat(...mlfEntries(), zeros(512), b.file('../hidden', 'x'), zeros(1024)),
    code: 'MLF-E017',
  },
  {
    group: 11,
    name: 'a member after the end-of-archive marker (tar -i, ignore_zeros)',
    make: () => b.concat(withMlf(), b.file('codegen/host/src/default_lib0.c', 'evil'), zeros(1024)),
    code: 'MLF-E017',
  },
  {
    group: 11,
    name: 'devmajor tarfile cannot read (it stops listing there)',
    make: () => x('extra.txt', 'x', { patches: [{ offset: 329, bytes: 'zz\0' }] }),
    code: 'MLF-E003',
  },
  // 12. PAX records
  {
    group: 12,
    name: 'PAX bad length prefix',
    make: () => withMlf(b.pax('abc path=x\n'), b.file('x')),
    code: 'MLF-E007',
  },
  { group: 12, name: 'PAX length mismatch', make: () => withMlf(b.pax('99 path=x\n'), b.file('x')), code: 'MLF-E007' },
  {
    group: 12,
    name: 'PAX value not UTF-8',
    make: () => withMlf(b.pax([['path', new Uint8Array([0x61, 0xff, 0x62])]]), b.file('x')),
    code: 'MLF-E007',
  },
  {
    group: 12,
    name: 'PAX size= larger than the file',
    make: () => withMlf(b.pax({ size: String(1 << 30) }), b.file('x', 'x')),
    code: 'MLF-E002',
  },
  {
    group: 12,
    name: 'PAX size= not a number',
    make: () => withMlf(b.pax({ size: '-1' }), b.file('x', 'x')),
    code: 'MLF-E007',
  },
  {
    group: 12,
    name: 'PAX duplicate keys',
    make: () =>
      withMlf(
        b.pax([
          ['path', '../evil'],
          ['path', 'extra.txt'],
        ]),
        b.file('x'),
      ),
    code: 'MLF-E015',
  },
  {
    group: 12,
    name: 'global PAX sets path',
    make: () => withMlf(b.pax({ path: '../x' }, { typeflag: 'g' }), b.file('x')),
    code: 'MLF-E007',
  },
  {
    group: 12,
    name: 'global PAX changes mtime and owner of later entries',
    make: () => withMlf(b.pax({ mtime: '1', uname: 'evil' }, { typeflag: 'g' }), b.file('extra.txt')),
    code: 'MLF-W101',
  },
  {
    group: 12,
    name: 'two PAX headers in a row',
    make: () => withMlf(b.pax({ mtime: '1' }), b.pax({ mtime: '2' }), b.file('x')),
    code: 'MLF-E007',
  },
  { group: 12, name: 'PAX header followed by the end', make: () => withMlf(b.pax({ path: 'x' })), code: 'MLF-E007' },
  {
    group: 12,
    name: 'global PAX of 80k keys before 5000 entries (was quadratic)',
    make: globalKeysBomb,
    code: 'MLF-E004',
    big: true,
  },
  {
    group: 12,
    name: 'PAX size= empty over a tar as data (issue 13, 5A)',
    make: () =>
      withMlf(b.pax([['size', '']]), b.entry({ name: 'extra.txt', size: HIDDEN_TAR().byteLength }, HIDDEN_TAR())),
    code: 'MLF-E015',
  },
  {
    group: 12,
    name: 'PAX record hidden in the header padding (tarfile reads it)',
    make: () => withMlf(dirtyPadding(b.pax({ mtime: '1' }), '20 path=evil.txt.c\n'), b.file('extra.txt')),
    code: 'MLF-E015',
  },
  {
    group: 12,
    name: 'GNU long name continued in its padding (tarfile and GNU tar read it)',
    make: () => withMlf(dirtyPadding(b.gnuLongName('extra'), '.txt'), b.file('x')),
    code: 'MLF-E015',
  },
  {
    group: 12,
    name: 'NUL padding inside a PAX payload (bsdtar drops the header)',
    make: () => withMlf(b.pax(b.concat(b.paxRecord('path', 'extra.txt'), zeros(9))), b.file('x')),
    code: 'MLF-E007',
  },
  {
    group: 12,
    name: 'PAX key with a NUL (GNU tar cuts it, tarfile does not)',
    make: () => withMlf(b.pax([['path\0x', 'extra.txt']]), b.file('x')),
    code: 'MLF-E015',
  },
  // 13. tiny crafted inputs: typed errors only
  { group: 13, name: 'empty file', make: () => new Uint8Array(0), code: 'MLF-E010' },
  { group: 13, name: '512 bytes of 0xff', make: () => new Uint8Array(512).fill(0xff), code: 'MLF-E010' },
  {
    group: 13,
    name: 'gzip header only',
    make: () => new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]),
    code: 'MLF-E008',
    ext: '.tgz',
  },
  {
    group: 13,
    name: 'zstd magic then garbage',
    make: () => new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, 0x20, 0x05, 0xff, 0xff, 0xff, 0xff, 0xff]),
    code: 'MLF-E008',
    ext: '.tar.zst',
  },
  { group: 13, name: 'gzip of 11 bytes of text', make: () => gzipSync('hello world'), code: 'MLF-E002', ext: '.tgz' },
  {
    group: 13,
    name: 'gzip members split by a zero byte, the second smuggling a member (issue 13, 2)',
    make: () => b.concat(gzipSync(b.concat(...mlfEntries())), zeros(1), gzipSync(HIDDEN_TAR())),
    code: 'MLF-E012',
    ext: '.tgz',
  },
  {
    group: 13,
    name: 'zstd skippable frame before the archive',
    make: () => b.concat(skippableFrame(new Uint8Array(16)), run('zstd', ['-c', '-q'], withMlf())),
    code: 'MLF-E012',
    ext: '.tar.zst',
  },
  {
    group: 13,
    name: 'zstd skippable frame that is also a tar (issue 13, 1)',
    make: () => {
      const inner = b.tar([b.file('placeholder', 'x'), b.file('codegen/host/src/default_lib0.c', 'evil')]);
      new DataView(inner.buffer).setUint32(0, 0x184d2a50, true);
      new DataView(inner.buffer).setUint32(4, inner.byteLength - 8, true);
      b.fixChecksum(inner, 0);
      return b.concat(inner, run('zstd', ['-c', '-q'], withMlf()));
    },
    code: 'MLF-E016',
    ext: '.tar.zst',
  },
  { group: 13, name: 'typeflag 0xff', make: () => raw({ name: 'x', typeflag: '\xff' }), code: 'MLF-E004' },
  // 14. metadata.json
  { group: 14, name: 'metadata.json missing', make: () => editedMlf((f) => f.delete(META)), code: 'MLF-E101' },
  { group: 14, name: 'metadata.json not JSON', make: () => metaText('{"version": 7,'), code: 'MLF-E102' },
  {
    group: 14,
    name: 'metadata.json over maxMetadataBytes',
    make: () => withMlf(),
    code: 'MLF-E009',
    limits: { maxMetadataBytes: 1000 },
  },
  {
    group: 14,
    name: 'version missing',
    make: () => editedMlf((f) => editJson(f, META, (j) => delete j.version)),
    code: 'MLF-E104',
  },
  {
    group: 14,
    name: 'version "7" (a string)',
    make: () => editedMlf((f) => editJson(f, META, (j) => (j.version = '7'))),
    code: 'MLF-E104',
  },
  {
    group: 14,
    name: 'version 6.5',
    make: () => editedMlf((f) => editJson(f, META, (j) => (j.version = 6.5))),
    code: 'MLF-E104',
  },
  {
    group: 14,
    name: 'version 99',
    make: () => editedMlf((f) => editJson(f, META, (j) => (j.version = 99))),
    code: 'MLF-E103',
  },
  {
    group: 14,
    name: 'version 6 with "modules"',
    make: () => editedMlf((f) => editJson(f, META, (j) => (j.version = 6))),
    code: 'MLF-E104',
  },
  {
    group: 14,
    name: 'operator style at version 3',
    make: () => metaText('{"version": 3, "style": "operator"}'),
    code: 'MLF-E104',
  },
  {
    group: 14,
    name: '100000-deep JSON nesting',
    make: () => metaText(META_V7(`,"x":${'['.repeat(100_000)}${']'.repeat(100_000)}`)),
    code: 'MLF-E009',
    big: true,
  },
  {
    group: 14,
    name: '1M bad sids entries (was a stack overflow)',
    make: () => metaText(META_V7('').replace('"sids":[]', `"sids":[${'0,'.repeat(1_000_000)}0]`)),
    code: 'MLF-E104',
    big: true,
  },
  {
    group: 14,
    name: '6M empty objects (JSON.parse heap bomb)',
    make: () => metaText(META_V7(`,"x":[${'{},'.repeat(6_000_000)}{}]`)),
    code: 'MLF-E009',
    big: true,
  },
  {
    group: 14,
    name: '1001 modules (maxModules)',
    make: () => metaText(`{"version":7,"modules":{${Array.from({ length: 1001 }, (_, i) => `"m${i}":{}`).join(',')}}}`),
    code: 'MLF-E009',
  },
  {
    group: 14,
    name: 'sids size 1e300',
    make: () => editedMlf((f) => editJson(f, META, (j) => (j.modules.default.memory.sids[0].size_bytes = 1e300))),
    code: 'MLF-E104',
  },
  // 15. module names
  {
    group: 15,
    name: 'module name ../x',
    make: () => editedMlf((f) => editJson(f, META, (j) => (j.modules = { '../x': j.modules.default }))),
    code: 'MLF-E105',
  },
  {
    group: 15,
    name: 'module name a/b',
    make: () => editedMlf((f) => editJson(f, META, (j) => (j.modules = { 'a/b': j.modules.default }))),
    code: 'MLF-E105',
  },
  {
    group: 15,
    name: 'module name C:x',
    make: () => editedMlf((f) => editJson(f, META, (j) => (j.modules = { 'C:x': j.modules.default }))),
    code: 'MLF-E105',
  },
  {
    group: 15,
    name: 'module name with NUL',
    make: () => editedMlf((f) => editJson(f, META, (j) => (j.modules = { 'a\u0000b': j.modules.default }))),
    code: 'MLF-E105',
  },
  {
    group: 15,
    name: 'module names colliding after case folding',
    make: () => editedMlf((f) => editJson(f, META, (j) => (j.modules.Default = j.modules.default))),
    code: 'MLF-E105',
  },
  // 16. params and graph
  {
    group: 16,
    name: 'params list magic',
    make: () => editedMlf((f) => editParams(f, (_, v) => u64(v, 0, 1n))),
    code: 'MLF-E201',
  },
  {
    group: 16,
    name: 'params tensor magic',
    make: () => editedMlf((f) => editParams(f, (_, v, t) => u64(v, t[1]!.headerOffset, 0n))),
    code: 'MLF-E201',
  },
  {
    group: 16,
    name: 'name count 2^60 (huge declared count)',
    make: () => editedMlf((f) => editParams(f, (_, v) => u64(v, 16, 2n ** 60n))),
    code: 'MLF-E202',
  },
  {
    group: 16,
    name: 'array count != name count',
    make: () => editedMlf((f) => editParams(f, (_, v, t) => u64(v, t[0]!.headerOffset - 8, 3n))),
    code: 'MLF-E203',
  },
  {
    group: 16,
    name: 'data_byte_size lies',
    make: () => editedMlf((f) => editParams(f, (_, v, t) => i64(v, t[1]!.dataOffset - 8, 400n))),
    code: 'MLF-E205',
  },
  {
    group: 16,
    name: 'consistent shape and size past the end',
    make: () =>
      editedMlf((f) =>
        editParams(f, (_, v, t) => (i64(v, t[3]!.headerOffset + 32, 8000n), i64(v, t[3]!.dataOffset - 8, 32000n))),
      ),
    code: 'MLF-E202',
  },
  {
    group: 16,
    name: 'shape product overflow (2^31)^4',
    make: () =>
      editedMlf((f) =>
        editParams(f, (_, v, t) => [0, 1, 2, 3].forEach((d) => i64(v, t[2]!.headerOffset + 32 + 8 * d, 2n ** 31n))),
      ),
    code: 'MLF-E009',
  },
  {
    group: 16,
    name: 'ndim 1000',
    make: () => editedMlf((f) => editParams(f, (_, v, t) => v.setInt32(t[0]!.headerOffset + 24, 1000, true))),
    code: 'MLF-E009',
  },
  {
    group: 16,
    name: 'ndim -1',
    make: () => editedMlf((f) => editParams(f, (_, v, t) => v.setInt32(t[0]!.headerOffset + 24, -1, true))),
    code: 'MLF-E207',
  },
  {
    group: 16,
    name: 'duplicate param name',
    make: () => editedMlf((f) => editParams(f, (bytes) => bytes.set([0x70, 0x32], 42))),
    code: 'MLF-E209',
  },
  {
    group: 16,
    name: 'param name not UTF-8',
    make: () => editedMlf((f) => editParams(f, (bytes) => bytes.set([0xff], 33))),
    code: 'MLF-E210',
  },
  {
    group: 16,
    name: 'param on a GPU',
    make: () => editedMlf((f) => editParams(f, (_, v, t) => v.setInt32(t[0]!.headerOffset + 16, 2, true))),
    code: 'MLF-E204',
  },
  {
    group: 16,
    name: 'param dtype code 99',
    make: () => editedMlf((f) => editParams(f, (bytes, _, t) => bytes.set([99], t[0]!.headerOffset + 28))),
    code: 'MLF-E206',
  },
  {
    group: 16,
    name: 'trailing bytes after params',
    make: () => editedMlf((f) => editParams(f, (bytes) => b.concat(bytes, zeros(3)))),
    code: 'MLF-E208',
  },
  {
    group: 16,
    name: 'graph storage_id shorter than the entries',
    make: () => editedMlf((f) => editJson(f, GRAPH, (g) => g.attrs.storage_id[1].pop())),
    code: 'MLF-E305',
  },
  {
    group: 16,
    name: 'graph input from node 10^9',
    make: () => editedMlf((f) => editJson(f, GRAPH, (g) => (g.nodes.at(-1).inputs[0][0] = 1e9))),
    code: 'MLF-E304',
  },
  {
    group: 16,
    name: 'graph head out of range',
    make: () => editedMlf((f) => editJson(f, GRAPH, (g) => (g.heads[0] = [0, 7, 0]))),
    code: 'MLF-E304',
  },
  {
    group: 16,
    name: 'graph node_row_ptr decreasing',
    make: () => editedMlf((f) => editJson(f, GRAPH, (g) => (g.node_row_ptr[2] = 0))),
    code: 'MLF-E303',
  },
  {
    group: 16,
    name: 'graph arg_nodes lists an op node',
    make: () => editedMlf((f) => editJson(f, GRAPH, (g) => g.arg_nodes.push(g.nodes.length - 1))),
    code: 'MLF-E307',
  },
  {
    group: 16,
    name: 'graph dltype float33x',
    make: () => editedMlf((f) => editJson(f, GRAPH, (g) => (g.attrs.dltype[1][0] = 'float33x'))),
    code: 'MLF-E306',
  },
  {
    group: 16,
    name: 'graph shape of 2^60 elements',
    make: () => editedMlf((f) => editJson(f, GRAPH, (g) => (g.attrs.shape[1][0] = [2 ** 30, 2 ** 30]))),
    code: 'MLF-E009',
  },
  {
    group: 16,
    name: 'graph nodes over maxGraphNodes',
    make: () => withMlf(),
    code: 'MLF-E009',
    limits: { maxGraphNodes: 5 },
  },
  {
    group: 16,
    name: 'graph over maxGraphBytes',
    make: () => withMlf(),
    code: 'MLF-E009',
    limits: { maxGraphBytes: 1000 },
  },
  {
    group: 16,
    name: 'graph of 300k bad heads (capped diagnostics)',
    make: () => editedMlf((f) => editJson(f, GRAPH, (g) => (g.heads = Array(300_000).fill('x')))),
    code: 'MLF-E302',
    big: true,
  },
  // 17. extra files
  {
    group: 17,
    name: 'unknown extra file src/default.relay2',
    make: () => x('./src/default.relay2', 'def @main() {}'),
    code: 'MLF-W101',
  },
  {
    group: 17,
    name: 'members named __proto__ and constructor',
    make: () => withMlf(b.file('__proto__', '{}'), b.file('constructor', 'x')),
    code: 'MLF-W101',
  },
  {
    group: 17,
    name: 'an (invalid) embedded signature is not an extra file',
    make: () => x('./.mlf/signature.json', 'not a signature'),
    code: 'valid',
  },
];

/** The header of a raw entry with another mode (checksum fixed). */
function patchMode(entry: Uint8Array, mode: number): Uint8Array {
  const out = new Uint8Array(entry);
  out.set(new TextEncoder().encode(`${mode.toString(8).padStart(7, '0')}\0`), 100);
  b.fixChecksum(out);
  return out;
}

function manyEntries(): Uint8Array {
  const parts = [...mlfEntries()];
  for (let i = 0; i < 100_001; i++) parts.push(b.header({ name: `f${i}` }));
  return run('zstd', ['-c', '-3'], b.tar(parts));
}

function sparseTotal(): Made {
  const size = 3 * GiB;
  const blocks: [number, Uint8Array][] = [];
  for (let i = 0; i < 3; i++) blocks.push([i * (512 + size), b.header({ name: `big${i}`, size })]);
  return { size: 3 * (512 + size) + 1024, blocks };
}

/** A zstd frame header declaring `bytes` of content (8-byte size field), then one empty raw block. */
function zstdFrame(bytes: bigint): Uint8Array {
  const out = new Uint8Array(4 + 1 + 1 + 8 + 3);
  out.set([0x28, 0xb5, 0x2f, 0xfd, 0xc0, 0x58], 0); // FCS 8 bytes, window 2^21
  new DataView(out.buffer).setBigUint64(6, bytes, true);
  out.set([0x01, 0x00, 0x00], 14); // last raw block of 0 bytes
  return out;
}

function globalKeysBomb(): Uint8Array {
  const records = Array.from({ length: 80_000 }, (_, i) => [`k${i}`, '1'] as [string, string]);
  const parts = [...mlfEntries(), b.pax(records, { typeflag: 'g' })];
  for (let i = 0; i < 5000; i++) parts.push(b.header({ name: `f${i}` }));
  parts.push(b.entry({ name: 'l', typeflag: '2', linkname: '/etc' }));
  return run('zstd', ['-c', '-3'], b.tar(parts));
}
