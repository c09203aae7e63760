import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, lstat, mkdir, readdir, readFile, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ArchiveMember, MlfArchive } from '../../core/archive/archive.js';
import { sizeChanged } from '../../core/integrity/manifest.js';
import { memberChunks } from '../read/member-chunks.js';
import { MlfError } from '../../core/errors/errors.js';
import { fileChunks, type ProjectFileData } from './project/plan-common.js';

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
    const member = archive.contents.members.get(p) as ArchiveMember;
    hash.update(`${p}\0${member.size}\0`);
    let bytes = 0;
    for await (const chunk of memberChunks(member, member.size)) {
      hash.update(chunk);
      bytes += chunk.byteLength;
    }
    if (bytes !== member.size) throw sizeChanged(p, bytes, member.size);
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

/** SHA-256 hex of one file's content, read chunk by chunk. */
export async function contentDigest(data: ProjectFileData): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of fileChunks(data)) hash.update(chunk);
  return hash.digest('hex');
}

/** SHA-256 of a file set: each path with the digest of its content, in the map's order. */
export async function filesDigest(
  files: ReadonlyMap<string, ProjectFileData>,
  extra: readonly string[] = [],
): Promise<string> {
  const parts: string[] = [];
  for (const [p, d] of files) parts.push(p, await contentDigest(d));
  return digestOf([...parts, ...extra]);
}

const uid = () => (typeof process.getuid === 'function' ? process.getuid() : null);

/** E521 unless `path` is a folder or file of ours that nobody else may write. */
function checkPrivate(path: string, st: { uid: number; mode: number }, what: string): void {
  const me = uid();
  if (me === null) return; // Windows: no POSIX owners
  if (st.uid !== me)
    throw new MlfError(
      'MLF-E521',
      `${what} ${path} belongs to user ${st.uid}, not to you (${me}); programs built there could be anyone's`,
    );
  if ((st.mode & 0o022) !== 0)
    throw new MlfError(
      'MLF-E521',
      `${what} ${path} is writable by ${(st.mode & 0o020) !== 0 ? 'its group' : 'others'} (mode ${(st.mode & 0o777).toString(8)}); run chmod go-w on it`,
    );
}

/**
 * Opens the cache folder: creates it (mode 0700) when missing and returns its real path.
 * @throws MlfError E521 when it is not ours or others may write it, or when a folder above it
 * lets others replace it (writable by others without the sticky bit, or owned by another user).
 */
export async function openCacheRoot(root: string): Promise<string> {
  try {
    await mkdir(root, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new MlfError(
      'MLF-E904',
      `cannot create the cache folder ${root}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
    );
  }
  const real = await realpath(root);
  const st = await stat(real);
  if (!st.isDirectory()) throw new MlfError('MLF-E521', `cache folder ${real} is not a folder`);
  checkPrivate(real, st, 'cache folder');
  const me = uid();
  for (let d = dirname(real); me !== null; d = dirname(d)) {
    const up = await stat(d);
    const sticky = (up.mode & 0o1000) !== 0;
    if ((up.uid !== me && up.uid !== 0) || ((up.mode & 0o022) !== 0 && !sticky))
      throw new MlfError(
        'MLF-E521',
        `folder ${d} above the cache folder ${real} can be changed by other users (owner ${up.uid}, mode ${(up.mode & 0o7777).toString(8)}), so the cache could be swapped; use a private MLF_CACHE_DIR`,
      );
    if (d === dirname(d)) break;
  }
  return real;
}

const STAMP = '.mlf-complete';
const STAMP_FORMAT = 'mlf-cache-entry/1';

/**
 * Every file under `dir` (relative paths, sorted) with its SHA-256; E521 for links, others' or
 * writable entries. `own`: a fresh build of ours, whose group/other write bits (a umask of 002)
 * are cleared instead.
 */
async function recordTree(dir: string, own = false): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (rel: string): Promise<void> => {
    const abs = rel === '' ? dir : join(dir, rel);
    for (const name of (await readdir(abs)).sort()) {
      const path = rel === '' ? name : `${rel}/${name}`;
      const st = await lstat(join(dir, path));
      if (own && !st.isSymbolicLink() && (st.mode & 0o022) !== 0) await chmod(join(dir, path), st.mode & 0o7755);
      else checkPrivate(join(dir, path), st, 'cache file');
      if (st.isDirectory()) await walk(path);
      else if (st.isFile()) {
        if (path === STAMP) continue;
        const hash = createHash('sha256');
        for await (const chunk of createReadStream(join(dir, path))) hash.update(chunk as Buffer);
        out.set(path, hash.digest('hex'));
      } else throw new MlfError('MLF-E521', `cache entry ${dir} holds ${path}, which is not a regular file or folder`);
    }
  };
  await walk('');
  return out;
}

/** Why the entry at `dir` is not the one we would build, or null when it is. */
async function entryMismatch(dir: string, expect: ReadonlyMap<string, string>): Promise<string | null> {
  let stamp: { format?: unknown; files?: unknown };
  try {
    stamp = JSON.parse(await readFile(join(dir, STAMP), 'utf8')) as typeof stamp;
  } catch {
    return 'its record is missing or unreadable';
  }
  if (stamp.format !== STAMP_FORMAT || typeof stamp.files !== 'object' || stamp.files === null)
    return 'its record is not in the current format';
  const recorded = new Map(Object.entries(stamp.files as Record<string, unknown>));
  for (const [p, digest] of expect) if (recorded.get(p) !== digest) return `${p} is not the file we would build from`;
  const actual = await recordTree(dir);
  for (const [p, digest] of actual) if (recorded.get(p) !== digest) return `${p} changed after it was built`;
  for (const p of recorded.keys()) if (!actual.has(p)) return `${p} is missing`;
  return null;
}

/** Options of {@link cachedEntry}. */
export interface CachedEntryOptions {
  /** Files the entry must hold with these SHA-256 digests (what we would build from). */
  expect?: ReadonlyMap<string, string>;
}

/**
 * A cache entry made once and checked each time it is used. `make(tmp)` fills a temporary
 * sibling that is renamed into place only on success (a failed build leaves nothing), with a
 * record of every file's SHA-256. Reuse needs that record to match the files (and `expect`), and
 * every file and folder to be ours and not writable by others; an entry that does not match is
 * rebuilt. `root` must come from {@link openCacheRoot}.
 * @returns whether the entry was reused, and why an existing one was replaced.
 * @throws MlfError E521 when the entry or a folder on the way is not ours or writable by others.
 */
export async function cachedEntry(
  root: string,
  rel: string,
  make: (tmp: string) => Promise<void>,
  options: CachedEntryOptions = {},
): Promise<{ dir: string; cached: boolean; replaced: string | null }> {
  const dir = join(root, rel);
  for (let d = dirname(dir); d.length > root.length; d = dirname(d)) {
    await mkdir(d, { recursive: true, mode: 0o700 });
    checkPrivate(d, await lstat(d), 'cache folder');
  }
  const expect = options.expect ?? new Map<string, string>();
  let replaced: string | null = null;
  if (await exists(dir)) {
    checkPrivate(dir, await lstat(dir), 'cache entry');
    replaced = await entryMismatch(dir, expect);
    if (replaced === null) return { dir, cached: true, replaced: null };
  }
  const tmp = `${dir}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await mkdir(tmp, { mode: 0o700 });
  try {
    await make(tmp);
    const files = Object.fromEntries(await recordTree(tmp, true));
    await writeFile(join(tmp, STAMP), `${JSON.stringify({ format: STAMP_FORMAT, files })}\n`, { mode: 0o644 });
    await rm(dir, { recursive: true, force: true }); // an incomplete or mismatched leftover
    await rename(tmp, dir);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    // Another process may have finished the same entry meanwhile; theirs is as good as ours.
    if ((await exists(join(dir, STAMP))) && (await entryMismatch(dir, expect)) === null)
      return { dir, cached: true, replaced: null };
    throw e;
  }
  return { dir, cached: false, replaced };
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false, // ENOENT
  );
}
