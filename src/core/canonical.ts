import { MlfError } from './errors.js';
import { isRecord } from './json.js';
import { packTar } from './tar-write.js';

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

/**
 * Packs files into a canonical, reproducible MLF tar: `./` root entry, every directory written
 * explicitly, members in the order CPython's `tarfile.add` walks a folder (depth first, names
 * sorted within each folder — TVM's order), fixed mtime, uid/gid 0, modes 0755/0644, no per-file
 * PAX records. The same files always give the same bytes.
 */
export function packCanonical(files: ReadonlyMap<string, Uint8Array>, options: CanonicalOptions = {}): Uint8Array {
  type Dir = { dirs: Map<string, Dir>; files: Map<string, Uint8Array> };
  const root: Dir = { dirs: new Map(), files: new Map() };
  for (const [path, data] of files) {
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
    if (dir.dirs.has(name)) throw new MlfError('MLF-E006', `pack: ${path} is both a file and a folder`, { member: path });
    dir.files.set(name, data);
  }
  const entries: Parameters<typeof packTar>[0] = [];
  const walk = (dir: Dir, prefix: string) => {
    const names = [...new Set([...dir.dirs.keys(), ...dir.files.keys()])].sort();
    for (const name of names) {
      const path = prefix + name;
      const sub = dir.dirs.get(name);
      if (sub !== undefined) {
        entries.push({ path, type: 'directory', mode: 0o755 });
        walk(sub, `${path}/`);
      } else entries.push({ path, type: 'file', data: dir.files.get(name) as Uint8Array, mode: 0o644 });
    }
  };
  walk(root, '');
  return packTar(entries, { mtime: options.mtime ?? CANONICAL_MTIME });
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
  const str = (s: string) => JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const walk = (v: unknown): string => {
    if (v === null || v === undefined) return 'null';
    if (typeof v === 'string') return str(v);
    if (typeof v === 'number' || typeof v === 'boolean') return JSON.stringify(v);
    if (Array.isArray(v)) return `[${v.map(walk).join(', ')}]`;
    if (isRecord(v)) return `{${Object.entries(v).map(([k, x]) => `${str(k)}: ${walk(x)}`).join(', ')}}`;
    return 'null';
  };
  return walk(value);
}
