/**
 * In-memory decompression on examples: container detection, gzip and zstd of small inputs (single
 * and multiple members or frames), and the codes for headers over the limits, corrupt, truncated and
 * trailing bytes. Every fixture at several levels, bombs of 50 to 400 MB, peak RSS and random
 * corruption: compression.system.test.ts.
 */
import { readFileSync } from 'node:fs';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decompress, detectContainer } from '../../../src/core/compression/compression.js';
import { readTarIndexSync } from '../../../src/core/tar/read.js';
import { fixtureTarPaths } from '../../helpers/archive.js';
import { codeOf, FIXTURES, runBytes as cli, same } from '../../helpers/common.js';

const fixtureTars = fixtureTarPaths();
const tars = fixtureTars.map((p) => new Uint8Array(readFileSync(p)));
const all = new Uint8Array(Buffer.concat(tars));

describe('detectContainer', () => {
  it('recognises tar, gzip, zstd and nothing else', () => {
    for (const t of tars) expect(detectContainer(t.subarray(0, 512))).toBe('tar');
    expect(detectContainer(zlib.gzipSync(tars[0]!))).toBe('gzip');
    expect(detectContainer(cli('zstd', ['-c'], tars[0]!))).toBe('zstd');
    expect(detectContainer(new Uint8Array([0x5e, 0x2a, 0x4d, 0x18, 0, 0, 0, 0]))).toBe('zstd');
    expect(detectContainer(new Uint8Array(0))).toBe('unknown');
    expect(detectContainer(new Uint8Array(1024))).toBe('unknown');
    expect(detectContainer(new TextEncoder().encode('{"version": 7}'.padEnd(600)))).toBe('unknown');
    expect(detectContainer(cli('tar', ['--format=v7', '-cf', '-', '-C', FIXTURES, 'tvm-0.18/README.md']))).toBe('tar');
    const notTar = tars[0]!.slice(0, 512);
    notTar[0] = 0x41;
    notTar.fill(0, 257, 265);
    expect(detectContainer(notTar)).toBe('unknown');
  });
});

describe('gzip', () => {
  it('decompresses node:zlib output, large and multi-member', async () => {
    expect(same(await decompress(zlib.gzipSync(all, { level: 1 }), 'gzip'), all)).toBe(true);
    const multi = Buffer.concat(tars.map((t) => zlib.gzipSync(t)));
    const out = await decompress(multi, 'gzip');
    expect(same(out, all)).toBe(true);
    // Concatenated tars: every reader stops at the first end marker, tar -i reads on: refused.
    expect(() => readTarIndexSync(out)).toThrow(expect.objectContaining({ code: 'MLF-E017' }));
  });

  it('refuses an input ending in a gzip header that would swallow what follows (E008/E012)', async () => {
    // FEXTRA of 10 bytes: a reader that appends a member of its own to find the end of input
    // would see its header swallowed and its body end this member.
    const good = zlib.gzipSync(tars[0]!);
    const tail = [0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 0xff, 10, 0];
    expect(await codeOf(decompress(Buffer.concat([good, Buffer.from(tail)]), 'gzip'))).toMatch(/^MLF-E0(08|12)$/);
    expect(await codeOf(decompress(Buffer.concat([good, good.subarray(0, 20)]), 'gzip'))).toMatch(/^MLF-E0(08|12)$/);
    // A complete member at the end, however small, is a member: Python's gzip reads it too.
    const last = zlib.gzipSync(new Uint8Array(16).fill(7));
    expect((await decompress(Buffer.concat([good, last]), 'gzip')).byteLength).toBe(tars[0]!.byteLength + 16);
  });

  it('reports corrupt and truncated streams as E008, keeping the cause', async () => {
    const good = zlib.gzipSync(tars[0]!);
    expect(await codeOf(decompress(good.subarray(0, good.length - 10), 'gzip'))).toBe('MLF-E008');
    expect(await codeOf(decompress(good.subarray(0, 5), 'gzip'))).toBe('MLF-E008');
    expect(await codeOf(decompress(new Uint8Array(0), 'gzip'))).toBe('MLF-E008');
    expect(await codeOf(decompress(new TextEncoder().encode('plain text, not gzip'), 'gzip'))).toBe('MLF-E008');
    const badCrc = good.slice();
    badCrc[badCrc.length - 6]! ^= 0xff;
    const err = await decompress(badCrc, 'gzip').catch((e: Error) => e);
    expect(err).toMatchObject({ code: 'MLF-E008' });
    expect((err as Error).message).toMatch(/^gzip: corrupt or truncated stream of \d+ bytes: .+/);
    expect(await codeOf(decompress(Buffer.concat([good, Buffer.from('trailing junk')]), 'gzip'))).toBe('MLF-E012');
    expect(await codeOf(decompress(Buffer.concat([good, new Uint8Array(3)]), 'gzip'))).toBe('MLF-E012');
    expect(await codeOf(decompress(Buffer.concat([good, new Uint8Array(1), good]), 'gzip'))).toBe('MLF-E012');
  });
});

describe('zstd', () => {
  it('decompresses multiple frames; refuses skippable frames and bytes after the last frame (E012)', async () => {
    const frames = Buffer.concat(tars.map((t) => cli('zstd', ['-c', '-q'], t)));
    expect(same(await decompress(frames, 'zstd'), all)).toBe(true);
    const one = cli('zstd', ['-c', '-q'], tars[0]!);
    const skip = Buffer.from([0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 1, 2, 3]);
    expect(detectContainer(Buffer.concat([skip, one]))).toBe('zstd');
    for (const bad of [
      Buffer.concat([skip, one]),
      Buffer.concat([one, skip]),
      Buffer.concat([one, Buffer.from([0x5f, 0x2a, 0x4d, 0x18, 0, 0, 0, 0]), one]),
      Buffer.concat([one, new Uint8Array(1)]),
      Buffer.concat([one, new Uint8Array(4)]),
      Buffer.concat([one, Buffer.from('trailing junk!!')]),
    ])
      expect(await codeOf(decompress(bad, 'zstd'))).toBe('MLF-E012');
  });

  it('refuses a frame whose window or declared size is over the limit before allocating (E009)', async () => {
    // Frame header: magic, FHD 0 (window descriptor follows), window 2^41: 20 bytes asking for 2 TB.
    const hugeWindow = new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0xf8, 0x01, 0x00, 0x00]);
    expect(await codeOf(decompress(hugeWindow, 'zstd'))).toBe('MLF-E009');
    // Single segment, 8-byte content size of 2^40.
    const hugeContent = new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, 0xe0, 0, 0, 0, 0, 0, 1, 0, 0, 0x01, 0x00, 0x00]);
    expect(await codeOf(decompress(hugeContent, 'zstd'))).toBe('MLF-E009');
    const real = cli('zstd', ['-c', '-q'], all);
    expect(await codeOf(decompress(real, 'zstd', { limits: { maxDecompressedBytes: 1000 } }))).toBe('MLF-E009');
  });

  it('reports corrupt and truncated streams as E008', async () => {
    const good = cli('zstd', ['-c', '-q'], tars[0]!);
    expect(await codeOf(decompress(good.subarray(0, good.length - 10), 'zstd'))).toBe('MLF-E008');
    expect(await codeOf(decompress(good.subarray(0, 3), 'zstd'))).toBe('MLF-E008');
    expect(await codeOf(decompress(new Uint8Array(0), 'zstd'))).toBe('MLF-E008');
    expect(await codeOf(decompress(new TextEncoder().encode('plain text, not zstd at all'), 'zstd'))).toBe('MLF-E008');
    expect(await codeOf(decompress(Buffer.concat([good, Buffer.from('trailing junk!!')]), 'zstd'))).toBe('MLF-E012');
    const err = await decompress(good.subarray(0, 40), 'zstd').catch((e: Error) => e);
    expect((err as Error).message).toMatch(/^zstd: corrupt or truncated stream of 40 bytes: .+/);
  });
});
