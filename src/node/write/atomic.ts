import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { type FileHandle, mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { MlfError } from '../../core/errors/errors.js';
import { fsCall, fsError } from '../fs-error.js';
import { checkFileDestination, checkFolderDestination, OUTPUT_MARKER, type WriteOptions } from './destination.js';

/**
 * The one way mlf writes to a path a user named (files and folders): into a temporary sibling,
 * fsynced, then renamed over the destination, so it is either complete or untouched. What may be
 * replaced is `./destination.ts`, checked before writing and again just before the rename.
 */

/** What a write put on disk. */
export interface Written {
  path: string;
  bytes: number;
  /** SHA-256 of the file's bytes (hex); absent for folders. */
  sha256?: string;
  /** Files written, for folders. */
  files?: number;
}

/** A fresh name beside `dest` for a temporary file or folder. */
export function tempSibling(dest: string, tag = 'tmp'): string {
  return join(dirname(resolve(dest)), `.${basename(dest)}.${process.pid}.${randomBytes(4).toString('hex')}.${tag}`);
}

/** fsyncs a folder so a rename in it survives a crash (best effort: some file systems refuse). */
async function syncFolder(dir: string): Promise<void> {
  let h: FileHandle | undefined;
  try {
    h = await open(dir, constants.O_RDONLY);
    await h.sync();
  } catch {
    // not supported here (e.g. some network file systems): the rename itself is still atomic
  } finally {
    await h?.close().catch(() => undefined);
  }
}

/** A temporary file opened beside `dest` (O_EXCL) for a writer that streams into it. */
export interface TempFile {
  path: string;
  handle: FileHandle;
}

/** Opens a new temporary sibling of `dest` for writing (after {@link checkFileDestination}). */
export async function openTempFile(dest: string, mode = 0o644): Promise<TempFile> {
  const path = tempSibling(dest);
  const handle = await fsCall(dest, 'write', () => open(path, 'wx', mode));
  return { path, handle };
}

/**
 * Syncs and closes a temporary file and renames it over `dest`, after checking `dest` again (it
 * may have appeared while we wrote). The temporary file is removed on any failure.
 */
export async function commitTempFile(tmp: TempFile, dest: string, options: WriteOptions = {}): Promise<void> {
  try {
    await tmp.handle.sync();
    await tmp.handle.close();
    await checkFileDestination(dest, options);
    await fsCall(dest, 'write', () => rename(tmp.path, dest));
  } catch (e) {
    await discardTempFile(tmp);
    throw e;
  }
  await syncFolder(dirname(resolve(dest)));
}

/** Closes and removes a temporary file (after a failed write). */
export async function discardTempFile(tmp: TempFile): Promise<void> {
  await tmp.handle.close().catch(() => undefined);
  await rm(tmp.path, { force: true });
}

/** Writes a file through a temporary sibling, fsync and a rename: never a half-written destination. */
export async function writeFileAtomic(
  dest: string,
  data: Uint8Array | string,
  options: WriteOptions = {},
): Promise<Written> {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  await checkFileDestination(dest, options);
  const tmp = await openTempFile(dest, options.mode ?? 0o644);
  try {
    for (let done = 0; done < bytes.byteLength;)
      done += (await tmp.handle.write(bytes, done, bytes.byteLength - done)).bytesWritten;
  } catch (e) {
    await discardTempFile(tmp);
    throw fsError(e, dest, 'write');
  }
  await commitTempFile(tmp, dest, options);
  return { path: dest, bytes: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** Options of folder writes. */
export interface FolderWriteOptions extends WriteOptions {
  /** Leave {@link OUTPUT_MARKER} listing the files, so a later --force may replace the folder. @default false */
  marker?: boolean;
}

/** A safe relative path: `a/b/c`, no empty, `.` or `..` segment, no backslash. */
function checkRelative(path: string): void {
  if (path.split('/').some((s) => s === '' || s === '.' || s === '..') || path.includes('\\') || path.includes('\0'))
    throw new MlfError('MLF-E904', `refusing to write the file name ${JSON.stringify(path)}`);
}

/** Creates a new temporary folder beside `dest` (mode 0755). */
export async function makeTempFolder(dest: string): Promise<string> {
  const tmp = tempSibling(dest);
  await fsCall(dest, 'write', () => mkdir(tmp, { mode: 0o755 }));
  return tmp;
}

/**
 * Moves a complete temporary folder to `dest`: checks `dest` again, moves an existing folder
 * aside (restored if the rename fails), renames, then deletes the old one.
 */
export async function commitTempFolder(
  tmp: string,
  dest: string,
  files: Iterable<string>,
  options: WriteOptions = {},
): Promise<void> {
  const replace = await checkFolderDestination(dest, files, options);
  const aside = replace ? tempSibling(dest, 'old') : undefined;
  if (aside !== undefined) await fsCall(dest, 'write', () => rename(dest, aside));
  try {
    await fsCall(dest, 'write', () => rename(tmp, dest));
  } catch (e) {
    if (aside !== undefined) await rename(aside, dest);
    throw e;
  }
  if (aside !== undefined) await rm(aside, { recursive: true, force: true });
  await syncFolder(dirname(resolve(dest)));
}
/** A file's content: bytes, or chunks made on demand (a generated file may run to 100s of MB). */
export type FileBody = Uint8Array | ChunkedFile;

/** A file written chunk by chunk; `chunks()` starts over each time. */
export interface ChunkedFile {
  /**
   * The file's bytes in order, from the start each time it is called; async when they are read
   * from elsewhere (params copied from an archive). Each chunk is written before the next is pulled.
   */
  chunks(): Iterable<Uint8Array> | AsyncIterable<Uint8Array>;
}

/** Writes one new file (O_EXCL) with its bytes, fsynced. */
async function writeNewFile(path: string, data: FileBody, mode: number): Promise<number> {
  const h = await open(path, 'wx', mode);
  let bytes = 0;
  try {
    for await (const chunk of data instanceof Uint8Array ? [data] : data.chunks())
      for (let done = 0; done < chunk.byteLength;) {
        const n = (await h.write(chunk, done, chunk.byteLength - done)).bytesWritten;
        done += n;
        bytes += n;
      }
    await h.sync();
  } finally {
    await h.close();
  }
  return bytes;
}

/**
 * Writes nested files (`a/b/c` paths) into `dir`, which exists: folders are created as needed,
 * files are new (O_EXCL), fsynced, mode 0644. Returns the bytes written.
 */
export async function writeFilesInto(dir: string, files: ReadonlyMap<string, FileBody>): Promise<number> {
  let bytes = 0;
  for (const [path, data] of files) {
    checkRelative(path);
    const abs = join(dir, ...path.split('/'));
    bytes += await fsCall(abs, 'write', async () => {
      await mkdir(dirname(abs), { recursive: true, mode: 0o755 });
      return writeNewFile(abs, data, 0o644);
    });
  }
  return bytes;
}

/**
 * Writes a folder of files all or nothing: into a temporary sibling folder, then one rename.
 * `files` maps relative paths (`a/b/c`) to contents.
 */
export async function writeFolderAtomic(
  dest: string,
  files: ReadonlyMap<string, FileBody>,
  options: FolderWriteOptions = {},
): Promise<Written> {
  for (const path of files.keys()) checkRelative(path);
  const names = [...files.keys()];
  await checkFolderDestination(dest, names, options);
  const tmp = await makeTempFolder(dest);
  let bytes: number;
  try {
    bytes = await writeFilesInto(tmp, files);
    if (options.marker) {
      const marker = new TextEncoder().encode(`${JSON.stringify({ writtenBy: 'mlf', files: names })}\n`);
      await writeFilesInto(tmp, new Map([[OUTPUT_MARKER, marker]]));
    }
    await commitTempFolder(tmp, dest, names, options);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw fsError(e, dest, 'write');
  }
  return { path: dest, bytes, files: files.size };
}
