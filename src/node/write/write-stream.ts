import { randomBytes } from 'node:crypto';
import { lstat, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { MlfError } from '../../core/errors/errors.js';
import { sizeChanged } from '../../core/integrity/manifest.js';
import type { TarPlan } from '../../core/tar/write.js';
import type { Compression } from './compress.js';
import { type Chunks, compressChunks } from './compress-stream.js';
import { type ChunkedMember, MEMBER_CHUNK, memberChunks } from '../read/member-chunks.js';

/** Small chunks (headers, padding, compressed output) are gathered up to this size before one write; larger ones are written in pieces of this size. */
const SMALL_WRITE = 1024 * 1024;

/**
 * Where each planned file's bytes come from (see `memberChunks`). Bytes returned by `readRange`
 * and `read()` must not change afterwards: small ones are held until a batch is written.
 */
export type MemberSource = ChunkedMember;

/** Options of `writeTarPlanAtomic`. */
export interface StreamWriteOptions extends WriteChunksOptions {
  /** Bytes per `readInto`/`readRange` call. @default MEMBER_CHUNK (8 MiB) */
  chunkSize?: number;
  /** Sees each member's bytes as they are written, in order (to hash them on the fly). */
  onData?: (path: string, bytes: Uint8Array) => void;
}

/** Options of `writeChunksAtomic`. */
export interface WriteChunksOptions {
  /** Replace an existing destination. @default false */
  force?: boolean;
  /** How to compress the bytes (see `compressTar`). @default 'none' */
  compression?: Compression;
  /** Compression level (see `compressTar`). */
  level?: number;
  /** Runs when every byte is written and synced, before the rename; throwing abandons the write. */
  beforeCommit?: () => void | Promise<void>;
}

/**
 * Writes a planned tar (see `planTar`/`planCanonical`) to `dest` without holding it in memory,
 * compressed as asked (same bytes as `compressTar` of the whole tar): member data is copied in
 * chunks, through the compressor, into a temporary sibling, which is renamed over `dest` only
 * when complete (see `writeChunksAtomic`).
 * @throws MlfError E901 for a bad compression level, E904 when the destination exists (without
 *   `force`) or cannot be written, E009 when a member's bytes do not match its planned size;
 *   errors of the members' readers as they are.
 */
export async function writeTarPlanAtomic(
  dest: string,
  plan: TarPlan,
  member: (path: string) => MemberSource,
  options: StreamWriteOptions = {},
): Promise<void> {
  await writeChunksAtomic(dest, planChunks(plan, member, options.chunkSize ?? MEMBER_CHUNK, options.onData), options);
}

/**
 * Writes bytes, compressed as asked, into a temporary sibling opened with `wx`, fsyncs and renames
 * it over `dest`: the destination is either the complete file or untouched (same rules as
 * `writeFileAtomic`). Any error removes the temporary file and stops the compressor.
 * @throws MlfError E901 for a bad compression level, E904 when the destination exists (without
 *   `force`) or cannot be written; errors of `source` as they are.
 */
export async function writeChunksAtomic(dest: string, source: Chunks, options: WriteChunksOptions = {}): Promise<void> {
  const compressed = compressChunks(source, options.compression ?? 'none', { level: options.level });
  if (!options.force && (await exists(dest)))
    throw new MlfError('MLF-E904', `${dest} already exists; use --force to replace it`);
  const tmp = join(dirname(dest), `.${basename(dest)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(tmp, 'wx', 0o644);
    for await (const buf of coalesce(compressed)) {
      // At most SMALL_WRITE per call: the kernel copies one 8 MiB write several times slower (measured).
      let done = 0;
      while (done < buf.byteLength)
        done += (await handle.write(buf, done, Math.min(SMALL_WRITE, buf.byteLength - done))).bytesWritten;
    }
    await handle.sync();
    await handle.close();
    handle = undefined;
    await options.beforeCommit?.();
    await rename(tmp, dest);
  } catch (e) {
    await handle?.close().catch(() => undefined);
    await rm(tmp, { force: true });
    if (e instanceof MlfError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === undefined) throw e;
    throw new MlfError('MLF-E904', `cannot write ${dest}: ${code}`);
  }
}

/**
 * The bytes of a planned tar: headers, member data in chunks (`memberChunks`), padding, trailer.
 * Chunks read with `readInto` share a buffer, so each is only valid until the next is pulled: the
 * consumers (`coalesce`, `compressChunks`) write or copy a large chunk at once, and small ones,
 * which they hold, are copied here.
 */
export async function* planChunks(
  plan: TarPlan,
  member: (path: string) => MemberSource,
  chunk: number,
  onData?: (path: string, bytes: Uint8Array) => void,
): AsyncGenerator<Uint8Array> {
  for (const entry of plan.entries) {
    yield entry.header;
    if (entry.path !== undefined) {
      const src = member(entry.path);
      let copied = 0;
      for await (const bytes of memberChunks(src, entry.size, chunk)) {
        copied += bytes.byteLength;
        if (copied > entry.size) throw sizeChanged(entry.path, copied, entry.size);
        onData?.(entry.path, bytes);
        yield src.readInto !== undefined && bytes.byteLength < SMALL_WRITE ? bytes.slice() : bytes;
      }
      if (copied !== entry.size) throw sizeChanged(entry.path, copied, entry.size);
    }
    if (entry.pad > 0) yield new Uint8Array(entry.pad);
  }
  yield plan.trailer;
}

/** Gathers small chunks into writes of at least SMALL_WRITE bytes; large ones pass as they are. */
async function* coalesce(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let pending: Uint8Array[] = [];
  let bytes = 0;
  for await (const buf of source) {
    const large = buf.byteLength >= SMALL_WRITE;
    if (!large) {
      pending.push(buf);
      bytes += buf.byteLength;
    }
    if ((large || bytes >= SMALL_WRITE) && bytes > 0) {
      yield Buffer.concat(pending, bytes);
      pending = [];
      bytes = 0;
    }
    if (large) yield buf;
  }
  if (bytes > 0) yield Buffer.concat(pending, bytes);
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}
