import { lstat } from 'node:fs/promises';
import zlib from 'node:zlib';
import type { ArchiveMember } from '../../core/archive/archive.js';
import { MlfError } from '../../core/errors/errors.js';
import { indexParams, type ParamIndex } from '../../core/params/tensor-index.js';
import { type ImportArray, npyItemsOfParams, paramsChunks } from '../../core/params/params-stream.js';
import type { NpyHeader } from '../../core/params/npy.js';
import { listNpzArrays, npyMemberChunks, npzChunks, readNpyHeaderFrom } from '../../core/params/npz-stream.js';
import { crc32 as crc32Js } from '../../core/common/crc32.js';
import type { RangeChunks, ZipEntryChunksOptions } from '../../core/params/zip-stream.js';
import { memberRangeChunks, sourceMember } from '../read/range-chunks.js';
import { type ClosableSource, fileSource } from '../read/source.js';
import { fsCall, fsError } from '../fs-error.js';
import { type ChunkedFile, type FolderWriteOptions, writeFolderAtomic, type Written } from './atomic.js';
import { type StreamTarget, type WriteChunksOptions, writeChunksAtomic } from './write-stream.js';
import { throughZlib } from './zlib-stream.js';

/**
 * `params export` and `params import` in bounded memory: tensors go from a `.params` file or an
 * archive member to a `.npz` or `.npy` files, and arrays from a `.npz` or `.npy` files to a
 * `.params`, a chunk at a time (core's params-stream.ts and npz-stream.ts), through the atomic
 * writers. node:zlib gives the CRC-32 (Node >= 20.15) and the inflater.
 */

/** CRC-32 by node:zlib where this Node has it (Node >= 20.15: many GB/s), else core's. */
export const crc32Fast: (bytes: Uint8Array, crc: number) => number =
  typeof zlib.crc32 === 'function' ? (bytes, crc) => zlib.crc32(bytes, crc) : crc32Js;

/** Raw deflate through node:zlib (its chunks are copied in: the stream may hold them). */
const inflateRaw = (input: AsyncIterable<Uint8Array>) =>
  throughZlib(copies(input), () => zlib.createInflateRaw({ chunkSize: 256 * 1024 }));

async function* copies(input: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  for await (const c of input) yield c.slice();
}

/** What node's readers give core's zip reader. */
export const NODE_ZIP: ZipEntryChunksOptions = { crc32: crc32Fast, inflate: inflateRaw };

/** A params file or member: indexed header-only, and its payloads readable in chunks. */
export interface ParamsInput {
  index: ParamIndex;
  chunks: RangeChunks;
}

/** Indexes the params behind `member` (a `.params` file's source or an archive member). */
export async function openParamsInput(
  member: Pick<ArchiveMember, 'readRange' | 'readInto' | 'size'>,
): Promise<ParamsInput> {
  const read = member.readRange;
  if (read === undefined) throw new Error('a member without ranged reads');
  return { index: await indexParams(read.bind(member), member.size), chunks: memberRangeChunks(member) };
}

/** Writes every tensor of `params` as one stored `.npz` (the bytes `encodeNpz` gives), atomically or to a stream. */
export function writeParamsNpz(
  dest: string | StreamTarget,
  params: ParamsInput,
  options: WriteChunksOptions,
): Promise<Written> {
  const items = npyItemsOfParams(params.index); // every dtype checked before the first byte
  return writeChunksAtomic(dest, npzChunks(items, params.chunks, { crc32: crc32Fast }), options);
}

/**
 * Writes every tensor of `params` as `<fileName(tensor)>` `.npy` files of a new folder (atomic),
 * each streamed from the input.
 * @throws MlfError E904 when two tensors map to the same file name.
 */
export function writeParamsNpyFolder(
  dest: string,
  params: ParamsInput,
  fileName: (tensor: string) => string,
  options: FolderWriteOptions,
): Promise<Written> {
  const items = npyItemsOfParams(params.index);
  const files = new Map<string, ChunkedFile>();
  for (const item of items)
    files.set(fileName(item.name), {
      async *chunks() {
        yield item.header;
        yield* params.chunks(item.dataOffset, item.byteLength);
      },
    });
  if (files.size !== items.length)
    throw new MlfError('MLF-E904', 'two tensor names map to the same file name; export to .npz instead');
  return writeFolderAtomic(dest, files, options);
}

/** Opens a file for reading after checking it is a regular file (E902 otherwise). */
async function openRegular(path: string): Promise<ClosableSource> {
  const st = await fsCall(path, 'read', () => lstat(path));
  if (!st.isFile())
    throw fsError(Object.assign(new Error(), { code: st.isDirectory() ? 'EISDIR' : 'EINVAL' }), path, 'read');
  return fsCall(path, 'read', () => fileSource(path));
}

/** Names an error after the file it is about, as the in-memory import did. */
async function naming<T>(path: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (!(e instanceof MlfError) || e.message.includes(path)) throw e;
    throw new MlfError(e.code, `${path}: ${e.message}`, { member: e.member, offset: e.offset }, e.hint);
  }
}

/**
 * Writes a `.params` from one `.npz` (`npz`) or from `.npy` files (`files`, tensor name → path),
 * reading one chunk of one array at a time; returns what was written and the tensor count.
 * @throws MlfError E911 (named after the file) for what NumPy would not load or TVM cannot hold,
 *   E205..E210 as `encodeParams`, E902 for unreadable inputs, E904 for the destination.
 */
export async function writeParamsFromNumpy(
  dest: string | StreamTarget,
  input: { npz: string } | { files: readonly (readonly [string, string])[] },
  options: WriteChunksOptions,
): Promise<{ written: Written; tensors: number }> {
  const open: ClosableSource[] = [];
  try {
    const arrays: ImportArray[] = [];
    if ('npz' in input) {
      const path = input.npz;
      const source = await openRegular(path);
      open.push(source);
      const chunks = memberRangeChunks(sourceMember(source));
      for (const a of await naming(path, () => listNpzArrays(source, NODE_ZIP)))
        arrays.push({ name: a.key, header: a.header, data: () => named(path, npyMemberChunks(chunks, a, NODE_ZIP)) });
    } else {
      // Each file is opened for its header, then again when its data are copied: a folder may hold
      // more files than a process may keep open.
      for (const [name, path] of input.files) {
        const source = await openRegular(path);
        let header;
        try {
          header = await naming(path, () => readNpyHeaderFrom(source));
        } finally {
          await source.close();
        }
        arrays.push({ name, header, data: () => npyFileData(path, name, header) });
      }
    }
    const written = await writeChunksAtomic(dest, paramsChunks(arrays), options);
    return { written, tensors: arrays.length };
  } finally {
    for (const s of open) await s.close().catch(() => undefined);
  }
}

/** Passes chunks through, naming errors after `path`. */
async function* named(path: string, input: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  try {
    yield* input;
  } catch (e) {
    throw await naming(path, () => Promise.reject(e)).catch((x: unknown) => x);
  }
}

/** The data of a `.npy` file whose header was read before; E011 when the header changed since. */
async function* npyFileData(path: string, name: string, header: NpyHeader): AsyncGenerator<Uint8Array> {
  const source = await openRegular(path);
  try {
    const now = await naming(path, () => readNpyHeaderFrom(source));
    if (JSON.stringify(now) !== JSON.stringify(header))
      throw new MlfError('MLF-E011', `${path}: its header changed while the folder was read`);
    yield* npyMemberChunks(memberRangeChunks(sourceMember(source)), { key: name, header });
  } finally {
    await source.close();
  }
}
