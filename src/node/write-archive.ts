import { lstat } from 'node:fs/promises';
import { MlfError } from '../core/errors.js';
import { type Compression, compressionForPath, compressTar } from './compress.js';
import { writeFileAtomic } from './write.js';

/** Options of `writeArchiveFile`. */
export interface WriteArchiveOptions {
  /** Replace an existing destination. @default false */
  force?: boolean;
  /**
   * Compression; by default the one the extension implies (`.tar`, `.tar.gz`/`.tgz`,
   * `.tar.zst`/`.tzst`). Given explicitly it may name any file, but must not contradict a known
   * extension (a `.tgz` holding a plain tar would mislead every other tool).
   */
  compression?: Compression;
  /** Compression level (see `compressTar`). */
  level?: number;
}

/**
 * Compresses tar bytes and writes them atomically (temporary sibling, then rename), so the
 * destination is either the complete archive or untouched.
 * @throws MlfError E901 for an unknown extension or a contradicting `compression`, E904 when the
 *   destination exists (without `force`) or cannot be written.
 */
export async function writeArchiveFile(dest: string, tar: Uint8Array, options: WriteArchiveOptions = {}): Promise<void> {
  const kind = chooseCompression(dest, options.compression);
  // Refuse before compressing, which can take a while for large archives; writeFileAtomic re-checks.
  if (!options.force && (await pathExists(dest))) {
    throw new MlfError('MLF-E904', `${dest} already exists; use --force to replace it`);
  }
  const level = options.level === undefined ? {} : { level: options.level };
  await writeFileAtomic(dest, await compressTar(tar, kind, level), { force: options.force ?? false });
}

/**
 * The compression to write `dest` with: `explicit`, else the one its extension implies.
 * @throws MlfError E901 for an unknown extension or a contradicting `explicit`.
 */
export function chooseCompression(dest: string, explicit: Compression | undefined): Compression {
  if (explicit === undefined) return compressionForPath(dest);
  let implied: Compression | undefined;
  try {
    implied = compressionForPath(dest);
  } catch {
    implied = undefined; // an unknown extension is fine when the caller says what to write
  }
  if (implied !== undefined && implied !== explicit) {
    throw new MlfError('MLF-E901', `${dest}: the extension implies ${implied} compression, but ${explicit} was asked for`);
  }
  return explicit;
}

async function pathExists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false; // ENOENT (or unreadable parent): writeFileAtomic reports the real problem
  }
}
