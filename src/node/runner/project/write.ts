import { randomBytes } from 'node:crypto';
import { lstat, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { MlfError } from '../../../core/errors/errors.js';

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
  files: ReadonlyMap<string, Uint8Array>,
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
    await writeFilesInto(tmp, files);
    if (exists) await rm(dest, { recursive: true, force: true });
    await rename(tmp, dest);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e instanceof MlfError
      ? e
      : new MlfError('MLF-E904', `cannot write ${dest}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

/** Writes nested files into an existing folder (paths `a/b/c`; no `..`, no absolute paths). */
export async function writeFilesInto(dir: string, files: ReadonlyMap<string, Uint8Array>): Promise<void> {
  for (const [path, data] of files) {
    if (path.split('/').some((s) => s === '' || s === '.' || s === '..') || path.includes('\\')) {
      throw new MlfError('MLF-E904', `refusing to write file name ${JSON.stringify(path)}`);
    }
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), data, { flag: 'wx', mode: 0o644 });
  }
}
