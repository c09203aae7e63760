// Streaming decompression, the system part (the rest: inflate-stream.test.ts): every fixture at
// every level, arbitrary and exhaustive input splits, a frame past 256 MiB, 64 MiB bombs on every
// path (also after spilling to a temporary file), every cut around a header over the limit, and
// random concurrent reads of a file source.
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import zlib from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decompress, inflateBlob, inflateChunks } from '../../../src/core/compression/compression.js';
import { type MlfError } from '../../../src/core/errors/errors.js';
import { bytesSource } from '../../../src/core/common/source.js';
import { inflateToSource } from '../../../src/node/read/inflate.js';
import { openArchivePath } from '../../../src/node/read/open.js';
import { fileSource } from '../../../src/node/read/source.js';
import { codeOf, runBytes as cli, same, sh } from '../../helpers/common.js';
import {
  all,
  collect,
  compressedInputs,
  cutAt,
  fixtureTars,
  inflateScratch,
  openFilesIn,
  tars,
} from '../../helpers/inflate.js';

const inputs = compressedInputs();
const { work, freshTempDir } = inflateScratch('mlf-inflate-system-');

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

// Each case runs with the system zstd (the default here) and with the built-in fzstd decoder.
for (const decoder of ['zstd CLI', 'built-in'] as const)
  describe(`openArchivePath on .tgz / .tar.zst (${decoder} zstd decoder)`, () => {
    beforeAll(() => {
      if (decoder === 'built-in') process.env.MLF_ZSTD_CLI = '0';
    });
    afterAll(() => {
      delete process.env.MLF_ZSTD_CLI;
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
  });
