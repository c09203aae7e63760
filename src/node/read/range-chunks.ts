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
 * RangeChunks over an archive member or a file: read into one reused buffer when the source can
 * (`readInto`), else by `readRange`. Chunks of 1 MiB and more are views of the buffer, valid until
 * the next is pulled; smaller ones are copies.
 */
export function memberRangeChunks(member: Pick<ArchiveMember, 'readRange' | 'readInto'>): RangeChunks {
  return async function* (offset, length) {
    let buf: Uint8Array | undefined;
    for (let done = 0; done < length;) {
      const want = Math.min(READ_CHUNK, length - done);
      let bytes: Uint8Array;
      if (member.readInto !== undefined) {
        buf ??= allocReadBuffer(Math.min(READ_CHUNK, length));
        bytes = buf.subarray(0, await member.readInto(buf.subarray(0, want), offset + done));
      } else if (member.readRange !== undefined) bytes = await member.readRange(offset + done, want);
      else throw new Error('a member without ranged reads'); // every reader in src/node has them
      if (bytes.byteLength === 0)
        throw new MlfError('MLF-E011', `the input ended at offset ${offset + done}; it changed while being read`);
      done += bytes.byteLength;
      yield bytes.byteLength < SMALL ? bytes.slice() : bytes;
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
