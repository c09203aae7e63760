import { Decompress } from 'fzstd';
import { concatBytes } from './bytes.js';
import { MlfError } from './errors.js';
import { type Limits, MAX_ARRAY_BYTES, resolveLimits } from './limits.js';

/**
 * Container detection and bounded decompression. gzip goes through the platform's
 * `DecompressionStream` (Node >= 18 and browsers), zstd through fzstd (pure JS). Output is counted
 * as it is produced and decoding stops at the first byte over the budget, so a bomb costs at most
 * one chunk more than the limit.
 */

/** What the first bytes of an input look like. */
export type Container = 'tar' | 'gzip' | 'zstd' | 'unknown';

/** Options of `decompress`. */
export interface DecompressOptions {
  limits?: Partial<Limits>;
}

/**
 * Tells gzip, zstd and tar apart from the first bytes (give at least 512 for tar detection).
 * A tar is recognised by a valid header checksum at 0 or the `ustar` magic at 257.
 */
export function detectContainer(head: Uint8Array): Container {
  const [a, b, c, d] = head;
  if (a === 0x1f && b === 0x8b) return 'gzip';
  if (a === 0x28 && b === 0xb5 && c === 0x2f && d === 0xfd) return 'zstd';
  // A .tar.zst may open with a skippable frame (magic 0x184D2A50..5F, little-endian).
  if (a !== undefined && (a & 0xf0) === 0x50 && b === 0x2a && c === 0x4d && d === 0x18) return 'zstd';
  if (head.byteLength >= 262 && String.fromCharCode(...head.subarray(257, 262)) === 'ustar') return 'tar';
  if (head.byteLength >= 512 && hasTarChecksum(head)) return 'tar';
  return 'unknown';
}

/**
 * Decompresses a whole gzip (multi-member allowed) or zstd (multi-frame allowed) input.
 * Raises MLF-E009 as soon as the output passes `maxDecompressedBytes` or the input size times
 * `maxCompressionRatio` (the ratio only counts above 1 MiB of output: tiny tars of zero padding
 * legitimately compress very well), and MLF-E008 for corrupt or truncated streams.
 */
export async function decompress(bytes: Uint8Array, container: 'gzip' | 'zstd', options: DecompressOptions = {}): Promise<Uint8Array> {
  const budget = createBudget(bytes.byteLength, container, resolveLimits(options.limits));
  if (bytes.byteLength === 0) throw new MlfError('MLF-E008', `${container}: input is empty (0 bytes)`, { offset: 0 });
  const chunks = container === 'gzip' ? await gunzip(bytes, budget) : unzstd(bytes, budget);
  return concatBytes(chunks);
}

/** Counts output bytes against the smaller of the two limits. */
interface Budget {
  used: number;
  readonly max: number;
  add(n: number): void;
}

const RATIO_FLOOR = 1024 * 1024;

function createBudget(inputBytes: number, what: string, limits: Limits): Budget {
  const byRatio = Math.max(RATIO_FLOOR, inputBytes * limits.maxCompressionRatio);
  const max = Math.min(limits.maxDecompressedBytes, byRatio, MAX_ARRAY_BYTES); // the output is one array
  return {
    used: 0,
    max,
    add(n: number) {
      this.used += n;
      if (this.used <= max) return;
      const why =
        max === limits.maxDecompressedBytes
          ? `maxDecompressedBytes ${limits.maxDecompressedBytes}`
          : max === byRatio
            ? `${limits.maxCompressionRatio}x the ${inputBytes}-byte input (maxCompressionRatio)`
            : 'the largest array this runtime holds';
      throw new MlfError('MLF-E009', `${what}: output passed ${max} bytes (${why}); stopped at ${this.used} bytes`);
    },
  };
}

/** gzip via DecompressionStream, fed in slices so that backpressure bounds the output in flight. */
async function gunzip(bytes: Uint8Array, budget: Budget): Promise<Uint8Array[]> {
  if (typeof DecompressionStream === 'undefined') {
    throw new MlfError('MLF-E008', 'gzip: this runtime has no DecompressionStream');
  }
  // deflate expands at most ~1032x; keep one slice's worst case under the remaining budget.
  const slice = Math.max(1024, Math.min(64 * 1024, Math.floor(budget.max / 1032)));
  let pos = 0;
  const input = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pos >= bytes.byteLength) {
        controller.close();
        return;
      }
      controller.enqueue(bytes.slice(pos, pos + slice)); // a copy: streams may transfer buffers
      pos += slice;
    },
  });
  const reader = input.pipeThrough(new DecompressionStream('gzip') as ReadableWritablePair<Uint8Array, Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return chunks;
      budget.add(value.byteLength);
      chunks.push(value);
    }
  } catch (e) {
    reader.cancel().catch(() => undefined); // stop the pipe; its own rejection is of no interest
    if (e instanceof MlfError) throw e;
    throw new MlfError('MLF-E008', `gzip: corrupt or truncated stream of ${bytes.byteLength} bytes: ${errorText(e)}`);
  }
}

/** zstd via fzstd; throwing from `ondata` aborts decoding mid-stream. */
function unzstd(bytes: Uint8Array, budget: Budget): Uint8Array[] {
  checkZstdFrames(bytes, budget.max);
  const chunks: Uint8Array[] = [];
  const stream = new Decompress((data) => {
    budget.add(data.byteLength);
    chunks.push(data); // in streaming mode fzstd hands out a fresh array per block
  });
  try {
    stream.push(bytes, true);
  } catch (e) {
    if (e instanceof MlfError) throw e;
    throw new MlfError('MLF-E008', `zstd: corrupt or truncated stream of ${bytes.byteLength} bytes: ${errorText(e)}`);
  }
  return chunks;
}

/** zstd's own decoder refuses windows over 2^27 bytes unless told otherwise (--memory, --long). */
const MAX_ZSTD_WINDOW = 2 ** 27;

/**
 * Walks the zstd frame and block headers (no decoding) to refuse, before fzstd allocates it, a
 * window over zstd's default cap or declared content sizes over the budget: a 20-byte frame can
 * otherwise make it allocate 2 GB.
 * Stops quietly where the headers stop making sense and leaves the verdict to the decoder.
 */
function checkZstdFrames(bytes: Uint8Array, max: number): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;
  let declared = 0;
  while (pos + 8 <= bytes.byteLength) {
    const magic = view.getUint32(pos, true);
    if ((magic & 0xfffffff0) === 0x184d2a50) {
      pos += 8 + view.getUint32(pos + 4, true);
      continue;
    }
    if (magic !== 0xfd2fb528) return;
    const fhd = view.getUint8(pos + 4);
    const single = (fhd >> 5) & 1;
    const dictBytes = [0, 1, 2, 4][fhd & 3] ?? 0;
    const fcsBytes = [single, 2, 4, 8][fhd >> 6] ?? 0;
    let p = pos + 5;
    let window = 0;
    if (!single) {
      const wd = view.getUint8(p++);
      const base = 2 ** (10 + (wd >> 3));
      window = base + (base / 8) * (wd & 7);
    }
    p += dictBytes;
    if (p + fcsBytes > bytes.byteLength) return;
    let fcs = 0;
    for (let i = fcsBytes - 1; i >= 0; i--) fcs = fcs * 256 + view.getUint8(p + i);
    if (fcsBytes === 2) fcs += 256;
    p += fcsBytes;
    if (single) window = fcs;
    declared += fcsBytes > 0 ? fcs : 0;
    if (window > MAX_ZSTD_WINDOW) {
      throw new MlfError(
        'MLF-E009',
        `zstd: frame at offset ${pos} needs a ${window}-byte window, over the ${MAX_ZSTD_WINDOW} bytes zstd itself decodes by default`,
        { offset: pos },
      );
    }
    if (declared > max) {
      throw new MlfError('MLF-E009', `zstd: frames up to offset ${pos} declare ${declared} bytes of content, over the ${max}-byte output limit`, {
        offset: pos,
      });
    }
    for (;;) {
      if (p + 3 > bytes.byteLength) return;
      const bh = view.getUint8(p) | (view.getUint8(p + 1) << 8) | (view.getUint8(p + 2) << 16);
      const type = (bh >> 1) & 3;
      if (type === 3) return;
      p += 3 + (type === 1 ? 1 : bh >>> 3);
      if (bh & 1) break;
    }
    pos = p + ((fhd >> 2) & 1) * 4;
  }
}

function hasTarChecksum(h: Uint8Array): boolean {
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : (h[i] ?? 0);
  const text = String.fromCharCode(...h.subarray(148, 156))
    .replace(/[\0 ]+$/, '')
    .trimStart();
  return /^[0-7]{1,7}$/.test(text) && parseInt(text, 8) === sum;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
