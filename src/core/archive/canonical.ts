import { MlfError } from '../errors/errors.js';
import { isRecord, utf8Length } from '../common/json.js';
import { addToTree, createTree } from '../tar/path.js';
import { assembleTar, planTar, type PlanTarEntry, type TarPlan } from '../tar/write.js';

/**
 * Default mtime of canonical archives when SOURCE_DATE_EPOCH is not set: 1985-10-26 08:15:00 UTC,
 * the constant npm uses, because zip tools and some extractors dislike dates before 1980.
 */
export const CANONICAL_MTIME = 499162500;

/** Options for {@link packCanonical}. */
export interface CanonicalOptions {
  /** mtime of every entry in seconds. @default CANONICAL_MTIME */
  mtime?: number;
}

/** A file to plan: its path and byte length. */
export interface PlanFile {
  path: string;
  size: number;
}

/**
 * Plans a canonical, reproducible MLF tar without the data: `./` root entry, every directory
 * written explicitly, members in the order CPython's `tarfile.add` walks a folder (depth first,
 * names sorted within each folder — TVM's order), fixed mtime, uid/gid 0, modes 0755/0644, no
 * per-file PAX records. Each entry's header is followed by `size` bytes of the file `path`, then
 * `pad` zeros; the trailer ends the archive (see `planTar`).
 */
export function planCanonical(files: Iterable<PlanFile>, options: CanonicalOptions = {}): TarPlan {
  type Dir = { dirs: Map<string, Dir>; files: Map<string, PlanFile> };
  const root: Dir = { dirs: new Map(), files: new Map() };
  for (const file of files) {
    const path = file.path;
    const parts = path.split('/');
    const name = parts.pop() as string;
    let dir = root;
    for (const p of parts) {
      let next = dir.dirs.get(p);
      if (next === undefined) {
        next = { dirs: new Map(), files: new Map() };
        dir.dirs.set(p, next);
      }
      dir = next;
    }
    if (dir.dirs.has(name))
      throw new MlfError('MLF-E006', `pack: ${path} is both a file and a folder`, { member: path });
    if (dir.files.has(name)) throw new MlfError('MLF-E006', `pack: ${path} is given twice`, { member: path });
    dir.files.set(name, file);
  }
  const entries: PlanTarEntry[] = [];
  const walk = (dir: Dir, prefix: string) => {
    const names = [...new Set([...dir.dirs.keys(), ...dir.files.keys()])].sort();
    for (const name of names) {
      const path = prefix + name;
      const sub = dir.dirs.get(name);
      if (sub !== undefined) {
        entries.push({ path, type: 'directory', mode: 0o755 });
        walk(sub, `${path}/`);
      } else {
        const file = dir.files.get(name) as PlanFile;
        // The file's own key, so callers find its data under the path they gave.
        entries.push({ path: file.path, type: 'file', size: file.size, mode: 0o644 });
      }
    }
  };
  walk(root, '');
  checkReadableNames(entries);
  return planTar(entries, { mtime: options.mtime ?? CANONICAL_MTIME });
}

/** NAME_MAX of common file systems; `mlf unpack` refuses longer segments. */
const MAX_SEGMENT_BYTES = 255;

/**
 * Writers never produce what our readers refuse: names that collide after case folding and NFKC
 * (the tar reader's E006, checked with its own rules) and name segments over 255 bytes (refused by
 * `mlf unpack`, E005). Unsafe paths and path limits are refused by `planTar` (E005/E009).
 */
function checkReadableNames(entries: readonly PlanTarEntry[]): void {
  const tree = createTree();
  for (const e of entries) {
    const long = e.path.split('/').find((s) => utf8Length(s) > MAX_SEGMENT_BYTES);
    if (long !== undefined) {
      throw new MlfError(
        'MLF-E005',
        `pack: cannot write ${JSON.stringify(e.path)}: a name segment of ${utf8Length(long)} bytes is over the 255 that file systems (and mlf unpack) allow`,
        { member: e.path },
      );
    }
    try {
      addToTree(tree, e.path, e.type === 'directory' ? 'directory' : 'file', 0);
    } catch (err) {
      // The reader's message, without the "tar:" prefix and offset that only make sense when reading.
      if (!(err instanceof MlfError)) throw err;
      const why = err.message.replace(/^tar: /, '').replace(' at offset 0', '');
      throw new MlfError(err.code, `pack: cannot write an archive mlf's reader refuses: ${why}`, { member: e.path });
    }
  }
}

/**
 * Packs files into a canonical, reproducible MLF tar (TVM's member order, fixed owners, modes and mtime). The
 * same files always give the same bytes.
 */
export function packCanonical(files: ReadonlyMap<string, Uint8Array>, options: CanonicalOptions = {}): Uint8Array {
  const plan = planCanonical(
    [...files].map(([path, data]) => ({ path, size: data.byteLength })),
    options,
  );
  return assembleTar(plan, (path) => files.get(path) as Uint8Array);
}

/** TVM's `export_datetime` format (`%Y-%m-%d %H:%M:%SZ`), here always in UTC. */
export function formatExportDatetime(date: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${date.getUTCFullYear()}-${p(date.getUTCMonth() + 1)}-${p(date.getUTCDate())} ${p(date.getUTCHours())}:${p(date.getUTCMinutes())}:${p(date.getUTCSeconds())}Z`;
}

/**
 * Serialises like CPython's `json.dump(obj)` with default separators (`", "`, `": "`), keys in
 * insertion order, ASCII only: TVM's operator-style metadata.json.
 */
export function stringifyPythonCompact(value: unknown): string {
  const str = (s: string) =>
    JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const walk = (v: unknown): string => {
    if (v === null || v === undefined) return 'null';
    if (typeof v === 'string') return str(v);
    if (typeof v === 'number' || typeof v === 'boolean') return JSON.stringify(v);
    if (Array.isArray(v)) return `[${v.map(walk).join(', ')}]`;
    if (isRecord(v))
      return `{${Object.entries(v)
        .map(([k, x]) => `${str(k)}: ${walk(x)}`)
        .join(', ')}}`;
    return 'null';
  };
  return walk(value);
}
