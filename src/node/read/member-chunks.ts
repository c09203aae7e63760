import { createHash } from 'node:crypto';
import type { ArchiveMember } from '../../core/archive/archive.js';
import { sizeChanged } from '../../core/integrity/manifest.js';
import { allocReadBuffer } from './read-buffer.js';

/** Bytes per read when copying or hashing a member that can be read in parts. */
export const MEMBER_CHUNK = 8 * 1024 * 1024;

/** What `memberChunks` needs of a member. */
export type ChunkedMember = Pick<ArchiveMember, 'read' | 'readRange' | 'readInto'>;

/**
 * The first `size` bytes of a member in chunks of at most `chunk` bytes: read into one reused
 * buffer with `readInto` (so each chunk is only valid until the next is pulled; a fresh 8 MiB
 * buffer per read costs page faults and GC), else `readRange` per chunk, else one `read()`.
 * A member that ends early ends the chunks early, and `read()` may give more than `size`: callers
 * count the bytes.
 */
export async function* memberChunks(
  member: ChunkedMember,
  size: number,
  chunk = MEMBER_CHUNK,
): AsyncGenerator<Uint8Array> {
  let done = 0;
  if (member.readInto !== undefined) {
    const buf = allocReadBuffer(Math.min(chunk, size));
    while (done < size) {
      const n = await member.readInto(buf.subarray(0, Math.min(chunk, size - done)), done);
      if (n === 0) return;
      done += n;
      yield buf.subarray(0, n);
    }
  } else if (member.readRange !== undefined) {
    while (done < size) {
      const bytes = await member.readRange(done, Math.min(chunk, size - done));
      if (bytes.byteLength === 0) return;
      done += bytes.byteLength;
      yield bytes;
    }
  } else yield await member.read();
}

/**
 * SHA-256 (hex) of a member, hashed as it is read in chunks (memory: one chunk, whatever the
 * member's size). Used for manifests and signatures in Node; core's default reads members whole.
 * @throws MlfError E011 when the member's bytes do not match its size (a file changed while read).
 */
export async function hashMember(member: ChunkedMember & Pick<ArchiveMember, 'path' | 'size'>): Promise<string> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of memberChunks(member, member.size)) {
    hash.update(chunk);
    bytes += chunk.byteLength;
  }
  if (bytes !== member.size) throw sizeChanged(member.path, bytes, member.size);
  return hash.digest('hex');
}
