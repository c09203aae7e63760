import { createHash } from 'node:crypto';
import { once } from 'node:events';
import type { FileHandle } from 'node:fs/promises';
import { sizeChanged } from '../../core/integrity/manifest.js';
import type { TarPlan } from '../../core/tar/write.js';
import type { Compression } from './compress.js';
import { type Chunks, compressChunks } from './compress-stream.js';
import { type ChunkedMember, MEMBER_CHUNK, memberChunks } from '../read/member-chunks.js';
import { fsError } from '../fs-error.js';
import { commitTempFile, discardTempFile, openTempFile, type Written } from './atomic.js';
import { checkFileDestination, type WriteOptions } from './destination.js';

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
export interface WriteChunksOptions extends WriteOptions {
  /** How to compress the bytes (see `compressTar`). @default 'none' */
  compression?: Compression;
  /** Compression level (see `compressTar`). */
  level?: number;
  /** Runs when every byte is written and synced, before the rename; throwing abandons the write. */
  beforeCommit?: () => void | Promise<void>;
  /** Sees the count of uncompressed bytes consumed so far (for a progress bar). */
  onProgress?: (bytes: number) => void;
}

/** A stream to write to instead of a file (`-o -`: standard output), and the name to report. */
export interface StreamTarget {
  stream: NodeJS.WritableStream;
  name: string;
}

/**
 * Writes a planned tar (see `planTar`/`planCanonical`) to `dest` without holding it in memory,
 * compressed as asked (same bytes as `compressTar` of the whole tar): member data is copied in
 * chunks, through the compressor, into a temporary sibling, which is renamed over `dest` only
 * when complete (see `writeChunksAtomic`).
 * @throws MlfError E901 for a bad compression level, E904 when the destination exists (without
 *   `force`) or cannot be written, E011 when a member's bytes do not match its planned size;
 *   errors of the members' readers as they are.
 */
export async function writeTarPlanAtomic(
  dest: string | StreamTarget,
  plan: TarPlan,
  member: (path: string) => MemberSource,
  options: StreamWriteOptions = {},
): Promise<Written> {
  return writeChunksAtomic(dest, planChunks(plan, member, options.chunkSize ?? MEMBER_CHUNK, options.onData), {
    accepts: 'archive',
    ...options,
  });
}

/**
 * Writes bytes, compressed as asked, into a temporary sibling opened with `wx`, fsyncs and renames
 * it over `dest` (the rules of `./destination.ts`): the destination is either the complete file or
 * untouched. Any error removes the temporary file and stops the compressor. A {@link StreamTarget}
 * gets the bytes as they come (a consumer of standard output sees a failure as a short stream
 * and the exit status).
 * @throws MlfError E901 for a bad compression level, E904 when the destination exists (without
 *   `force`) or cannot be written; errors of `source` as they are.
 */
export async function writeChunksAtomic(
  dest: string | StreamTarget,
  source: Chunks,
  options: WriteChunksOptions = {},
): Promise<Written> {
  const counted = options.onProgress === undefined ? source : countChunks(source, options.onProgress);
  const compressed = compressChunks(counted, options.compression ?? 'none', { level: options.level });
  const hash = createHash('sha256');
  let bytes = 0;
  if (typeof dest !== 'string') {
    for await (const { bytes: buf, owned } of coalesce(compressed)) {
      hash.update(buf);
      bytes += buf.byteLength;
      // A stream holds what it is given until flushed: a buffer its producer reuses must be flushed first.
      if (!owned) await new Promise<void>((res, rej) => dest.stream.write(buf, (e) => (e ? rej(e) : res())));
      else if (!dest.stream.write(buf)) await once(dest.stream as NodeJS.EventEmitter, 'drain');
    }
    await options.beforeCommit?.();
    return { path: dest.name, bytes, sha256: hash.digest('hex') };
  }
  await checkFileDestination(dest, options);
  const tmp = await openTempFile(dest, options.mode ?? 0o644);
  // One write and one early flush may be in flight while the next bytes are made (see WriteAhead).
  const ahead = new WriteAhead(tmp.handle);
  try {
    for await (const { bytes: buf, owned } of coalesce(compressed)) {
      hash.update(buf);
      bytes += buf.byteLength;
      await ahead.write(buf, owned);
    }
    await ahead.finish();
    await options.beforeCommit?.();
  } catch (e) {
    await ahead.settle();
    await discardTempFile(tmp);
    throw fsError(e, dest, 'write');
  }
  await commitTempFile(tmp, dest, options);
  return { path: dest, bytes, sha256: hash.digest('hex') };
}

/** Passes chunks through, reporting the running byte count. */
async function* countChunks(source: Chunks, onProgress: (bytes: number) => void): AsyncGenerator<Uint8Array> {
  let n = 0;
  for await (const c of source) {
    n += c.byteLength;
    onProgress(n);
    yield c;
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

/**
 * Gathers small chunks into writes of at least SMALL_WRITE bytes; large ones pass as they are.
 * `owned` marks the gathered copies, which no producer can change after they are yielded.
 */
async function* coalesce(source: AsyncIterable<Uint8Array>): AsyncGenerator<{ bytes: Uint8Array; owned: boolean }> {
  let pending: Uint8Array[] = [];
  let bytes = 0;
  for await (const buf of source) {
    const large = buf.byteLength >= SMALL_WRITE;
    if (!large) {
      pending.push(buf);
      bytes += buf.byteLength;
    }
    if ((large || bytes >= SMALL_WRITE) && bytes > 0) {
      yield { bytes: Buffer.concat(pending, bytes), owned: true };
      pending = [];
      bytes = 0;
    }
    if (large) yield { bytes: buf, owned: false };
  }
  if (bytes > 0) yield { bytes: Buffer.concat(pending, bytes), owned: true };
}

/** Bytes written between early flushes (see WriteAhead). */
const FLUSH_EVERY = 256 * 1024 * 1024;

/**
 * Writes to a file while its producer goes on. A buffer nobody will change (`owned`) is written in
 * the background, one at a time; others are written before `write` returns (producers reuse
 * them). Every FLUSH_EVERY bytes a `fdatasync` starts in the background, so the disk takes the
 * bytes while more are made: the final fsync of a 1.4 GB report otherwise waited ~1 s for all of
 * them (measured), as the kernel starts writeback only when 10% of memory is dirty.
 */
class WriteAhead {
  private writing: Promise<void> = Promise.resolve();
  private flushing: Promise<void> | undefined;
  private sinceFlush = 0;

  constructor(private readonly handle: FileHandle) {}

  /** Writes `buf`: in the background when `owned`, else before returning. */
  async write(buf: Uint8Array, owned: boolean): Promise<void> {
    await this.writing;
    this.writing = this.writeAll(buf);
    if (!owned) await this.writing;
    this.sinceFlush += buf.byteLength;
    if (this.sinceFlush >= FLUSH_EVERY && this.flushing === undefined) {
      this.sinceFlush = 0;
      this.flushing = this.handle.datasync().finally(() => (this.flushing = undefined));
    }
  }

  /** Waits for the background write and flush; their errors are thrown here. */
  async finish(): Promise<void> {
    await this.writing;
    await this.flushing;
  }

  /** Waits for the background work to end, ignoring its errors (before the file is discarded). */
  async settle(): Promise<void> {
    await this.writing.catch(() => undefined);
    await this.flushing?.catch(() => undefined);
  }

  // At most SMALL_WRITE per call: the kernel copies one 8 MiB write several times slower (measured).
  private async writeAll(buf: Uint8Array): Promise<void> {
    let done = 0;
    while (done < buf.byteLength)
      done += (await this.handle.write(buf, done, Math.min(SMALL_WRITE, buf.byteLength - done))).bytesWritten;
  }
}
