/**
 * gzip framing written without a compressor: stored deflate blocks, the member header mlf writes
 * and the member trailer. Used for the tail of a signed `.tgz` (src/core/integrity/signed-tail.ts),
 * whose bytes every verifier must rebuild identically whatever its zlib. Browser-safe.
 */

/** The 10-byte gzip header mlf writes: deflate, no flags, no timestamp, OS 255. */
export const GZIP_HEADER = new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);

/** A gzip member trailer: CRC-32 and length (mod 2^32) of the uncompressed bytes, little-endian. */
export function gzipTrailer(crc: number, length: number): Uint8Array {
  const out = new Uint8Array(8);
  const view = new DataView(out.buffer);
  view.setUint32(0, crc >>> 0, true);
  view.setUint32(4, length % 2 ** 32, true);
  return out;
}

/** `data` as stored deflate blocks (at most 65535 bytes each), the last one final. */
export function storedDeflate(data: Uint8Array): Uint8Array {
  const MAX = 65535;
  const blocks = Math.max(1, Math.ceil(data.byteLength / MAX));
  const out = new Uint8Array(blocks * 5 + data.byteLength);
  let pos = 0;
  for (let i = 0; i < blocks; i++) {
    const part = data.subarray(i * MAX, Math.min(data.byteLength, (i + 1) * MAX));
    const n = part.byteLength;
    out.set([i === blocks - 1 ? 1 : 0, n & 0xff, n >> 8, ~n & 0xff, (~n >> 8) & 0xff], pos);
    out.set(part, pos + 5);
    pos += 5 + n;
  }
  return out;
}
