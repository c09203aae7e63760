import { Gunzip } from 'fflate/browser'; // no worker_threads/createRequire: ./node bundles stay clean
import { MlfError } from '../errors/errors.js';
import { GZIP_HEADER } from './gzip-stored.js';

/** Input bytes fflate's walker is given at a time: it inflates what it is given into one buffer. */
const WALK_SLICE = 16 * 1024;

/**
 * Where the platform's gzip stream is lenient, walks the members again with fflate (which refuses
 * anything but a next member after one) only to learn that the input held nothing else: the
 * platform decoder still produces the bytes and checks the CRCs. Its other complaints are left to
 * the platform decoder, which sees the same bytes. fflate inflates all it is given at once, so it
 * is fed 16 KiB slices (at most ~16 MiB of output each) and stops once its output passes what the
 * budget allows: the platform decoder, a little behind it, then fails with E009 on the same bytes.
 */
export function createGzipFramingCheck(allows: (bytes: number) => boolean): {
  push(chunk: Uint8Array): void;
  /**
   * Throws E012 if the input held anything after its last member: after the platform decoder
   * succeeded, whenever fflate did not end exactly at the end of input; after it failed, only
   * when fflate too found a non-header right after a member (else the failure is corruption).
   */
  finish(total: number, decoderFailed?: boolean): void;
} {
  let failed: 'boundary' | 'over' | 'other' | undefined;
  let output = false;
  let walked = 0;
  let memberAt = -1;
  const walker = new Gunzip((data) => {
    output = true;
    walked += data.byteLength;
  });
  walker.onmember = (offset) => {
    output = true;
    memberAt = offset;
  };
  const step = (chunk: Uint8Array, last: boolean) => {
    if (failed !== undefined) return;
    try {
      walker.push(chunk, last);
      if (!allows(walked)) failed = 'over';
    } catch (e) {
      // fflate's code 6 is "invalid gzip data": a header that is not one, here after a member.
      failed = output && (e as { code?: number }).code === 6 ? 'boundary' : 'other';
    }
  };
  return {
    push(chunk) {
      // slice() copies: fflate may keep a view of what it is given.
      for (let p = 0; p < chunk.byteLength && failed === undefined; p += WALK_SLICE)
        step(chunk.slice(p, p + WALK_SLICE), false);
    },
    finish(total, decoderFailed) {
      // Usually the platform decoder failed first on the same bytes; not always when the input
      // size is unknown: the walker measures the ratio against all input read so far, ahead of it.
      if (failed === 'over' && decoderFailed !== true)
        throw new MlfError(
          'MLF-E009',
          `gzip: output passed the limits (maxDecompressedBytes, maxCompressionRatio) at ${walked} bytes, ${total} bytes of input`,
        );
      // fflate ignores up to 3 bytes after a member: append a bare member header and check that
      // fflate saw it begin exactly where the input ended.
      step(GZIP_HEADER.slice(), false);
      const clean = failed === undefined && memberAt === total;
      if (decoderFailed ? failed === 'boundary' : !clean)
        throw new MlfError(
          'MLF-E012',
          `gzip: bytes follow the last gzip member of this ${total}-byte input (padding, garbage or a hidden member)`,
        );
    },
  };
}
