import { createHash, type Hash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { ParamIndex, RangeRead } from '../../core/params/tensor-index.js';
import { createParamsScanner, type ParamsScanHandlers, scanParams } from '../../core/params/scanner.js';
import type { DecodeParamsOptions } from '../../core/params/codec.js';
import { allocReadBuffer } from './read-buffer.js';
import { fsError } from '../fs-error.js';

/**
 * Bytes read per call by `scanParamsFile`: few enough calls that their cost vanishes, small enough
 * to stay in the L2 cache while the decoder and a hasher look at them.
 */
const FILE_CHUNK = 1024 * 1024;

/** The event loop gets a turn after this many bytes, so long scans do not starve timers and I/O. */
const YIELD_EVERY = 64 * 1024 * 1024;

/**
 * Scans a `.params` file in one sequential pass (see `createParamsScanner`) through one reused
 * buffer: the fastest full decode Node offers without mmap, at memory cost of one chunk.
 * Payload chunks handed to `onData` are reused after the call returns.
 * @throws MlfError E902 when the file cannot be read; the scanner's codes for its bytes.
 */
export async function scanParamsFile(
  path: string,
  handlers: ParamsScanHandlers = {},
  options: DecodeParamsOptions & { chunkSize?: number } = {},
): Promise<ParamIndex> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw fsError(e, path, 'read');
  }
  try {
    const size = fstatSync(fd).size;
    const scanner = createParamsScanner(size, handlers, options);
    const buf = allocReadBuffer(options.chunkSize ?? FILE_CHUNK);
    let pos = 0;
    let sinceYield = 0;
    while (pos < size) {
      const n = readSync(fd, buf, 0, Math.min(buf.byteLength, size - pos), pos);
      if (n === 0) break;
      scanner.push(buf.subarray(0, n));
      pos += n;
      if ((sinceYield += n) >= YIELD_EVERY) {
        sinceYield = 0;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    return scanner.end();
  } finally {
    closeSync(fd);
  }
}

/** A param index with the SHA-256 (hex) of every tensor's payload, in index order. */
export interface HashedParams {
  index: ParamIndex;
  hashes: string[];
}

/** Handlers that hash each payload as it goes by (node:crypto hashes the views without copying). */
function hashing(): { handlers: ParamsScanHandlers; digests(): string[] } {
  const hashes: Hash[] = [];
  return {
    handlers: {
      onTensor: () => void hashes.push(createHash('sha256')),
      onData: (chunk, _t, i) => void hashes[i]?.update(chunk),
    },
    digests: () => hashes.map((h) => h.digest('hex')),
  };
}

/** Indexes and hashes a `.params` file in one pass (`scanParamsFile`). */
export async function hashParamsFile(path: string, options: DecodeParamsOptions = {}): Promise<HashedParams> {
  const h = hashing();
  const index = await scanParamsFile(path, h.handlers, options);
  return { index, hashes: h.digests() };
}

/** Indexes and hashes a param dict behind a range reader (e.g. an archive member) in one pass. */
export async function hashParams(
  read: RangeRead,
  byteLength: number,
  options: DecodeParamsOptions = {},
): Promise<HashedParams> {
  const h = hashing();
  const index = await scanParams(read, byteLength, h.handlers, { ...options, chunkSize: 4 * 1024 * 1024 });
  return { index, hashes: h.digests() };
}
