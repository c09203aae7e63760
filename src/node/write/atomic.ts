import { randomBytes } from 'node:crypto';
import { lstat, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { MlfError } from '../../core/errors/errors.js';

/** Options for atomic writes. */
export interface WriteOptions {
  /** Replace an existing destination. @default false */
  force?: boolean;
  /** Permission bits of a new file (`writeFileAtomic`), e.g. 0o600 for a private key. @default 0o644 */
  mode?: number;
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false; // ENOENT: nothing there, which is what the caller wants to know
  }
}

function tempName(dest: string): string {
  return join(dirname(dest), `.${basename(dest)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

async function refuseExisting(dest: string, force: boolean): Promise<void> {
  if (!force && (await exists(dest))) {
    throw new MlfError('MLF-E904', `${dest} already exists; use --force to replace it`);
  }
}

/** Writes a file through a temporary sibling and a rename: never a half-written destination. */
export async function writeFileAtomic(
  dest: string,
  data: Uint8Array | string,
  options: WriteOptions = {},
): Promise<void> {
  await refuseExisting(dest, options.force ?? false);
  const tmp = tempName(dest);
  try {
    await writeFile(tmp, data, { flag: 'wx', mode: options.mode ?? 0o644 });
    await rename(tmp, dest);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e instanceof MlfError
      ? e
      : new MlfError('MLF-E904', `cannot write ${dest}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

/**
 * Writes a folder of files all or nothing: into a temporary sibling folder, then one rename.
 * `files` maps relative names (one segment each) to contents.
 */
export async function writeFolderAtomic(
  dest: string,
  files: Map<string, Uint8Array>,
  options: WriteOptions = {},
): Promise<void> {
  await refuseExisting(dest, options.force ?? false);
  const tmp = tempName(dest);
  try {
    await mkdir(tmp, { recursive: false, mode: 0o755 });
    for (const [name, data] of files) {
      if (name.includes('/') || name.includes('\\') || name === '..' || name === '.')
        throw new MlfError('MLF-E904', `refusing to write file name ${JSON.stringify(name)}`);
      await writeFile(join(tmp, name), data, { flag: 'wx', mode: 0o644 });
    }
    if (options.force) await rm(dest, { recursive: true, force: true });
    await rename(tmp, dest);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e instanceof MlfError
      ? e
      : new MlfError('MLF-E904', `cannot write ${dest}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}
