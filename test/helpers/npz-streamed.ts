/** `decodeNpz` rebuilt from the streamed reader (listNpzArrays + npyMemberChunks), for comparisons. */
import { bytesSource } from '../../src/core/common/source.js';
import type { DecodeNpyOptions, NpyArray } from '../../src/core/params/npy.js';
import { listNpzArrays, npyMemberChunks, type NpzReadOptions } from '../../src/core/params/npz-stream.js';
import { rangeChunks } from '../../src/core/params/zip-stream.js';

/**
 * Every array of a `.npz` in memory, read through a source in chunks of `chunk` bytes (small, so
 * records, inflate steps and byte swaps straddle chunk boundaries); the shape of `decodeNpz`'s result.
 */
export async function decodeNpzStreamed(
  bytes: Uint8Array,
  options: DecodeNpyOptions & NpzReadOptions = {},
  chunk = 7,
): Promise<Record<string, NpyArray>> {
  const source = bytesSource(bytes);
  const out: Record<string, NpyArray> = Object.create(null);
  for (const a of await listNpzArrays(source, options)) {
    const parts: Uint8Array[] = [];
    for await (const c of npyMemberChunks(rangeChunks(source, chunk), a, options)) parts.push(c.slice());
    const data = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
    let at = 0;
    for (const p of parts) {
      data.set(p, at);
      at += p.byteLength;
    }
    out[a.key] = { descr: a.header.descr, shape: a.header.shape, fortranOrder: a.header.fortranOrder, data };
  }
  return out;
}

/** What a promise settles to: its value, or the error's code and message. */
export async function outcome<T>(p: Promise<T> | (() => T)): Promise<{ value: T } | { code: string; message: string }> {
  try {
    return { value: await (typeof p === 'function' ? p() : p) };
  } catch (e) {
    const x = e as { code?: string; message?: string };
    return { code: x.code ?? String(e), message: x.message ?? '' };
  }
}
