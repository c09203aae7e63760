/**
 * The SHA-256 the streaming writers compute on a worker thread (src/node/write/hash-behind.ts):
 * digests equal node:crypto's over the same bytes, however they are chunked, below and above the
 * size where the worker starts, with callers that reuse their buffers.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createHashBehind } from '../../../src/node/write/hash-behind.js';
import { writeChunksAtomic } from '../../../src/node/write/write-stream.js';
import { MiB, pseudoFloats } from '../../helpers/compress-stream.js';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Feeds `data` in pieces of the given sizes (cycled) through one reused buffer, as readers do. */
async function digestOf(data: Uint8Array, sizes: number[], worker: boolean): Promise<string> {
  const hash = createHashBehind({ worker });
  try {
    const scratch = new Uint8Array(Math.max(...sizes));
    for (let pos = 0, i = 0; pos < data.byteLength; i++) {
      const n = Math.min(sizes[i % sizes.length]!, data.byteLength - pos);
      scratch.set(data.subarray(pos, pos + n));
      await hash.update(scratch.subarray(0, n));
      scratch.fill(0xee); // the caller reuses its buffer at once
      pos += n;
    }
    return await hash.digest();
  } finally {
    await hash.close();
  }
}

describe('createHashBehind', () => {
  it('hashes nothing like node:crypto does', async () => {
    const hash = createHashBehind();
    await hash.update(new Uint8Array(0));
    expect(await hash.digest()).toBe(sha256(new Uint8Array(0)));
    await hash.close();
  });

  for (const [what, bytes, sizes] of [
    ['small, inline', 3 * MiB + 5, [1, 4093, MiB + 7]],
    ['past the inline limit, uneven chunks', 12 * MiB + 3, [MiB - 1, 3 * MiB + 17, 5]],
    ['past the inline limit, whole slabs', 12 * MiB, [MiB, 2 * MiB]],
    ['one chunk larger than the limit', 10 * MiB + 9, [10 * MiB + 9]],
  ] as const) {
    it(`${what}: the digest of the bytes given, though the caller reuses its buffer`, async () => {
      const data = pseudoFloats(bytes, bytes);
      expect(await digestOf(data, [...sizes], true)).toBe(sha256(data));
      expect(await digestOf(data, [...sizes], false)).toBe(sha256(data));
    });
  }

  for (const worker of [true, false]) {
    it(`close() abandons a hash: later calls fail, a second close is harmless (worker: ${worker})`, async () => {
      const hash = createHashBehind({ worker });
      await hash.update(pseudoFloats(9 * MiB, 3)); // starts the worker
      await hash.close();
      await expect(hash.update(new Uint8Array(4))).rejects.toThrow(/hash closed/);
      await expect(hash.digest()).rejects.toThrow(/hash closed/);
      await hash.close();
    });
  }

  it('writeChunksAtomic reports the SHA-256 of the file it wrote', async () => {
    const dir = mkdtempSync(join(os.tmpdir(), 'mlf-hash-behind-'));
    const data = pseudoFloats(12 * MiB + 1, 11);
    const chunks = [data.subarray(0, 5), data.subarray(5, 4 * MiB), data.subarray(4 * MiB)];
    for (const compression of ['none', 'gzip', 'zstd'] as const) {
      const dest = join(dir, `x-${compression}`);
      const written = await writeChunksAtomic(dest, chunks, { compression });
      expect(written.sha256).toBe(sha256(readFileSync(dest)));
    }
  });
});
