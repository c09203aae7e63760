/**
 * Streaming `.tgz` / `.tar.zst` writes, the system part (the rest: pack-compress-stream.test.ts):
 * zstd against the WASM reference in a child Node process, archives of 16 to 40 MiB (several zstd
 * frames, members changing while written) that gzip(1), zstd(1) and our reader decode, and no worker
 * thread left running by the built CLI and dist.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packCanonical, planCanonical } from '../../../src/core/archive/canonical.js';
import { MlfError } from '../../../src/core/errors/errors.js';
import { compressTar } from '../../../src/node/write/compress.js';
import { openArchivePath } from '../../../src/node/read/open.js';
import { packArchive } from '../../../src/node/write/pack.js';
import { type MemberSource, writeChunksAtomic, writeTarPlanAtomic } from '../../../src/node/write/write-stream.js';
import { TVM, TVM_FIXTURES, tarFiles } from '../../helpers/archive.js';
import { ROOT, same, sh } from '../../helpers/common.js';
import { compressScratch, KINDS, MiB, NATIVE_ZSTD, pseudoFloats } from '../../helpers/compress-stream.js';

const { fresh, reference, streamed, expectSameBytes, writeTemp, makeFolder } =
  compressScratch('mlf-pack-compress-system-');

describe('streamed compression equals the in-memory compressors', () => {
  for (const fixture of TVM_FIXTURES) {
    const files = tarFiles(join(TVM, fixture, 'model.tar'));
    it(`zstd: ${fixture}`, async () => {
      const expected = await expectSameBytes(files, 'zstd', [undefined, 7, 1000, 64 * 1024 + 3]);
      expect(same(await streamed(files, 'zstd', { whole: true }), expected)).toBe(true); // members without readRange
      for (const level of [1, 19]) await expectSameBytes(files, 'zstd', [undefined, 4093], level);
    });
  }

  // 40 MiB: five zstd frames (tar offsets 0, 8, 16, 24, 32 MiB) cut through the middle of members,
  // more than the frames kept in flight on a machine with up to two cores.
  const big = new Map<string, Uint8Array>([
    ['metadata.json', new TextEncoder().encode('{"version": 7}')],
    ['codegen/host/src/lib0.c', new TextEncoder().encode('int f(void) { return 0; }\n')],
    ['parameters/big.params', pseudoFloats(37 * MiB + 12345, 0x9e3779b9)],
    ['parameters/tail.params', pseudoFloats(3 * MiB + 7, 42)],
  ]);
  const bigTar = packCanonical(big);

  for (const [kind, ext] of KINDS) {
    it(`${kind}: a synthetic 40 MiB archive, several chunk sizes`, async () => {
      const expected = await expectSameBytes(big, kind, [undefined, MiB - 1, 3 * MiB + 5]);
      if (kind === 'zstd' && !NATIVE_ZSTD) {
        const frames = /^\s*(\d+)\s/m.exec(sh('zstd -l "$1" | sed -n 2p', writeTemp(expected, ext)).toString());
        expect(Number(frames?.[1])).toBe(Math.ceil(bigTar.byteLength / (8 * MiB)));
      }
      expect(expected.byteLength).toBeLessThan(bigTar.byteLength * 0.95); // compressed, not stored
    }, 60_000);

    it(`${kind}: the synthetic archive decodes with ${kind}(1) and our reader`, async () => {
      const path = writeTemp(await streamed(big, kind), ext);
      expect(same(sh(`${kind} -dc "$1"`, path), bigTar)).toBe(true);
      const contents = await openArchivePath(path);
      try {
        expect(contents.container).toBe(kind);
        expect([...contents.members.keys()].sort()).toEqual([...big.keys()].sort());
        for (const [p, data] of big) expect(same(await contents.members.get(p)!.read(), data), p).toBe(true);
      } finally {
        await contents.close?.();
      }
    }, 60_000);
  }
});

describe('writeChunksAtomic at the edges of the slicing', () => {
  // Exactly two 8 MiB slices must stay two zstd frames (no empty third), as in-memory.
  for (const bytes of [0, 1, 16 * MiB, 16 * MiB + 1]) {
    for (const [kind, ext] of KINDS) {
      if (bytes <= 1 && kind === 'gzip') continue; // in pack-compress-stream.test.ts
      it(`${kind}: ${bytes} bytes, given in uneven chunks`, async () => {
        const data = pseudoFloats(bytes, bytes + 1);
        const expected = await compressTar(data, kind);
        const ref = await reference(data, kind);
        if (ref !== undefined) expect(same(expected, ref)).toBe(true);
        const chunks = [];
        for (let pos = 0, n = 1; pos < bytes; pos += n, n = n * 3 + 1) chunks.push(data.subarray(pos, pos + n));
        const dest = fresh(`x${ext}`);
        await writeChunksAtomic(dest, chunks, { compression: kind });
        expect(same(readFileSync(dest), expected)).toBe(true);
      }, 30_000);
    }
  }
});

describe('packArchive and writePackages stream compressed output', () => {
  const folder = makeFolder();

  for (const [kind, ext] of KINDS) {
    it(`${kind}: packArchive of a folder is deterministic and equals compressing its .tar`, async () => {
      const options = { sourceDateEpoch: 1700000000 };
      const tarPath = fresh('model.tar');
      await packArchive(folder, tarPath, options); // pack-stream.test.ts checks this .tar against packCanonical
      const [a, b] = [fresh(`a${ext}`), fresh(`b${ext}`)];
      await packArchive(folder, a, options);
      await packArchive(folder, b, options);
      const bytes = readFileSync(a);
      expect(bytes.equals(readFileSync(b))).toBe(true);
      expect(same(bytes, await compressTar(new Uint8Array(readFileSync(tarPath)), kind))).toBe(true);
      // Re-packing the compressed archive itself gives the same bytes again.
      const again = fresh(`c${ext}`);
      await packArchive(a, again, options);
      expect(readFileSync(again).equals(bytes)).toBe(true);
    }, 60_000);
  }
});

describe('failures leave nothing behind', () => {
  for (const [kind, ext] of KINDS) {
    // 30 MiB planned: the change shows up while several zstd frames are on worker threads.
    for (const [change, delta] of [
      ['grows', 1],
      ['shrinks', -1],
    ] as const) {
      it(`${kind}: a member that ${change} while it is written is E011, and no file is left`, async () => {
        const size = 30 * MiB;
        const data = pseudoFloats(size + 1, 3);
        const bigPlan = planCanonical([
          { path: 'metadata.json', size: 2 },
          { path: 'parameters/big.params', size },
        ]);
        const src = (path: string): MemberSource =>
          path === 'metadata.json'
            ? { read: async () => new TextEncoder().encode('{}') }
            : {
                read: async () => data,
                readRange: async (o, n) => data.slice(o, o + n === size ? size + delta : o + n),
              };
        const dest = fresh(`model${ext}`);
        const err = await writeTarPlanAtomic(dest, bigPlan, src, { compression: kind, chunkSize: 3 * MiB }).catch(
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(MlfError);
        expect(err).toMatchObject({ code: 'MLF-E011', member: 'parameters/big.params' });
        expect(readdirSync(dirname(dest))).toEqual([]);
      }, 60_000);
    }
  }
});

describe('the process exits when packing is done (built CLI and dist)', () => {
  const folder = makeFolder();

  for (const [kind, ext] of KINDS) {
    it(`mlf pack FOLDER -o x${ext} exits promptly`, () => {
      const dest = fresh(`model${ext}`);
      const t0 = performance.now();
      const r = spawnSync(process.execPath, ['bin/mlf.js', 'pack', folder, '-o', dest], {
        cwd: ROOT,
        timeout: 60_000,
        encoding: 'utf8',
      });
      expect(r.error, 'killed by the timeout: something kept the process alive').toBeUndefined();
      expect(r.status, r.stderr).toBe(0);
      expect(performance.now() - t0).toBeLessThan(30_000);
      expect(
        same(sh(`${kind} -dc "$1" | tar -xOf - ./extra/blob.bin`, dest), readFileSync(join(folder, 'extra/blob.bin'))),
      ).toBe(true);
    }, 70_000);
  }

  // As an ES module script: workers inherit `--input-type=module`, which must not break them.
  it('a failed multi-frame zstd write leaves no worker behind either', () => {
    const dest = fresh('model.tar.zst');
    const script = `
      import { planCanonical } from './dist/core/archive/canonical.js';
      import { writeTarPlanAtomic } from './dist/node/write/write-stream.js';
      const size = 40 * 1024 * 1024;
      const data = new Uint8Array(size);
      for (let i = 0; i < size; i += 4) data[i] = (i * 2654435761) >>> 24;
      const plan = planCanonical([{ path: 'p.bin', size }]);
      const src = () => ({ read: async () => data, readRange: async (o, n) => (o >= 32 * 1024 * 1024 ? data.slice(o, o + n - 1) : data.slice(o, o + n)) });
      await writeTarPlanAtomic(process.argv[1], plan, src, { compression: 'zstd' }).catch((e) => console.log(e.code));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, dest], {
      cwd: ROOT,
      timeout: 60_000,
      encoding: 'utf8',
    });
    expect(r.error, 'killed by the timeout: something kept the process alive').toBeUndefined();
    expect(r.stdout.trim(), r.stderr).toBe('MLF-E011');
    expect(readdirSync(dirname(dest))).toEqual([]);
  }, 70_000);

  it('closing the zstd pool settles while a reply is still queued', () => {
    // The worker replies while the main thread is busy, so the reply is delivered after close():
    // it used to unref the worker being terminated, and the process exited with close() pending (13).
    const codec = fresh('codec.cjs');
    writeFileSync(codec, 'exports.compress = (d) => d.slice(0, 1);');
    const script = `
      import { createZstdPool } from './dist/node/write/zstd-pool.js';
      const pool = createZstdPool({ level: 3, workers: 1, zstdPath: process.argv[1] });
      pool.compress(new Uint8Array(16)).catch(() => undefined);
      for (const until = Date.now() + 500; Date.now() < until; );
      await pool.close();
      console.log('closed');`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, codec], {
      cwd: ROOT,
      timeout: 30_000,
      encoding: 'utf8',
    });
    expect([r.status, r.stdout.trim()], r.stderr).toEqual([0, 'closed']);
  }, 40_000);
});
