/**
 * In-memory decompression, the system part (the rest: compression.test.ts): the gzip(1) and zstd(1)
 * output of every fixture at several levels, bombs of 50 to 400 MB stopped at the limits with
 * bounded memory, and random corruption that never throws anything but MlfError.
 */
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import zlib from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decompress } from '../../../src/core/compression/compression.js';
import { MlfError } from '../../../src/core/errors/errors.js';
import { fixtureTarPaths } from '../../helpers/archive.js';
import { codeOf, runBytes as cli, same, sh } from '../../helpers/common.js';

const fixtureTars = fixtureTarPaths();
const tars = fixtureTars.map((p) => new Uint8Array(readFileSync(p)));
const all = new Uint8Array(Buffer.concat(tars));

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

describe('gzip', () => {
  it('decompresses the gzip CLI output of every fixture', async () => {
    for (const t of tars) {
      for (const level of ['-1', '-6', '-9'])
        expect(same(await decompress(cli('gzip', ['-c', level], t), 'gzip'), t)).toBe(true);
    }
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

  it('stops a bomb by the compression ratio (E009)', async () => {
    const bomb = await gzipZeros(50 * 1024 * 1024);
    const err = await decompress(bomb, 'gzip', { limits: { maxCompressionRatio: 100 } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'MLF-E009', message: expect.stringContaining('maxCompressionRatio') });
    // Below the 1 MiB floor the ratio is not applied: a tiny tar of padding is fine.
    const small = zlib.gzipSync(new Uint8Array(10240));
    expect((await decompress(small, 'gzip', { limits: { maxCompressionRatio: 2 } })).byteLength).toBe(10240);
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
