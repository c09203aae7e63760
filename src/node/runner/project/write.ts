import { type Written, writeFilesInto, writeFolderAtomic } from '../../write/atomic.js';
import type { WriteOptions } from '../../write/destination.js';
import type { ProjectFileData } from './plan-common.js';

/** Options of {@link writeTree}. */
export type WriteTreeOptions = WriteOptions;

/**
 * Writes a generated project (relative `a/b/c` paths) all or nothing, through the one safe-write
 * mechanism (`src/node/write/atomic.ts`), leaving its marker so `--force` may replace it later.
 * @throws MlfError E904 when the destination exists (without `force`), may not be replaced, or
 *   cannot be written.
 */
export async function writeTree(
  dest: string,
  files: ReadonlyMap<string, ProjectFileData>,
  options: WriteTreeOptions = {},
): Promise<Written> {
  return writeFolderAtomic(dest, files, { ...options, marker: true });
}

export { writeFilesInto };
