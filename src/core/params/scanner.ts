import { concatBytes } from '../common/bytes.js';
import { MlfError } from '../errors/errors.js';
import { resolveLimits } from '../common/limits.js';
import { type ParamIndex, type RangeRead, readAhead } from './tensor-index.js';
import {
  checkParamsEnd,
  type DecodeParamsOptions,
  type ParamTensorHeader,
  readArrayCount,
  readParamName,
  readParamsHead,
  readTensorHeader,
  shortParamsError,
} from './codec.js';
import { NeedMore, tryRecord, WindowCursor } from './window.js';

/**
 * Streaming decode of a TVM param dict: bytes are pushed in file order, in chunks of any size,
 * and each tensor's header and payload are reported as they go by. Payload chunks are views of
 * the pushed bytes (no copy), so one pass over a file costs what reading it costs and memory
 * stays at one chunk. The record readers and checks are those of `decodeParams` (same codes,
 * messages and offsets).
 */

/** What the scanner reports while the bytes go by. */
export interface ParamsScanHandlers {
  /** Tensor `index`'s header has been read; its payload follows in `onData` calls. */
  onTensor?(tensor: ParamTensorHeader, index: number): void;
  /** The next bytes of tensor `index`'s payload, in order: a view valid only during the call. */
  onData?(chunk: Uint8Array, tensor: ParamTensorHeader, index: number): void;
}

/** A push parser made by `createParamsScanner`. */
export interface ParamsScanner {
  /** Feeds the next bytes of the file; the caller may reuse `chunk` once this returns. */
  push(chunk: Uint8Array): void;
  /**
   * Ends the input and returns the index (headers of every tensor).
   * @throws MlfError E002 when fewer bytes were pushed than the file's `byteLength`.
   */
  end(): ParamIndex;
}

type Phase = 'head' | 'names' | 'count' | 'headers' | 'data' | 'done';

/**
 * Creates a push parser for a param dict of exactly `byteLength` bytes (the size is needed up
 * front: TVM's counts are checked against the bytes that remain, as `decodeParams` does).
 * @throws MlfError from `push`/`end` with the codes `decodeParams` gives (E201..E210, E009), E002
 *   for a short input and E208 for bytes beyond `byteLength`.
 */
export function createParamsScanner(
  byteLength: number,
  handlers: ParamsScanHandlers = {},
  options: DecodeParamsOptions = {},
): ParamsScanner {
  const limits = resolveLimits(options.limits);
  const strict = options.strict ?? true;
  const c = new WindowCursor(byteLength);
  const names: string[] = [];
  const seen = new Map<string, number>();
  const tensors: ParamTensorHeader[] = [];
  let phase: Phase = 'head';
  let reserved = 0n;
  let count = 0;
  let left = 0; // payload bytes of the current tensor still to come
  let received = 0;
  // Bytes of an unfinished record (copied: the caller may reuse its chunks), from offset `held`.
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let needEnd = 0;

  /** Reads the next record of the current phase; false when the window ends first. */
  const record = (): boolean => {
    if (phase === 'head' && byteLength < 8) {
      if (c.windowEnd < byteLength) return false;
      throw shortParamsError(c.rest());
    }
    const i = phase === 'names' ? names.length : tensors.length;
    const r = tryRecord(c, () => {
      if (phase === 'head') ({ reserved, count } = readParamsHead(c, limits));
      else if (phase === 'names') names.push(readParamName(c, i, seen));
      else if (phase === 'count') readArrayCount(c, count);
      else tensors.push(readTensorHeader(c, i, names[i] ?? '', limits, strict));
    });
    if (r instanceof NeedMore) {
      needEnd = r.end;
      return false;
    }
    if (phase === 'headers') {
      const t = tensors[i] as ParamTensorHeader;
      // A payload longer than the file is refused now, as decodeParams does, not when bytes run out.
      if (t.byteLength > c.remaining) c.need(t.byteLength, `entry ${i} ${JSON.stringify(t.name)} data`);
      handlers.onTensor?.(t, i);
      left = t.byteLength;
      phase = 'data';
    }
    advance();
    return true;
  };

  /** Moves to the next phase once the current one has read all its records. */
  const advance = (): void => {
    if (phase === 'head') phase = count > 0 ? 'names' : 'count';
    else if (phase === 'names' && names.length === count) phase = 'count';
    else if (phase === 'count') phase = 'headers';
    else if (phase === 'data' && left === 0) phase = 'headers';
    if (phase === 'headers' && tensors.length === count) {
      checkParamsEnd(c);
      phase = 'done';
    }
  };

  /** Passes payload bytes of the current tensor on; false when the window ends first. */
  const payload = (): boolean => {
    const n = Math.min(left, c.windowEnd - c.offset);
    const i = tensors.length - 1;
    const t = tensors[i] as ParamTensorHeader;
    if (n > 0) {
      const chunk = c.take(n, `entry ${i} ${JSON.stringify(t.name)} data`); // taken even with no onData: `?.()` would skip it
      handlers.onData?.(chunk, t, i);
    }
    left -= n;
    if (left > 0) return false;
    advance();
    return true;
  };

  return {
    push(chunk) {
      if (chunk.byteLength === 0) return;
      if (received + chunk.byteLength > byteLength) {
        throw new MlfError('MLF-E208', `params: more than the declared ${byteLength} bytes were pushed`, {
          offset: byteLength,
        });
      }
      const start = received - pendingBytes;
      received += chunk.byteLength;
      if (pendingBytes > 0 || received < needEnd) {
        pending.push(chunk.slice());
        pendingBytes += chunk.byteLength;
        if (received < needEnd) return; // the unfinished record needs more: wait without re-parsing
      }
      c.setWindow(pendingBytes > 0 ? concatBytes(pending) : chunk, start);
      pending = [];
      pendingBytes = 0;
      while (phase !== 'done' && (phase === 'data' ? payload() : record()));
      const rest = c.rest();
      if (phase !== 'done' && rest.byteLength > 0) {
        pending = [rest.slice()];
        pendingBytes = rest.byteLength;
      }
    },
    end() {
      if (phase === 'done') return { reserved, tensors };
      if (byteLength < 8) throw shortParamsError(concatBytes(pending));
      throw new MlfError('MLF-E002', `params: input ended after ${received} of ${byteLength} bytes`, {
        offset: received,
      });
    },
  };
}

/** Bytes read per call by `scanParams`. */
const SCAN_CHUNK = 1024 * 1024;

/**
 * Scans a param dict through a range reader in sequential chunks (see `createParamsScanner`):
 * one pass, memory bounded by `chunkSize`.
 */
export async function scanParams(
  read: RangeRead,
  byteLength: number,
  handlers: ParamsScanHandlers = {},
  options: DecodeParamsOptions & { chunkSize?: number } = {},
): Promise<ParamIndex> {
  const scanner = createParamsScanner(byteLength, handlers, options);
  for await (const bytes of readAhead(read, 0, byteLength, options.chunkSize ?? SCAN_CHUNK))
    if (bytes.byteLength > 0) scanner.push(bytes);
  return scanner.end();
}
