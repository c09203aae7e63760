import { concatBytes } from '../common/bytes.js';
import { MlfError } from '../errors/errors.js';
import { hasTarChecksum, refusePolyglot } from './tar-sniff.js';
import { type Limits, MAX_ARRAY_BYTES, resolveLimits } from '../common/limits.js';

/**
 * Container detection and bounded, streaming decompression. gzip goes through the platform's
 * `DecompressionStream` (Node >= 18 and browsers), zstd through fzstd (pure JS); Node passes its
 * native zlib instead. Output is counted as it is produced and decoding stops at the first chunk
 * over the budget, so a bomb costs at most one chunk more than the limit. One implementation:
 * `decompress` and `inflateBlob` are wrappers over `inflateChunks`.
 */

/** What the first bytes of an input look like. */
export type Container = 'tar' | 'gzip' | 'zstd' | 'unknown';

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

/** Compressed input as chunks: any async iterable (a Node stream) or a web `ReadableStream` (`blob.stream()`). */
export type ChunkInput = AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>;

/** Options of `inflateChunks` and `inflateBlob`. */
export interface InflateOptions {
  limits?: Partial<Limits>;
  /** Compressed size, when known: the ratio limit is taken against it, else against the bytes read so far. */
  inputBytes?: number;
  /**
   * A platform decoder to use instead of the built-in one (the Node reader passes node:zlib's).
   * Its output is counted as it is yielded, so it must yield bounded chunks and honour backpressure.
   */
  decoder?: (input: AsyncIterable<Uint8Array>) => AsyncIterable<Uint8Array>;
}

/**
 * Decompresses a gzip (multi-member allowed) or zstd (multi-frame allowed) stream chunk by chunk,
 * holding about one chunk of each side. Raises MLF-E009 as soon as the output passes
 * `maxDecompressedBytes` or the input size times `maxCompressionRatio` (the ratio only counts above
 * 1 MiB of output: tiny tars of zero padding legitimately compress very well), and MLF-E008 for
 * corrupt or truncated streams. Errors of the input itself pass through unchanged.
 */
export function inflateChunks(
  input: ChunkInput,
  container: 'gzip' | 'zstd',
  options: InflateOptions = {},
): AsyncGenerator<Uint8Array> {
  return inflate(input, container, options, Infinity);
}

/** Options of `decompress`. */
export interface DecompressOptions {
  limits?: Partial<Limits>;
}

/**
 * Decompresses a whole gzip or zstd input held in memory into one array, so the output is also
 * capped at the largest array the runtime holds. Limits and codes as `inflateChunks`.
 */
export async function decompress(
  bytes: Uint8Array,
  container: 'gzip' | 'zstd',
  options: DecompressOptions = {},
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const input = (async function* () {
    yield bytes;
  })();
  for await (const chunk of inflate(input, container, { ...options, inputBytes: bytes.byteLength }, MAX_ARRAY_BYTES))
    chunks.push(chunk);
  return concatBytes(chunks);
}

/**
 * Decompresses a gzip or zstd `Blob` (a `File`) into a Blob, holding a few MiB in JS memory at a
 * time: browsers keep Blobs out of the JS heap (Chromium pages large ones to disk). Open the
 * result with `openTar(blobSource(tar), { container })`. Limits and codes as `inflateChunks`.
 */
export async function inflateBlob(
  blob: Blob,
  container: 'gzip' | 'zstd',
  options: Omit<InflateOptions, 'inputBytes'> = {},
): Promise<Blob> {
  const parts: Blob[] = [];
  let pending: Uint8Array[] = [];
  let held = 0;
  for await (const chunk of inflateChunks(blob.stream(), container, { ...options, inputBytes: blob.size })) {
    pending.push(chunk);
    held += chunk.byteLength;
    if (held < BLOB_PART_BYTES) continue;
    parts.push(new Blob(pending as BlobPart[]));
    pending = [];
    held = 0;
  }
  return new Blob([...parts, new Blob(pending as BlobPart[])]);
}

const BLOB_PART_BYTES = 8 * 1024 * 1024;

/** A decoder from compressed chunks to output chunks; `count` is told of output as it appears and throws to stop. */
type Decoder = (input: AsyncIterable<Uint8Array>, count: (bytes: number) => void) => AsyncIterable<Uint8Array>;

/** The one implementation; `cap` bounds the output below the limits (one array for `decompress`). */
async function* inflate(
  input: ChunkInput,
  container: 'gzip' | 'zstd',
  options: InflateOptions,
  cap: number,
): AsyncGenerator<Uint8Array> {
  let seen = 0;
  const budget = createBudget(container, resolveLimits(options.limits), options.inputBytes, cap, () => seen);
  // The zstd decoder (fzstd) is loaded only for zstd input: a browser bundle split at dynamic
  // imports then fetches it only for .tar.zst files (gzip uses the platform's DecompressionStream).
  const zstd = container === 'zstd' ? await import('./zstd.js') : undefined;
  const check = zstd?.createZstdFrameCheck(budget.max);
  // Only runtimes whose gzip stream ends quietly at trailing bytes (Node) need the member walk;
  // browsers fail on them already, so their bundles never fetch fflate.
  const framing =
    container === 'gzip' && options.decoder === undefined && (await lenientGzipStream())
      ? (await import('./gzip-framing.js')).createGzipFramingCheck((n) => budget.allows(n))
      : undefined;
  const head = new Uint8Array(512);
  let failure: { error: unknown } | undefined; // from the input side, reported as is whatever the decoder makes of it
  const counted = async function* (): AsyncGenerator<Uint8Array> {
    try {
      for await (const chunk of iterate(input)) {
        if (seen < head.byteLength) {
          head.set(chunk.subarray(0, head.byteLength - seen), seen);
          if (seen + chunk.byteLength >= head.byteLength) refusePolyglot(head, container);
        }
        seen += chunk.byteLength;
        check?.push(chunk);
        framing?.push(chunk);
        if (chunk.byteLength > 0) yield chunk;
      }
      if (seen === 0) throw new MlfError('MLF-E008', `${container}: input is empty (0 bytes)`, { offset: 0 });
      check?.finish();
    } catch (e) {
      failure = { error: e };
      throw e;
    }
  };
  const decode =
    options.decoder !== undefined
      ? counting(options.decoder)
      : container === 'gzip'
        ? gzipDecoder(budget.max)
        : zstd!.decodeZstd;
  try {
    for await (const chunk of decode(counted(), (n) => budget.add(n))) if (chunk.byteLength > 0) yield chunk;
  } catch (e) {
    if (failure !== undefined) throw failure.error;
    if (e instanceof MlfError) throw e;
    framing?.finish(seen, true); // a platform stream that fails on what follows a member: say so
    throw new MlfError(
      'MLF-E008',
      `${container}: corrupt or truncated stream of ${options.inputBytes ?? seen} bytes: ${errorText(e)}`,
    );
  }
  if (failure !== undefined) throw failure.error; // the decoder stopped early and never asked for the rest
  framing?.finish(seen);
}

let lenient: Promise<boolean> | undefined;

/**
 * Whether this runtime's DecompressionStream('gzip') ends quietly at bytes after a gzip member
 * (Node's does at zero bytes, as zlib does: then Python reads on and we would not) rather than
 * failing, as browsers do. Tested once with an empty member followed by one zero byte.
 */
function lenientGzipStream(): Promise<boolean> {
  lenient ??= (async () => {
    if (typeof DecompressionStream === 'undefined') return false;
    const probe = new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    try {
      const reader = toStream(
        (async function* () {
          yield probe;
        })(),
      )
        .pipeThrough(new DecompressionStream('gzip') as ReadableWritablePair<Uint8Array, Uint8Array>)
        .getReader();
      while (!(await reader.read()).done);
      return true;
    } catch {
      return false;
    }
  })();
  return lenient;
}

/** A platform decoder, its output counted as it is yielded. */
const counting = (decoder: NonNullable<InflateOptions['decoder']>): Decoder =>
  async function* (input, count) {
    for await (const chunk of decoder(input)) {
      count(chunk.byteLength);
      yield chunk;
    }
  };

/** Counts output bytes against the smaller of the limits. */
interface Budget {
  used: number;
  /** The limit as known before decoding (without the ratio when the input size is unknown). */
  readonly max: number;
  add(n: number): void;
  /** Whether `bytes` of output are within the limits as known now. */
  allows(bytes: number): boolean;
}

const RATIO_FLOOR = 1024 * 1024;

function createBudget(
  what: string,
  limits: Limits,
  inputBytes: number | undefined,
  cap: number,
  seen: () => number,
): Budget {
  const fixed = Math.min(limits.maxDecompressedBytes, cap);
  const byRatio = () => Math.max(RATIO_FLOOR, (inputBytes ?? seen()) * limits.maxCompressionRatio);
  return {
    used: 0,
    max: inputBytes === undefined ? fixed : Math.min(fixed, byRatio()),
    allows: (bytes: number) => bytes <= Math.min(fixed, byRatio()),
    add(n: number) {
      this.used += n;
      const ratio = byRatio();
      const max = Math.min(fixed, ratio);
      if (this.used <= max) return;
      const input = inputBytes === undefined ? `${seen()} bytes of input read so far` : `${inputBytes}-byte input`;
      const why =
        max === limits.maxDecompressedBytes
          ? `maxDecompressedBytes ${limits.maxDecompressedBytes}`
          : max === ratio
            ? `${limits.maxCompressionRatio}x the ${input} (maxCompressionRatio)`
            : 'the largest array this runtime holds';
      throw new MlfError('MLF-E009', `${what}: output passed ${max} bytes (${why}); stopped at ${this.used} bytes`);
    },
  };
}

/** gzip via the platform's DecompressionStream, fed in slices so that backpressure bounds the output in flight. */
const gzipDecoder = (max: number): Decoder =>
  async function* (input, count) {
    if (typeof DecompressionStream === 'undefined') {
      throw new MlfError('MLF-E008', 'gzip: this runtime has no DecompressionStream');
    }
    // deflate expands at most ~1032x and a browser inflates a whole slice at once: keep one
    // slice's worst case under the budget.
    const slice = Math.max(1024, Math.min(64 * 1024, Math.floor(max / 1032)));
    const sliced = async function* (): AsyncGenerator<Uint8Array> {
      for await (const chunk of input)
        for (let p = 0; p < chunk.byteLength; p += slice) yield chunk.subarray(p, p + slice);
    };
    const reader = toStream(sliced())
      .pipeThrough(new DecompressionStream('gzip') as ReadableWritablePair<Uint8Array, Uint8Array>)
      .getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        count(value.byteLength);
        yield value;
      }
    } finally {
      reader.cancel().catch(() => undefined); // stop the pipe; its own rejection is of no interest
    }
  };

/** The chunks of either kind of input, read in order. */
async function* iterate(input: ChunkInput): AsyncGenerator<Uint8Array> {
  if (!(typeof ReadableStream !== 'undefined' && input instanceof ReadableStream)) {
    yield* input as AsyncIterable<Uint8Array>;
    return;
  }
  const reader = input.getReader(); // not `for await`: Safari's ReadableStream is not async-iterable
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.cancel().catch(() => undefined); // after an error or limit, nobody reads the rest
  }
}

/** An async iterable as a ReadableStream pulled on demand. */
function toStream(chunks: AsyncIterator<Uint8Array>): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await chunks.next();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    async cancel() {
      await chunks.return?.();
    },
  });
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
