import { concatBytes } from '../../core/common/bytes.js';
import { MlfError } from '../../core/errors/errors.js';
import { compressChunks, type Compression } from './compress-stream.js';

export type { Compression } from './compress-stream.js';

/**
 * Reproducible compression of tar bytes for writing archives. The same input, kind, level and
 * runtime always give the same bytes: gzip carries no timestamp and a fixed OS byte, zstd carries
 * no timestamp at all. zstd output differs between runtimes: Node >= 22.15 uses zlib's streaming
 * codec (one frame, without a content size in its header), older Node the WASM build (one frame
 * per 8 MiB of tar); both decode to the same tar. The in-memory and streaming writers of one
 * runtime always agree, byte for byte.
 */

/** Options of `compressTar`. */
export interface CompressOptions {
  /** gzip 0-9 (default 6), zstd 1-22 (default 3). */
  level?: number;
}

const SUFFIXES: [string, Compression][] = [
  ['.tar', 'none'],
  ['.tar.gz', 'gzip'],
  ['.tgz', 'gzip'],
  ['.tar.zst', 'zstd'],
  ['.tzst', 'zstd'],
];

/**
 * The compression an archive path implies from its extension (case-insensitive).
 * @throws MlfError E901 for any other extension.
 */
export function compressionForPath(path: string): Compression {
  const lower = path.toLowerCase();
  for (const [suffix, kind] of SUFFIXES) if (lower.endsWith(suffix)) return kind;
  throw new MlfError(
    'MLF-E901',
    `${path}: unknown archive extension; supported are ${SUFFIXES.map(([s]) => s).join(', ')}`,
  );
}

/**
 * Compresses an uncompressed tar, in memory. `none` returns the input itself. Same bytes as the
 * streaming writers (`compressChunks`): on Node < 22.15 zstd writes one frame per 8 MiB of tar,
 * compressed on worker threads when there are several.
 * @throws MlfError E901 for a level outside the codec's range.
 */
export async function compressTar(
  tar: Uint8Array,
  kind: Compression,
  options: CompressOptions = {},
): Promise<Uint8Array> {
  if (kind === 'none') return tar;
  const parts: Uint8Array[] = [];
  for await (const part of compressChunks([tar], kind, options)) parts.push(part);
  return concatBytes(parts);
}
