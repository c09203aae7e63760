import { encodeUtf8 } from './bytes.js';
import { MlfError } from './errors.js';
import { normalizeMemberPath } from './tar-path.js';

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

/**
 * Packs entries, in the order given, into an uncompressed tar.
 * @throws MlfError E005 for unsafe paths, E006 for duplicates, E003 for unwritable numbers.
 */
export function packTar(entries: PackTarEntry[], options: PackTarOptions = {}): Uint8Array {
  const dot = options.prefixDotSlash ?? true;
  const mtime = options.mtime ?? 0;
  const blocks: { header: Uint8Array; pax?: Uint8Array; data?: Uint8Array }[] = [];
  if (dot) blocks.push({ header: makeHeader({ name: './', type: '5', size: 0, mode: 0o755, mtime }) });
  const seen = new Set<string>();
  for (const e of entries) {
    const path = normalizeMemberPath(e.path);
    if (path === '') throw new MlfError('MLF-E005', `tar: cannot write the root "${e.path}" as an entry; it is implied`);
    if (seen.has(path)) throw new MlfError('MLF-E006', `tar: ${path} is given twice`, { member: path });
    seen.add(path);
    const isDir = e.type === 'directory';
    const data = isDir ? new Uint8Array(0) : (e.data ?? new Uint8Array(0));
    if (data.byteLength > MAX_OCTAL_12) {
      throw new MlfError('MLF-E009', `tar: ${path} has ${data.byteLength} bytes; ustar holds at most ${MAX_OCTAL_12}`, { member: path });
    }
    const name = `${dot ? './' : ''}${path}${isDir ? '/' : ''}`;
    const nameBytes = encodeUtf8(name);
    // CPython writes a PAX path for anything ustar cannot hold exactly: long or non-ASCII names.
    const needsPax = nameBytes.byteLength > 100 || /[^\x20-\x7e]/.test(name);
    const header = makeHeader({
      name: needsPax ? truncateUtf8(name, 100) : name,
      type: isDir ? '5' : '0',
      size: data.byteLength,
      mode: e.mode ?? (isDir ? 0o755 : 0o644),
      mtime: e.mtime ?? mtime,
    });
    blocks.push(needsPax ? { header, pax: makePaxHeader(name), data } : { header, data });
  }
  let size = 0;
  for (const b of blocks) size += BLOCK + (b.pax?.byteLength ?? 0) + padded(b.data?.byteLength ?? 0);
  const out = new Uint8Array(Math.ceil((size + 2 * BLOCK) / RECORD) * RECORD); // zero-filled: end marker
  let pos = 0;
  for (const b of blocks) {
    if (b.pax) {
      out.set(b.pax, pos);
      pos += b.pax.byteLength;
    }
    out.set(b.header, pos);
    pos += BLOCK;
    if (b.data) {
      out.set(b.data, pos);
      pos += padded(b.data.byteLength);
    }
  }
  return out;
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
