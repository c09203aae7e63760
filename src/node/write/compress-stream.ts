import zlib from 'node:zlib';
import { createRequire } from 'node:module';
import type { Transform } from 'node:stream';
import { MlfError } from '../../core/errors/errors.js';
import { throughZlib } from './zlib-stream.js';
import { createZstdPool, WASM_ZSTD, type ZstdPool } from './zstd-pool.js';

/** How an archive file is compressed. */
export type Compression = 'none' | 'gzip' | 'zstd';

/**
 * Streaming compression shared by the in-memory `compressTar` and the streaming archive writers,
 * so both give the same bytes. Input is re-cut into fixed slices first: the codecs then always see
 * the same calls whatever the caller's chunking (gzip level 0 would otherwise emit stored blocks
 * of chunk-dependent sizes), and the zstd frame boundaries sit at fixed tar offsets.
 */

/** Bytes in order, in chunks of any size. */
export type Chunks = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

/** Options of `compressChunks`. */
export interface CompressChunksOptions {
  /** gzip 0-9 (default 6), zstd 1-22 (default 3). */
  level?: number | undefined;
}

/** Slice fed to node:zlib per write (gzip, native zstd). */
const ZLIB_SLICE = 1024 * 1024;

/** One WASM zstd frame per this much tar: one-shot calls on huge buffers are slow and capped by the WASM heap. */
export const ZSTD_CHUNK = 8 * 1024 * 1024;

/** RFC 1952 OS byte 255 = "unknown": what CPython's gzip and node-tar's `portable` mode write. */
const GZIP_OS_UNKNOWN = 0xff;

/**
 * Compresses a byte stream. The level is checked now, the work starts on the first read; breaking
 * out of the iteration stops the codec (and its worker threads). `none` yields the source's own
 * chunks; the codecs copy what they are given, so the source may reuse a buffer once it is read.
 * @throws MlfError E901 for an unknown compression or a level outside the codec's range.
 */
export function compressChunks(
  source: Chunks,
  kind: Compression,
  options: CompressChunksOptions = {},
): AsyncGenerator<Uint8Array> {
  if (kind === 'none') return passThrough(source);
  if (kind === 'gzip') {
    const level = checkLevel(options.level ?? 6, 0, 9, kind);
    return fixGzipHeader(throughZlib(slices(source, ZLIB_SLICE), () => zlib.createGzip({ level })));
  }
  if (kind === 'zstd') {
    const level = checkLevel(options.level ?? 3, 1, 22, kind);
    const native = nativeZstd(level);
    return native !== undefined ? throughZlib(slices(source, ZLIB_SLICE), native) : zstdFrames(source, level);
  }
  throw new MlfError('MLF-E901', `unknown compression ${JSON.stringify(kind)}; use none, gzip or zstd`);
}

function checkLevel(level: number, min: number, max: number, kind: string): number {
  if (!Number.isInteger(level) || level < min || level > max) {
    throw new MlfError('MLF-E901', `${kind} level ${level} is out of range; use an integer from ${min} to ${max}`);
  }
  return level;
}

async function* passThrough(source: Chunks): AsyncGenerator<Uint8Array> {
  yield* source;
}

/**
 * Re-cuts a stream into caller-owned slices of exactly `size` bytes, the last one shorter unless
 * the input is a multiple of `size`; one empty slice for empty input. Each slice is a new buffer
 * from `alloc`.
 */
async function* slices(
  source: Chunks,
  size: number,
  alloc: (n: number) => Uint8Array = (n) => new Uint8Array(n),
): AsyncGenerator<Uint8Array> {
  let slice = alloc(size);
  let used = 0;
  let count = 0;
  for await (const bytes of source) {
    for (let pos = 0; pos < bytes.byteLength;) {
      const n = Math.min(size - used, bytes.byteLength - pos);
      slice.set(bytes.subarray(pos, pos + n), used);
      used += n;
      pos += n;
      if (used === size) {
        yield slice;
        count++;
        slice = alloc(size);
        used = 0;
      }
    }
  }
  if (used > 0 || count === 0) yield slice.subarray(0, used);
}

/**
 * zlib writes a bare 10-byte gzip header with MTIME 0; only its OS byte depends on the platform
 * zlib was built for (3 on Unix, 10 on Windows), so it is overwritten. The header has no CRC.
 */
async function* fixGzipHeader(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let head: Uint8Array | undefined = new Uint8Array(0);
  for await (const chunk of source) {
    if (head === undefined) {
      yield chunk;
      continue;
    }
    head = Buffer.concat([head, chunk]);
    if (head.byteLength < 10) continue;
    const bare =
      head[0] === 0x1f &&
      head[1] === 0x8b &&
      head[2] === 8 &&
      head[3] === 0 &&
      head[4] === 0 &&
      head[5] === 0 &&
      head[6] === 0 &&
      head[7] === 0;
    if (!bare)
      throw new Error(
        'node:zlib wrote a gzip header with flags or a timestamp; the archive cannot be made reproducible',
      );
    head[9] = GZIP_OS_UNKNOWN;
    yield head;
    head = undefined;
  }
  if (head !== undefined)
    throw new Error(`node:zlib wrote a ${head.byteLength}-byte gzip stream, shorter than its header`);
}

type CreateZstd = (options: { params: Record<number, number> }) => Transform;

/** zlib's zstd (Node >= 22.15, untyped in @types/node 20), or undefined on older Node. */
function nativeZstd(level: number): (() => Transform) | undefined {
  const create = (zlib as unknown as { createZstdCompress?: CreateZstd }).createZstdCompress;
  const levelParam = (zlib.constants as unknown as Record<string, number | undefined>)['ZSTD_c_compressionLevel'];
  if (create === undefined || levelParam === undefined) return undefined;
  return () => create({ params: { [levelParam]: level } });
}

/**
 * WASM zstd: one independent frame per slice (zstd(1), fzstd and our reader decode multi-frame
 * input), compressed on a worker pool and yielded in order. Reading runs ahead while earlier
 * frames wait for their turn, so every worker keeps two slices queued; at most three frames per
 * worker are held at once. An input of one short slice is compressed here instead: a worker costs
 * more to start than that.
 */
async function* zstdFrames(source: Chunks, level: number): AsyncGenerator<Uint8Array> {
  // eslint-disable-next-line prefer-const -- read by the allocator closure below before it is set
  let pool: ZstdPool | undefined;
  const it = slices(source, ZSTD_CHUNK, (n) => pool?.spare(n) ?? new Uint8Array(n));
  const first = await it.next();
  if (first.done) return;
  if (first.value.byteLength < ZSTD_CHUNK) {
    yield (await loadWasmZstd())(first.value, level);
    return;
  }
  pool = createZstdPool({ level });
  const frames: Promise<Uint8Array>[] = []; // in tar order
  const add = (slice: Uint8Array) => {
    const frame = (pool as ZstdPool).compress(slice);
    frame.catch(() => undefined); // awaited in order below; this only marks it handled
    frames.push(frame);
  };
  try {
    add(first.value);
    for (let more = true; ;) {
      while (more && pool.busy < 2 * pool.workers && frames.length < 3 * pool.workers) {
        const next = await it.next();
        if (next.done) more = false;
        else add(next.value);
      }
      const head = frames[0];
      if (head === undefined) return;
      // A worker that frees up before the head frame is done gets its next slice first.
      if (more && !(await Promise.race([head.then(isDone, isDone), pool.finished().then(() => false)]))) continue;
      yield await head;
      frames.shift();
    }
  } finally {
    await pool.close();
    await it.return(undefined);
  }
}

const isDone = () => true;

let wasmZstd: Promise<(buf: Uint8Array, level: number) => Uint8Array> | undefined;

/** Loads and initialises the WASM codec on this thread once, and only when needed. */
function loadWasmZstd(): Promise<(buf: Uint8Array, level: number) => Uint8Array> {
  wasmZstd ??= Promise.resolve().then(() => {
    const m = createRequire(import.meta.url)(WASM_ZSTD) as { compress(buf: Uint8Array, level: number): Uint8Array };
    return (buf: Uint8Array, level: number) => m.compress(buf, level);
  });
  wasmZstd.catch(() => {
    wasmZstd = undefined; // let a later call retry rather than cache the failure
  });
  return wasmZstd;
}
