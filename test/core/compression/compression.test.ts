import { once } from 'node:events';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import zlib from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decompress, detectContainer } from '../../../src/core/compression/compression.js';
import { MlfError } from '../../../src/core/errors/errors.js';
import { readTarIndexSync } from '../../../src/core/tar/read.js';
import { codeOf, FIXTURES, run, same, sh } from '../../helpers/common.js';

const fixtureTars = (readdirSync(FIXTURES, { recursive: true }) as string[])
  .filter((p) => p.endsWith('.tar'))
  .sort()
  .map((p) => join(FIXTURES, p));
const tars = fixtureTars.map((p) => new Uint8Array(readFileSync(p)));
const all = new Uint8Array(Buffer.concat(tars));

/** `run` as a plain Uint8Array (a copy: tests slice and mutate it). */
const cli = (cmd: string, args: string[], input?: Uint8Array): Uint8Array => new Uint8Array(run(cmd, args, input));

/** A single-member gzip of `n` zero bytes, compressed in a stream (never holds `n` bytes). */
async function gzipZeros(n: number): Promise<Uint8Array> {
  const gz = zlib.createGzip({ level: 9 });
  const out: Buffer[] = [];
  gz.on('data', (c: Buffer) => out.push(c));
  const chunk = Buffer.alloc(1 << 20);
  for (let left = n; left > 0; left -= chunk.length) {
    if (!gz.write(left >= chunk.length ? chunk : chunk.subarray(0, left))) await once(gz, 'drain');
  }
  gz.end();
  await once(gz, 'end');
  return new Uint8Array(Buffer.concat(out));
}

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
  it('decompresses the gzip CLI output of every fixture', async () => {
    for (const t of tars) {
      for (const level of ['-1', '-6', '-9'])
        expect(same(await decompress(cli('gzip', ['-c', level], t), 'gzip'), t)).toBe(true);
    }
  });

  it('decompresses node:zlib output, large and multi-member', async () => {
    expect(same(await decompress(zlib.gzipSync(all, { level: 1 }), 'gzip'), all)).toBe(true);
    const multi = Buffer.concat(tars.map((t) => zlib.gzipSync(t)));
    const out = await decompress(multi, 'gzip');
    expect(same(out, all)).toBe(true);
    // Concatenated tars: every reader stops at the first end marker, tar -i reads on: refused.
    expect(() => readTarIndexSync(out)).toThrow(expect.objectContaining({ code: 'MLF-E017' }));
  });

  it('stops a 200 MB gzip bomb at the output limit (E009) without producing it', async () => {
    const bomb = await gzipZeros(200 * 1024 * 1024);
    expect(bomb.byteLength).toBeLessThan(300_000);
    const limit = 8 * 1024 * 1024;
    const before = process.memoryUsage().arrayBuffers;
    const err = await decompress(bomb, 'gzip', { limits: { maxDecompressedBytes: limit } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MlfError);
    expect(err).toMatchObject({ code: 'MLF-E009' });
    const stoppedAt = Number(/stopped at (\d+) bytes/.exec((err as Error).message)?.[1]);
    expect(stoppedAt).toBeGreaterThan(limit);
    expect(stoppedAt).toBeLessThan(limit + 1024 * 1024);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(100 * 1024 * 1024);
  });

  it('holds a bounded amount of memory while stopping a bomb, not its output (peak RSS)', async () => {
    // The peak, not what is left afterwards: Linux resets VmHWM on "5" > clear_refs.
    const bomb = await gzipZeros(400 * 1024 * 1024);
    const kib = (field: string) =>
      Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync('/proc/self/status', 'utf8'))?.[1]);
    writeFileSync('/proc/self/clear_refs', '5');
    const before = kib('VmHWM');
    const code = await codeOf(decompress(bomb, 'gzip', { limits: { maxDecompressedBytes: 8 * 1024 * 1024 } }));
    expect(code).toBe('MLF-E009');
    expect((kib('VmHWM') - before) / 1024).toBeLessThan(120); // MiB; the whole output would be 400
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

  it('stops a bomb by the compression ratio (E009)', async () => {
    const bomb = await gzipZeros(50 * 1024 * 1024);
    const err = await decompress(bomb, 'gzip', { limits: { maxCompressionRatio: 100 } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'MLF-E009', message: expect.stringContaining('maxCompressionRatio') });
    // Below the 1 MiB floor the ratio is not applied: a tiny tar of padding is fine.
    const small = zlib.gzipSync(new Uint8Array(10240));
    expect((await decompress(small, 'gzip', { limits: { maxCompressionRatio: 2 } })).byteLength).toBe(10240);
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

  it('random corruption never throws anything but MlfError', async () => {
    const good = zlib.gzipSync(tars.at(-1)!);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.nat(good.length),
        async (flips, cut) => {
          const bytes = good.slice(0, Math.max(1, cut));
          for (const [at, v] of flips) if (at < bytes.length) bytes[at] = v;
          await decompress(bytes, 'gzip').catch((e: unknown) => {
            if (!(e instanceof MlfError)) throw e;
          });
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('zstd', () => {
  it('decompresses the zstd CLI output of every fixture, at several levels', async () => {
    for (const t of tars) expect(same(await decompress(cli('zstd', ['-c', '-q'], t), 'zstd'), t)).toBe(true);
    for (const level of ['-1', '-19', '--long=27'])
      expect(same(await decompress(cli('zstd', ['-c', '-q', level], all), 'zstd'), all)).toBe(true);
    expect(same(await decompress(cli('zstd', ['-c', '-q', '--ultra', '-22'], tars[0]!), 'zstd'), tars[0]!)).toBe(true);
    // Piped input: no content size in the frame header, window from the level.
    expect(
      same(
        await decompress(new Uint8Array(sh(`cat ${fixtureTars.map((p) => `'${p}'`).join(' ')} | zstd -c -q`)), 'zstd'),
        all,
      ),
    ).toBe(true);
  });

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

  it('stops a 200 MB zstd bomb at the output limit (E009)', async () => {
    const bomb = new Uint8Array(sh('head -c 200M /dev/zero | zstd -c -q -19'));
    expect(bomb.byteLength).toBeLessThan(100_000);
    const limit = 8 * 1024 * 1024;
    const err = await decompress(bomb, 'zstd', { limits: { maxDecompressedBytes: limit } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'MLF-E009' });
    const stoppedAt = Number(/stopped at (\d+) bytes/.exec((err as Error).message)?.[1]);
    expect(stoppedAt).toBeLessThan(limit + 4 * 1024 * 1024);
    // With default limits the ratio stops it (200 MB from a few KB is far beyond 1000x).
    expect(await codeOf(decompress(bomb, 'zstd'))).toBe('MLF-E009');
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

  it('random corruption never throws anything but MlfError', async () => {
    const good = cli('zstd', ['-c', '-q'], tars.at(-1)!);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.nat(good.length),
        async (flips, cut) => {
          const bytes = good.slice(0, Math.max(1, cut));
          for (const [at, v] of flips) if (at < bytes.length) bytes[at] = v;
          await decompress(bytes, 'zstd', { limits: { maxDecompressedBytes: 64 * 1024 * 1024 } }).catch(
            (e: unknown) => {
              if (!(e instanceof MlfError)) throw e;
            },
          );
        },
      ),
      { numRuns: 500 },
    );
  });
});
