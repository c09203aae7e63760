import { encodeUtf8 } from '../common/bytes.js';
import { MlfError } from '../errors/errors.js';
import { normalizeMemberPath } from './path.js';

/**
 * A deterministic ustar writer shaped like TVM's archives (CPython `tarfile`, PAX dialect): owner
 * root/root (uid/gid 0), `./`-prefixed names with a `./` root entry first, PAX `path` records for
 * long or non-ASCII names, 20-block records. The same input always gives the same bytes.
 */

const BLOCK = 512;
const RECORD = 20 * BLOCK;
const MAX_OCTAL_12 = 0o77777777777;

/** One member to write. `path` is a relative path (`a/b.c`); a leading `./` is accepted. */
export interface PackTarEntry {
  path: string;
  type: 'file' | 'directory';
  data?: Uint8Array;
  /** Permission bits; default 0644 for files, 0755 for directories. */
  mode?: number;
  /** Seconds since the epoch (integer); default `options.mtime`. */
  mtime?: number;
}

/** Options of `packTar`. */
export interface PackTarOptions {
  /** Default mtime of every entry, seconds; default 0 (reproducible). */
  mtime?: number;
  /** Write names as `./x` and a `./` root entry first, as TVM does; default true. */
  prefixDotSlash?: boolean;
}

/** One member of a tar plan: its header bytes, without the data. */
export interface PlanTarEntry {
  path: string;
  type: 'file' | 'directory';
  /** Data length in bytes (files); default 0. */
  size?: number;
  /** Permission bits; default 0644 for files, 0755 for directories. */
  mode?: number;
  /** Seconds since the epoch (integer); default `options.mtime`. */
  mtime?: number;
}

/** One planned member: `header` (a PAX record first when needed, then the ustar header), then `size` data bytes and `pad` zero bytes. */
export interface TarPlanEntry {
  header: Uint8Array;
  /** For files: the path exactly as given to `planTar`; absent for directories and the root. */
  path?: string;
  size: number;
  pad: number;
}

/** Everything of a tar except member data: entries in order, then the trailer (end marker and record padding). */
export interface TarPlan {
  entries: TarPlanEntry[];
  trailer: Uint8Array;
}

/**
 * Plans a tar without its data: the exact bytes `packTar` writes around each member's data.
 * Writing each entry's header, its `size` data bytes, `pad` zeros, and finally the trailer gives
 * the same bytes as `packTar`.
 * @throws MlfError E005 for unsafe paths, E006 for duplicates, E003/E009 for unwritable numbers.
 */
export function planTar(entries: PlanTarEntry[], options: PackTarOptions = {}): TarPlan {
  const dot = options.prefixDotSlash ?? true;
  const mtime = options.mtime ?? 0;
  const out: TarPlanEntry[] = [];
  if (dot) out.push({ header: makeHeader({ name: './', type: '5', size: 0, mode: 0o755, mtime }), size: 0, pad: 0 });
  const seen = new Set<string>();
  for (const e of entries) {
    const path = normalizeMemberPath(e.path);
    if (path === '')
      throw new MlfError('MLF-E005', `tar: cannot write the root "${e.path}" as an entry; it is implied`);
    if (seen.has(path)) throw new MlfError('MLF-E006', `tar: ${path} is given twice`, { member: path });
    seen.add(path);
    const isDir = e.type === 'directory';
    const size = isDir ? 0 : (e.size ?? 0);
    if (size > MAX_OCTAL_12) {
      throw new MlfError('MLF-E009', `tar: ${path} has ${size} bytes; ustar holds at most ${MAX_OCTAL_12}`, {
        member: path,
      });
    }
    const name = `${dot ? './' : ''}${path}${isDir ? '/' : ''}`;
    const nameBytes = encodeUtf8(name);
    // CPython writes a PAX path for anything ustar cannot hold exactly: long or non-ASCII names.
    const needsPax = nameBytes.byteLength > 100 || /[^\x20-\x7e]/.test(name);
    let header = makeHeader({
      name: needsPax ? truncateUtf8(name, 100) : name,
      type: isDir ? '5' : '0',
      size,
      mode: e.mode ?? (isDir ? 0o755 : 0o644),
      mtime: e.mtime ?? mtime,
    });
    if (needsPax) {
      const pax = makePaxHeader(name);
      const both = new Uint8Array(pax.byteLength + BLOCK);
      both.set(pax);
      both.set(header, pax.byteLength);
      header = both;
    }
    out.push(isDir ? { header, size: 0, pad: 0 } : { header, path: e.path, size, pad: padded(size) - size });
  }
  let total = 0;
  for (const b of out) total += b.header.byteLength + b.size + b.pad;
  const trailer = new Uint8Array(Math.ceil((total + 2 * BLOCK) / RECORD) * RECORD - total); // zeros: end marker + record padding
  return { entries: out, trailer };
}

/** Total byte length of the tar a plan describes. */
export function tarPlanSize(plan: TarPlan): number {
  let total = plan.trailer.byteLength;
  for (const b of plan.entries) total += b.header.byteLength + b.size + b.pad;
  return total;
}

/**
 * Lays a plan out in memory, taking each file's data from `data(path, index)`.
 * @throws MlfError E009 when data does not have the planned length.
 */
export function assembleTar(plan: TarPlan, data: (path: string, index: number) => Uint8Array): Uint8Array {
  const out = new Uint8Array(tarPlanSize(plan)); // zero-filled: padding and end marker
  let pos = 0;
  plan.entries.forEach((b, i) => {
    out.set(b.header, pos);
    pos += b.header.byteLength;
    if (b.path !== undefined) {
      const d = data(b.path, i);
      if (d.byteLength !== b.size)
        throw new MlfError('MLF-E009', `tar: ${b.path} has ${d.byteLength} bytes, ${b.size} were planned`, {
          member: b.path,
        });
      out.set(d, pos);
    }
    pos += b.size + b.pad;
  });
  return out;
}

/**
 * Packs entries, in the order given, into an uncompressed tar.
 * @throws MlfError E005 for unsafe paths, E006 for duplicates, E003 for unwritable numbers.
 */
export function packTar(entries: PackTarEntry[], options: PackTarOptions = {}): Uint8Array {
  const dataOf = entries.map((e) => (e.type === 'directory' ? new Uint8Array(0) : (e.data ?? new Uint8Array(0))));
  const plan = planTar(
    entries.map((e, i) => ({
      path: e.path,
      type: e.type,
      size: (dataOf[i] as Uint8Array).byteLength,
      ...(e.mode === undefined ? {} : { mode: e.mode }),
      ...(e.mtime === undefined ? {} : { mtime: e.mtime }),
    })),
    options,
  );
  const offset = plan.entries.length - entries.length; // 1 with the ./ root entry, else 0
  return assembleTar(plan, (_path, i) => dataOf[i - offset] as Uint8Array);
}

interface HeaderFields {
  name: string;
  type: '0' | '5' | 'x';
  size: number;
  mode: number;
  mtime: number;
  owner?: string;
}

/** A ustar header with CPython's number formatting (zero-padded octal, NUL-terminated). */
function makeHeader(f: HeaderFields): Uint8Array {
  const h = new Uint8Array(BLOCK);
  const owner = f.owner ?? 'root';
  putText(h, 0, 100, f.name);
  putOctal(h, 100, 8, f.mode, 'mode', f.name);
  putOctal(h, 108, 8, 0, 'uid', f.name);
  putOctal(h, 116, 8, 0, 'gid', f.name);
  putOctal(h, 124, 12, f.size, 'size', f.name);
  putOctal(h, 136, 12, f.mtime, 'mtime', f.name);
  h.fill(0x20, 148, 156);
  h[156] = f.type.charCodeAt(0);
  putText(h, 257, 8, 'ustar\x0000');
  putText(h, 265, 32, owner);
  putText(h, 297, 32, owner);
  putOctal(h, 329, 8, 0, 'devmajor', f.name);
  putOctal(h, 337, 8, 0, 'devminor', f.name);
  let sum = 0;
  for (const b of h) sum += b;
  putText(h, 148, 7, `${sum.toString(8).padStart(6, '0')}\0`); // byte 155 stays a space, as GNU/CPython
  return h;
}

/** A `././@PaxHeader` header plus its payload holding one `path` record, as CPython writes it. */
function makePaxHeader(path: string): Uint8Array {
  const body = encodeUtf8(` path=${path}\n`);
  let len = body.byteLength + 1;
  while (String(len).length + body.byteLength !== len) len = String(len).length + body.byteLength;
  const record = encodeUtf8(`${len}${` path=${path}\n`}`);
  const out = new Uint8Array(BLOCK + padded(record.byteLength));
  out.set(makeHeader({ name: '././@PaxHeader', type: 'x', size: record.byteLength, mode: 0, mtime: 0, owner: '' }));
  out.set(record, BLOCK);
  return out;
}

function putText(h: Uint8Array, start: number, len: number, s: string): void {
  h.set(encodeUtf8(s).subarray(0, len), start);
}

function putOctal(h: Uint8Array, start: number, len: number, v: number, name: string, member: string): void {
  if (!Number.isSafeInteger(v) || v < 0 || v >= 8 ** (len - 1)) {
    throw new MlfError('MLF-E003', `tar: ${name} ${v} of ${member} does not fit a ${len}-byte octal field`, { member });
  }
  putText(h, start, len, `${v.toString(8).padStart(len - 1, '0')}\0`);
}

/** The longest prefix of `s` whose UTF-8 form fits `max` bytes, cut at a character boundary. */
function truncateUtf8(s: string, max: number): string {
  let out = '';
  let bytes = 0;
  for (const ch of s) {
    const n = encodeUtf8(ch).byteLength;
    if (bytes + n > max) break;
    out += ch;
    bytes += n;
  }
  return out;
}

const padded = (n: number): number => Math.ceil(n / BLOCK) * BLOCK;
