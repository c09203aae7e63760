import type { MlfCode } from '../errors/codes.js';
import { MlfError } from '../errors/errors.js';

/**
 * A bounds-checked little-endian cursor over a byte array. Every read checks the remaining
 * length first, so a truncated input raises `MlfError` with the offset instead of a RangeError.
 */
export class ByteReader {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  offset: number;
  /** Error code raised when the input ends early. */
  readonly truncatedCode: MlfCode;
  /** Prefix for messages, e.g. `params`. */
  readonly what: string;

  constructor(bytes: Uint8Array, what: string, truncatedCode: MlfCode) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.offset = 0;
    this.what = what;
    this.truncatedCode = truncatedCode;
  }

  get remaining(): number {
    return this.bytes.byteLength - this.offset;
  }

  /** Throws unless `n` more bytes are available. */
  need(n: number, field: string): void {
    if (n > this.remaining) {
      throw new MlfError(
        this.truncatedCode,
        `${this.what}: ${field} needs ${n} bytes at offset ${this.offset}, but only ${this.remaining} remain`,
        { offset: this.offset },
      );
    }
  }

  u8(field: string): number {
    this.need(1, field);
    return this.view.getUint8(this.offset++);
  }

  u16(field: string): number {
    this.need(2, field);
    const v = this.view.getUint16(this.offset, true);
    this.offset += 2;
    return v;
  }

  i32(field: string): number {
    this.need(4, field);
    const v = this.view.getInt32(this.offset, true);
    this.offset += 4;
    return v;
  }

  u64(field: string): bigint {
    this.need(8, field);
    const v = this.view.getBigUint64(this.offset, true);
    this.offset += 8;
    return v;
  }

  i64(field: string): bigint {
    this.need(8, field);
    const v = this.view.getBigInt64(this.offset, true);
    this.offset += 8;
    return v;
  }

  /** A zero-copy view of the next `n` bytes. */
  take(n: number, field: string): Uint8Array {
    this.need(n, field);
    const out = this.bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }
}

/** Little-endian writer that grows its buffer; used by encoders. */
export class ByteWriter {
  private buf: Uint8Array;
  private view: DataView;
  length = 0;

  constructor(initial = 1024) {
    this.buf = new Uint8Array(initial);
    this.view = new DataView(this.buf.buffer);
  }

  private reserve(n: number): void {
    if (this.length + n <= this.buf.byteLength) return;
    let size = this.buf.byteLength * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.reserve(1);
    this.view.setUint8(this.length, v);
    this.length += 1;
  }

  u16(v: number): void {
    this.reserve(2);
    this.view.setUint16(this.length, v, true);
    this.length += 2;
  }

  i32(v: number): void {
    this.reserve(4);
    this.view.setInt32(this.length, v, true);
    this.length += 4;
  }

  u64(v: bigint): void {
    this.reserve(8);
    this.view.setBigUint64(this.length, v, true);
    this.length += 8;
  }

  i64(v: bigint): void {
    this.reserve(8);
    this.view.setBigInt64(this.length, v, true);
    this.length += 8;
  }

  bytes(b: Uint8Array): void {
    this.reserve(b.byteLength);
    this.buf.set(b, this.length);
    this.length += b.byteLength;
  }

  /** The written bytes (a view; copy it if the writer is reused). */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

/** Converts a bigint to a number, throwing when it is not a safe integer. */
export function toSafeNumber(v: bigint, what: string, code: MlfCode, offset?: number): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new MlfError(code, `${what} ${v} is too large`, offset === undefined ? {} : { offset });
  }
  return Number(v);
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Loose = new TextDecoder('utf-8', { ignoreBOM: true });

/** Strict UTF-8 decoding; returns undefined for invalid input. */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined; // the caller reports the error with its own code and location
  }
}

/** Lenient UTF-8 decoding (replacement characters) for text members shown to people. */
export function decodeText(bytes: Uint8Array): string {
  return utf8Loose.decode(bytes);
}

export const encodeUtf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Lower-case hex of bytes. */
export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/** Joins byte arrays into one (returns the single part itself when there is only one). */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1 && parts[0] !== undefined) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.byteLength;
  }
  return out;
}
