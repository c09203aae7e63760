import type { ArchiveMember } from '../../core/archive/archive.js';
import { MlfError } from '../../core/errors/errors.js';
import type { RangeChunks } from '../../core/params/zip-stream.js';
import { allocReadBuffer } from './read-buffer.js';
import type { ClosableSource } from './source.js';

/** Bytes per read of `memberRangeChunks`. */
const READ_CHUNK = 8 * 1024 * 1024;
/** Chunks smaller than this are copied: the writers gather small chunks before writing them. */
const SMALL = 1024 * 1024;

/**
 * RangeChunks over an archive member or a file: read into two reused buffers when the source can
 * (`readInto`), else by `readRange`. The next chunk is read while the consumer handles this one
 * (the reads cost as much as hashing or encoding them). Chunks of 1 MiB and more are views of a
 * buffer, valid until the next is pulled; smaller ones are copies.
 */
export function memberRangeChunks(member: Pick<ArchiveMember, 'readRange' | 'readInto'>): RangeChunks {
  return async function* (offset, length) {
    const bufs: Uint8Array[] = [];
    const readAt = async (done: number, slot: number): Promise<Uint8Array> => {
      const want = Math.min(READ_CHUNK, length - done);
      let bytes: Uint8Array;
      if (member.readInto !== undefined) {
        const buf = (bufs[slot] ??= allocReadBuffer(Math.min(READ_CHUNK, length)));
        bytes = buf.subarray(0, await member.readInto(buf.subarray(0, want), offset + done));
      } else if (member.readRange !== undefined) bytes = await member.readRange(offset + done, want);
      else throw new Error('a member without ranged reads'); // every reader in src/node has them
      if (bytes.byteLength === 0)
        throw new MlfError('MLF-E011', `the input ended at offset ${offset + done}; it changed while being read`);
      return bytes;
    };
    // Handled at once: a failed read ahead is thrown when its chunk is pulled, never "unhandled".
    const ahead = (done: number, slot: number) => {
      const p = readAt(done, slot);
      p.catch(() => undefined);
      return p;
    };
    let next: Promise<Uint8Array> | undefined = length > 0 ? ahead(0, 0) : undefined;
    try {
      for (let done = 0, slot = 0; next !== undefined; slot ^= 1) {
        const bytes = await next;
        done += bytes.byteLength;
        // The other buffer is free: its chunk was pulled before this one was asked for.
        next = done < length ? ahead(done, slot ^ 1) : undefined;
        yield bytes.byteLength < SMALL ? bytes.slice() : bytes;
      }
    } finally {
      // A consumer that stops early leaves a read in flight: let it end before the source closes.
      await next?.catch(() => undefined);
    }
  };
}

/** A file source as an archive-member-like reader. */
export function sourceMember(source: ClosableSource): Pick<ArchiveMember, 'readRange' | 'readInto' | 'size'> {
  return {
    size: source.byteLength,
    readRange: (o, n) => source.read(o, n),
    ...(source.readInto === undefined ? {} : { readInto: source.readInto.bind(source) }),
  };
}
