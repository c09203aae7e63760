import { MlfError } from '../errors/errors.js';
import type { ParamsCursor } from './codec.js';

/**
 * A `ParamsCursor` over a window of a larger param dict, shared by the header-only index
 * (windows fetched by seeking) and the streaming scanner (windows pushed in order). Offsets stay
 * absolute, so errors carry the same offsets as `decodeParams` over the whole file.
 */

/** Raised by the window cursor when a read falls outside the bytes it holds; `end` is the offset needed. */
export class NeedMore {
  constructor(readonly end: number) {}
}

/** A ParamsCursor over `[start, start + window.byteLength)` of a `size`-byte file. */
export class WindowCursor implements ParamsCursor {
  offset = 0;
  private window: Uint8Array = new Uint8Array(0);
  private view: DataView = new DataView(new ArrayBuffer(0));
  private start = 0;

  constructor(readonly size: number) {}

  get remaining(): number {
    return this.size - this.offset;
  }

  /** End offset (exclusive) of the bytes held. */
  get windowEnd(): number {
    return this.start + this.window.byteLength;
  }

  /** Holds `bytes` as the file's bytes from offset `start` on. */
  setWindow(bytes: Uint8Array, start: number): void {
    this.window = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.start = start;
  }

  /** The held bytes from `offset` to the window's end (a view). */
  rest(): Uint8Array {
    return this.window.subarray(Math.max(0, this.offset - this.start));
  }

  need(n: number, field: string): void {
    if (n > this.remaining) {
      throw new MlfError(
        'MLF-E202',
        `params: ${field} needs ${n} bytes at offset ${this.offset}, but only ${this.remaining} remain`,
        { offset: this.offset },
      );
    }
    if (this.offset < this.start || this.offset + n > this.windowEnd) throw new NeedMore(this.offset + n);
  }

  /** Moves past `n` payload bytes without reading them (E202 when the file is shorter). */
  skip(n: number, field: string): void {
    if (n > this.remaining) this.need(n, field);
    this.offset += n;
  }

  private at(n: number, field: string): number {
    this.need(n, field);
    const rel = this.offset - this.start;
    this.offset += n;
    return rel;
  }

  u8(field: string): number {
    return this.view.getUint8(this.at(1, field));
  }
  u16(field: string): number {
    return this.view.getUint16(this.at(2, field), true);
  }
  i32(field: string): number {
    return this.view.getInt32(this.at(4, field), true);
  }
  u64(field: string): bigint {
    return this.view.getBigUint64(this.at(8, field), true);
  }
  i64(field: string): bigint {
    return this.view.getBigInt64(this.at(8, field), true);
  }
  take(n: number, field: string): Uint8Array {
    const rel = this.at(n, field);
    return this.window.subarray(rel, rel + n);
  }
}

/**
 * Runs one record reader; when it runs past the window, rewinds the cursor to where the record
 * began and returns `NeedMore` instead, so the caller can supply more bytes and run it again.
 */
export function tryRecord<T>(c: WindowCursor, f: () => T): { value: T } | NeedMore {
  const start = c.offset;
  try {
    return { value: f() };
  } catch (e) {
    if (!(e instanceof NeedMore)) throw e;
    c.offset = start;
    return e;
  }
}
