import { Inflate } from 'fflate';
import { crc32 } from '../common/crc32.js';
import { MlfError } from '../errors/errors.js';
import { bad, type ZipEntry } from './zip.js';

// Members of a zip held in memory, once `readZipIndex` has checked where they are.

/**
 * The first `n` bytes (fewer if the member is shorter) of a member, inflating no more than needed:
 * a look at a header before the whole member is inflated. No CRC check (`readZipEntry` does it).
 * @throws MlfError `MLF-E911` for corrupt data.
 */
export function readZipEntryHead(bytes: Uint8Array, entry: ZipEntry, n: number): Uint8Array {
  const data = bytes.subarray(entry.dataOffset, entry.dataOffset + entry.compressedSize);
  if (entry.method === 0) return data.subarray(0, n);
  const head = new Uint8Array(Math.min(n, entry.size));
  let at = 0;
  const done = new Error('enough');
  const inflater = new Inflate((chunk) => {
    const take = Math.min(chunk.byteLength, head.byteLength - at);
    head.set(chunk.subarray(0, take), at);
    at += take;
    if (at === head.byteLength) throw done;
  });
  try {
    for (let i = 0; i < data.byteLength && at < head.byteLength; i += 256)
      inflater.push(data.subarray(i, i + 256), i + 256 >= data.byteLength);
  } catch (e) {
    if (e !== done) {
      const why = e instanceof Error ? e.message : String(e);
      throw bad(`member ${JSON.stringify(entry.name)} is not a valid deflate stream (${why})`, entry.dataOffset);
    }
  }
  return head.subarray(0, at);
}

/**
 * The uncompressed bytes of a member listed by `readZipIndex`: a view of `bytes` when stored, else
 * inflated into a buffer of the declared size, a chunk of input at a time, stopping at the first
 * chunk whose output would pass it: a chunk yields at most ~1032 bytes per input byte, so chunks
 * are sized to the member (1-16 KiB) and a bomb costs about one chunk's output. The CRC-32 is
 * checked either way.
 * @throws MlfError `MLF-E911` for corrupt data, a size or CRC-32 mismatch.
 */
export function readZipEntry(bytes: Uint8Array, entry: ZipEntry): Uint8Array {
  const where = `member ${JSON.stringify(entry.name)}`;
  const data = bytes.subarray(entry.dataOffset, entry.dataOffset + entry.compressedSize);
  let out = data;
  if (entry.method === 8) {
    const buffer = new Uint8Array(entry.size);
    let at = 0;
    const inflater = new Inflate((chunk) => {
      if (at + chunk.byteLength > entry.size)
        throw bad(`${where} inflates to more than its declared ${entry.size} bytes`, entry.dataOffset);
      buffer.set(chunk, at);
      at += chunk.byteLength;
    });
    const step = Math.min(16384, Math.max(1024, Math.ceil(entry.size / 1024)));
    try {
      for (let i = 0; i < data.byteLength; i += step)
        inflater.push(data.subarray(i, i + step), i + step >= data.byteLength);
    } catch (e) {
      if (e instanceof MlfError) throw e;
      const why = e instanceof Error ? e.message : String(e);
      throw bad(`${where} is not a valid deflate stream (${why})`, entry.dataOffset);
    }
    if (at !== entry.size)
      throw bad(`${where} inflates to ${at} bytes, not its declared ${entry.size}`, entry.dataOffset);
    out = buffer;
  }
  const crc = crc32(out);
  if (crc !== entry.crc32) {
    throw bad(
      `${where} fails its CRC-32 check (stored 0x${entry.crc32.toString(16).padStart(8, '0')}, computed 0x${crc.toString(16).padStart(8, '0')})`,
      entry.dataOffset,
    );
  }
  return out;
}
