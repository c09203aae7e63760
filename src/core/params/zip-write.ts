import { MlfError } from '../errors/errors.js';

/**
 * The records of a stored (uncompressed) zip, for a writer that streams each member's data after
 * its local header: the layout `encodeNpz` writes (fflate's, with a fixed 1980-01-01 time), so a
 * streamed `.npz` under 4 GiB has the same bytes as one encoded in memory; past 4 GiB (a member,
 * an offset or the directory) or 65535 members, Zip64 records as Python's `zipfile` writes them.
 */

/** A member of a stored zip being written. */
export interface ZipWriteEntry {
  /** Member name (UTF-8; flagged as such when not ASCII). */
  name: string;
  /** Bytes of data (stored, so the same compressed and uncompressed). */
  size: number;
  /** CRC-32 of the data. */
  crc32: number;
  /** Offset of the local header in the zip. */
  offset: number;
}

const U16 = 0xffff;
const U32 = 0xffffffff;
/** 1980-01-01 00:00:00 in DOS date/time: what `encodeNpz` writes (fflate with its fixed local time). */
const DOS_EPOCH = (1 << 21) | (1 << 16);
const F_UTF8 = 1 << 11;

const encoder = new TextEncoder();
const isAscii = (s: string) => /^[\x00-\x7f]*$/.test(s);

function nameBytes(name: string): Uint8Array {
  const bytes = encoder.encode(name);
  if (bytes.byteLength > U16)
    throw new MlfError('MLF-E911', `npz: member name of ${bytes.byteLength} bytes is too long`);
  return bytes;
}

/** A little-endian record writer over a fixed-size buffer. */
function record(size: number) {
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  let at = 0;
  return {
    bytes,
    u16(v: number) {
      view.setUint16(at, v, true);
      at += 2;
    },
    u32(v: number) {
      view.setUint32(at, v >>> 0, true);
      at += 4;
    },
    u64(v: number) {
      view.setBigUint64(at, BigInt(v), true);
      at += 8;
    },
    raw(b: Uint8Array) {
      bytes.set(b, at);
      at += b.byteLength;
    },
  };
}

/** Bytes of a member's local header (the data follow it). */
export function zipLocalHeaderSize(name: string, size: number): number {
  return 30 + nameBytes(name).byteLength + (size >= U32 ? 20 : 0);
}

/** The local header of a stored member; sizes past 4 GiB go in a Zip64 extra field. */
export function encodeZipLocalHeader(entry: ZipWriteEntry): Uint8Array {
  const name = nameBytes(entry.name);
  const zip64 = entry.size >= U32;
  const r = record(30 + name.byteLength + (zip64 ? 20 : 0));
  r.u32(0x04034b50);
  r.u16(zip64 ? 45 : 20);
  r.u16(isAscii(entry.name) ? 0 : F_UTF8);
  r.u16(0); // stored
  r.u32(DOS_EPOCH);
  r.u32(entry.crc32);
  r.u32(zip64 ? U32 : entry.size);
  r.u32(zip64 ? U32 : entry.size);
  r.u16(name.byteLength);
  r.u16(zip64 ? 20 : 0);
  r.raw(name);
  if (zip64) {
    r.u16(1);
    r.u16(16);
    r.u64(entry.size);
    r.u64(entry.size);
  }
  return r.bytes;
}

/**
 * The central directory and end records of a stored zip whose members are `entries` and whose
 * directory starts at `offset` (right after the last member's data).
 */
export function encodeZipDirectory(entries: readonly ZipWriteEntry[], offset: number): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const e of entries) {
    const name = nameBytes(e.name);
    const big = e.size >= U32;
    const far = e.offset >= U32;
    const extra = (big ? 16 : 0) + (far ? 8 : 0);
    const r = record(46 + name.byteLength + (extra > 0 ? 4 + extra : 0));
    r.u32(0x02014b50);
    r.u16(big || far ? 45 : 20); // made by (MS-DOS)
    r.u16(big || far ? 45 : 20); // needed to extract
    r.u16(isAscii(e.name) ? 0 : F_UTF8);
    r.u16(0);
    r.u32(DOS_EPOCH);
    r.u32(e.crc32);
    r.u32(big ? U32 : e.size);
    r.u32(big ? U32 : e.size);
    r.u16(name.byteLength);
    r.u16(extra > 0 ? 4 + extra : 0);
    r.u16(0); // comment
    r.u16(0); // disk
    r.u16(0); // internal attributes
    r.u32(0); // external attributes
    r.u32(far ? U32 : e.offset);
    r.raw(name);
    if (extra > 0) {
      // Zip64 extra field: the sizes and offset that overflowed, in this order (APPNOTE 4.5.3).
      r.u16(1);
      r.u16(extra);
      if (big) {
        r.u64(e.size);
        r.u64(e.size);
      }
      if (far) r.u64(e.offset);
    }
    parts.push(r.bytes);
  }
  const size = parts.reduce((n, p) => n + p.byteLength, 0);
  const zip64 = entries.length >= U16 || size >= U32 || offset >= U32;
  if (zip64) {
    const end64 = offset + size;
    const r = record(56 + 20);
    r.u32(0x06064b50);
    r.u64(44); // size of the rest of the record
    r.u16(45);
    r.u16(45);
    r.u32(0);
    r.u32(0);
    r.u64(entries.length);
    r.u64(entries.length);
    r.u64(size);
    r.u64(offset);
    r.u32(0x07064b50); // locator
    r.u32(0);
    r.u64(end64);
    r.u32(1);
    parts.push(r.bytes);
  }
  const r = record(22);
  r.u32(0x06054b50);
  r.u16(0);
  r.u16(0);
  // With Zip64 records, each field holds its value or, when it does not fit, all ones (as zipfile writes).
  r.u16(Math.min(entries.length, U16));
  r.u16(Math.min(entries.length, U16));
  r.u32(Math.min(size, U32));
  r.u32(Math.min(offset, U32));
  r.u16(0);
  parts.push(r.bytes);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}
