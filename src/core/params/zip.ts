import { memoryView, type ZipView } from './zip-view.js';
import { MlfError } from '../errors/errors.js';
import { type Limits, MAX_ARRAY_BYTES, resolveLimits } from '../common/limits.js';

/**
 * A strict reader of zip archives held in memory (the container of `.npz`), written so that a
 * file is either read exactly as Python's `zipfile` (what `numpy.load` uses) reads it, or refused.
 * Structure is checked before anything is allocated or inflated: the end record (and the Zip64
 * locator and end record) at the end, the central directory right before it, entry counts bounded
 * by the bytes that could hold them, every local header agreeing with its directory entry, no two
 * members overlapping, sizes against the limits; then a member is inflated into a buffer of its
 * declared size, stopped as soon as it would exceed it, and its CRC-32 checked.
 */

/** One member, as its central directory entry and local header agree it is. */
export interface ZipEntry {
  /** Name as stored (UTF-8 when flagged, else ASCII). */
  name: string;
  /** 0 stored, 8 deflate. */
  method: 0 | 8;
  crc32: number;
  compressedSize: number;
  /** Uncompressed size. */
  size: number;
  /** Offset of the local header. */
  headerOffset: number;
  /** Offset of the (compressed) data. */
  dataOffset: number;
}

/** Options of `readZipIndex` and `readZipEntry`. */
export interface ReadZipOptions {
  limits?: Partial<Limits>;
}

const SIG_END = 0x06054b50;
const SIG_LOCATOR64 = 0x07064b50;
const SIG_END64 = 0x06064b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_LOCAL = 0x04034b50;
const SIG_DESCRIPTOR = 0x08074b50;
const CENTRAL_SIZE = 46;
const LOCAL_SIZE = 30;
const END_SIZE = 22;
const END64_SIZE = 56;
const LOCATOR64_SIZE = 20;
const U16 = 0xffff;
const U32 = 0xffffffff;
// Flags: 0 encrypted, 3 sizes in a data descriptor, 5 patch data, 6 strong encryption, 11 UTF-8, 13 masked headers.
const F_ENCRYPTED = 1;
const F_DESCRIPTOR = 1 << 3;
const F_UNSUPPORTED = (1 << 5) | (1 << 6) | (1 << 13);
const F_UTF8 = 1 << 11;

export const bad = (why: string, offset?: number): MlfError =>
  new MlfError('MLF-E911', `npz: ${why}`, offset === undefined ? {} : { offset });
const over = (why: string, offset?: number): MlfError =>
  new MlfError('MLF-E009', `npz: ${why}`, offset === undefined ? {} : { offset });

/** The end of central directory record: where Python's zipfile finds it, or a refusal. */
function findEnd(r: ZipView): number {
  const n = r.size;
  if (n < END_SIZE) throw bad(`${n} bytes are too few for a zip (no end of central directory record)`);
  // zipfile first tries a record with an empty comment at the very end, then the last signature
  // in the final 64 KiB + 22 bytes; a record found there must end exactly at the end of the file.
  if (r.u32(n - END_SIZE) === SIG_END && r.u16(n - 2) === 0) return n - END_SIZE;
  for (let p = n - 4; p >= Math.max(0, n - U16 - 1 - END_SIZE); p--) {
    if (r.u8(p) !== 0x50 || r.u32(p) !== SIG_END) continue;
    if (p + END_SIZE > n) throw bad('the end of central directory record is cut off', p);
    const comment = r.u16(p + 20);
    if (p + END_SIZE + comment !== n)
      throw bad(
        `the end record at offset ${p} is followed by ${n - p - END_SIZE} bytes, not its ${comment}-byte comment`,
        p,
      );
    return p;
  }
  throw bad('no end of central directory record: not a zip file', n - END_SIZE);
}

/** Where the central directory is. */
export interface Directory {
  count: number;
  offset: number;
  size: number;
  /** Where the central directory must end (the Zip64 end record, or the end record). */
  end: number;
}

/** Reads the end record and, when a locator precedes it, the Zip64 end record. */
export function readDirectoryLocation(r: ZipView): Directory {
  const p = findEnd(r);
  const fields = { disk: r.u16(p + 4), cdDisk: r.u16(p + 6), countDisk: r.u16(p + 8) };
  let count = r.u16(p + 10);
  let size = r.u32(p + 12);
  let offset = r.u32(p + 16);
  let end = p;
  if (p >= LOCATOR64_SIZE && r.u32(p - LOCATOR64_SIZE) === SIG_LOCATOR64) {
    const l = p - LOCATOR64_SIZE;
    if (r.u32(l + 4) !== 0 || r.u32(l + 16) > 1) throw bad('zip files spanning several disks are not supported', l);
    // zipfile reads the Zip64 end record right before the locator; the locator must point there too.
    const at = l - END64_SIZE;
    if (at < 0 || r.u64(l + 8) !== at || r.u32(at) !== SIG_END64)
      throw bad(`the Zip64 locator at offset ${l} does not point at a Zip64 end record right before it`, l);
    if (r.u64(at + 4) !== END64_SIZE - 12)
      throw bad('the Zip64 end record has extensible data, which zipfile does not read', at);
    if (r.u32(at + 16) !== 0 || r.u32(at + 20) !== 0)
      throw bad('zip files spanning several disks are not supported', at);
    const count64 = r.u64(at + 32);
    const zip64 = { countDisk: r.u64(at + 24), count: count64, size: r.u64(at + 40), offset: r.u64(at + 48) };
    // Each 16/32-bit field says "see Zip64" (all ones) or repeats the Zip64 value.
    const agree = (v: number, sentinel: number, v64: number) => v === sentinel || v === v64;
    if (
      !agree(fields.countDisk, U16, zip64.countDisk) ||
      !agree(count, U16, count64) ||
      !agree(size, U32, zip64.size) ||
      !agree(offset, U32, zip64.offset) ||
      zip64.countDisk !== count64
    )
      throw bad('the end record and the Zip64 end record disagree on the central directory', at);
    count = count64;
    size = zip64.size;
    offset = zip64.offset;
    end = at;
  } else if (fields.countDisk !== count) throw bad('zip files spanning several disks are not supported', p);
  if (fields.disk !== 0 || fields.cdDisk !== 0) throw bad('zip files spanning several disks are not supported', p);
  // Python's zipfile shifts every offset by any bytes prepended to the zip; such files are refused.
  if (offset + size !== end)
    throw bad(
      `the central directory (${size} bytes at offset ${offset}) does not end where the end record begins (${end})`,
      end,
    );
  if (count > Math.floor(size / CENTRAL_SIZE))
    throw bad(
      `${count} entries claimed, but a ${size}-byte central directory holds at most ${Math.floor(size / CENTRAL_SIZE)}`,
      end,
    );
  return { count, offset, size, end };
}

/** Parses extra-field records (id, length, data), which must fill the field exactly. */
function extraFields(r: ZipView, at: number, length: number) {
  const out = new Map<number, [number, number]>();
  let p = at;
  while (p < at + length) {
    if (p + 4 > at + length) throw bad('a malformed extra field', p);
    const id = r.u16(p);
    const len = r.u16(p + 2);
    if (p + 4 + len > at + length) throw bad(`extra field 0x${id.toString(16)} runs past its entry`, p);
    if (out.has(id)) throw bad(`extra field 0x${id.toString(16)} appears twice`, p);
    out.set(id, [p + 4, len]);
    p += 4 + len;
  }
  return out;
}

/** Replaces all-ones sizes (and offset) with the values of the Zip64 extra field, in its order. */
function applyZip64(
  r: ZipView,
  extra: Map<number, [number, number]>,
  values: number[],
  sentinels: number[],
  where: number,
): boolean {
  const field = extra.get(1);
  if (field === undefined) return false;
  let [p, len] = field;
  for (let i = 0; i < values.length; i++) {
    if (values[i] !== sentinels[i]) continue;
    if (len < 8) throw bad('the Zip64 extra field is too short', where);
    values[i] = r.u64(p);
    p += 8;
    len -= 8;
  }
  return true;
}

/** What one pass over the central directory has seen so far. */
export interface IndexState {
  limits: Limits;
  dir: Directory;
  entries: ZipEntry[];
  spans: [number, number][];
  names: Set<string>;
  total: number;
  /** Offset of the next central directory entry. */
  next: number;
  inMemory: boolean;
}

/**
 * Starts an index: finds the central directory (its bytes must be in `r`) and checks the entry
 * count. `inMemory`: members will be inflated into one array each, so none may pass the largest
 * array (a streamed reader has no such cap).
 */
export function beginZipIndex(r: ZipView, options: ReadZipOptions = {}, inMemory = true): IndexState {
  const limits = resolveLimits(options.limits);
  const dir = readDirectoryLocation(r);
  if (dir.count > limits.maxEntries)
    throw over(`${dir.count} members exceed limits.maxEntries (${limits.maxEntries})`, dir.end);
  return { limits, dir, entries: [], spans: [], names: new Set(), total: 0, next: dir.offset, inMemory };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** One member as its central directory entry describes it. */
export interface CentralFacts {
  name: string;
  rawName: Uint8Array;
  flags: number;
  method: number;
  crc: number;
  size: number;
  compressedSize: number;
  headerOffset: number;
}

/** Reads and checks central directory entry `i` at `state.next` (its local header is checked by `checkLocal`). */
export function readCentralEntry(r: ZipView, state: IndexState, i: number): CentralFacts {
  const { dir, limits } = state;
  const p = state.next;
  if (p + CENTRAL_SIZE > dir.end || r.u32(p) !== SIG_CENTRAL) throw bad(`central directory entry ${i} is malformed`, p);
  const flags = r.u16(p + 8);
  const method = r.u16(p + 10);
  const crc = r.u32(p + 16);
  const nameLen = r.u16(p + 28);
  const extraLen = r.u16(p + 30);
  const commentLen = r.u16(p + 32);
  const next = p + CENTRAL_SIZE + nameLen + extraLen + commentLen;
  if (next > dir.end) throw bad(`central directory entry ${i} runs past the directory`, p);
  const rawName = r.sub(p + CENTRAL_SIZE, nameLen);
  let name: string;
  if (flags & F_UTF8) {
    try {
      name = utf8.decode(rawName);
    } catch {
      throw bad(`the name of entry ${i} is flagged UTF-8 but is not`, p + CENTRAL_SIZE);
    }
  } else {
    // zipfile decodes unflagged names as cp437; NumPy writes non-ASCII names flagged UTF-8.
    name = '';
    for (const b of rawName) {
      if (b >= 0x80) throw bad(`the name of entry ${i} is not ASCII and not flagged UTF-8`, p);
      name += String.fromCharCode(b);
    }
  }
  const where = `member ${JSON.stringify(name)}`;
  if (flags & F_ENCRYPTED) throw bad(`${where} is encrypted`, p);
  if (flags & F_UNSUPPORTED) throw bad(`${where} uses an unsupported zip feature (flags 0x${flags.toString(16)})`, p);
  if (method !== 0 && method !== 8)
    throw bad(`${where} uses compression method ${method}; only stored (0) and deflate (8) are read`, p);
  if (r.u16(p + 34) !== 0) throw bad(`${where} starts on another disk`, p);
  if (state.names.has(name)) throw bad(`${where} appears twice`, p);
  state.names.add(name);
  const extra = extraFields(r, p + CENTRAL_SIZE + nameLen, extraLen);
  const v = [r.u32(p + 24), r.u32(p + 20), r.u32(p + 42)]; // size, compressed size, local header offset
  applyZip64(r, extra, v, [U32, U32, U32], p);
  const [size, compressedSize, headerOffset] = v as [number, number, number];
  if (method === 0 && size !== compressedSize)
    throw bad(`${where} is stored, yet its sizes differ (${compressedSize} stored, ${size} declared)`, p);
  if (method === 8 && compressedSize === 0) throw bad(`${where} is deflated but has no data`, p);
  if (size > limits.maxMemberBytes)
    throw over(`${where} declares ${size} bytes, over limits.maxMemberBytes (${limits.maxMemberBytes})`, p);
  if (state.inMemory && size > MAX_ARRAY_BYTES)
    throw over(`${where} declares ${size} bytes, over the ${MAX_ARRAY_BYTES} one array can hold`, p);
  state.total += size;
  if (state.total > limits.maxTotalBytes)
    throw over(`members declare more than limits.maxTotalBytes (${limits.maxTotalBytes}) in all`, p);
  if (method === 8 && size > Math.max(compressedSize, 1) * limits.maxCompressionRatio)
    throw over(`${where}: ${compressedSize} → ${size} bytes exceeds limits.maxCompressionRatio`, p);
  state.next = next;
  return { name, rawName, flags, method, crc, size, compressedSize, headerOffset };
}

/** Checks member `c`'s local header (whose bytes must be in `r`: see `localSpans`) and records the member. */
export function addZipEntry(r: ZipView, state: IndexState, c: CentralFacts): void {
  const local = checkLocal(r, c, state.dir);
  state.entries.push({
    name: c.name,
    method: c.method as 0 | 8,
    crc32: c.crc,
    compressedSize: c.compressedSize,
    size: c.size,
    headerOffset: c.headerOffset,
    dataOffset: local.dataOffset,
  });
  state.spans.push([c.headerOffset, local.end]);
}

/** Ends an index: no bytes after the last entry, no two members overlapping. */
export function finishZipIndex(state: IndexState): ZipEntry[] {
  const { dir, spans } = state;
  const p = state.next;
  if (p !== dir.end) throw bad(`the central directory has ${dir.end - p} bytes after its ${dir.count} entries`, p);
  spans.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < spans.length; i++) {
    const [prev, cur] = [spans[i - 1] as [number, number], spans[i] as [number, number]];
    if (cur[0] < prev[1]) throw bad(`members at offsets ${prev[0]} and ${cur[0]} overlap`, cur[0]);
  }
  return state.entries;
}

/**
 * Lists the members of a zip after checking its whole structure (see the file comment). Sizes are
 * checked against `limits.maxEntries` (every member), `maxMemberBytes`, `maxTotalBytes` and, for
 * deflated members, `maxCompressionRatio`, before anything is inflated.
 * @throws MlfError `MLF-E911` for a malformed, encrypted or unsupported zip, E009 above a limit.
 */
export function readZipIndex(bytes: Uint8Array, options: ReadZipOptions = {}): ZipEntry[] {
  const r = memoryView(bytes);
  const state = beginZipIndex(r, options);
  for (let i = 0; i < state.dir.count; i++) addZipEntry(r, state, readCentralEntry(r, state, i));
  return finishZipIndex(state);
}

/** Local header fields a ranged reader fetches before `addZipEntry`: the fixed part's size. */
export const LOCAL_HEADER_SIZE = LOCAL_SIZE;
/** Most bytes a data descriptor (with its signature, 8-byte sizes) takes. */
export const MAX_DESCRIPTOR_SIZE = 4 + 4 + 16;
/** True when member `c` keeps its sizes in a data descriptor after its data. */
export const hasDescriptor = (c: CentralFacts): boolean => (c.flags & F_DESCRIPTOR) !== 0;

/** Checks a local header (and data descriptor) against the directory; returns where data starts and the member ends. */
function checkLocal(r: ZipView, c: CentralFacts, dir: Directory): { dataOffset: number; end: number } {
  const at = c.headerOffset;
  const where = `member ${JSON.stringify(c.name)}`;
  if (at + LOCAL_SIZE > dir.offset) throw bad(`the local header of ${where} lies outside the members' area`, at);
  if (r.u32(at) !== SIG_LOCAL) throw bad(`no local header for ${where} at offset ${at}`, at);
  if (r.u16(at + 6) !== c.flags || r.u16(at + 8) !== c.method)
    throw bad(`the local header of ${where} disagrees with the central directory on flags or method`, at);
  const nameLen = r.u16(at + 26);
  const extraLen = r.u16(at + 28);
  const dataOffset = at + LOCAL_SIZE + nameLen + extraLen;
  if (dataOffset > dir.offset) throw bad(`the local header of ${where} runs into the central directory`, at);
  const localName = r.sub(at + LOCAL_SIZE, nameLen);
  let same = nameLen === c.rawName.byteLength;
  for (let i = 0; same && i < nameLen; i++) same = localName[i] === c.rawName[i];
  if (!same) throw bad(`the local header at offset ${at} names another member than ${where}`, at);
  const extra = extraFields(r, at + LOCAL_SIZE + nameLen, extraLen);
  const v = [r.u32(at + 22), r.u32(at + 18)]; // size, compressed size
  const zip64 = applyZip64(r, extra, v, [U32, U32], at);
  const crc = r.u32(at + 14);
  const dataEnd = dataOffset + c.compressedSize;
  if (dataEnd > dir.offset) throw bad(`the data of ${where} runs into the central directory`, dataOffset);
  const differs = `the local header of ${where} disagrees with the central directory on its CRC or sizes`;
  if ((c.flags & F_DESCRIPTOR) === 0) {
    if (crc !== c.crc || v[0] !== c.size || v[1] !== c.compressedSize) throw bad(differs, at);
    return { dataOffset, end: dataEnd };
  }
  // Sizes in a data descriptor after the data; the local header holds zeros (or the same values).
  if ((crc !== 0 && crc !== c.crc) || (v[0] !== 0 && v[0] !== c.size) || (v[1] !== 0 && v[1] !== c.compressedSize))
    throw bad(differs, at);
  const width = zip64 ? 8 : 4; // APPNOTE 4.3.9: 8-byte sizes when the local header has a Zip64 field
  const matches = (q: number) => {
    if (q + 4 + 2 * width > dir.offset) return false;
    const size = width === 8 ? r.u64(q + 4 + 8) : r.u32(q + 8);
    const compressed = width === 8 ? r.u64(q + 4) : r.u32(q + 4);
    return r.u32(q) === c.crc && compressed === c.compressedSize && size === c.size;
  };
  // The descriptor's signature is optional; try with it first (Python writes it).
  if (dataEnd + 4 <= dir.offset && r.u32(dataEnd) === SIG_DESCRIPTOR && matches(dataEnd + 4))
    return { dataOffset, end: dataEnd + 4 + 4 + 2 * width };
  if (matches(dataEnd)) return { dataOffset, end: dataEnd + 4 + 2 * width };
  throw bad(`the data descriptor of ${where} is missing or disagrees with the central directory`, dataEnd);
}
