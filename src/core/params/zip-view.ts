/** Random access to the bytes of a zip, whole in memory or read in parts (zip-stream.ts). */

/**
 * Little-endian reads at absolute offsets of a zip of `size` bytes, of which a view may hold only
 * the parts being read (see zip-stream.ts); callers check bounds first (every offset is compared
 * with the file's structure).
 */
export interface ZipView {
  readonly size: number;
  u8(at: number): number;
  u16(at: number): number;
  u32(at: number): number;
  /** A 64-bit size or offset; anything past the file is refused by the caller's bounds, so capped at 2^53. */
  u64(at: number): number;
  /** `n` bytes from `at` (a view, not a copy). */
  sub(at: number, n: number): Uint8Array;
}

/** A ZipView over parts of a file: `[at, at + bytes.byteLength)` each. */
export function segmentView(size: number, segments: readonly { at: number; bytes: Uint8Array }[]): ZipView {
  const find = (at: number, n: number): [DataView, Uint8Array, number] => {
    for (const s of segments)
      if (at >= s.at && at + n <= s.at + s.bytes.byteLength)
        return [new DataView(s.bytes.buffer, s.bytes.byteOffset, s.bytes.byteLength), s.bytes, at - s.at];
    throw new Error(`zip: bytes ${at}..${at + n} were not read`); // a bug: callers fetch what they parse
  };
  const cap = (v: bigint) => (v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v));
  return {
    size,
    u8: (at) => {
      const [, b, o] = find(at, 1);
      return b[o] as number;
    },
    u16: (at) => {
      const [v, , o] = find(at, 2);
      return v.getUint16(o, true);
    },
    u32: (at) => {
      const [v, , o] = find(at, 4);
      return v.getUint32(o, true);
    },
    u64: (at) => {
      const [v, , o] = find(at, 8);
      return cap(v.getBigUint64(o, true));
    },
    sub: (at, n) => {
      const [, b, o] = find(at, n);
      return b.subarray(o, o + n);
    },
  };
}

/** A ZipView over a whole zip in memory. */
export function memoryView(bytes: Uint8Array): ZipView {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    size: bytes.byteLength,
    u8: (at) => bytes[at] as number,
    u16: (at) => view.getUint16(at, true),
    u32: (at) => view.getUint32(at, true),
    u64: (at) => {
      const v = view.getBigUint64(at, true);
      return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
    },
    sub: (at, n) => bytes.subarray(at, at + n),
  };
}
