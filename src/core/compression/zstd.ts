import { Decompress } from 'fzstd';
import { MlfError } from '../errors/errors.js';

/**
 * zstd for the streaming decompressor: the frame-header pre-check, fed chunk by chunk, and
 * fzstd's streaming decoder (pure JS, so it also runs in browsers).
 */

/** zstd's own decoder refuses windows over 2^27 bytes unless told otherwise (--memory, --long). */
const MAX_ZSTD_WINDOW = 2 ** 27;

/** What the frame walker asks for next: the next `read` bytes, or to pass over `skip` bytes. */
type Want = { read: number } | { skip: number };

const NOTHING = new Uint8Array(0);
const PUSH_BYTES = 1024 * 1024;

/** The frame-header pre-check: `push` each input chunk in order, then `finish` at the end of input. */
export interface ZstdFrameCheck {
  push(chunk: Uint8Array): void;
  finish(): void;
}

/**
 * Returns a check to feed each input chunk, in order, before the decoder sees it. It walks
 * the zstd frame and block headers (no decoding) and throws MLF-E009 for a window over zstd's
 * default cap or declared content sizes over `max`, before fzstd allocates them: a 20-byte frame
 * can otherwise make it allocate 2 GB. It throws MLF-E012 for a skippable frame (anywhere: its
 * bytes are outside what every decoder shows, and sniffers that do not know its magic read it as
 * something else) and for any byte after the last frame (zstd(1) and bsdtar refuse it, other
 * decoders ignore it). A header split across chunks is checked once its last byte arrives, and
 * fzstd waits for 18 bytes (a whole frame header) before it reads one. Where the headers stop
 * making sense the walk stops quietly and leaves the verdict to the decoder.
 */
export function createZstdFrameCheck(max: number): ZstdFrameCheck {
  const state = { pos: 0, atFrameStart: true, frames: 0 };
  const walker = walkZstdFrames(max, state);
  let want: Want | void = walker.next().value;
  const held = new Uint8Array(16); // the longest read: window, dictionary id and content size, 13 bytes
  let have = 0;
  return {
    push(chunk) {
      let p = 0;
      while (want !== undefined && p < chunk.byteLength) {
        if ('skip' in want) {
          const n = Math.min(want.skip, chunk.byteLength - p);
          p += n;
          want = want.skip === n ? walker.next(NOTHING).value : { skip: want.skip - n };
        } else {
          const n = Math.min(want.read - have, chunk.byteLength - p);
          held.set(chunk.subarray(p, p + n), have);
          have += n;
          p += n;
          if (have < want.read) continue;
          have = 0;
          want = walker.next(held.subarray(0, want.read)).value;
        }
      }
    },
    finish() {
      if (want !== undefined && state.atFrameStart && state.frames > 0 && have > 0) throw trailing(state.pos, have);
    },
  };
}

function trailing(at: number, n: number | undefined): MlfError {
  return new MlfError(
    'MLF-E012',
    `zstd: ${n === undefined ? 'bytes that are not a zstd frame follow' : `${n} bytes follow`} the last frame, at offset ${at}`,
    { offset: at },
  );
}

/** The header walk as a coroutine: it yields what it needs and is handed those bytes. */
function* walkZstdFrames(
  max: number,
  state: { pos: number; atFrameStart: boolean; frames: number },
): Generator<Want, void, Uint8Array> {
  let pos = 0;
  let declared = 0;
  for (let frames = 0; ; frames++) {
    const start = pos;
    state.pos = pos;
    state.atFrameStart = true;
    state.frames = frames;
    const magic = u32(yield { read: 4 });
    state.atFrameStart = false;
    pos += 4;
    if ((magic & 0xfffffff0) === 0x184d2a50) {
      throw new MlfError(
        'MLF-E012',
        `zstd: skippable frame at offset ${start}: its bytes are outside the decoded archive, and tools that do not decode it read them instead`,
        { offset: start },
      );
    }
    if (magic !== 0xfd2fb528) {
      if (frames > 0) throw trailing(start, undefined);
      return;
    }
    const fhd = (yield { read: 1 })[0] ?? 0;
    const single = (fhd >> 5) & 1;
    const dictBytes = [0, 1, 2, 4][fhd & 3] ?? 0;
    const fcsBytes = [single, 2, 4, 8][fhd >> 6] ?? 0;
    const rest = yield { read: 1 - single + dictBytes + fcsBytes };
    pos += 1 + rest.byteLength;
    let window = 0;
    if (!single) {
      const wd = rest[0] ?? 0;
      const base = 2 ** (10 + (wd >> 3));
      window = base + (base / 8) * (wd & 7);
    }
    let fcs = 0;
    for (let i = rest.byteLength - 1; i >= rest.byteLength - fcsBytes; i--) fcs = fcs * 256 + (rest[i] ?? 0);
    if (fcsBytes === 2) fcs += 256;
    if (single) window = fcs;
    declared += fcs;
    if (window > MAX_ZSTD_WINDOW) {
      throw new MlfError(
        'MLF-E009',
        `zstd: frame at offset ${start} needs a ${window}-byte window, over the ${MAX_ZSTD_WINDOW} bytes zstd itself decodes by default`,
        { offset: start },
      );
    }
    if (declared > max) {
      throw new MlfError(
        'MLF-E009',
        `zstd: frames up to offset ${start} declare ${declared} bytes of content, over the ${max}-byte output limit`,
        {
          offset: start,
        },
      );
    }
    for (;;) {
      const b = yield { read: 3 };
      const bh = (b[0] ?? 0) | ((b[1] ?? 0) << 8) | ((b[2] ?? 0) << 16);
      const type = (bh >> 1) & 3;
      if (type === 3) return;
      const size = type === 1 ? 1 : bh >>> 3;
      pos += 3 + size;
      if (size > 0) yield { skip: size };
      if (bh & 1) break;
    }
    if ((fhd >> 2) & 1) {
      pos += 4;
      yield { skip: 4 };
    }
  }
}

function u32(b: Uint8Array): number {
  return ((b[0] ?? 0) | ((b[1] ?? 0) << 8) | ((b[2] ?? 0) << 16) | ((b[3] ?? 0) << 24)) >>> 0;
}

/**
 * Decodes zstd chunks with fzstd. `count` sees every block as fzstd produces it and throws to stop
 * mid-chunk: one 1 MiB chunk of RLE blocks decodes to gigabytes. Chunks go to fzstd in slices of
 * at most 1 MiB: it keeps bit positions in 32-bit ints, so within one push a compressed block past
 * 256 MiB of a frame fails as "invalid zstd data" (how a whole 1 GiB .tar.zst used to fail).
 */
export async function* decodeZstd(
  input: AsyncIterable<Uint8Array>,
  count: (bytes: number) => void,
): AsyncGenerator<Uint8Array> {
  let out: Uint8Array[] = [];
  const stream = new Decompress((data) => {
    count(data.byteLength);
    if (data.byteLength > 0) out.push(data); // in streaming mode fzstd hands out a fresh array per block
  });
  for await (const chunk of input) {
    for (let p = 0; p < chunk.byteLength; p += PUSH_BYTES) {
      stream.push(chunk.subarray(p, p + PUSH_BYTES)); // fzstd keeps a view of an unfinished block: chunks are never reused
      const ready = out;
      out = [];
      yield* ready;
    }
  }
  stream.push(NOTHING, true);
  yield* out;
}
