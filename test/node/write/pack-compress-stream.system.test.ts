/**
 * Streaming `.tgz` / `.tar.zst` writes: the same bytes as compressing the whole canonical tar in
 * memory (and as today's algorithm written out independently), whatever the read chunking;
 * decodable by gzip(1), zstd(1) and our reader; atomic on failure; no worker thread left running.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { packCanonical, planCanonical } from '../../../src/core/archive/canonical.js';
import { MlfError } from '../../../src/core/errors/errors.js';
import { compressTar } from '../../../src/node/write/compress.js';
import { openArchivePath } from '../../../src/node/read/open.js';
import { packArchive, readPackages, writePackages } from '../../../src/node/write/pack.js';
import { type MemberSource, writeChunksAtomic, writeTarPlanAtomic } from '../../../src/node/write/write-stream.js';
import { createZstdPool } from '../../../src/node/write/zstd-pool.js';
import { TVM, TVM_FIXTURES, tarFiles } from '../../helpers/archive.js';
import { codeOf, ROOT, same, sh } from '../../helpers/common.js';

const MiB = 1024 * 1024;
const tmp = mkdtempSync(join(tmpdir(), 'mlf-pack-compress-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let counter = 0;
/** A path in a fresh, otherwise empty folder (so leftover temporary files are easy to spot). */
const fresh = (name: string): string => join(mkdtempSync(join(tmp, `${counter++}-`)), name);

type Kind = 'gzip' | 'zstd';
const KINDS: [Kind, string][] = [
  ['gzip', '.tgz'],
  ['zstd', '.tar.zst'],
];
const NATIVE_ZSTD = typeof (zlib as unknown as { zstdCompress?: unknown }).zstdCompress === 'function';
const ZSTD_WASM = createRequire(import.meta.url).resolve('@dweb-browser/zstd-wasm');

/**
 * Today's in-memory algorithm, written out without the code under test: gzip in one shot with OS
 * byte 255; WASM zstd one frame per 8 MiB, in a separate process. Undefined where zlib has zstd
 * (there the streaming codec is the only one, used by both paths).
 */
async function reference(tar: Uint8Array, kind: Kind, level?: number): Promise<Uint8Array | undefined> {
  if (kind === 'gzip') {
    // zlib.gzip, not gzipSync: at level 0 the one-shot sync call cuts stored blocks differently.
    const gz = await promisify(zlib.gzip)(tar, { level: level ?? 6 });
    gz[9] = 0xff;
    return gz;
  }
  if (NATIVE_ZSTD) return undefined;
  const input = fresh('in.tar');
  writeFileSync(input, tar);
  const script = `
    const z = require(process.argv[1]); const fs = require('fs');
    Promise.resolve().then(() => {
      const tar = fs.readFileSync(process.argv[2]); const frames = [];
      for (let pos = 0; pos === 0 || pos < tar.length; pos += ${8 * MiB}) frames.push(z.compress(tar.subarray(pos, pos + ${8 * MiB}), ${level ?? 3}));
      fs.writeFileSync(process.argv[3], Buffer.concat(frames));
    });`;
  execFileSync(process.execPath, ['-e', script, ZSTD_WASM, input, `${input}.zst`]);
  return new Uint8Array(readFileSync(`${input}.zst`));
}

/** Seeded xorshift32 bytes shaped like float32 weights (compressible, but not trivially), with a run of zeros. */
function pseudoFloats(bytes: number, seed: number): Uint8Array {
  const words = new Uint32Array(Math.ceil(bytes / 4));
  let x = seed >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    words[i] = i % 4096 < 512 ? 0 : (x & 0x807fffff) | 0x3c000000;
  }
  return new Uint8Array(words.buffer, 0, bytes);
}

/** Streams `files` through planCanonical/writeTarPlanAtomic into a fresh path; returns the bytes written. */
async function streamed(
  files: ReadonlyMap<string, Uint8Array>,
  kind: Kind,
  options: { chunkSize?: number; level?: number; whole?: boolean } = {},
): Promise<Uint8Array> {
  const dest = fresh(`out${kind === 'gzip' ? '.tgz' : '.tar.zst'}`);
  const plan = planCanonical([...files].map(([path, data]) => ({ path, size: data.byteLength })));
  const member = (path: string): MemberSource => {
    const data = files.get(path) as Uint8Array;
    if (options.whole) return { read: async () => data };
    return { read: async () => data, readRange: async (o, n) => data.slice(o, o + n) };
  };
  const { whole: _, ...rest } = options;
  await writeTarPlanAtomic(dest, plan, member, { ...rest, compression: kind });
  expect(readdirSync(dirname(dest))).toEqual([dest.slice(dirname(dest).length + 1)]); // no temporary file left
  return new Uint8Array(readFileSync(dest));
}

/** Checks every way of writing `files` against `compressTar` of the canonical tar and the reference. */
async function expectSameBytes(
  files: ReadonlyMap<string, Uint8Array>,
  kind: Kind,
  chunkSizes: (number | undefined)[],
  level?: number,
): Promise<Uint8Array> {
  const tar = packCanonical(files);
  const expected = await compressTar(tar, kind, level === undefined ? {} : { level });
  const ref = await reference(tar, kind, level);
  if (ref !== undefined)
    expect(same(expected, ref), `${kind} level ${level}: compressTar equals the reference`).toBe(true);
  for (const chunkSize of chunkSizes) {
    const got = await streamed(files, kind, {
      ...(chunkSize === undefined ? {} : { chunkSize }),
      ...(level === undefined ? {} : { level }),
    });
    expect(got.byteLength, `${kind} level ${level} chunk ${chunkSize}`).toBe(expected.byteLength);
    expect(same(got, expected), `${kind} level ${level} chunk ${chunkSize}`).toBe(true);
  }
  return expected;
}

describe('streamed compression equals the in-memory compressors', () => {
  for (const fixture of TVM_FIXTURES) {
    const files = tarFiles(join(TVM, fixture, 'model.tar'));
    for (const [kind] of KINDS) {
      it(`${kind}: ${fixture}`, async () => {
        const expected = await expectSameBytes(files, kind, [undefined, 7, 1000, 64 * 1024 + 3]);
        expect(same(await streamed(files, kind, { whole: true }), expected)).toBe(true); // members without readRange
        const levels = kind === 'gzip' ? [0, 1, 9] : [1, 19];
        for (const level of levels) await expectSameBytes(files, kind, [undefined, 4093], level);
      });
    }
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

function writeTemp(bytes: Uint8Array, ext: string): string {
  const path = fresh(`x${ext}`);
  writeFileSync(path, bytes);
  return path;
}

/** An MLF folder: the graph-cnn fixture plus 20 MiB of weights-like bytes (three zstd frames). */
function makeFolder(): string {
  const root = join(mkdtempSync(join(tmp, 'folder-')), 'model');
  const files = tarFiles(join(TVM, 'graph-cnn/model.tar'));
  files.set('extra/blob.bin', pseudoFloats(20 * MiB + 99, 7));
  for (const [p, data] of files) {
    mkdirSync(join(root, dirname(p)), { recursive: true });
    writeFileSync(join(root, p), data);
  }
  return root;
}

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
});
