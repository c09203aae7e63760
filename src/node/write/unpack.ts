import { chmod, lstat, mkdir, open, rm } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import type { ArchiveContents, ArchiveMember } from '../../core/archive/archive.js';
import { MlfError } from '../../core/errors/errors.js';
import { type Limits, memberBudget, resolveLimits } from '../../core/common/limits.js';
import { memberChunks } from '../read/member-chunks.js';
import { openArchivePath } from '../read/open.js';
import { fsError } from '../fs-error.js';
import { commitTempFolder, makeTempFolder } from './atomic.js';
import { checkFolderDestination } from './destination.js';

/**
 * Safe extraction. All refusals of the archive itself (links, devices, unsafe, duplicate or
 * case-colliding names, limits, bombs) happen while indexing, and names no file system holds are
 * refused right after, all before a byte is written. Files then go into a fresh temporary
 * sibling of the destination, which is renamed into place only when complete, so a failed unpack
 * leaves nothing behind. Nothing from the archive is applied
 * except names and contents: modes are fixed, owners and mtimes are not set.
 */

/** Options of `unpackArchive`. */
export interface UnpackOptions {
  /**
   * Replace an existing folder that holds only files this archive (or an earlier mlf write) puts
   * there; never a file, a symbolic link, or a folder with anything else (see `./destination.ts`).
   * @default false
   */
  force?: boolean;
  limits?: Partial<Limits>;
  /** Sees bytes written so far and the total (for a progress bar). */
  onProgress?: (bytes: number, total: number) => void;
}

/** What `unpackArchive` wrote. */
export interface UnpackResult {
  files: number;
  bytes: number;
}

const FILE_MODE = 0o644;
const DIR_MODE = 0o755;

/**
 * Extracts the regular files of a `.tar`, `.tar.gz`/`.tgz` or `.tar.zst` archive into
 * `destination`, which must not exist (or, with `force`, is replaced under the rules of
 * `./destination.ts`: missing parent folders are refused, not created). Directory entries are
 * implied by the files (empty directories are not recreated).
 * @throws MlfError E901 when `input` is a folder, E902 when unreadable, E904 for a destination
 *   that exists (without `force`), is a symbolic link, or cannot be written; any reader code
 *   (E001-E010) for a bad archive.
 */
export async function unpackArchive(
  input: string,
  destination: string,
  options: UnpackOptions = {},
): Promise<UnpackResult> {
  const rules = { force: options.force ?? false, inputs: [input] };
  if ((await lstatOrNull(input))?.isDirectory()) {
    throw new MlfError('MLF-E901', `${input} is a folder, i.e. already extracted; unpack takes an archive file`);
  }
  const contents = await openArchivePath(input, options.limits === undefined ? {} : { limits: options.limits });
  let tempRoot: string | undefined;
  try {
    const paths = [...contents.members.keys()];
    await checkFolderDestination(destination, paths, rules);
    for (const path of paths) {
      const why = unsafeUnpackNameReason(path, process.platform === 'win32');
      if (why !== undefined) throw new MlfError('MLF-E005', `unpack: ${JSON.stringify(path)} ${why}`, { member: path });
    }
    tempRoot = await makeTempFolder(destination);
    const result = await writeMembers(contents, tempRoot, resolveLimits(options.limits), options.onProgress);
    await commitTempFolder(tempRoot, destination, paths, rules);
    tempRoot = undefined;
    return result;
  } catch (e) {
    throw fsError(e, destination, 'write');
  } finally {
    await contents.close?.();
    if (tempRoot !== undefined) await rm(tempRoot, { recursive: true, force: true });
  }
}

const WINDOWS_DEVICE = /^(con|prn|aux|nul|conin\$|conout\$|com[0-9¹²³]|lpt[0-9¹²³])(\.|$)/i;

/**
 * Why a member name (already refused by the reader if unsafe anywhere) cannot be written here,
 * checked before anything is created: a segment over NAME_MAX (255 bytes) fails on every common
 * file system; on Windows device names (CON, NUL, COM1…), `:` (alternate data streams),
 * `<>"|?*`, control characters and trailing dots or spaces change what is opened.
 */
export function unsafeUnpackNameReason(path: string, windows: boolean): string | undefined {
  for (const segment of path.split('/')) {
    if (Buffer.byteLength(segment) > 255) return 'has a name segment over 255 bytes, which no common file system holds';
    if (!windows) continue;
    if (WINDOWS_DEVICE.test(segment)) return `uses the Windows device name ${JSON.stringify(segment)}`;
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we refuse
    if (/[:<>"|?*\u0000-\u001f]/.test(segment)) return 'has a character Windows gives a meaning in names';
    if (/[. ]$/.test(segment)) return 'ends with a dot or space, which Windows drops';
  }
  return undefined;
}

/** Writes every member under `root`, counting entries and bytes against the limits as it goes. */
async function writeMembers(
  contents: ArchiveContents,
  root: string,
  limits: Limits,
  onProgress?: (bytes: number, total: number) => void,
): Promise<UnpackResult> {
  let total = 0;
  for (const m of contents.members.values()) total += m.size;
  const made = new Set<string>([root]);
  const budget = memberBudget(limits, 'unpack');
  let files = 0;
  let bytes = 0;
  for (const member of contents.members.values()) {
    const where = { member: member.path };
    budget.entry(where);
    budget.bytes(member.path, member.size);
    files += 1;
    bytes += member.size;
    const out = resolve(root, ...member.path.split('/'));
    // The reader already refused every unsafe name; this guards against a bug there.
    if (!out.startsWith(root + sep))
      throw new MlfError('MLF-E005', `unpack: ${member.path} would be written outside the destination`, where);
    await makeParents(root, dirname(out), made);
    const written = await writeNew(out, member);
    if (written !== member.size) {
      throw new MlfError('MLF-E002', `unpack: ${member.path} should have ${member.size} bytes, read ${written}`, where);
    }
    onProgress?.(bytes, total);
  }
  return { files, bytes };
}

/** Creates the missing folders from `root` down to `dir`, one level at a time (no `recursive`). */
async function makeParents(root: string, dir: string, made: Set<string>): Promise<void> {
  if (made.has(dir)) return;
  await makeParents(root, dirname(dir), made);
  try {
    await mkdir(dir, { mode: DIR_MODE });
  } catch (e) {
    // EEXIST cannot happen for a clean index (files and folders never share a name); never reuse.
    throw fsError(e, dir, 'write', 'unpack: folder');
  }
  await chmod(dir, DIR_MODE); // fixed mode whatever the umask
  made.add(dir);
}

/**
 * Creates `path` with 'wx' (O_CREAT | O_EXCL: fails on anything already there, including a
 * dangling symlink) and copies the member into it in chunks (`memberChunks`: memory stays at one
 * chunk when the member can be read in parts). Returns the bytes written.
 */
async function writeNew(path: string, member: ArchiveMember): Promise<number> {
  let handle;
  try {
    handle = await open(path, 'wx', FILE_MODE);
  } catch (e) {
    throw fsError(e, path, 'write', 'unpack: file');
  }
  try {
    let written = 0;
    for await (const chunk of memberChunks(member, member.size)) {
      for (let done = 0; done < chunk.byteLength;)
        done += (await handle.write(chunk, done, chunk.byteLength - done)).bytesWritten;
      written += chunk.byteLength;
    }
    await handle.chmod(FILE_MODE);
    return written;
  } finally {
    await handle.close();
  }
}

async function lstatOrNull(path: string): Promise<Awaited<ReturnType<typeof lstat>> | null> {
  try {
    return await lstat(path);
  } catch {
    return null; // missing; the real read or write reports anything else
  }
}
