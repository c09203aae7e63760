// Streaming decompression: core `inflateChunks` (and `inflateBlob`) against the in-memory
// `decompress`, under arbitrary input splits; the Node reader that spills a large tar to an
// unlinked temporary file; and the codes bombs and broken streams give on every path.
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import zlib from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decompress, inflateBlob, inflateChunks } from '../../../src/core/compression/compression.js';
import { type MlfError } from '../../../src/core/errors/errors.js';
import { bytesSource } from '../../../src/core/common/source.js';
import { findZstdCli, inflateToSource } from '../../../src/node/read/inflate.js';
import { openArchivePath } from '../../../src/node/read/open.js';
import { fileSource } from '../../../src/node/read/source.js';
import { codeOf, FIXTURES, run, same, sh } from '../../helpers/common.js';

const fixtureTars = (readdirSync(FIXTURES, { recursive: true }) as string[])
  .filter((p) => p.startsWith('tvm-0.18') && p.endsWith('model.tar'))
  .sort()
  .map((p) => join(FIXTURES, p));
const tars = fixtureTars.map((p) => new Uint8Array(readFileSync(p)));
const all = new Uint8Array(Buffer.concat(tars));
const cli = (cmd: string, args: string[], input: Uint8Array): Uint8Array => new Uint8Array(run(cmd, args, input));

/** Every fixture as gzip (CLI, node:zlib) and zstd (CLI at several levels), plus multi-member/multi-frame inputs. */
const inputs: { name: string; kind: 'gzip' | 'zstd'; bytes: Uint8Array; tar: Uint8Array }[] = [
  ...tars.flatMap((t, i) => [
    { name: `${i} gzip -6`, kind: 'gzip' as const, bytes: cli('gzip', ['-c', '-6'], t), tar: t },
    { name: `${i} gzipSync`, kind: 'gzip' as const, bytes: new Uint8Array(zlib.gzipSync(t)), tar: t },
    { name: `${i} zstd -3`, kind: 'zstd' as const, bytes: cli('zstd', ['-c', '-q', '-3'], t), tar: t },
    {
      name: `${i} zstd -19 --check`,
      kind: 'zstd' as const,
      bytes: cli('zstd', ['-c', '-q', '-19', '--check'], t),
      tar: t,
    },
  ]),
  {
    name: 'multi-member gzip',
    kind: 'gzip',
    bytes: new Uint8Array(Buffer.concat(tars.map((t) => zlib.gzipSync(t)))),
    tar: all,
  },
  {
    name: 'multi-frame zstd',
    kind: 'zstd',
    bytes: new Uint8Array(Buffer.concat(tars.map((t) => cli('zstd', ['-c', '-q'], t)))),
    tar: all,
  },
  {
    name: 'zstd of two frames, one with a checksum',
    kind: 'zstd',
    bytes: new Uint8Array(
      Buffer.concat([cli('zstd', ['-c', '-q', '--check'], tars[0]!), cli('zstd', ['-c', '-q'], tars[1]!)]),
    ),
    tar: new Uint8Array(Buffer.concat([tars[0]!, tars[1]!])),
  },
  {
    name: 'piped zstd (no content size)',
    kind: 'zstd',
    bytes: new Uint8Array(sh(`cat ${fixtureTars.map((p) => `'${p}'`).join(' ')} | zstd -c -q`)),
    tar: all,
  },
];

/** `bytes` cut at the given offsets (any order, duplicates allowed: empty chunks are fed too). */
async function* cutAt(bytes: Uint8Array, cuts: number[]): AsyncGenerator<Uint8Array> {
  let from = 0;
  for (const c of [...cuts].sort((a, b) => a - b)) {
    yield bytes.slice(from, c);
    from = c;
  }
  yield bytes.slice(from);
}

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of chunks) parts.push(c);
  return new Uint8Array(Buffer.concat(parts));
}

const work = mkdtempSync(join(tmpdir(), 'mlf-inflate-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A fresh, empty folder for temporary files, so that what is left in it is ours alone. */
const freshTempDir = (): string => mkdtempSync(join(work, 'tmp-'));

/** This process's open files that live in `dir` (Linux: /proc/self/fd), with readlink's view of them. */
function openFilesIn(dir: string): { fd: string; target: string }[] {
  return readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      return target.startsWith(`${dir}/`) ? [{ fd: `/proc/self/fd/${fd}`, target }] : [];
    } catch {
      return []; // the fd readdir itself used, closed by now
    }
  });
}

describe('inflateChunks equals decompress', () => {
  it('on every fixture, compressor and level, as one chunk and as a stream', async () => {
    for (const { name, kind, bytes, tar } of inputs) {
      const whole = await decompress(bytes, kind);
      expect(same(whole, tar), name).toBe(true);
      const oneChunk = await collect(inflateChunks(cutAt(bytes, []), kind, { inputBytes: bytes.byteLength }));
      expect(same(oneChunk, tar), name).toBe(true);
      const web = await collect(inflateChunks(new Blob([bytes as BlobPart]).stream(), kind)); // a ReadableStream, size unknown
      expect(same(web, tar), name).toBe(true);
    }
  });

  it('under arbitrary input splits', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat(inputs.length - 1),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 40 }),
        async (which, fractions) => {
          const { kind, bytes, tar } = inputs[which]!;
          const cuts = fractions.map((f) => Math.floor(f * bytes.byteLength));
          expect(same(await collect(inflateChunks(cutAt(bytes, cuts), kind)), tar)).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('with a cut at every offset of the frame and block headers, and byte by byte', async () => {
    const multi = inputs.find((x) => x.name === 'zstd of two frames, one with a checksum')!;
    for (let k = 0; k <= 40; k++)
      expect(same(await collect(inflateChunks(cutAt(multi.bytes, [k, k + 3]), 'zstd')), multi.tar), `cut at ${k}`).toBe(
        true,
      );
    const small = new Uint8Array(
      Buffer.concat([
        cli('zstd', ['-c', '-q', '--check'], tars[4]!.subarray(0, 3000)),
        cli('zstd', ['-c', '-q'], tars[4]!.subarray(3000, 6000)),
      ]),
    );
    const bytewise = Array.from({ length: small.byteLength }, (_, i) => i);
    expect(same(await collect(inflateChunks(cutAt(small, bytewise), 'zstd')), tars[4]!.subarray(0, 6000))).toBe(true);
    const gz = new Uint8Array(
      Buffer.concat([zlib.gzipSync(tars[4]!.subarray(0, 3000)), zlib.gzipSync(tars[4]!.subarray(3000, 6000))]),
    );
    expect(
      same(
        await collect(
          inflateChunks(
            cutAt(
              gz,
              Array.from({ length: gz.byteLength }, (_, i) => i),
            ),
            'gzip',
          ),
        ),
        tars[4]!.subarray(0, 6000),
      ),
    ).toBe(true);
  });

  it('a zstd frame whose compressed blocks lie past 256 MiB decodes, even given as one chunk', async () => {
    // fzstd fails such blocks within one push ("invalid zstd data"): 270 MiB of stored blocks, then a tar.
    const path = join(work, 'past-256m.zst');
    sh('(head -c 270M /dev/urandom; cat "$1") | zstd -1 -q -c > "$2"', fixtureTars[2]!, path);
    const bytes = new Uint8Array(readFileSync(path));
    rmSync(path);
    let total = 0;
    let tail: Uint8Array[] = [];
    for await (const chunk of inflateChunks(cutAt(bytes, []), 'zstd')) {
      total += chunk.byteLength;
      tail.push(chunk);
      if (tail.length > 64) tail = tail.slice(-32);
    }
    expect(total).toBe(270 * 1024 * 1024 + tars[2]!.byteLength);
    const end = Buffer.concat(tail);
    expect(same(end.subarray(end.byteLength - tars[2]!.byteLength), tars[2]!)).toBe(true);
  });

  it('inflateBlob gives a Blob of the same bytes', async () => {
    for (const { name, kind, bytes, tar } of inputs.filter(
      (x) => x.name.includes('multi') || x.name.startsWith('0 '),
    )) {
      const out = await inflateBlob(new Blob([bytes as BlobPart]), kind);
      expect(same(new Uint8Array(await out.arrayBuffer()), tar), name).toBe(true);
    }
  });
});

describe('limits and broken streams keep their codes when streamed', () => {
  const gzBomb = new Uint8Array(sh('head -c 64M /dev/zero | gzip -c -9'));
  const zstdBomb = new Uint8Array(sh('head -c 64M /dev/zero | zstd -c -q -19 --no-content-size'));
  const bombs = [
    { kind: 'gzip' as const, bytes: gzBomb },
    { kind: 'zstd' as const, bytes: zstdBomb },
  ];

  it('a bomb stops just past maxDecompressedBytes (E009), on every path', async () => {
    const limit = 4 * 1024 * 1024;
    const limits = { maxDecompressedBytes: limit, maxCompressionRatio: 1e9 };
    for (const { kind, bytes } of bombs) {
      for (const attempt of [
        () => collect(inflateChunks(cutAt(bytes, [100, 5000]), kind, { limits })),
        () => inflateBlob(new Blob([bytes as BlobPart]), kind, { limits }),
        () => inflateToSource(bytesSource(bytes), kind, { limits, spillBytes: 1024 * 1024, tempDir: freshTempDir() }),
      ]) {
        const err = await attempt().catch((e: unknown) => e);
        expect(err, kind).toMatchObject({
          code: 'MLF-E009',
          message: expect.stringContaining(`maxDecompressedBytes ${limit}`),
        });
        const stoppedAt = Number(/stopped at (\d+) bytes/.exec((err as Error).message)?.[1]);
        expect(stoppedAt).toBeGreaterThan(limit);
        expect(stoppedAt).toBeLessThan(limit + 1024 * 1024);
      }
    }
  });

  it('the ratio applies against the input size, or the input read so far when it is unknown', async () => {
    const limits = { maxCompressionRatio: 100 };
    for (const { kind, bytes } of bombs) {
      const known = await collect(
        inflateChunks(cutAt(bytes, []), kind, { limits, inputBytes: bytes.byteLength }),
      ).catch((e: Error) => e);
      expect(known).toMatchObject({
        code: 'MLF-E009',
        message: expect.stringContaining(`100x the ${bytes.byteLength}-byte input (maxCompressionRatio)`),
      });
      const unknown = await collect(inflateChunks(cutAt(bytes, []), kind, { limits })).catch((e: Error) => e);
      expect(unknown).toMatchObject({
        code: 'MLF-E009',
        message: expect.stringMatching(/100x the \d+ bytes of input read so far \(maxCompressionRatio\)/),
      });
    }
  });

  it('a zstd window or declared size over the limit is refused from its header, however it is split (E009)', async () => {
    const hugeWindow = new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0xf8, 0x01, 0x00, 0x00]);
    const hugeContent = new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, 0xe0, 0, 0, 0, 0, 0, 1, 0, 0, 0x01, 0x00, 0x00]);
    // The same headers as a second frame, after a good one.
    const lead = new Uint8Array(cli('zstd', ['-c', '-q'], tars[4]!));
    for (const bad of [hugeWindow, hugeContent]) {
      for (const bytes of [bad, new Uint8Array(Buffer.concat([lead, bad]))]) {
        const from = bytes === bad ? 0 : lead.byteLength - 4; // every cut around the bad header
        for (let k = from; k <= bytes.byteLength; k++) {
          const err = await collect(inflateChunks(cutAt(bytes, [k]), 'zstd')).catch((e: unknown) => e);
          expect(err, `cut at ${k}`).toMatchObject({
            code: 'MLF-E009',
            message: expect.stringMatching(/window|declare/),
          });
          expect((err as MlfError).offset).toBe(bytes === bad ? 0 : lead.byteLength);
        }
      }
    }
  });

  it('truncated, corrupt, trailing-junk and empty streams are E008 (bytes after the end E012) on every path', async () => {
    for (const { kind, bytes } of inputs.filter((x) => x.name.startsWith('1 ') && !x.name.includes('Sync'))) {
      const broken: [Uint8Array, string][] = [
        [bytes.subarray(0, bytes.byteLength - 10), 'MLF-E008'],
        [bytes.subarray(0, 40), 'MLF-E008'],
        [new Uint8Array(Buffer.concat([bytes, Buffer.from('trailing junk!!')])), 'MLF-E012'],
        [new Uint8Array(Buffer.concat([bytes, new Uint8Array(9)])), 'MLF-E012'],
        [new Uint8Array(Buffer.concat([bytes, new Uint8Array(1), bytes])), 'MLF-E012'],
        [new TextEncoder().encode(`plain text, not ${kind} at all`), 'MLF-E008'],
        [new Uint8Array(0), 'MLF-E008'],
      ];
      for (const [b, code] of broken) {
        expect(await codeOf(collect(inflateChunks(cutAt(b, [7]), kind))), `${kind} ${b.byteLength}`).toBe(code);
        expect(await codeOf(inflateBlob(new Blob([b as BlobPart]), kind)), `blob ${kind} ${b.byteLength}`).toBe(code);
        if (b.byteLength > 0)
          expect(await codeOf(inflateToSource(bytesSource(b), kind, { spillBytes: 0, tempDir: freshTempDir() }))).toBe(
            code,
          );
      }
      const err = await inflateToSource(bytesSource(bytes.subarray(0, 40)), kind).catch((e: Error) => e);
      expect((err as Error).message).toMatch(new RegExp(`^${kind}: corrupt or truncated stream of 40 bytes: .+`));
    }
  });

  it('input errors pass through unchanged', async () => {
    const failing = async function* (): AsyncGenerator<Uint8Array> {
      yield inputs[0]!.bytes.subarray(0, 100);
      throw new Error('disk on fire');
    };
    await expect(collect(inflateChunks(failing(), 'gzip'))).rejects.toThrow('disk on fire');
  });
});

describe('fileSource read-ahead', () => {
  it('small reads served from the window equal the file, in any order and concurrently', async () => {
    const bytes = new Uint8Array(700_000).map((_, i) => (i * 2654435761) >>> 24);
    const path = join(work, 'random.bin');
    writeFileSync(path, bytes);
    const source = await fileSource(path);
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(fc.nat(bytes.byteLength + 10), fc.oneof(fc.nat(600), fc.nat(70_000), fc.nat(300_000))), {
            minLength: 1,
            maxLength: 12,
          }),
          async (reads) => {
            const got = await Promise.all(reads.map(([o, n]) => source.read(o, n)));
            reads.forEach(([o, n], i) => expect(same(got[i]!, bytes.subarray(o, o + n))).toBe(true));
            for (const [o, n] of reads) expect(same(await source.read(o, n), bytes.subarray(o, o + n))).toBe(true);
          },
        ),
        { numRuns: 200 },
      );
    } finally {
      await source.close();
    }
  });
});

describe('zstd decoders in Node', () => {
  it('the system zstd is found on PATH (the fast path) unless MLF_ZSTD_CLI=0', () => {
    expect(findZstdCli()).toBe(sh('command -v zstd').toString().trim());
    process.env.MLF_ZSTD_CLI = '0';
    try {
      expect(findZstdCli()).toBeUndefined();
    } finally {
      delete process.env.MLF_ZSTD_CLI;
    }
  });
});

// Each case runs with the system zstd (the default here) and with the built-in fzstd decoder.
for (const decoder of ['zstd CLI', 'built-in'] as const)
  describe(`openArchivePath on .tgz / .tar.zst (${decoder} zstd decoder)`, () => {
    beforeAll(() => {
      if (decoder === 'built-in') process.env.MLF_ZSTD_CLI = '0';
    });
    afterAll(() => {
      delete process.env.MLF_ZSTD_CLI;
    });

    const files = tars.flatMap((t, i) => {
      const tar = join(work, `f${i}.tar`);
      writeFileSync(tar, t);
      const tgz = join(work, `f${i}.tgz`);
      writeFileSync(tgz, zlib.gzipSync(t));
      const zst = join(work, `f${i}.tar.zst`);
      writeFileSync(zst, cli('zstd', ['-c', '-q', '-3'], t));
      return [
        { tar, packed: tgz, kind: 'gzip' },
        { tar, packed: zst, kind: 'zstd' },
      ];
    });

    it('spilled or held in memory, members read the same as from the .tar', async () => {
      for (const { tar, packed, kind } of files) {
        const plain = await openArchivePath(tar);
        for (const spillBytes of [0, 64 * 1024, undefined]) {
          const dir = freshTempDir();
          const opened = await openArchivePath(packed, {
            tempDir: dir,
            ...(spillBytes !== undefined && { spillBytes }),
          });
          try {
            expect(opened.container).toBe(kind);
            expect([...opened.members.keys()]).toEqual([...plain.members.keys()]);
            for (const [path, m] of plain.members) {
              const other = opened.members.get(path)!;
              expect(other.size).toBe(m.size);
              expect(same(await other.read(), await m.read()), path).toBe(true);
              expect(same(await other.readRange!(3, 700), await m.readRange!(3, 700)), path).toBe(true);
            }
            const spilled = spillBytes !== undefined && spillBytes < statSync(tar).size;
            // A tar on disk (and a spilled one) also reads into a caller's buffer, ending at the member's end.
            for (const [path, m] of plain.members) {
              const into = async (member: typeof m) => {
                const buf = new Uint8Array(m.size + 9).fill(0xee);
                const n = await member.readInto!(buf.subarray(0, m.size + 5), 2);
                return { n, bytes: buf.slice(0, n), rest: buf.slice(n) };
              };
              const want = (await m.read()).subarray(2);
              const mine = await into(m);
              expect([mine.n, same(mine.bytes, want), mine.rest.every((b) => b === 0xee)], path).toEqual([
                Math.max(0, m.size - 2),
                true,
                true,
              ]);
              const other = opened.members.get(path)!;
              if (!spilled) continue; // held in memory: no readInto
              const theirs = await into(other);
              expect([theirs.n, same(theirs.bytes, want)], path).toEqual([Math.max(0, m.size - 2), true]);
            }
            // Unlinked while open: the folder is empty, yet the process holds the deleted file (mode 0600).
            expect(readdirSync(dir)).toEqual([]);
            const held = openFilesIn(dir);
            expect(held, packed).toHaveLength(spilled ? 1 : 0);
            if (spilled) {
              expect(held[0]!.target).toMatch(/\/mlf-inflate-[0-9a-f]{32}\.tar \(deleted\)$/);
              const st = statSync(held[0]!.fd); // follows the link to the deleted file
              expect([st.mode & 0o777, st.size]).toEqual([0o600, statSync(tar).size]);
            }
          } finally {
            await opened.close?.();
          }
          expect(openFilesIn(dir)).toEqual([]);
          expect(readdirSync(dir)).toEqual([]);
        }
        await plain.close?.();
      }
    });

    it('by default the temporary file goes to os.tmpdir(), already unlinked', async () => {
      const ours = () =>
        openFilesIn(tmpdir()).filter((f) => /\/mlf-inflate-[0-9a-f]{32}\.tar \(deleted\)$/.test(f.target));
      const before = new Set(ours().map((f) => f.fd));
      const opened = await openArchivePath(files[0]!.packed, { spillBytes: 0 });
      const added = ours().filter((f) => !before.has(f.fd));
      expect(added).toHaveLength(1);
      expect(existsSync(added[0]!.target.replace(/ \(deleted\)$/, ''))).toBe(false);
      await opened.close?.();
      expect(ours().filter((f) => !before.has(f.fd))).toEqual([]);
    });

    it('a bomb or a broken stream found after spilling leaves no file, open or on disk', async () => {
      const bomb = join(work, 'bomb.tgz');
      writeFileSync(bomb, sh('head -c 64M /dev/zero | gzip -c -9'));
      const cut = join(work, 'cut.tar.zst');
      const zst = cli('zstd', ['-c', '-q'], all);
      writeFileSync(cut, zst.subarray(0, zst.byteLength >> 1));
      for (const [path, code, limits] of [
        [bomb, 'MLF-E009', { maxDecompressedBytes: 8 << 20 }],
        [bomb, 'MLF-E009', { maxCompressionRatio: 100 }],
        [cut, 'MLF-E008', {}],
      ] as const) {
        const dir = freshTempDir();
        expect(await codeOf(openArchivePath(path, { limits, spillBytes: 1024, tempDir: dir }))).toBe(code);
        expect(openFilesIn(dir)).toEqual([]);
        expect(readdirSync(dir)).toEqual([]);
      }
    });

    it('a temporary folder that cannot be written is E904, and the input is closed', async () => {
      const missing = join(work, 'no-such-folder');
      const err = await openArchivePath(files[0]!.packed, { spillBytes: 0, tempDir: missing }).catch((e: Error) => e);
      expect(err).toMatchObject({ code: 'MLF-E904', message: expect.stringContaining(missing) });
      expect(openFilesIn(work)).toEqual([]);
    });

    it('a stream that decompresses to something that is not a tar is a tar error, not E010', async () => {
      const text = join(work, 'text.tgz');
      writeFileSync(text, zlib.gzipSync('hello world'));
      expect(await codeOf(openArchivePath(text))).toBe('MLF-E002');
    });
  });
