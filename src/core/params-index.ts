import type { MlfArchive, MlfModule } from './archive.js';
import { MlfError } from './errors.js';
import { resolveLimits } from './limits.js';
import {
  checkParamsEnd,
  type DecodeParamsOptions,
  type ParamsCursor,
  type ParamTensorHeader,
  readArrayCount,
  readParamName,
  readParamsHead,
  readTensorHeader,
  shortParamsError,
} from './params.js';

/**
 * Header-only reading of a TVM param dict: names and tensor headers are read through a
 * random-access range reader and payloads are skipped by seeking, so the cost does not grow with
 * the weights. Every check of `decodeParams` except the payload bytes themselves runs (the same
 * record readers are shared), with the same codes, messages and offsets.
 */

/** Reads `[offset, offset + length)` of the params file (may return fewer bytes at the end). */
export type RangeRead = (offset: number, length: number) => Promise<Uint8Array>;

/** A param dict without payloads: what `indexParams` returns. */
export interface ParamIndex {
  reserved: bigint;
  tensors: ParamTensorHeader[];
}

/** Bytes fetched per window: names and headers are small, so one window usually holds many. */
const WINDOW = 64 * 1024;

/** Raised by the window cursor when a read falls outside the bytes fetched so far. */
class NeedMore {
  constructor(readonly end: number) {}
}

/** A ParamsCursor over a window of a larger file; reads past the window ask for more. */
class WindowCursor implements ParamsCursor {
  offset = 0;
  private window: Uint8Array = new Uint8Array(0);
  private view: DataView = new DataView(new ArrayBuffer(0));
  private start = 0;

  constructor(readonly size: number) {}

  get remaining(): number {
    return this.size - this.offset;
  }

  /** Loads the window `[start, end)` (at least WINDOW bytes, clamped to the file). */
  async fill(read: RangeRead, start: number, end: number): Promise<void> {
    const length = Math.min(this.size, Math.max(end, start + WINDOW)) - start;
    const bytes = await read(start, length);
    if (bytes.byteLength !== length) throw new MlfError('MLF-E002', `params: needed ${length} bytes at offset ${start}, got ${bytes.byteLength}`, { offset: start });
    this.window = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.start = start;
  }

  need(n: number, field: string): void {
    if (n > this.remaining) {
      throw new MlfError('MLF-E202', `params: ${field} needs ${n} bytes at offset ${this.offset}, but only ${this.remaining} remain`, { offset: this.offset });
    }
    if (this.offset < this.start || this.offset + n > this.start + this.window.byteLength) throw new NeedMore(this.offset + n);
  }

  /** Moves past `n` payload bytes without reading them (E202 when the file is shorter). */
  skip(n: number, field: string): void {
    if (n > this.remaining) this.need(n, field);
    this.offset += n;
  }

  private at(n: number, field: string): number {
    this.need(n, field);
    const rel = this.offset - this.start;
    this.offset += n;
    return rel;
  }

  u8(field: string): number {
    return this.view.getUint8(this.at(1, field));
  }
  u16(field: string): number {
    return this.view.getUint16(this.at(2, field), true);
  }
  i32(field: string): number {
    return this.view.getInt32(this.at(4, field), true);
  }
  u64(field: string): bigint {
    return this.view.getBigUint64(this.at(8, field), true);
  }
  i64(field: string): bigint {
    return this.view.getBigInt64(this.at(8, field), true);
  }
  take(n: number, field: string): Uint8Array {
    const rel = this.at(n, field);
    return this.window.subarray(rel, rel + n);
  }
}

/**
 * Indexes a param dict of `byteLength` bytes read through `read`: names, dtypes, shapes, sizes
 * and offsets of every tensor, payloads skipped.
 * @throws MlfError with the code `decodeParams` gives for the same bytes (E201..E210, E009).
 */
export async function indexParams(read: RangeRead, byteLength: number, options: DecodeParamsOptions = {}): Promise<ParamIndex> {
  const limits = resolveLimits(options.limits);
  const strict = options.strict ?? true;
  if (byteLength < 8) throw shortParamsError(await read(0, byteLength));
  const c = new WindowCursor(byteLength);
  // Each step is restartable: when it runs past the window, fetch from its start and run it again.
  const step = async <T>(f: () => T): Promise<T> => {
    const start = c.offset;
    for (;;) {
      try {
        return f();
      } catch (e) {
        if (!(e instanceof NeedMore)) throw e;
        await c.fill(read, start, e.end);
        c.offset = start;
      }
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
 * Indexes a module's params member without reading payloads (through `readRange` when the member
 * has it, else from its bytes); null when the module has none. Errors are located in the member.
 */
export async function loadParamIndex(archive: MlfArchive, module: MlfModule, options: DecodeParamsOptions = {}): Promise<ParamIndex | null> {
  if (module.files.params === null) return null;
  const path = module.files.params;
  const member = archive.contents.members.get(path);
  if (member === undefined) throw new MlfError('MLF-E401', `${path} is not in the archive`, { member: path });
  try {
    if (member.readRange !== undefined) return await indexParams((o, n) => (member.readRange as NonNullable<typeof member.readRange>)(o, n), member.size, options);
    return await indexParamBytes(await member.read(), options);
  } catch (e) {
    throw e instanceof MlfError ? e.inMember(path) : e;
  }
}
