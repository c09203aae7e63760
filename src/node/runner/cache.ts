import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { MlfArchive } from '../../core/archive/archive.js';

/** The build cache: `$MLF_CACHE_DIR`, else `$XDG_CACHE_HOME/mlf`, else `~/.cache/mlf`. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MLF_CACHE_DIR) return env.MLF_CACHE_DIR;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'mlf');
  return join(homedir(), '.cache', 'mlf');
}

/**
 * SHA-256 of an archive: of the file's bytes, or for an extracted folder of its member paths and
 * contents in sorted order.
 */
export async function archiveDigest(path: string, archive: MlfArchive): Promise<string> {
  const hash = createHash('sha256');
  if (archive.contents.container !== 'folder') {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
    return hash.digest('hex');
  }
  for (const p of [...archive.contents.members.keys()].sort()) {
    const data = await archive.contents.members.get(p)?.read();
    hash.update(`${p}\0${data?.byteLength ?? 0}\0`);
    if (data !== undefined) hash.update(data);
  }
  return hash.digest('hex');
}

/** SHA-256 hex of strings and byte arrays, each length-prefixed. */
export function digestOf(parts: Iterable<string | Uint8Array>): string {
  const hash = createHash('sha256');
  for (const p of parts) {
    const b = typeof p === 'string' ? Buffer.from(p) : p;
    hash.update(`${b.byteLength}:`);
    hash.update(b);
  }
  return hash.digest('hex');
}

const STAMP = '.mlf-complete';

/**
 * A cache entry made once: when `dir` is complete it is reused, otherwise `make(tmp)` fills a
 * temporary sibling that is renamed into place only on success (a failed build leaves nothing).
 * @returns whether the entry was already there.
 */
export async function cachedEntry(dir: string, make: (tmp: string) => Promise<void>): Promise<{ cached: boolean }> {
  if (await exists(join(dir, STAMP))) return { cached: true };
  const tmp = `${dir}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await mkdir(tmp, { recursive: true });
  try {
    await make(tmp);
    await writeFile(join(tmp, STAMP), '');
    await rm(dir, { recursive: true, force: true }); // an incomplete leftover of a killed run
    await rename(tmp, dir);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    // Another process may have finished the same entry meanwhile; theirs is as good as ours.
    if (await exists(join(dir, STAMP))) return { cached: true };
    throw e;
  }
  return { cached: false };
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false, // ENOENT
  );
}
