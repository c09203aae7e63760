import type { MlfArchive, MlfModule } from '../archive/archive.js';
import { MlfError } from '../errors/errors.js';
import { resolveLimits } from '../common/limits.js';
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

/** Bytes fetched per window: names and headers are small, so one window usually holds many. */
const WINDOW = 64 * 1024;

/**
 * Header-only reading of a TVM param dict: names and tensor headers are read through a
 * random-access range reader and payloads are skipped by seeking, so the cost does not grow with
 * the weights. Every check of `decodeParams` except the payload bytes themselves runs (the same
 * record readers are shared), with the same codes, messages and offsets.
 */

/**
 * Reads `[offset, offset + length)` of the params file (may return fewer bytes at the end). The
 * bytes returned are never changed afterwards, so several reads may be in flight.
 */
export type RangeRead = (offset: number, length: number) => Promise<Uint8Array>;

/**
 * `[offset, offset + length)` through `read` in `chunk`-byte steps, each read started while the
 * caller handles the one before (reading costs about as much as scanning). Stops after a short read.
 */
export async function* readAhead(read: RangeRead, offset: number, length: number, chunk: number) {
  const end = offset + length;
  const start = (at: number) => {
    const p = at < end ? read(at, Math.min(chunk, end - at)) : undefined;
    p?.catch(() => undefined); // thrown when its chunk is pulled, never "unhandled"
    return p;
  };
  let next = start(offset);
  try {
    for (let at = offset; next !== undefined; at += chunk) {
      const bytes = await next;
      next = bytes.byteLength === Math.min(chunk, end - at) ? start(at + chunk) : undefined;
      yield bytes;
    }
  } finally {
    await next?.catch(() => undefined);
  }
}

/** A param dict without payloads: what `indexParams` returns. */
export interface ParamIndex {
  reserved: bigint;
  tensors: ParamTensorHeader[];
}

/**
 * Indexes a param dict of `byteLength` bytes read through `read`: names, dtypes, shapes, sizes
 * and offsets of every tensor, payloads skipped.
 * @throws MlfError with the code `decodeParams` gives for the same bytes (E201..E210, E009).
 */
export async function indexParams(
  read: RangeRead,
  byteLength: number,
  options: DecodeParamsOptions = {},
): Promise<ParamIndex> {
  const limits = resolveLimits(options.limits);
  const strict = options.strict ?? true;
  if (byteLength < 8) throw shortParamsError(await read(0, byteLength));
  const c = new WindowCursor(byteLength);
  // Each record is restartable: when it runs past the window, fetch from its start and run it again.
  const step = async <T>(f: () => T): Promise<T> => {
    for (;;) {
      const r = tryRecord(c, f);
      if (!(r instanceof NeedMore)) return r.value;
      const start = c.offset;
      const length = Math.min(byteLength, Math.max(r.end, start + WINDOW)) - start;
      const bytes = await read(start, length);
      if (bytes.byteLength !== length)
        throw new MlfError('MLF-E002', `params: needed ${length} bytes at offset ${start}, got ${bytes.byteLength}`, {
          offset: start,
        });
      c.setWindow(bytes, start);
    }
  };
  const { reserved, count } = await step(() => readParamsHead(c, limits));
  const seen = new Map<string, number>();
  const names: string[] = [];
  for (let i = 0; i < count; i++) names.push(await step(() => readParamName(c, i, seen)));
  await step(() => readArrayCount(c, count));
  const tensors: ParamTensorHeader[] = [];
  for (let i = 0; i < count; i++) {
    const h = await step(() => readTensorHeader(c, i, names[i] ?? '', limits, strict));
    c.skip(h.byteLength, `entry ${i} ${JSON.stringify(h.name)} data`);
    tensors.push(h);
  }
  checkParamsEnd(c);
  return { reserved, tensors };
}

/** `indexParams` over bytes already in memory. */
export function indexParamBytes(bytes: Uint8Array, options: DecodeParamsOptions = {}): Promise<ParamIndex> {
  return indexParams(async (o, n) => bytes.subarray(o, o + n), bytes.byteLength, options);
}

/**
 * Runs `f` over a module's params member as a range reader (through `readRange` when the member
 * has it, else over its bytes); null when the module has none. Errors are located in the member.
 */
export async function withParamsMember<T>(
  archive: MlfArchive,
  module: MlfModule,
  f: (read: RangeRead, byteLength: number) => Promise<T>,
): Promise<T | null> {
  if (module.files.params === null) return null;
  const path = module.files.params;
  const member = archive.contents.members.get(path);
  if (member === undefined) throw new MlfError('MLF-E401', `${path} is not in the archive`, { member: path });
  try {
    if (member.readRange !== undefined) return await f(member.readRange.bind(member), member.size);
    const bytes = await member.read();
    return await f(async (o, n) => bytes.subarray(o, o + n), bytes.byteLength);
  } catch (e) {
    throw e instanceof MlfError ? e.inMember(path) : e;
  }
}

/** Indexes a module's params member without reading payloads; null when the module has none. */
export function loadParamIndex(
  archive: MlfArchive,
  module: MlfModule,
  options: DecodeParamsOptions = {},
): Promise<ParamIndex | null> {
  return withParamsMember(archive, module, (read, size) => indexParams(read, size, options));
}
