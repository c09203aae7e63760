import { createHash, type Hash } from 'node:crypto';
import type { ParamIndex, RangeRead } from '../core/params-index.js';

/** Bytes read per call while hashing: large enough for full disk throughput, small enough to bound memory. */
const CHUNK = 8 * 1024 * 1024;

/**
 * SHA-256 (hex) of every tensor's payload, in index order, reading the payload region once,
 * sequentially, in bounded chunks (node:crypto hashes the views without copying).
 */
export async function hashParamPayloads(read: RangeRead, index: ParamIndex): Promise<string[]> {
  const tensors = index.tensors;
  const hashes: Hash[] = tensors.map(() => createHash('sha256'));
  if (tensors.length === 0) return [];
  const start = Math.min(...tensors.map((t) => t.dataOffset));
  const end = Math.max(...tensors.map((t) => t.dataOffset + t.byteLength));
  let next = 0; // first tensor that may still overlap the current chunk (records are in file order)
  for (let pos = start; pos < end; pos += CHUNK) {
    const chunk = await read(pos, Math.min(CHUNK, end - pos));
    const chunkEnd = pos + chunk.byteLength;
    for (let i = next; i < tensors.length; i++) {
      const t = tensors[i] as ParamIndex['tensors'][number];
      const a = Math.max(t.dataOffset, pos);
      const b = Math.min(t.dataOffset + t.byteLength, chunkEnd);
      if (t.dataOffset >= chunkEnd) break;
      if (b > a) (hashes[i] as Hash).update(chunk.subarray(a - pos, b - pos));
      if (t.dataOffset + t.byteLength <= chunkEnd && i === next) next++;
    }
  }
  return hashes.map((h) => h.digest('hex'));
}
