import { constants } from 'node:fs';
import { type FileHandle, lstat, open, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type ArchiveContents,
  type ArchiveMember,
  openArchive,
  openTar,
  type ReadOptions,
  readMlf,
  type MlfArchive,
} from '../../core/archive/archive.js';
import { detectContainer } from '../../core/compression/compression.js';
import { MlfError } from '../../core/errors/errors.js';
import { memberBudget, resolveLimits } from '../../core/common/limits.js';
import { inflateToSource } from './inflate.js';
import { readHandleInto, readHandleRange } from './read-buffer.js';
import { type ClosableSource, fileSource } from './source.js';
import { fsError } from '../fs-error.js';

/** Options of `openArchivePath`. */
export interface OpenPathOptions extends ReadOptions {
  /** A .tgz/.tar.zst decompressing to more than this many bytes goes to a temporary file (default 32 MiB). */
  spillBytes?: number;
  /** Folder for that temporary file (default `os.tmpdir()`). */
  tempDir?: string;
}

/**
 * Opens an archive file (`.tar`, `.tar.gz`/`.tgz`, `.tar.zst`) or an already extracted MLF
 * folder. Files are read lazily until `close()`. A compressed archive is decompressed as a stream
 * into memory while small and into an unlinked temporary file past `spillBytes`, so memory stays
 * bounded and the tar is read like an uncompressed one.
 */
export async function openArchivePath(path: string, options: OpenPathOptions = {}): Promise<ArchiveContents> {
  let st: Awaited<ReturnType<typeof lstat>>;
  try {
    st = await lstat(path);
  } catch (e) {
    throw fsError(e, path, 'read');
  }
  if (st.isDirectory()) return openFolder(path, options);
  if (!st.isFile()) throw new MlfError('MLF-E902', `${path} is neither a file nor a folder`);
  const file = await fileSource(path);
  let source: ClosableSource = file;
  try {
    const kind = detectContainer(await file.read(0, Math.min(file.byteLength, 512)));
    if (kind !== 'gzip' && kind !== 'zstd') return { ...(await openArchive(file, options)), close: file.close };
    source = await inflateToSource(file, kind, options);
    await file.close();
    return { ...(await openTar(source, { ...options, container: kind })), close: source.close };
  } catch (e) {
    await file.close().catch(() => undefined); // may be closed already
    if (source !== file) await source.close();
    throw e;
  }
}

/** Reads an MLF archive or folder from disk into the archive model; close it with `archive.contents.close`. */
export async function readMlfPath(path: string, options: ReadOptions = {}): Promise<MlfArchive> {
  const contents = await openArchivePath(path, options);
  try {
    return await readMlf(contents, options);
  } catch (e) {
    await contents.close?.();
    throw e;
  }
}

/** Opens an archive, runs `fn` on it and closes it, whatever happens. */
export async function withMlfPath<T>(
  path: string,
  fn: (archive: MlfArchive) => Promise<T>,
  options: ReadOptions = {},
): Promise<T> {
  const archive = await readMlfPath(path, options);
  try {
    return await fn(archive);
  } finally {
    await archive.contents.close?.();
  }
}

/**
 * Walks an extracted folder with the limits a tar gets (entries, member and total bytes, depth).
 * Symlinks are refused: an archive never contains them; files are opened with O_NOFOLLOW, so one
 * swapped in after the walk is refused too.
 */
async function openFolder(root: string, options: ReadOptions): Promise<ArchiveContents> {
  const limits = resolveLimits(options.limits);
  const members = new Map<string, ArchiveMember>();
  const budget = memberBudget(limits, 'folder');
  const walk = async (dir: string, rel: string, depth: number): Promise<void> => {
    if (depth > limits.maxPathDepth)
      throw new MlfError('MLF-E009', `folder: ${rel} is nested deeper than ${limits.maxPathDepth}`);
    const names = (await fsCall(rel, () => readdir(dir))).sort();
    for (const name of names) {
      const abs = join(dir, name);
      const path = rel === '' ? name : `${rel}/${name}`;
      const st = await fsCall(path, () => lstat(abs));
      budget.entry({ member: path });
      if (st.isSymbolicLink())
        throw new MlfError('MLF-E004', `folder: ${path} is a symbolic link; MLF folders hold only files and folders`, {
          member: path,
        });
      if (st.isDirectory()) await walk(abs, path, depth + 1);
      else if (st.isFile()) {
        budget.bytes(path, st.size);
        members.set(path, {
          path,
          size: st.size,
          read: () => fsCall(path, async () => new Uint8Array(await readFile(abs, { flag: NOFOLLOW }))),
          readRange: (o, n) => fsCall(path, () => withFile(abs, (h) => readHandleRange(h, o, n))),
          readInto: (t, o) => fsCall(path, () => withFile(abs, (h) => readHandleInto(h, t, o))),
        });
      } else throw new MlfError('MLF-E004', `folder: ${path} is not a regular file`, { member: path });
    }
  };
  await walk(root, '', 0);
  return { container: 'folder', members, diagnostics: [] };
}

const NOFOLLOW = constants.O_RDONLY | constants.O_NOFOLLOW;

/** Runs `f` on a file opened with O_NOFOLLOW, then closes it. */
async function withFile<T>(abs: string, f: (handle: FileHandle) => Promise<T>): Promise<T> {
  const handle = await open(abs, NOFOLLOW);
  try {
    return await f(handle);
  } finally {
    await handle.close();
  }
}

/** File-system errors as MLF-E902 (E009 for files over the 2 GiB readFile holds), never raw. */
async function fsCall<T>(path: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new MlfError(
      code === 'ERR_FS_FILE_TOO_LARGE' ? 'MLF-E009' : 'MLF-E902',
      `folder: cannot read ${path || '.'}: ${code}`,
      path === '' ? {} : { member: path },
    );
  }
}
