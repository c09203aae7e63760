import { Inflate } from 'fflate';
import type { ByteSource } from '../common/source.js';
import { resolveLimits } from '../common/limits.js';
import { MlfError } from '../errors/errors.js';
import { type DecodeNpyOptions, type NpyHeader, readNpyHeader, readNpyPrefix, swapBytes } from './npy.js';
import { crc32 as crc32Js } from '../common/crc32.js';
import { bad, type ZipEntry } from './zip.js';
import { type RangeChunks, readZipIndexFrom, type ZipEntryChunksOptions, zipEntryChunks } from './zip-stream.js';
import { encodeZipDirectory, encodeZipLocalHeader, type ZipWriteEntry } from './zip-write.js';

/**
 * `.npz` and `.npy` files streamed: written from tensors read in chunks, and read a member at a
 * time, so neither side ever holds more than a chunk of any array. The checks and errors are
 * those of `decodeNpz`/`decodeNpy`; the bytes written are those of `encodeNpz`/`encodeNpy`.
 */

/** One array to write: its `.npy` header (`encodeNpyHeader`) and where its data are. */
export interface NpyWriteItem {
  /** Member name without `.npy`. */
  name: string;
  header: Uint8Array;
  /** Offset and length of the data in the source `chunks` reads. */
  dataOffset: number;
  byteLength: number;
}

/** Options of `npzChunks`. */
export interface NpzChunksOptions {
  /** A faster CRC-32 (node:zlib's); default the table-driven one of zip.ts. */
  crc32?: (bytes: Uint8Array, crc: number) => number;
}

/**
 * The bytes of a stored `.npz` holding `items` (the layout of `encodeNpz`, Zip64 past 4 GiB), in
 * order: each array's data are read twice through `chunks`, once for the CRC-32 that its local
 * header needs and once to copy them, and the copy's CRC-32 must match (a source that changed in
 * between raises E011).
 * @throws MlfError E011 when the data change between the two reads, E911 for a name too long.
 */
export async function* npzChunks(
  items: readonly NpyWriteItem[],
  chunks: RangeChunks,
  options: NpzChunksOptions = {},
): AsyncGenerator<Uint8Array> {
  const crcOf = options.crc32 ?? crc32Js;
  const entries: ZipWriteEntry[] = [];
  let offset = 0;
  for (const item of items) {
    const crcData = async () => {
      let crc = crcOf(item.header, 0);
      for await (const c of chunks(item.dataOffset, item.byteLength)) crc = crcOf(c, crc);
      return crc;
    };
    const entry = {
      name: `${item.name}.npy`,
      size: item.header.byteLength + item.byteLength,
      crc32: await crcData(),
      offset,
    };
    const local = encodeZipLocalHeader(entry);
    yield local;
    yield item.header;
    let crc = crcOf(item.header, 0);
    let copied = 0;
    for await (const c of chunks(item.dataOffset, item.byteLength)) {
      crc = crcOf(c, crc);
      copied += c.byteLength;
      yield c;
    }
    if (copied !== item.byteLength || crc !== entry.crc32)
      throw new MlfError('MLF-E011', `array ${JSON.stringify(item.name)}: its bytes changed while it was written`);
    entries.push(entry);
    offset += local.byteLength + entry.size;
  }
  yield encodeZipDirectory(entries, offset);
}

/** One array of a `.npz` or `.npy` being read: its header and where its bytes are. */
export interface NpyMember {
  /** The key `numpy.load` gives it: the member name without `.npy` (or the file's name). */
  key: string;
  header: NpyHeader;
  /** The zip member it is in; undefined for a `.npy` file. */
  entry?: ZipEntry;
}

/** Options of `listNpzArrays` and `npyMemberChunks`. */
export type NpzReadOptions = DecodeNpyOptions & ZipEntryChunksOptions;

/** Wraps an error with the npz member it is about, as `decodeNpz` does. */
function inMember(e: unknown, name: string): unknown {
  if (!(e instanceof MlfError)) return e;
  return new MlfError(e.code, `${e.message} (npz member ${JSON.stringify(name)})`, {
    member: name,
    offset: e.offset,
  });
}

/** The first `n` bytes of a member (fewer if it is shorter), inflating only what they need. */
async function entryHead(source: ByteSource, entry: ZipEntry, n: number): Promise<Uint8Array> {
  const want = Math.min(n, entry.size);
  if (entry.method === 0) return source.read(entry.dataOffset, want);
  const head = new Uint8Array(want);
  let at = 0;
  const inflater = new Inflate((chunk) => {
    const take = Math.min(chunk.byteLength, want - at);
    head.set(chunk.subarray(0, take), at);
    at += take;
  });
  for (let i = 0; i < entry.compressedSize && at < want; i += 4096) {
    const step = Math.min(4096, entry.compressedSize - i);
    const bytes = await source.read(entry.dataOffset + i, step);
    try {
      inflater.push(bytes, i + step >= entry.compressedSize);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      throw bad(`member ${JSON.stringify(entry.name)} is not a valid deflate stream (${why})`, entry.dataOffset);
    }
  }
  return head.subarray(0, at);
}

/** Reads a `.npy` header from its first bytes, fetched by `head(n)` (12, then the whole header). */
async function npyHeaderOf(
  head: (n: number) => Promise<Uint8Array>,
  length: number,
  options: DecodeNpyOptions,
): Promise<NpyHeader> {
  const { start, hlen } = readNpyPrefix(await head(12), length, resolveLimits(options.limits));
  return readNpyHeader(await head(start + hlen), length, options);
}

/**
 * Lists the arrays of a `.npz` behind a source, reading its structure (`readZipIndexFrom`) and
 * each array's `.npy` header only, with the checks of `decodeNpz` (no arrays, a key two members
 * give); the data are read later by `npyMemberChunks`.
 * @throws MlfError `MLF-E911` for a corrupt, encrypted or empty zip or member, E009 above a limit.
 */
export async function listNpzArrays(source: ByteSource, options: NpzReadOptions = {}): Promise<NpyMember[]> {
  const entries = await readZipIndexFrom(source, options);
  const arrays = entries.filter((e) => e.name.endsWith('.npy'));
  if (arrays.length === 0) {
    throw new MlfError(
      'MLF-E911',
      `npz: no .npy arrays in the file (${entries.length === 0 ? 'an empty zip' : `${entries.length} other members`})`,
    );
  }
  const names = new Set(entries.map((e) => e.name));
  for (const e of arrays) {
    if (names.has(e.name.slice(0, -4)))
      throw new MlfError(
        'MLF-E911',
        `npz: members ${JSON.stringify(e.name.slice(0, -4))} and ${JSON.stringify(e.name)} are both the key ${JSON.stringify(e.name.slice(0, -4))} for numpy.load`,
        { member: e.name },
      );
  }
  const out: NpyMember[] = [];
  for (const entry of arrays) {
    try {
      const header = await npyHeaderOf((n) => entryHead(source, entry, n), entry.size, options);
      out.push({ key: entry.name.slice(0, -4), header, entry });
    } catch (e) {
      throw inMember(e, entry.name);
    }
  }
  return out;
}

/**
 * Reads the header of a `.npy` file behind a source (`decodeNpy`'s checks).
 * @throws MlfError `MLF-E911` for anything that is not a simple-dtype .npy, E009 above a limit.
 */
export function readNpyHeaderFrom(source: ByteSource, options: DecodeNpyOptions = {}): Promise<NpyHeader> {
  return npyHeaderOf((n) => source.read(0, Math.min(n, source.byteLength)), source.byteLength, options);
}

/**
 * The data of an array listed by `listNpzArrays` (or of a `.npy` file, without `entry`), in
 * chunks, byte-swapped to little-endian when the file is big-endian. A zip member is read whole,
 * its CRC-32 checked at the end (the bytes after the data included), so a consumer must discard
 * what it wrote when this throws. Chunks may be valid only until the next is pulled.
 * @throws MlfError as `zipEntryChunks`, named after the member.
 */
export async function* npyMemberChunks(
  chunks: RangeChunks,
  array: NpyMember,
  options: NpzReadOptions = {},
): AsyncGenerator<Uint8Array> {
  const { dataOffset, byteLength, swapUnit } = array.header;
  const raw =
    array.entry === undefined
      ? chunks(dataOffset, byteLength)
      : within(zipEntryChunks(chunks, array.entry, options), dataOffset, byteLength);
  try {
    yield* swapUnit > 1 ? swapped(raw, swapUnit) : raw;
  } catch (e) {
    throw array.entry === undefined ? e : inMember(e, array.entry.name);
  }
}

/** The bytes `[skip, skip + take)` of a chunk stream, which is read to its end (for its checks). */
async function* within(input: AsyncIterable<Uint8Array>, skip: number, take: number): AsyncGenerator<Uint8Array> {
  let pos = 0;
  for await (const c of input) {
    const from = Math.max(0, skip - pos);
    const to = Math.min(c.byteLength, skip + take - pos);
    pos += c.byteLength;
    if (to > from) yield c.subarray(from, to);
  }
}

/** Byte-swaps items of `unit` bytes, carrying an item split between chunks over to the next. */
async function* swapped(input: AsyncIterable<Uint8Array>, unit: number): AsyncGenerator<Uint8Array> {
  let carry = new Uint8Array(0);
  for await (const c of input) {
    const joined = carry.byteLength === 0 ? c : concat(carry, c);
    const whole = joined.byteLength - (joined.byteLength % unit);
    carry = joined.slice(whole);
    if (whole > 0) yield swapBytes(joined.subarray(0, whole), unit);
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a, 0);
  out.set(b, a.byteLength);
  return out;
}
