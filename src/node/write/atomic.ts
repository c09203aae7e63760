import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { type FileHandle, lstat, mkdir, open, readdir, readFile, realpath, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { detectContainer } from '../../core/compression/compression.js';
import { MlfError } from '../../core/errors/errors.js';
import { errnoOf, fsCall, fsError } from '../fs-error.js';

/**
 * The one way mlf writes to a path a user named (files and folders): into a temporary sibling,
 * fsynced, then renamed over the destination, so it is either complete or untouched. What may be
 * replaced is decided here, once: `--force` replaces only a destination of the kind we write (a
 * regular file that looks like what we write, or a folder that holds nothing but files we write
 * or wrote before), never a symbolic link, `/`, the current folder or one above it, the home
 * folder or one above it, an input or a folder holding one. Missing parent folders are refused
 * (with a hint to create them), never created. File-system errors become MLF-E904 with a hint.
 */

/** The marker a folder writer leaves in its output, listing what it wrote (so --force may replace it later). */
export const OUTPUT_MARKER = '.mlf-output.json';

/** Options of every write to a user-named destination. */
export interface WriteOptions {
  /** Replace an existing destination of the same kind (see the module comment). @default false */
  force?: boolean;
  /** Permission bits of a new file, e.g. 0o600 for a private key. @default 0o644 */
  mode?: number;
  /** Paths the write reads: never replaced, nor any folder that holds one. */
  inputs?: readonly string[];
  /**
   * What an existing file must look like to be replaced with `force` (its first 512 bytes);
   * `archive` accepts tar, gzip and zstd files. An empty file is always replaceable.
   * @default any regular file
   */
  accepts?: 'archive' | ((head: Uint8Array) => boolean);
  /** Says what `accepts` wants, for the refusal message, e.g. `a .params file`. */
  kindName?: string;
}

/** What a write put on disk. */
export interface Written {
  path: string;
  bytes: number;
  /** SHA-256 of the file's bytes (hex); absent for folders. */
  sha256?: string;
  /** Files written, for folders. */
  files?: number;
}

const refuse = (message: string, hint: string) => new MlfError('MLF-E904', message, {}, hint);

/** The path with symbolic links of its existing part resolved, for comparing paths. */
async function canonical(path: string): Promise<string> {
  const abs = resolve(path);
  try {
    return await realpath(abs);
  } catch {
    const parent = dirname(abs);
    return parent === abs ? abs : join(await canonical(parent), basename(abs));
  }
}

const within = (inner: string, outer: string) =>
  inner === outer || inner.startsWith(outer.endsWith(sep) ? outer : outer + sep);

/** Refuses destinations no write may replace, whatever the flags. */
async function refuseProtected(dest: string, inputs: readonly string[]): Promise<void> {
  const target = await canonical(dest);
  const home = await canonical(homedir());
  const cwd = await canonical(process.cwd());
  const why =
    dirname(target) === target
      ? 'the filesystem root'
      : within(cwd, target)
        ? cwd === target
          ? 'the current folder'
          : 'a folder that holds the current folder'
        : within(home, target)
          ? 'your home folder or one above it'
          : undefined;
  if (why !== undefined)
    throw refuse(
      `refusing to write over ${dest}: it is ${why}`,
      'Give a new path for the output, e.g. a fresh folder.',
    );
  for (const input of inputs) {
    if (input === '-') continue;
    const source = await canonical(input);
    if (within(source, target))
      throw refuse(
        `refusing to write over ${dest}: it ${source === target ? 'is' : 'holds'} the input ${input}`,
        'Write the output to another path; the input is never replaced.',
      );
  }
}

/** The first 512 bytes of a file. */
async function head(path: string): Promise<Uint8Array> {
  const h = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const buf = new Uint8Array(512);
    const { bytesRead } = await h.read(buf, 0, 512, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await h.close();
  }
}

/**
 * Checks that a file may be written at `dest`: its folder exists, and anything there may be
 * replaced under `options`. Returns whether something is there.
 * @throws MlfError E904 with a message and hint saying why not.
 */
export async function checkFileDestination(dest: string, options: WriteOptions = {}): Promise<boolean> {
  const st = await existing(dest);
  if (st === null) return false;
  if (st.isSymbolicLink())
    throw refuse(
      `${dest} is a symbolic link; mlf never writes through or replaces one`,
      'Give the real path, or remove the link first.',
    );
  await refuseProtected(dest, options.inputs ?? []);
  if (!options.force) throw refuse(`${dest} already exists`, `Use --force to replace it, or choose another path.`);
  if (!st.isFile())
    throw refuse(
      `refusing to replace ${dest}: it is ${st.isDirectory() ? 'a folder' : 'not a regular file'}, and --force replaces only a file`,
      'Give a file path, or remove it yourself if it should go.',
    );
  if (st.size > 0 && options.accepts !== undefined) {
    const bytes = await fsCall(dest, 'read', () => head(dest));
    const ok = options.accepts === 'archive' ? detectContainer(bytes) !== 'unknown' : options.accepts(bytes);
    if (!ok) {
      const kind = options.kindName ?? (options.accepts === 'archive' ? 'a tar, gzip or zstd archive' : 'such a file');
      throw refuse(
        `refusing to replace ${dest}: it is not ${kind}, so mlf did not write it`,
        'Give another path, or remove the file yourself if it should go.',
      );
    }
  }
  return true;
}

/** lstat of a destination, null when missing; a missing or non-folder parent is refused here. */
async function existing(dest: string): Promise<Awaited<ReturnType<typeof lstat>> | null> {
  try {
    return await lstat(dest);
  } catch (e) {
    if (errnoOf(e) !== 'ENOENT') throw fsError(e, dest, 'write');
  }
  // The parent must be a folder already (a link to one is fine): missing parents are not created.
  const pst = await stat(dirname(resolve(dest))).catch((e: unknown) => {
    throw fsError(e, dest, 'write');
  });
  if (!pst.isDirectory()) throw fsError(Object.assign(new Error(), { code: 'ENOTDIR' }), dest, 'write');
  return null;
}

/** A fresh name beside `dest` for a temporary file or folder. */
export function tempSibling(dest: string, tag = 'tmp'): string {
  return join(dirname(resolve(dest)), `.${basename(dest)}.${process.pid}.${randomBytes(4).toString('hex')}.${tag}`);
}

/** fsyncs a folder so a rename in it survives a crash (best effort: some file systems refuse). */
async function syncFolder(dir: string): Promise<void> {
  let h: FileHandle | undefined;
  try {
    h = await open(dir, constants.O_RDONLY);
    await h.sync();
  } catch {
    // not supported here (e.g. some network file systems): the rename itself is still atomic
  } finally {
    await h?.close().catch(() => undefined);
  }
}

/** A temporary file opened beside `dest` (O_EXCL) for a writer that streams into it. */
export interface TempFile {
  path: string;
  handle: FileHandle;
}

/** Opens a new temporary sibling of `dest` for writing (after {@link checkFileDestination}). */
export async function openTempFile(dest: string, mode = 0o644): Promise<TempFile> {
  const path = tempSibling(dest);
  const handle = await fsCall(dest, 'write', () => open(path, 'wx', mode));
  return { path, handle };
}

/**
 * Syncs and closes a temporary file and renames it over `dest`, after checking `dest` again (it
 * may have appeared while we wrote). The temporary file is removed on any failure.
 */
export async function commitTempFile(tmp: TempFile, dest: string, options: WriteOptions = {}): Promise<void> {
  try {
    await tmp.handle.sync();
    await tmp.handle.close();
    await checkFileDestination(dest, options);
    await fsCall(dest, 'write', () => rename(tmp.path, dest));
  } catch (e) {
    await discardTempFile(tmp);
    throw e;
  }
  await syncFolder(dirname(resolve(dest)));
}

/** Closes and removes a temporary file (after a failed write). */
export async function discardTempFile(tmp: TempFile): Promise<void> {
  await tmp.handle.close().catch(() => undefined);
  await rm(tmp.path, { force: true });
}

/** Writes a file through a temporary sibling, fsync and a rename: never a half-written destination. */
export async function writeFileAtomic(
  dest: string,
  data: Uint8Array | string,
  options: WriteOptions = {},
): Promise<Written> {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  await checkFileDestination(dest, options);
  const tmp = await openTempFile(dest, options.mode ?? 0o644);
  try {
    for (let done = 0; done < bytes.byteLength;)
      done += (await tmp.handle.write(bytes, done, bytes.byteLength - done)).bytesWritten;
  } catch (e) {
    await discardTempFile(tmp);
    throw fsError(e, dest, 'write');
  }
  await commitTempFile(tmp, dest, options);
  return { path: dest, bytes: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** Options of folder writes. */
export interface FolderWriteOptions extends WriteOptions {
  /** Leave {@link OUTPUT_MARKER} listing the files, so a later --force may replace the folder. @default false */
  marker?: boolean;
}

/** Most entries looked at in an existing folder before it counts as foreign. */
const MAX_SCAN = 100_000;

/** Relative paths of every non-folder entry under `root` (or why it cannot be replaced). */
async function listFolder(root: string): Promise<string[] | string> {
  const out: string[] = [];
  const walk = async (dir: string, rel: string): Promise<string | undefined> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (out.length >= MAX_SCAN) return `it holds more than ${MAX_SCAN} files`;
      if (entry.isDirectory()) {
        const why = await walk(join(dir, entry.name), path);
        if (why !== undefined) return why;
      } else if (entry.isFile()) out.push(path);
      else return `it holds ${path}, which is not a regular file`;
    }
    return undefined;
  };
  const why = await walk(root, '');
  return why ?? out;
}

/** Files a marker says an earlier write left (empty when there is none or it is not ours). */
async function markerFiles(root: string): Promise<Set<string>> {
  try {
    const raw = JSON.parse(await readFile(join(root, OUTPUT_MARKER), 'utf8')) as unknown;
    const files = (raw as { writtenBy?: unknown; files?: unknown }).files;
    if ((raw as { writtenBy?: unknown }).writtenBy !== 'mlf' || !Array.isArray(files)) return new Set();
    return new Set(files.filter((f): f is string => typeof f === 'string'));
  } catch {
    return new Set();
  }
}

/**
 * Checks that a folder may be written at `dest` holding `files` (relative paths). With `force`
 * an existing folder is replaced only when every file in it is one this write puts there or one
 * an earlier mlf write listed in its marker. Returns whether a folder is there.
 * @throws MlfError E904 with a message and hint saying why not.
 */
export async function checkFolderDestination(
  dest: string,
  files: Iterable<string>,
  options: WriteOptions = {},
): Promise<boolean> {
  const st = await existing(dest);
  if (st === null) return false;
  if (st.isSymbolicLink())
    throw refuse(
      `${dest} is a symbolic link; mlf never writes through or replaces one`,
      'Give the real path, or remove the link first.',
    );
  await refuseProtected(dest, options.inputs ?? []);
  if (!options.force) throw refuse(`${dest} already exists`, 'Use --force to replace it, or choose another path.');
  if (!st.isDirectory())
    throw refuse(
      `refusing to replace ${dest}: it is ${st.isFile() ? 'a file' : 'not a folder'}, and --force replaces only a folder`,
      'Give a folder path, or remove it yourself if it should go.',
    );
  const present = await fsCall(dest, 'read', () => listFolder(dest));
  const ours = new Set([...files, ...(await markerFiles(dest)), OUTPUT_MARKER]);
  const foreign = typeof present === 'string' ? present : present.find((p) => !ours.has(p));
  if (foreign !== undefined)
    throw refuse(
      `refusing to replace ${dest}: ${typeof present === 'string' ? foreign : `it holds ${foreign}, which mlf did not write`}`,
      '--force replaces only a folder holding nothing but what mlf writes there; give a new folder, or empty it yourself.',
    );
  return true;
}

/** A safe relative path: `a/b/c`, no empty, `.` or `..` segment, no backslash. */
function checkRelative(path: string): void {
  if (path.split('/').some((s) => s === '' || s === '.' || s === '..') || path.includes('\\') || path.includes('\0'))
    throw new MlfError('MLF-E904', `refusing to write the file name ${JSON.stringify(path)}`);
}

/** Creates a new temporary folder beside `dest` (mode 0755). */
export async function makeTempFolder(dest: string): Promise<string> {
  const tmp = tempSibling(dest);
  await fsCall(dest, 'write', () => mkdir(tmp, { mode: 0o755 }));
  return tmp;
}

/**
 * Moves a complete temporary folder to `dest`: checks `dest` again, moves an existing folder
 * aside (restored if the rename fails), renames, then deletes the old one.
 */
export async function commitTempFolder(
  tmp: string,
  dest: string,
  files: Iterable<string>,
  options: WriteOptions = {},
): Promise<void> {
  const replace = await checkFolderDestination(dest, files, options);
  const aside = replace ? tempSibling(dest, 'old') : undefined;
  if (aside !== undefined) await fsCall(dest, 'write', () => rename(dest, aside));
  try {
    await fsCall(dest, 'write', () => rename(tmp, dest));
  } catch (e) {
    if (aside !== undefined) await rename(aside, dest);
    throw e;
  }
  if (aside !== undefined) await rm(aside, { recursive: true, force: true });
  await syncFolder(dirname(resolve(dest)));
}

/** Writes one new file (O_EXCL) with its bytes, fsynced. */
/** A file's content: bytes, or chunks made on demand (a generated file may run to 100s of MB). */
export type FileBody = Uint8Array | ChunkedFile;

/** A file written chunk by chunk; `chunks()` starts over each time. */
export interface ChunkedFile {
  /**
   * The file's bytes in order, from the start each time it is called; async when they are read
   * from elsewhere (params copied from an archive). Each chunk is written before the next is pulled.
   */
  chunks(): Iterable<Uint8Array> | AsyncIterable<Uint8Array>;
}

async function writeNewFile(path: string, data: FileBody, mode: number): Promise<number> {
  const h = await open(path, 'wx', mode);
  let bytes = 0;
  try {
    for await (const chunk of data instanceof Uint8Array ? [data] : data.chunks())
      for (let done = 0; done < chunk.byteLength;) {
        const n = (await h.write(chunk, done, chunk.byteLength - done)).bytesWritten;
        done += n;
        bytes += n;
      }
    await h.sync();
  } finally {
    await h.close();
  }
  return bytes;
}

/**
 * Writes nested files (`a/b/c` paths) into `dir`, which exists: folders are created as needed,
 * files are new (O_EXCL), fsynced, mode 0644. Returns the bytes written.
 */
export async function writeFilesInto(dir: string, files: ReadonlyMap<string, FileBody>): Promise<number> {
  let bytes = 0;
  for (const [path, data] of files) {
    checkRelative(path);
    const abs = join(dir, ...path.split('/'));
    bytes += await fsCall(abs, 'write', async () => {
      await mkdir(dirname(abs), { recursive: true, mode: 0o755 });
      return writeNewFile(abs, data, 0o644);
    });
  }
  return bytes;
}

/**
 * Writes a folder of files all or nothing: into a temporary sibling folder, then one rename.
 * `files` maps relative paths (`a/b/c`) to contents.
 */
export async function writeFolderAtomic(
  dest: string,
  files: ReadonlyMap<string, FileBody>,
  options: FolderWriteOptions = {},
): Promise<Written> {
  for (const path of files.keys()) checkRelative(path);
  const names = [...files.keys()];
  await checkFolderDestination(dest, names, options);
  const tmp = await makeTempFolder(dest);
  let bytes: number;
  try {
    bytes = await writeFilesInto(tmp, files);
    if (options.marker) {
      const marker = new TextEncoder().encode(`${JSON.stringify({ writtenBy: 'mlf', files: names })}\n`);
      await writeFilesInto(tmp, new Map([[OUTPUT_MARKER, marker]]));
    }
    await commitTempFolder(tmp, dest, names, options);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw fsError(e, dest, 'write');
  }
  return { path: dest, bytes, files: files.size };
}
