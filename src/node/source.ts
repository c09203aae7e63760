import { open, type FileHandle } from 'node:fs/promises';
import type { ByteSource } from '../core/source.js';

/**
 * A ByteSource over a file on disk: reads seek with `pread`, so indexing a tar touches only its
 * headers. Call `close()` when done.
 */
export async function fileSource(path: string): Promise<ByteSource & { close(): Promise<void> }> {
  const handle: FileHandle = await open(path, 'r');
  const { size } = await handle.stat();
  return {
    byteLength: size,
    async read(offset, length) {
      const end = Math.min(size, offset + length);
      const buf = new Uint8Array(Math.max(0, end - offset));
      let done = 0;
      while (done < buf.byteLength) {
        const { bytesRead } = await handle.read(buf, done, buf.byteLength - done, offset + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return done === buf.byteLength ? buf : buf.subarray(0, done);
    },
    close: () => handle.close(),
  };
}
