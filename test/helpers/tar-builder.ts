/**
 * Byte-level tar builder for tests: crafts headers with any typeflag, magic, numeric field bytes,
 * prefix, checksum (right, wrong or signed), PAX and GNU long-name records, and archives with or
 * without end blocks. Nothing here validates: it writes exactly what it is told.
 */
import { concatBytes } from '../../src/core/common/bytes.js';

export const BLOCK = 512;

/** A numeric field: a number (written as zero-padded octal + NUL) or the exact field bytes. */
export type NumField = number | string | Uint8Array;

export interface HeaderSpec {
  name?: string | Uint8Array;
  mode?: NumField;
  uid?: NumField;
  gid?: NumField;
  size?: NumField;
  mtime?: NumField;
  /** One character, e.g. '0', '5', '2', 'x', '\0'. */
  typeflag?: string;
  linkname?: string;
  /** 'ustar' = "ustar\0"+"00", 'gnu' = "ustar  \0", 'v7' = no magic. */
  magic?: 'ustar' | 'gnu' | 'v7';
  uname?: string;
  gname?: string;
  prefix?: string | Uint8Array;
  /** 'auto' (default), 'signed' (signed byte sum), 'bad', a number, or exact field bytes. */
  checksum?: 'auto' | 'signed' | 'bad' | number | string | Uint8Array;
  /** Raw patches applied before the checksum is computed. */
  patches?: { offset: number; bytes: Uint8Array | string }[];
}

const enc = new TextEncoder();
const asBytes = (v: string | Uint8Array): Uint8Array => (typeof v === 'string' ? enc.encode(v) : v);

function put(h: Uint8Array, offset: number, len: number, v: string | Uint8Array): void {
  h.set(asBytes(v).subarray(0, len), offset);
}

function putNum(h: Uint8Array, offset: number, len: number, v: NumField): void {
  if (typeof v === 'number') put(h, offset, len, `${v.toString(8).padStart(len - 1, '0')}\0`);
  else {
    h.fill(0, offset, offset + len);
    put(h, offset, len, v);
  }
}

/** Unsigned and signed sums of a header with its checksum field taken as spaces. */
export function headerSums(h: Uint8Array): { unsigned: number; signed: number } {
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : h[i]!;
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return { unsigned, signed };
}

/** Writes a correct (unsigned) checksum into a header in place. */
export function fixChecksum(h: Uint8Array, offset = 0): void {
  const block = h.subarray(offset, offset + BLOCK);
  putNum(block, 148, 8, `${headerSums(block).unsigned.toString(8).padStart(6, '0')}\0 `);
}

/** One 512-byte header block. */
export function header(spec: HeaderSpec = {}): Uint8Array {
  const h = new Uint8Array(BLOCK);
  put(h, 0, 100, spec.name ?? 'file.txt');
  putNum(h, 100, 8, spec.mode ?? 0o644);
  putNum(h, 108, 8, spec.uid ?? 0);
  putNum(h, 116, 8, spec.gid ?? 0);
  putNum(h, 124, 12, spec.size ?? 0);
  putNum(h, 136, 12, spec.mtime ?? 0);
  h[156] = (spec.typeflag ?? '0').charCodeAt(0);
  put(h, 157, 100, spec.linkname ?? '');
  const magic = spec.magic ?? 'ustar';
  if (magic === 'ustar') put(h, 257, 8, 'ustar\x0000');
  if (magic === 'gnu') put(h, 257, 8, 'ustar  \0');
  if (magic !== 'v7') {
    put(h, 265, 32, spec.uname ?? 'root');
    put(h, 297, 32, spec.gname ?? 'root');
  }
  if (spec.prefix !== undefined) put(h, 345, 155, spec.prefix);
  for (const p of spec.patches ?? []) h.set(asBytes(p.bytes), p.offset);
  const cs = spec.checksum ?? 'auto';
  const sums = headerSums(h);
  if (cs === 'auto') putNum(h, 148, 8, `${sums.unsigned.toString(8).padStart(6, '0')}\0 `);
  else if (cs === 'signed') putNum(h, 148, 8, `${sums.signed.toString(8).padStart(6, '0')}\0 `);
  else if (cs === 'bad') putNum(h, 148, 8, `${(sums.unsigned + 1).toString(8).padStart(6, '0')}\0 `);
  else putNum(h, 148, 8, cs);
  return h;
}

/** Data padded with zeros to a whole number of blocks. */
export function padBlock(data: Uint8Array | string): Uint8Array {
  const d = asBytes(data);
  const out = new Uint8Array(Math.ceil(d.byteLength / BLOCK) * BLOCK);
  out.set(d);
  return out;
}

/** A header followed by its padded data; `size` defaults to the data length. */
export function entry(spec: HeaderSpec, data: Uint8Array | string = ''): Uint8Array {
  const d = asBytes(data);
  return concat(header({ size: d.byteLength, ...spec }), padBlock(d));
}

export const file = (name: string, data: Uint8Array | string = '', spec: HeaderSpec = {}): Uint8Array =>
  entry({ name, typeflag: '0', ...spec }, data);

export const dir = (name: string, spec: HeaderSpec = {}): Uint8Array =>
  entry({ name, typeflag: '5', mode: 0o755, ...spec });

/** One PAX record `"<len> <key>=<value>\n"` with a correct length. */
export function paxRecord(key: string, value: string | Uint8Array): Uint8Array {
  const body = concat(enc.encode(` ${key}=`), asBytes(value), enc.encode('\n'));
  let len = body.byteLength + 1;
  while (String(len).length + body.byteLength !== len) len = String(len).length + body.byteLength;
  return concat(enc.encode(String(len)), body);
}

/** A PAX extended header ('x' or 'g') from records (an object, a list of pairs or raw payload). */
export function pax(
  records: Record<string, string> | [string, string | Uint8Array][] | Uint8Array | string,
  spec: HeaderSpec & { typeflag?: 'x' | 'g' } = {},
): Uint8Array {
  const payload =
    records instanceof Uint8Array || typeof records === 'string'
      ? asBytes(records)
      : concat(...(Array.isArray(records) ? records : Object.entries(records)).map(([k, v]) => paxRecord(k, v)));
  return entry({ name: '././@PaxHeader', typeflag: 'x', mode: 0, uname: '', gname: '', ...spec }, payload);
}

/** A GNU long-name ('L') record carrying `name` (NUL-terminated, as GNU tar writes it). */
export function gnuLongName(name: string | Uint8Array, spec: HeaderSpec = {}): Uint8Array {
  return entry(
    { name: '././@LongLink', typeflag: 'L', magic: 'gnu', ...spec },
    concat(asBytes(name), new Uint8Array(1)),
  );
}

export const zeroBlocks = (n: number): Uint8Array => new Uint8Array(n * BLOCK);

/** Parts joined, then `end` zero blocks (default 2), optionally padded to a 10240-byte record. */
export function tar(parts: Uint8Array[], options: { end?: number; record?: boolean } = {}): Uint8Array {
  const body = concat(...parts, zeroBlocks(options.end ?? 2));
  if (!options.record) return body;
  const out = new Uint8Array(Math.ceil(body.byteLength / 10240) * 10240);
  out.set(body);
  return out;
}

/** Joins parts into a new array (always a copy: tests mutate the result). */
export const concat = (...parts: Uint8Array[]): Uint8Array => concatBytes([...parts, new Uint8Array(0)]);

/** Base-256 numeric field bytes (GNU): 0x80 then the big-endian value; `negative` gives 0xFF form. */
export function base256(value: bigint, len: number, negative = false): Uint8Array {
  const out = new Uint8Array(len);
  let v = negative ? (1n << BigInt(8 * len)) - value : value;
  for (let i = len - 1; i >= 1; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  out[0] = negative ? 0xff : 0x80;
  return out;
}
