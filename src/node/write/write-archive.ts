import { MlfError } from '../../core/errors/errors.js';
import { type Compression, compressionForPath } from './compress.js';
import type { Written } from './atomic.js';
import { writeChunksAtomic } from './write-stream.js';

/** Options of `writeArchiveFile`. */
export interface WriteArchiveOptions {
  /** Replace an existing archive (see `./destination.ts` for what may be replaced). @default false */
  force?: boolean;
  /** Paths the write reads: never replaced. */
  inputs?: readonly string[];
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
 * destination is either the complete archive or untouched. The compressed copy is streamed to
 * disk, never held whole.
 * @throws MlfError E901 for an unknown extension, a contradicting `compression` or a bad level,
 *   E904 when the destination exists (without `force`) or cannot be written.
 */
export async function writeArchiveFile(
  dest: string,
  tar: Uint8Array,
  options: WriteArchiveOptions = {},
): Promise<Written> {
  const compression = chooseCompression(dest, options.compression);
  return writeChunksAtomic(dest, [tar], {
    force: options.force ?? false,
    inputs: options.inputs ?? [],
    accepts: 'archive',
    compression,
    level: options.level,
  });
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
    throw new MlfError(
      'MLF-E901',
      `${dest}: the extension implies ${implied} compression, but ${explicit} was asked for`,
    );
  }
  return explicit;
}
