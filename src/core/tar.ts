import { decodeText, decodeUtf8 } from './bytes.js';
import { type Diagnostic, diagnostic, MlfError } from './errors.js';
import { type Limits, resolveLimits } from './limits.js';
import type { ByteSource } from './source.js';
import { addToTree, createTree, normalizeMemberPath } from './tar-path.js';

export { type NormalizePathOptions, normalizeMemberPath } from './tar-path.js';

/**
 * A hand-written tar reader. It reads only the 512-byte headers (and extended-header payloads),
 * so listing costs the same for 1 KB and 1 GB of weights, and every refusal carries the byte
 * offset of the header at fault. Links, devices and every unknown type are refused as soon as
 * their header is seen; nothing is ever resolved against a file system.
 */

const BLOCK = 512;

/** One regular file or directory of a tar archive. */
export interface TarEntry {
  /** Normalised: no leading `./`, no trailing `/`. */
  path: string;
  /** Name as stored, after PAX `path`, GNU long-name and ustar `prefix` resolution. */
  rawPath: string;
  type: 'file' | 'directory';
  size: number;
  /** Permission bits (`& 0o7777`). */
  mode: number;
  /** Seconds since the epoch; fractional when a PAX `mtime` record gave it. */
  mtime: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  /** Offset of the entry's own header (after any PAX/GNU extended headers). */
  headerOffset: number;
  /** Offset of the first data byte. */
  dataOffset: number;
}

/** The header-only listing of a tar archive. */
export interface TarIndex {
  entries: TarEntry[];
  /** The archive had a `.` / `./` root directory entry (as TVM writes). */
  root: boolean;
  /** The archive ended with two zero blocks. */
  endMarker: boolean;
  warnings: Diagnostic[];
  /** Bytes the archive structure spans: up to the end of the end marker (or of the last member). */
  byteLength: number;
}

/** Options of the tar readers. */
export interface ReadTarOptions {
  limits?: Partial<Limits>;
}


/**
 * Lists a tar archive from a random-access source, reading only headers.
 * @throws MlfError E001-E007, E009, E010 (see `codes.ts`).
 */
export async function readTarIndex(source: ByteSource, options: ReadTarOptions = {}): Promise<TarIndex> {
  const parser = parseTar(source.byteLength, resolveLimits(options.limits));
  let step = parser.next();
  while (!step.done) {
    const { offset, length } = step.value;
    step = parser.next(checkRead(await source.read(offset, length), offset, length));
  }
  return step.value;
}

/** Synchronous `readTarIndex` over bytes in memory (same parser). */
export function readTarIndexSync(bytes: Uint8Array, options: ReadTarOptions = {}): TarIndex {
  const parser = parseTar(bytes.byteLength, resolveLimits(options.limits));
  let step = parser.next();
  while (!step.done) {
    const { offset, length } = step.value;
    step = parser.next(bytes.subarray(offset, offset + length));
  }
  return step.value;
}

/** The data of an entry as a zero-copy view into the archive bytes. */
export function tarEntryData(bytes: Uint8Array, entry: TarEntry): Uint8Array {
  const end = entry.dataOffset + entry.size;
  if (end > bytes.byteLength) {
    throw new MlfError('MLF-E002', `tar: ${entry.path} needs bytes up to ${end}, but the archive has ${bytes.byteLength}`, {
      member: entry.path,
      offset: entry.dataOffset,
    });
  }
  return bytes.subarray(entry.dataOffset, end);
}

/** Reads the data of one entry from a random-access source. */
export async function readTarEntry(source: ByteSource, entry: TarEntry): Promise<Uint8Array> {
  const data = await source.read(entry.dataOffset, entry.size);
  if (data.byteLength !== entry.size) {
    throw new MlfError('MLF-E002', `tar: ${entry.path} needs ${entry.size} bytes at offset ${entry.dataOffset}, got ${data.byteLength}`, {
      member: entry.path,
      offset: entry.dataOffset,
    });
  }
  return data;
}

// ---------------------------------------------------------------------------------------------
// The parser is a generator that yields the reads it needs, so the sync and async entry points
// drive the very same code. It only ever asks for ranges inside `[0, total)`.

interface ReadRequest {
  offset: number;
  length: number;
}

/** Extended-header state waiting for the entry it describes. */
interface Pending {
  pax?: Map<string, string>;
  longName?: string;
  /** Offset of the first extended header, for messages. */
  offset: number;
}

function* parseTar(total: number, limits: Limits): Generator<ReadRequest, TarIndex, Uint8Array> {
  if (total === 0) throw new MlfError('MLF-E010', 'tar: input is empty (0 bytes)', { offset: 0 });
  const entries: TarEntry[] = [];
  const warnings: Diagnostic[] = [];
  const tree = createTree();
  const global = new Map<string, string>();
  let globalSparse: string | undefined;
  let pending: Pending | undefined;
  let root = false;
  let totalBytes = 0;
  let offset = 0;
  const finish = (endMarker: boolean, end: number, why?: string): TarIndex => {
    if (pending) {
      const [code, what] = end >= total ? (['MLF-E002', 'the input ends'] as const) : (['MLF-E007', 'a zero block follows'] as const);
      throw new MlfError(code, `tar: extended header at offset ${pending.offset} is not followed by an entry: ${what} at offset ${end}`, {
        offset: pending.offset,
      });
    }
    if (why) warnings.push(diagnostic('MLF-W001', `tar: ${why}`, { offset: end }));
    return { entries, root, endMarker, warnings, byteLength: end };
  };
  for (;;) {
    if (offset === total) return finish(false, offset, `no end-of-archive marker: the input ends at offset ${offset} after the last member`);
    if (total - offset < BLOCK) {
      const tail = yield { offset, length: total - offset };
      if (!pending && isZero(tail)) return finish(false, offset, `end-of-archive marker incomplete: ${total - offset} zero bytes at offset ${offset}`);
      throw new MlfError('MLF-E002', `tar: header at offset ${offset} is truncated: ${total - offset} of ${BLOCK} bytes`, { offset });
    }
    const h = yield { offset, length: BLOCK };
    if (isZero(h)) {
      if (pending) finish(false, offset); // throws E007: extended header without its entry
      if (total - offset < 2 * BLOCK) return finish(false, total, `end-of-archive marker incomplete: one zero block at offset ${offset}, then the input ends`);
      const next = yield { offset: offset + BLOCK, length: BLOCK };
      if (isZero(next)) return finish(true, offset + 2 * BLOCK);
      return finish(false, offset + BLOCK, `lone zero block at offset ${offset}; like GNU tar and Python, reading stops there`);
    }
    verifyChecksum(h, offset);
    const flag = String.fromCharCode(h[156] ?? 0);
    if (!'0\x005xgL'.includes(flag)) refuseType(h, flag, offset, pending);
    const size = readNumber(h, 124, 12, 'size', offset);
    const dataOffset = offset + BLOCK;

    if (flag === 'x' || flag === 'g' || flag === 'L') {
      if (size > limits.maxExtendedHeaderBytes) {
        throw new MlfError(
          'MLF-E009',
          `tar: extended header at offset ${offset} has ${size} bytes, over maxExtendedHeaderBytes ${limits.maxExtendedHeaderBytes}`,
          { offset },
        );
      }
      checkFits(dataOffset, size, total, 'extended header', offset);
      const payload = yield { offset: dataOffset, length: size };
      if (flag === 'g') {
        for (const [k, v] of parsePax(payload, dataOffset)) {
          if (k === 'path' || k === 'linkpath' || k === 'size') {
            throw new MlfError('MLF-E007', `tar: global PAX header at offset ${offset} sets "${k}", which tar implementations apply differently`, { offset });
          }
          global.set(k, v);
          if (k.startsWith('GNU.sparse.')) globalSparse ??= k;
        }
      } else {
        pending ??= { offset };
        if (flag === 'x') {
          if (pending.pax) throw new MlfError('MLF-E007', `tar: two PAX headers in a row at offset ${offset}`, { offset });
          pending.pax = parsePax(payload, dataOffset);
        } else {
          if (pending.longName !== undefined) throw new MlfError('MLF-E007', `tar: two GNU long-name records in a row at offset ${offset}`, { offset });
          const end = payload.indexOf(0);
          pending.longName = decodeName(payload.subarray(0, end < 0 ? payload.length : end), dataOffset);
        }
      }
      offset = dataOffset + padded(size);
      continue;
    }

    const entry = decodeEntry(h, flag, size, offset, pending, global, globalSparse);
    pending = undefined;
    const path = normalizeMemberPath(entry.rawPath, { offset, limits });
    if (entry.type === 'file' && entry.rawPath.endsWith('/')) {
      throw new MlfError('MLF-E005', `tar: regular file ${JSON.stringify(entry.rawPath)} at offset ${offset} has a name ending in "/"`, { offset });
    }
    if (entry.type === 'directory' && entry.size !== 0) {
      throw new MlfError('MLF-E003', `tar: directory ${JSON.stringify(entry.rawPath)} at offset ${offset} declares ${entry.size} data bytes`, { offset });
    }
    if (path === '') {
      if (entry.type !== 'directory') throw new MlfError('MLF-E005', `tar: root name "${entry.rawPath}" at offset ${offset} is not a directory`, { offset });
      if (root) throw new MlfError('MLF-E006', `tar: second root entry "${entry.rawPath}" at offset ${offset}`, { offset });
      root = true;
      offset = dataOffset;
      continue;
    }
    if (entries.length >= limits.maxEntries) {
      throw new MlfError('MLF-E009', `tar: more than maxEntries ${limits.maxEntries} entries (at offset ${offset})`, { offset, member: path });
    }
    if (entry.size > limits.maxMemberBytes) {
      throw new MlfError('MLF-E009', `tar: ${path} has ${entry.size} bytes, over maxMemberBytes ${limits.maxMemberBytes}`, { offset, member: path });
    }
    totalBytes += entry.size;
    if (totalBytes > limits.maxTotalBytes) {
      throw new MlfError('MLF-E009', `tar: members total ${totalBytes} bytes at ${path}, over maxTotalBytes ${limits.maxTotalBytes}`, { offset, member: path });
    }
    checkFits(dataOffset, entry.size, total, path, offset);
    addToTree(tree, path, entry.type, offset);
    entries.push({ path, ...entry, headerOffset: offset, dataOffset });
    offset = dataOffset + padded(entry.size);
    if (offset > total) {
      throw new MlfError('MLF-E002', `tar: padding of ${path} runs past the end of the input (${total} bytes)`, { offset: total, member: path });
    }
  }
}

type DecodedEntry = Omit<TarEntry, 'path' | 'headerOffset' | 'dataOffset'>;

/** Fields of a file or directory header with PAX (global, then local) and GNU overrides. */
function decodeEntry(
  h: Uint8Array,
  flag: string,
  headerSize: number,
  offset: number,
  pending: Pending | undefined,
  global: Map<string, string>,
  globalSparse: string | undefined,
): DecodedEntry {
  // Local records win. Not merged into a new map: a 1 MB global header of 100k keys, copied for
  // each of 100k entries, made listing quadratic.
  const local = pending?.pax;
  const pax = { get: (k: string): string | undefined => (local?.has(k) ? local.get(k) : global.get(k)) };
  const sparse = globalSparse ?? [...(local?.keys() ?? [])].find((k) => k.startsWith('GNU.sparse.'));
  if (sparse !== undefined) throw new MlfError('MLF-E004', `tar: sparse file (PAX ${sparse}) at offset ${offset} is not supported`, { offset });
  const magic = decodeText(h.subarray(257, 265));
  const ustar = magic.startsWith('ustar\0');
  const gnu = magic === 'ustar  \0';
  let rawPath: string;
  const paxPath = pending?.pax?.get('path');
  if (paxPath !== undefined && paxPath !== '') {
    if (pending?.longName !== undefined && pending.longName !== paxPath) {
      throw new MlfError('MLF-E007', `tar: GNU long name and PAX path disagree for the entry at offset ${offset}`, { offset });
    }
    rawPath = paxPath;
  } else if (pending?.longName !== undefined) {
    rawPath = pending.longName;
  } else {
    rawPath = decodeName(field(h, 0, 100), offset);
    const prefix = ustar ? field(h, 345, 155) : new Uint8Array(0);
    if (prefix.length > 0) rawPath = `${decodeName(prefix, offset + 345)}/${rawPath}`;
  }
  const type = flag === '5' || (flag === '\0' && rawPath.endsWith('/')) ? 'directory' : 'file';
  const paxNumber = (key: string, fraction: boolean): number | undefined => {
    const v = pax.get(key);
    if (v === undefined || v === '') return undefined;
    if (!(fraction ? /^\d+(\.\d+)?$/ : /^\d+$/).test(v) || !Number.isSafeInteger(Math.floor(Number(v)))) {
      throw new MlfError(
        'MLF-E007',
        `tar: PAX ${key}=${JSON.stringify(v.slice(0, 40))} for the entry at offset ${offset} is not a non-negative ${fraction ? 'number' : 'integer'}`,
        { offset },
      );
    }
    return Number(v);
  };
  const size = paxNumber('size', false) ?? headerSize;
  const text = (key: string, start: number): string => pax.get(key) || (ustar || gnu ? decodeText(field(h, start, 32)) : '');
  return {
    rawPath,
    type,
    size,
    mode: readNumber(h, 100, 8, 'mode', offset) & 0o7777,
    mtime: paxNumber('mtime', true) ?? readNumber(h, 136, 12, 'mtime', offset),
    uid: paxNumber('uid', false) ?? readNumber(h, 108, 8, 'uid', offset),
    gid: paxNumber('gid', false) ?? readNumber(h, 116, 8, 'gid', offset),
    uname: text('uname', 265),
    gname: text('gname', 297),
  };
}

/** Parses `"<len> <key>=<value>\n"` records; trailing NUL padding is allowed. */
function parsePax(payload: Uint8Array, at: number): Map<string, string> {
  const out = new Map<string, string>();
  const bad = (pos: number, why: string): never => {
    throw new MlfError('MLF-E007', `tar: bad PAX record at offset ${at + pos}: ${why}`, { offset: at + pos });
  };
  let pos = 0;
  while (pos < payload.length) {
    if (payload[pos] === 0) {
      if (!isZero(payload.subarray(pos))) bad(pos, 'data after NUL padding');
      break;
    }
    let i = pos;
    let len = 0;
    for (let c = payload[i]; c !== undefined && c >= 0x30 && c <= 0x39; c = payload[++i]) {
      len = len * 10 + (c - 0x30);
      if (len > payload.length) bad(pos, `length runs past the ${payload.length}-byte header`);
    }
    if (i === pos || payload[i] !== 0x20) bad(pos, 'expected "<length> <key>=<value>\\n"');
    const end = pos + len;
    if (end > payload.length || end <= i + 1 || payload[end - 1] !== 0x0a) bad(pos, `length ${len} does not end on a newline`);
    const record = payload.subarray(i + 1, end - 1);
    const eq = record.indexOf(0x3d);
    if (eq <= 0) bad(pos, 'missing key or "="');
    const key = decodeUtf8(record.subarray(0, eq));
    const value = decodeUtf8(record.subarray(eq + 1));
    if (key === undefined || value === undefined) bad(pos, 'key or value is not UTF-8');
    out.set(key as string, value as string);
    pos = end;
  }
  return out;
}

/**
 * Reads a numeric field: octal digits with optional leading spaces and trailing spaces/NULs (as
 * GNU tar and CPython write them), or GNU base-256 (0x80 prefix). Negative values are refused.
 */
function readNumber(h: Uint8Array, start: number, len: number, name: string, offset: number, code: 'MLF-E003' | 'MLF-E001' = 'MLF-E003'): number {
  const f = h.subarray(start, start + len);
  const bad = (why: string): never => {
    throw new MlfError(code, `tar: ${name} field at offset ${offset + start} ${why}`, { offset: offset + start });
  };
  const first = f[0] ?? 0;
  if (first & 0x80) {
    if (first !== 0x80) bad(first === 0xff ? 'is a negative base-256 number' : `has an invalid base-256 marker 0x${first.toString(16)}`);
    let v = 0n;
    for (let i = 1; i < len; i++) v = (v << 8n) | BigInt(f[i] ?? 0);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) bad(`holds ${v}, which is out of range`);
    return Number(v);
  }
  let i = 0;
  while (i < len && f[i] === 0x20) i++;
  let v = 0;
  for (; i < len; i++) {
    const c = f[i] ?? 0;
    if (c < 0x30 || c > 0x37) break;
    v = v * 8 + (c - 0x30);
  }
  for (; i < len; i++) {
    const c = f[i] ?? 0;
    if (c !== 0 && c !== 0x20) bad(`has the non-octal byte 0x${c.toString(16).padStart(2, '0')} at position ${i}`);
  }
  return v;
}

/** Accepts the unsigned or the signed byte sum (old Sun and some other tars used signed). */
function verifyChecksum(h: Uint8Array, offset: number): void {
  const stored = readNumber(h, 148, 8, 'checksum', offset, 'MLF-E001');
  // Branch-free sum (the checksum field counts as spaces); the signed sum only on a mismatch.
  let unsigned = 8 * 0x20;
  for (let i = 0; i < BLOCK; i++) unsigned += h[i] as number;
  for (let i = 148; i < 156; i++) unsigned -= h[i] as number;
  let signed = unsigned;
  if (stored !== unsigned) for (let i = 0; i < BLOCK; i++) if ((i < 148 || i >= 156) && (h[i] as number) > 127) signed -= 256;
  if (stored !== unsigned && stored !== signed) {
    throw new MlfError('MLF-E001', `tar: header checksum at offset ${offset} is ${stored}, computed ${unsigned}`, { offset });
  }
}

const TYPE_NAMES: Record<string, string> = {
  '1': 'hard link',
  '2': 'symbolic link',
  '3': 'character device',
  '4': 'block device',
  '6': 'FIFO',
  '7': 'contiguous file',
  K: 'GNU long link name',
  V: 'GNU volume label',
  M: 'GNU multi-volume continuation',
  S: 'GNU sparse file',
  N: 'GNU old long name',
  D: 'GNU dump directory',
};

/** Refuses a link, device or unknown type before anything else of the entry is looked at. */
function refuseType(h: Uint8Array, flag: string, offset: number, pending: Pending | undefined): never {
  const what = TYPE_NAMES[flag] ?? `unknown type 0x${flag.charCodeAt(0).toString(16).padStart(2, '0')}`;
  const name = pending?.pax?.get('path') || pending?.longName || decodeText(field(h, 0, 100));
  const target = pending?.pax?.get('linkpath') || decodeText(field(h, 157, 100));
  const link = flag === '1' || flag === '2' ? ` -> ${JSON.stringify(target)}` : '';
  throw new MlfError('MLF-E004', `tar: ${what} ${JSON.stringify(name)}${link} at offset ${offset} is not allowed (only files and directories)`, { offset });
}

/** A NUL-terminated header field (bytes before the first NUL). */
function field(h: Uint8Array, start: number, len: number): Uint8Array {
  const f = h.subarray(start, start + len);
  const end = f.indexOf(0);
  return end < 0 ? f : f.subarray(0, end);
}

function decodeName(bytes: Uint8Array, offset: number): string {
  const s = decodeUtf8(bytes);
  if (s === undefined) throw new MlfError('MLF-E005', `tar: member name at offset ${offset} is not valid UTF-8`, { offset });
  return s;
}

function checkFits(dataOffset: number, size: number, total: number, what: string, offset: number): void {
  if (dataOffset + size > total) {
    throw new MlfError('MLF-E002', `tar: ${what} at offset ${offset} needs ${size} data bytes from offset ${dataOffset}, but the input ends at ${total}`, {
      offset,
    });
  }
}

function checkRead(bytes: Uint8Array, offset: number, length: number): Uint8Array {
  if (bytes.byteLength !== length) {
    throw new MlfError('MLF-E002', `tar: read of ${length} bytes at offset ${offset} returned ${bytes.byteLength}`, { offset });
  }
  return bytes;
}

function isZero(b: Uint8Array): boolean {
  for (const x of b) if (x !== 0) return false;
  return true;
}

const padded = (n: number): number => Math.ceil(n / BLOCK) * BLOCK;

