import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { concatBytes } from '../core/bytes.js';
import { MlfError } from '../core/errors.js';

/**
 * Reproducible compression of tar bytes for writing archives. The same input, kind, level and
 * runtime always give the same bytes: gzip carries no timestamp and a fixed OS byte, zstd carries
 * no timestamp at all. (zstd output differs between the native codec of Node >= 22.15 and the
 * WASM fallback used on older Node; both decode to the same tar.)
 */

/** How an archive file is compressed. */
export type Compression = 'none' | 'gzip' | 'zstd';

/** Options of `compressTar`. */
export interface CompressOptions {
  /** gzip 0-9 (default 6), zstd 1-22 (default 3). */
  level?: number;
}

const SUFFIXES: [string, Compression][] = [
  ['.tar', 'none'],
  ['.tar.gz', 'gzip'],
  ['.tgz', 'gzip'],
  ['.tar.zst', 'zstd'],
  ['.tzst', 'zstd'],
];

/**
 * The compression an archive path implies from its extension (case-insensitive).
 * @throws MlfError E901 for any other extension.
 */
export function compressionForPath(path: string): Compression {
  const lower = path.toLowerCase();
  for (const [suffix, kind] of SUFFIXES) if (lower.endsWith(suffix)) return kind;
  throw new MlfError('MLF-E901', `${path}: unknown archive extension; supported are ${SUFFIXES.map(([s]) => s).join(', ')}`);
}

/**
 * Compresses an uncompressed tar. `none` returns the input itself.
 * @throws MlfError E901 for a level outside the codec's range.
 */
export async function compressTar(tar: Uint8Array, kind: Compression, options: CompressOptions = {}): Promise<Uint8Array> {
  if (kind === 'none') return tar;
  if (kind === 'gzip') return gzipTar(tar, checkLevel(options.level ?? 6, 0, 9, kind));
  if (kind === 'zstd') return zstdTar(tar, checkLevel(options.level ?? 3, 1, 22, kind));
  throw new MlfError('MLF-E901', `unknown compression ${JSON.stringify(kind)}; use none, gzip or zstd`);
}

function checkLevel(level: number, min: number, max: number, kind: string): number {
  if (!Number.isInteger(level) || level < min || level > max) {
    throw new MlfError('MLF-E901', `${kind} level ${level} is out of range; use an integer from ${min} to ${max}`);
  }
  return level;
}

const gzipAsync = promisify(zlib.gzip);

/** RFC 1952 OS byte 255 = "unknown": what CPython's gzip and node-tar's `portable` mode write. */
const GZIP_OS_UNKNOWN = 0xff;

/**
 * gzip through node:zlib (on the thread pool, so large tars do not block the event loop). zlib
 * writes a bare 10-byte header with MTIME 0; only its OS byte depends on the platform zlib was
 * built for (3 on Unix, 10 on Windows), so it is overwritten. The header has no CRC to update.
 */
async function gzipTar(tar: Uint8Array, level: number): Promise<Uint8Array> {
  const out = new Uint8Array(await gzipAsync(tar, { level }));
  const bareHeader = out[0] === 0x1f && out[1] === 0x8b && out[2] === 8 && out[3] === 0 && out[4] === 0 && out[5] === 0 && out[6] === 0 && out[7] === 0;
  if (!bareHeader) throw new Error('node:zlib wrote a gzip header with flags or a timestamp; compressTar cannot make it reproducible');
  out[9] = GZIP_OS_UNKNOWN;
  return out;
}

/** The WASM codec compresses this much per frame: one-shot calls on huge buffers are slow and capped by its heap. */
const ZSTD_CHUNK = 8 * 1024 * 1024;

type ZstdCompressFn = (buf: Uint8Array, options: { params: Record<number, number> }, callback: (err: Error | null, out: Uint8Array) => void) => void;

/** zstd: node:zlib when it has it (Node >= 22.15, untyped in @types/node 20), else the WASM build. */
async function zstdTar(tar: Uint8Array, level: number): Promise<Uint8Array> {
  const native = (zlib as unknown as { zstdCompress?: ZstdCompressFn }).zstdCompress;
  const levelParam = (zlib.constants as unknown as Record<string, number | undefined>)['ZSTD_c_compressionLevel'];
  if (native !== undefined && levelParam !== undefined) {
    const out = await promisify(native)(tar, { params: { [levelParam]: level } });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  }
  const compress = await loadWasmZstd();
  // Independent frames, concatenated: zstd(1), fzstd and our reader decode multi-frame input.
  const frames: Uint8Array[] = [];
  for (let pos = 0; pos < tar.byteLength || pos === 0; pos += ZSTD_CHUNK) {
    frames.push(compress(tar.subarray(pos, pos + ZSTD_CHUNK), level));
  }
  return concatBytes(frames);
}

let wasmZstd: Promise<(buf: Uint8Array, level: number) => Uint8Array> | undefined;

/** Loads and initialises the WASM codec once, and only when needed. */
function loadWasmZstd(): Promise<(buf: Uint8Array, level: number) => Uint8Array> {
  wasmZstd ??= import('@bokuweb/zstd-wasm').then(async (m) => {
    await m.init();
    return (buf: Uint8Array, level: number) => m.compress(buf, level);
  });
  wasmZstd.catch(() => {
    wasmZstd = undefined; // let a later call retry rather than cache the failure
  });
  return wasmZstd;
}
