/**
 * Streaming `.tgz` / `.tar.zst` writes on small inputs: gzip gives the same bytes as compressing the
 * whole canonical tar in memory (and as today's algorithm written out independently), whatever the
 * read chunking; failures leave nothing behind; the zstd worker pool. The zstd reference (a child
 * Node process), archives of 16 MiB and more and the built CLI: pack-compress-stream.system.test.ts.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packCanonical, planCanonical } from '../../../src/core/archive/canonical.js';
import { compressTar } from '../../../src/node/write/compress.js';
import { packArchive, readPackages, writePackages } from '../../../src/node/write/pack.js';
import { type MemberSource, writeChunksAtomic, writeTarPlanAtomic } from '../../../src/node/write/write-stream.js';
import { createZstdPool } from '../../../src/node/write/zstd-pool.js';
import { TVM, TVM_FIXTURES, tarFiles } from '../../helpers/archive.js';
import { codeOf, same, sh } from '../../helpers/common.js';
import { compressScratch, KINDS, MiB, pseudoFloats } from '../../helpers/compress-stream.js';

const { fresh, reference, streamed, expectSameBytes, writeTemp } = compressScratch('mlf-pack-compress-');

describe('streamed compression equals the in-memory compressors', () => {
  for (const fixture of TVM_FIXTURES) {
    const files = tarFiles(join(TVM, fixture, 'model.tar'));
    it(`gzip: ${fixture}`, async () => {
      const expected = await expectSameBytes(files, 'gzip', [undefined, 7, 1000, 64 * 1024 + 3]);
      expect(same(await streamed(files, 'gzip', { whole: true }), expected)).toBe(true); // members without readRange
      for (const level of [0, 1, 9]) await expectSameBytes(files, 'gzip', [undefined, 4093], level);
    });
  }
});

describe('writeChunksAtomic at the edges of the slicing', () => {
  for (const bytes of [0, 1]) {
    it(`gzip: ${bytes} bytes, given in uneven chunks`, async () => {
      const data = pseudoFloats(bytes, bytes + 1);
      const expected = await compressTar(data, 'gzip');
      expect(same(expected, (await reference(data, 'gzip'))!)).toBe(true);
      const chunks = [];
      for (let pos = 0, n = 1; pos < bytes; pos += n, n = n * 3 + 1) chunks.push(data.subarray(pos, pos + n));
      const dest = fresh('x.tgz');
      await writeChunksAtomic(dest, chunks, { compression: 'gzip' });
      expect(same(readFileSync(dest), expected)).toBe(true);
    });
  }
});

describe('packArchive and writePackages stream compressed output', () => {
  for (const [kind, ext] of KINDS) {
    it(`${kind}: writePackages equals compressTar of the canonical tar`, async () => {
      const dest = fresh(`merged${ext}`);
      const assembled = await writePackages(await readPackages(join(TVM, 'multi-graph/model.tar')), dest, 7, {
        sourceDateEpoch: 1700000000,
      });
      const expected = await compressTar(
        packCanonical(assembled.files as ReadonlyMap<string, Uint8Array>, { mtime: 1700000000 }),
        kind,
      );
      expect(same(readFileSync(dest), expected)).toBe(true);
    });
  }
});

describe('failures leave nothing behind', () => {
  const files = tarFiles(join(TVM, 'graph-cnn/model.tar'));
  const plan = planCanonical([...files].map(([path, data]) => ({ path, size: data.byteLength })));
  const member = (path: string): MemberSource => ({ read: async () => files.get(path) as Uint8Array });

  for (const [kind, ext] of KINDS) {
    it(`${kind}: an existing destination without force is E904 and untouched`, async () => {
      const dest = fresh(`model${ext}`);
      writeFileSync(dest, 'OLD');
      expect(await codeOf(writeTarPlanAtomic(dest, plan, member, { compression: kind }))).toBe('MLF-E904');
      expect(await codeOf(packArchive(join(TVM, 'graph-cnn/model.tar'), dest))).toBe('MLF-E904');
      expect(readFileSync(dest, 'utf8')).toBe('OLD');
      expect(readdirSync(dirname(dest))).toEqual([`model${ext}`]);
      // --force replaces only an archive: 'OLD' is not one, so it stays; an archive is replaced.
      expect(await codeOf(writeTarPlanAtomic(dest, plan, member, { compression: kind, force: true }))).toBe('MLF-E904');
      expect(readFileSync(dest, 'utf8')).toBe('OLD');
      writeFileSync(dest, await compressTar(packCanonical(new Map([['old', new Uint8Array([1])]])), kind));
      await writeTarPlanAtomic(dest, plan, member, { compression: kind, force: true });
      expect(same(readFileSync(dest), await compressTar(packCanonical(files), kind))).toBe(true);
    });

    it(`${kind}: a bad level is E901 before anything is written`, async () => {
      const dest = fresh(`model${ext}`);
      expect(
        await codeOf(writeTarPlanAtomic(dest, plan, member, { compression: kind, level: kind === 'gzip' ? 10 : 0 })),
      ).toBe('MLF-E901');
      expect(readdirSync(dirname(dest))).toEqual([]);
    });
  }
});

describe('zstd worker pool', () => {
  /** A pool whose workers load `code` as the codec module. */
  function failingPool(code: string) {
    const path = fresh('codec.cjs');
    writeFileSync(path, code);
    return createZstdPool({ level: 3, workers: 2, zstdPath: path });
  }
  const slice = () => new Uint8Array(1024).fill(7);

  it('compresses slices into frames zstd(1) decodes, counts them, and hands their buffers back', async () => {
    const pool = createZstdPool({ level: 3, workers: 2 });
    try {
      expect(pool.workers).toBe(2);
      const inputs = [0, 1, 2, 3, 4].map((i) => pseudoFloats(MiB + i, i + 1));
      const pending = inputs.map((x) => pool.compress(x.slice()));
      expect(pool.busy).toBe(5);
      await pool.finished();
      expect(pool.busy).toBeLessThan(5);
      const frames = await Promise.all(pending);
      expect(pool.busy).toBe(0);
      for (let i = 0; i < inputs.length; i++)
        expect(same(sh('zstd -dc "$1"', writeTemp(frames[i]!, '.zst')), inputs[i]!), `frame ${i}`).toBe(true);
      expect(pool.spare(MiB + 4)?.byteLength).toBe(MiB + 4);
      expect(pool.spare(MiB + 4)).toBeUndefined();
    } finally {
      await pool.close();
    }
  });

  for (const [what, code, message] of [
    ['cannot load its codec', `throw new Error('no codec here');`, /compression worker failed: no codec here/],
    [
      'throws while compressing',
      `exports.init = async () => {}; exports.compress = () => { throw new Error('kaput'); };`,
      /compression worker failed: kaput/,
    ],
    [
      'exits while compressing',
      `exports.init = async () => {}; exports.compress = () => process.exit(7);`,
      /worker exited \(code 7\)/,
    ],
  ] as const) {
    it(`a worker that ${what} rejects its frame and later ones with a clear error`, async () => {
      const pool = failingPool(code);
      try {
        await expect(pool.compress(slice())).rejects.toThrow(message);
        await expect(pool.compress(slice())).rejects.toThrow(message);
      } finally {
        await pool.close();
      }
    }, 20_000);
  }

  it('rejects frames pending when the pool is closed', async () => {
    const pool = createZstdPool({ level: 19, workers: 1 });
    const pending = pool.compress(pseudoFloats(4 * MiB, 9));
    await pool.close();
    await expect(pending).rejects.toThrow(/zstd: compression worker exited/);
    await expect(pool.compress(slice())).rejects.toThrow(/pool closed/);
  });
});
