import { Inflate } from 'fflate';
import type { ByteSource } from '../common/source.js';
import { crc32 as crc32Js } from '../common/crc32.js';
import { MlfError } from '../errors/errors.js';
import {
  addZipEntry,
  bad,
  beginZipIndex,
  finishZipIndex,
  hasDescriptor,
  LOCAL_HEADER_SIZE,
  MAX_DESCRIPTOR_SIZE,
  readCentralEntry,
  type ReadZipOptions,
  type ZipEntry,
} from './zip.js';
import { segmentView } from './zip-view.js';

/**
 * The strict zip reader of zip.ts over a random-access source (a file on disk, a Blob) instead of
 * bytes in memory: the same checks, in the same order, with the same errors, reading only the end
 * records, the central directory and each local header; member data are then read in bounded
 * chunks (inflated a slice at a time) with their size and CRC-32 checked as they go by.
 */

/** Reads `[offset, offset + length)` of a source as chunks in order; a chunk may be valid only until the next is pulled. */
export type RangeChunks = (offset: number, length: number) => AsyncIterable<Uint8Array>;

/** Bytes per read of `rangeChunks`. */
const CHUNK = 1024 * 1024;

/** RangeChunks over a source's `read` (fresh chunks of at most `chunk` bytes). */
export function rangeChunks(source: Pick<ByteSource, 'read'>, chunk = CHUNK): RangeChunks {
  return async function* (offset, length) {
    for (let done = 0; done < length;) {
      const bytes = await source.read(offset + done, Math.min(chunk, length - done));
      if (bytes.byteLength === 0) throw new MlfError('MLF-E002', `npz: the file ends at offset ${offset + done}`);
      done += bytes.byteLength;
      yield bytes;
    }
  };
}

/** Reads exactly `length` bytes at `offset`; E002 when the source ends first. */
async function readExactly(source: Pick<ByteSource, 'read'>, offset: number, length: number): Promise<Uint8Array> {
  const bytes = await source.read(offset, length);
  if (bytes.byteLength !== length)
    throw new MlfError('MLF-E002', `npz: needed ${length} bytes at offset ${offset}, got ${bytes.byteLength}`, {
      offset,
    });
  return bytes;
}

/** The end records and comment can take this many bytes at the end of a zip (zip.ts: findEnd). */
const TAIL = 22 + 0xffff + 1 + 20 + 56;

/**
 * `readZipIndex` over a source: lists the members after checking the zip's whole structure,
 * reading the last ~64 KiB, the central directory and each member's local header (and data
 * descriptor) only.
 * @throws MlfError as `readZipIndex`; E002 when the source is shorter than it says.
 */
export async function readZipIndexFrom(source: ByteSource, options: ReadZipOptions = {}): Promise<ZipEntry[]> {
  const size = source.byteLength;
  const tailAt = Math.max(0, size - TAIL);
  const fixed = [{ at: tailAt, bytes: await readExactly(source, tailAt, size - tailAt) }];
  const state = beginZipIndex(segmentView(size, fixed), options, false);
  const { dir } = state;
  if (dir.offset < tailAt) fixed.push({ at: dir.offset, bytes: await readExactly(source, dir.offset, dir.size) });
  const central = segmentView(size, fixed);
  for (let i = 0; i < dir.count; i++) {
    const c = readCentralEntry(central, state, i);
    // What addZipEntry reads of the local header, clipped to the members' area (it checks bounds before reading).
    const at = c.headerOffset;
    const local: { at: number; bytes: Uint8Array }[] = [];
    if (at + LOCAL_HEADER_SIZE <= dir.offset) {
      const fixedPart = await readExactly(source, at, LOCAL_HEADER_SIZE);
      const view = new DataView(fixedPart.buffer, fixedPart.byteOffset, fixedPart.byteLength);
      const end = Math.min(dir.offset, at + LOCAL_HEADER_SIZE + view.getUint16(26, true) + view.getUint16(28, true));
      local.push({ at, bytes: await readExactly(source, at, end - at) });
      if (hasDescriptor(c)) {
        const dataEnd = end + c.compressedSize;
        if (dataEnd < dir.offset)
          local.push({
            at: dataEnd,
            bytes: await readExactly(source, dataEnd, Math.min(dir.offset, dataEnd + MAX_DESCRIPTOR_SIZE) - dataEnd),
          });
      }
    }
    addZipEntry(segmentView(size, [...local, ...fixed]), state, c);
  }
  return finishZipIndex(state);
}

/** Options of `zipEntryChunks`. */
export interface ZipEntryChunksOptions {
  /** A faster CRC-32 (node:zlib's); default the table-driven one of zip.ts. */
  crc32?: (bytes: Uint8Array, crc: number) => number;
  /**
   * A platform inflater of raw deflate (node:zlib's) to use instead of fflate; it must yield
   * bounded chunks and honour backpressure, and it gets chunks it may keep.
   */
  inflate?: (input: AsyncIterable<Uint8Array>) => AsyncIterable<Uint8Array>;
}

/** Compressed bytes pushed into fflate per call: its output per call is at most ~1032 times that. */
const INFLATE_STEP = 16 * 1024;

/** Raw deflate through fflate, a slice of input at a time, so the output per step stays bounded. */
async function* inflateJs(input: AsyncIterable<Uint8Array>, name: string, at: number): AsyncGenerator<Uint8Array> {
  let out: Uint8Array[] = [];
  const inflater = new Inflate((chunk) => void out.push(chunk));
  const push = (bytes: Uint8Array, final: boolean) => {
    try {
      inflater.push(bytes, final);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      throw bad(`member ${JSON.stringify(name)} is not a valid deflate stream (${why})`, at);
    }
  };
  for await (const chunk of input) {
    for (let i = 0; i < chunk.byteLength; i += INFLATE_STEP) {
      push(chunk.subarray(i, i + INFLATE_STEP), false); // fflate copies what it keeps
      yield* out;
      out = [];
    }
  }
  push(new Uint8Array(0), true);
  yield* out;
}

/**
 * The uncompressed bytes of a member listed by `readZipIndexFrom`, in chunks: stored data as
 * read, deflated data through the inflater in bounded steps. The size is checked as chunks go by
 * (more than declared stops at once), the size and CRC-32 at the end, so a consumer that writes
 * the chunks somewhere must discard what it wrote when this throws.
 * @throws MlfError `MLF-E911` for corrupt data, a size or CRC-32 mismatch.
 */
export async function* zipEntryChunks(
  chunks: RangeChunks,
  entry: ZipEntry,
  options: ZipEntryChunksOptions = {},
): AsyncGenerator<Uint8Array> {
  const where = `member ${JSON.stringify(entry.name)}`;
  const crcOf = options.crc32 ?? crc32Js;
  const data = chunks(entry.dataOffset, entry.compressedSize);
  const output =
    entry.method === 0
      ? data
      : options.inflate !== undefined
        ? options.inflate(data)
        : inflateJs(data, entry.name, entry.dataOffset);
  let crc = 0;
  let size = 0;
  try {
    for await (const chunk of output) {
      if (chunk.byteLength === 0) continue;
      size += chunk.byteLength;
      if (size > entry.size)
        throw bad(`${where} inflates to more than its declared ${entry.size} bytes`, entry.dataOffset);
      crc = crcOf(chunk, crc);
      yield chunk;
    }
  } catch (e) {
    // node:zlib's errors (Z_DATA_ERROR...) mean corrupt data; anything else (reading) passes through.
    if (!String((e as { code?: unknown }).code ?? '').startsWith('Z_')) throw e;
    const why = e instanceof Error ? e.message : String(e);
    throw bad(`${where} is not a valid deflate stream (${why})`, entry.dataOffset);
  }
  if (size !== entry.size)
    throw bad(`${where} inflates to ${size} bytes, not its declared ${entry.size}`, entry.dataOffset);
  if (crc !== entry.crc32)
    throw bad(
      `${where} fails its CRC-32 check (stored 0x${entry.crc32.toString(16).padStart(8, '0')}, computed 0x${crc.toString(16).padStart(8, '0')})`,
      entry.dataOffset,
    );
}
