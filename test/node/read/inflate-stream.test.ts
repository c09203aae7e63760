// Streaming decompression on examples: core `inflateChunks` (and `inflateBlob`) against the
// in-memory `decompress`; the Node reader that spills a large tar to an unlinked temporary file;
// and the codes broken streams give on every path. Every fixture at every level, arbitrary and
// exhaustive input splits, 64 MiB bombs, 270 MiB frames and random reads:
// inflate-stream.system.test.ts.
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inflateBlob, inflateChunks } from '../../../src/core/compression/compression.js';
import { bytesSource } from '../../../src/core/common/source.js';
import { findZstdCli, inflateToSource } from '../../../src/node/read/inflate.js';
import { openArchivePath } from '../../../src/node/read/open.js';
import { codeOf, runBytes as cli, same, sh } from '../../helpers/common.js';
import { collect, compressedInputs, cutAt, inflateScratch, openFilesIn, tars } from '../../helpers/inflate.js';

const inputs = compressedInputs();
const { work, freshTempDir } = inflateScratch('mlf-inflate-test-');

describe('inflateChunks equals decompress', () => {
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
