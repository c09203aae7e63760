/**
 * Shared by the streaming-write tests (test/node/write/pack-stream*.test.ts and
 * pack-compress-stream*.test.ts): an independent reference compressor, weights-like bytes, and the
 * streamed writer under test.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { afterAll, expect } from 'vitest';
import { packCanonical, planCanonical } from '../../src/core/archive/canonical.js';
import { type Compression, compressTar } from '../../src/node/write/compress.js';
import { openArchivePath } from '../../src/node/read/open.js';
import { type MemberSource, writeTarPlanAtomic } from '../../src/node/write/write-stream.js';
import { TVM, tarFiles } from './archive.js';
import { same } from './common.js';

export const MiB = 1024 * 1024;

export type Kind = 'gzip' | 'zstd';
export const KINDS: [Kind, string][] = [
  ['gzip', '.tgz'],
  ['zstd', '.tar.zst'],
];
/** Archive file names and the compression their extension asks for. */
export const EXTENSIONS: [string, Compression][] = [
  ['model.tar', 'none'],
  ['model.tgz', 'gzip'],
  ['model.tar.gz', 'gzip'],
  ['model.tar.zst', 'zstd'],
];
export const NATIVE_ZSTD = typeof (zlib as unknown as { zstdCompress?: unknown }).zstdCompress === 'function';
const ZSTD_WASM = createRequire(import.meta.url).resolve('@dweb-browser/zstd-wasm');

/** Seeded xorshift32 bytes shaped like float32 weights (compressible, but not trivially), with a run of zeros. */
export function pseudoFloats(bytes: number, seed: number): Uint8Array {
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

/**
 * A scratch folder for one test file (removed after it) and the helpers that write into it.
 * Call at the top level of the test file.
 */
export function compressScratch(prefix: string) {
  const tmp = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  let counter = 0;
  /** A path in a fresh, otherwise empty folder (so leftover temporary files are easy to spot). */
  const fresh = (name: string): string => join(mkdtempSync(join(tmp, `${counter++}-`)), name);

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

  /** `bytes` written to a fresh path ending in `ext`. */
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

  return { fresh, reference, streamed, expectSameBytes, writeTemp, makeFolder };
}

/** Streams `input`'s members through planCanonical/writeTarPlanAtomic into `dest`, and through packCanonical. */
export async function both(
  input: string,
  dest: string,
  chunkSize?: number,
  mtime?: number,
  noRange = false,
): Promise<[Buffer, Uint8Array]> {
  const contents = await openArchivePath(input);
  try {
    const files = new Map<string, Uint8Array>();
    for (const [path, m] of contents.members) files.set(path, await m.read());
    const options = mtime === undefined ? {} : { mtime };
    const expected = packCanonical(files, options);
    const plan = planCanonical(
      [...contents.members.values()].map((m) => ({ path: m.path, size: m.size })),
      options,
    );
    await writeTarPlanAtomic(
      dest,
      plan,
      (p) => (noRange ? { read: () => contents.members.get(p)!.read() } : contents.members.get(p)!),
      chunkSize === undefined ? {} : { chunkSize },
    );
    return [readFileSync(dest), expected];
  } finally {
    await contents.close?.();
  }
}
