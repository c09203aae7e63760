import type { FileHandle } from 'node:fs/promises';

/**
 * A buffer for `read` calls from files, `size` bytes, starting 64 bytes past where its memory
 * starts. Large allocations start on a page boundary, as do the page-cache pages the kernel copies
 * from; a destination at the same offset within a page as its source makes that copy about half
 * as fast on the machines measured (4K aliasing: 1 GiB of 1 MiB reads took 0.19 s page-aligned,
 * 0.09 s 64 bytes off; docs/benchmarks.md). 64 keeps the destination cache-line aligned.
 */
export function allocReadBuffer(size: number): Uint8Array {
  return new Uint8Array(size + READ_BUFFER_SKEW).subarray(READ_BUFFER_SKEW);
}

const READ_BUFFER_SKEW = 64;

/** Reads `[offset, offset + length)` of an open file into a new buffer; fewer bytes at its end. */
export async function readHandleRange(handle: FileHandle, offset: number, length: number): Promise<Uint8Array> {
  const buf = allocReadBuffer(Math.max(0, length));
  const done = await readHandleInto(handle, buf, offset);
  return done === buf.byteLength ? buf : buf.subarray(0, done);
}

/** Fills `target` from `offset` of an open file (less at its end); returns the bytes read. */
export async function readHandleInto(handle: FileHandle, target: Uint8Array, offset: number): Promise<number> {
  let done = 0;
  while (done < target.byteLength) {
    const { bytesRead } = await handle.read(target, done, target.byteLength - done, offset + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done;
}
