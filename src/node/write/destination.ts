import { constants } from 'node:fs';
import { lstat, open, readdir, readFile, realpath, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { detectContainer } from '../../core/compression/compression.js';
import { MlfError } from '../../core/errors/errors.js';
import { errnoOf, fsCall, fsError } from '../fs-error.js';

/**
 * What a write to a path a user named may replace, decided here once (the writing itself, temp
 * sibling, fsync and rename, is `./atomic.ts`). `--force` replaces only a destination of the kind
 * we write (a regular file that looks like what we write, or a folder that holds nothing but files
 * we write or wrote before), never a symbolic link, `/`, the current folder or one above it, the
 * home folder or one above it, an input or a folder holding one. Missing parent folders are
 * refused (with a hint to create them), never created. File-system errors become MLF-E904 with a hint.
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

/**
 * The checks every existing destination goes through, whatever its kind: not a symbolic link, not
 * protected, and `force` given.
 */
async function refuseExisting(
  dest: string,
  st: Awaited<ReturnType<typeof lstat>>,
  options: WriteOptions,
): Promise<void> {
  if (st.isSymbolicLink())
    throw refuse(
      `${dest} is a symbolic link; mlf never writes through or replaces one`,
      'Give the real path, or remove the link first.',
    );
  await refuseProtected(dest, options.inputs ?? []);
  if (!options.force) throw refuse(`${dest} already exists`, 'Use --force to replace it, or choose another path.');
}

/**
 * Checks that a file may be written at `dest`: its folder exists, and anything there may be
 * replaced under `options`. Returns whether something is there.
 * @throws MlfError E904 with a message and hint saying why not.
 */
export async function checkFileDestination(dest: string, options: WriteOptions = {}): Promise<boolean> {
  const st = await existing(dest);
  if (st === null) return false;
  await refuseExisting(dest, st, options);
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
  await refuseExisting(dest, st, options);
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
