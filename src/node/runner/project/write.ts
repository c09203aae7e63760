import { randomBytes } from 'node:crypto';
import { lstat, mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { MlfError } from '../../../core/errors/errors.js';
import { fileChunks, type ProjectFileData } from './plan-common.js';

/** Options of {@link writeTree}. */
export interface WriteTreeOptions {
  /** Replace an existing destination. @default false */
  force?: boolean;
}

/**
 * Writes nested files (relative `a/b/c` paths) all or nothing: into a temporary sibling folder,
 * then one rename. An existing destination is replaced only with `force`.
 * @throws MlfError E904 when the destination exists or cannot be written.
 */
export async function writeTree(
  dest: string,
  files: ReadonlyMap<string, ProjectFileData>,
  options: WriteTreeOptions = {},
): Promise<void> {
  const exists = await lstat(dest).then(
    () => true,
    () => false, // ENOENT: nothing there yet
  );
  if (exists && options.force !== true)
    throw new MlfError('MLF-E904', `${dest} already exists; use --force to replace it`);
  const tmp = join(dirname(dest), `.${basename(dest)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await mkdir(tmp);
    await writeFilesInto(tmp, files, { sync: true });
    if (exists) await rm(dest, { recursive: true, force: true });
    await rename(tmp, dest);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e instanceof MlfError
      ? e
      : new MlfError('MLF-E904', `cannot write ${dest}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

/**
 * Writes nested files into an existing folder (paths `a/b/c`; no `..`, no absolute paths), each
 * new (never over an existing file), chunked files chunk by chunk; `sync` flushes each to disk.
 */
export async function writeFilesInto(
  dir: string,
  files: ReadonlyMap<string, ProjectFileData>,
  options: { sync?: boolean } = {},
): Promise<void> {
  for (const [path, data] of files) {
    if (path.split('/').some((s) => s === '' || s === '.' || s === '..') || path.includes('\\')) {
      throw new MlfError('MLF-E904', `refusing to write file name ${JSON.stringify(path)}`);
    }
    await mkdir(dirname(join(dir, path)), { recursive: true, mode: 0o755 });
    const handle = await open(join(dir, path), 'wx', 0o644);
    try {
      for (const chunk of fileChunks(data)) await handle.writeFile(chunk); // writes it all, from the current position
      if (options.sync === true) await handle.sync();
    } finally {
      await handle.close();
    }
  }
}
