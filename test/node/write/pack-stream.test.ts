/**
 * Streaming `.tar` writes: the plan + member copies must give exactly `packCanonical`'s bytes (a
 * 20 MiB member: pack-stream.system.test.ts).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packCanonical, planCanonical } from '../../../src/core/archive/canonical.js';
import { MlfError } from '../../../src/core/errors/errors.js';
import { openArchivePath } from '../../../src/node/read/open.js';
import { packArchive } from '../../../src/node/write/pack.js';
import { compressTar } from '../../../src/node/write/compress.js';
import { writeTarPlanAtomic } from '../../../src/node/write/write-stream.js';
import { TVM } from '../../helpers/archive.js';
import { both } from '../../helpers/compress-stream.js';

const tmp = mkdtempSync(join(tmpdir(), 'mlf-pack-stream-'));
let n = 0;
const out = (ext = '.tar') => join(tmp, `out${n++}${ext}`);
const MiB = 1024 * 1024;
const FIXTURES = readdirSync(TVM)
  .map((f) => join(TVM, f, 'model.tar'))
  .filter((p) => existsSync(p));

describe('streaming canonical tar', () => {
  it('finds the TVM 0.18 fixtures', () => expect(FIXTURES.length).toBeGreaterThanOrEqual(5));

  for (const fixture of FIXTURES) {
    it(`is byte-identical to packCanonical: ${fixture}`, async () => {
      const [got, expected] = await both(fixture, out());
      expect(got.byteLength).toBe(expected.byteLength);
      expect(Buffer.compare(got, expected)).toBe(0);
      // With tiny chunks, another mtime, and without readRange (whole read()).
      const [small, expectedMtime] = await both(fixture, out(), 7, 1234567890);
      expect(Buffer.compare(small, expectedMtime)).toBe(0);
      const [whole] = await both(fixture, out(), undefined, undefined, true);
      expect(Buffer.compare(whole, expected)).toBe(0);
    });

    it(`packArchive .tar equals packCanonical of the members: ${fixture}`, async () => {
      const dest = out();
      await packArchive(fixture, dest, { sourceDateEpoch: 1700000000 });
      // With SOURCE_DATE_EPOCH the streamed .tar must equal the in-memory writer's (.tar.gz path, decompressed).
      const gz = out('.tar.gz');
      await packArchive(fixture, gz, { sourceDateEpoch: 1700000000 });
      expect(Buffer.compare(readFileSync(dest), gunzipSync(readFileSync(gz)))).toBe(0);
    });
  }

  it('folder files read into one reused buffer give the in-memory bytes, for every compression', async () => {
    const root = join(tmp, 'reuse');
    mkdirSync(join(root, 'parameters'), { recursive: true });
    const files = new Map<string, Uint8Array>();
    let x = 7;
    const bytes = (size: number) =>
      Uint8Array.from({ length: size }, () => ((x = (x * 1103515245 + 12345) >>> 0), x >>> 24));
    // Sizes around the chunk (1 MiB): a tail that is copied, an exact multiple, one byte over.
    for (const [path, size] of [
      ['parameters/a.params', 3 * MiB + 5],
      ['parameters/b.params', MiB],
      ['c.bin', MiB + 1],
      ['d.txt', 17],
    ] as const) {
      files.set(path, bytes(size));
      writeFileSync(join(root, path), files.get(path)!);
    }
    const contents = await openArchivePath(root);
    expect(contents.members.get('c.bin')?.readInto).toBeDefined();
    const plan = planCanonical([...contents.members.values()].map((m) => ({ path: m.path, size: m.size })));
    for (const compression of ['none', 'gzip', 'zstd'] as const) {
      const dest = out(compression === 'none' ? '.tar' : compression === 'gzip' ? '.tgz' : '.tar.zst');
      await writeTarPlanAtomic(dest, plan, (p) => contents.members.get(p)!, { chunkSize: MiB, compression, level: 1 });
      const expected = await compressTar(packCanonical(files), compression, { level: 1 });
      expect(Buffer.compare(readFileSync(dest), expected), compression).toBe(0);
    }
  });

  it('a folder file that shrank after planning is refused (E011)', async () => {
    const root = join(tmp, 'shrink');
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, 'a.bin'), new Uint8Array(2 * MiB));
    const contents = await openArchivePath(root);
    const plan = planCanonical([{ path: 'a.bin', size: 2 * MiB }]);
    writeFileSync(join(root, 'a.bin'), new Uint8Array(MiB + 3));
    const dest = out();
    await expect(
      writeTarPlanAtomic(dest, plan, (p) => contents.members.get(p)!, { chunkSize: MiB }),
    ).rejects.toMatchObject({ code: 'MLF-E011' });
    expect(existsSync(dest)).toBe(false);
  });

  it('refuses an existing destination without force (E904) and leaves no temp file', async () => {
    const dest = out();
    writeFileSync(dest, 'keep');
    const plan = planCanonical([{ path: 'a', size: 1 }]);
    const src = () => ({ read: async () => new Uint8Array([1]) });
    await expect(writeTarPlanAtomic(dest, plan, src)).rejects.toMatchObject({ code: 'MLF-E904' });
    expect(readFileSync(dest, 'utf8')).toBe('keep');
    // --force replaces only an archive (the rules of src/node/write/destination.ts): 'keep' stays.
    await expect(writeTarPlanAtomic(dest, plan, src, { force: true })).rejects.toMatchObject({ code: 'MLF-E904' });
    expect(readFileSync(dest, 'utf8')).toBe('keep');
    writeFileSync(dest, packCanonical(new Map([['old', new Uint8Array([2])]])));
    await writeTarPlanAtomic(dest, plan, src, { force: true });
    expect(Buffer.compare(readFileSync(dest), Buffer.from(packCanonical(new Map([['a', new Uint8Array([1])]]))))).toBe(
      0,
    );
    expect(readdirSync(tmp).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses a member whose size changed (E011) and leaves the destination untouched', async () => {
    const dest = out();
    const plan = planCanonical([{ path: 'a', size: 2 }]);
    const err = await writeTarPlanAtomic(dest, plan, () => ({ read: async () => new Uint8Array(3) })).catch((e) => e);
    expect(err).toBeInstanceOf(MlfError);
    expect(err.code).toBe('MLF-E011');
    expect(existsSync(dest)).toBe(false);
    expect(readdirSync(tmp).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
