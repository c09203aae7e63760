import { decodeText, decodeUtf8 } from '../common/bytes.js';
import { MlfError } from '../errors/errors.js';

// Decoding of one 512-byte ustar/GNU/PAX header and its extended records: the field rules the
// reader applies before it accepts an entry (see read.ts for the walk over the archive).

/** Tar block size: headers and padded payloads. */
export const BLOCK = 512;

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

export /** Extended-header state waiting for the entry it describes. */
interface Pending {
  pax?: Map<string, string>;
  longName?: string;
  /** Offset of the first extended header, for messages. */
  offset: number;
}

export type DecodedEntry = Omit<TarEntry, 'path' | 'headerOffset' | 'dataOffset'>;

/** Fields of a file or directory header with PAX (global, then local) and GNU overrides. */
export function decodeEntry(
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
  if (sparse !== undefined)
    throw new MlfError('MLF-E004', `tar: sparse file (PAX ${sparse}) at offset ${offset} is not supported`, { offset });
  const ustar = isUstar(h);
  const gnu = decodeText(h.subarray(257, 265)) === 'ustar  \0';
  // CPython's tarfile joins the prefix field whatever the magic; GNU tar and bsdtar only for ustar.
  if (!ustar && h[345] !== 0) {
    throw new MlfError(
      'MLF-E014',
      `tar: ${gnu ? 'GNU' : 'v7'} header at offset ${offset} has bytes in the ustar prefix field (offset ${offset + 345}), which tar readers apply differently`,
      { offset: offset + 345 },
    );
  }
  const nameBytes = field(h, 0, 100);
  const prefix = ustar ? field(h, 345, 155) : new Uint8Array(0);
  const paxPath = local?.get('path');
  const longName = pending?.longName;
  // Decoded only when it is the name (GNU tar may cut a long UTF-8 name mid-character here).
  const headerName = (): string => {
    const name = decodeName(nameBytes, offset);
    return prefix.length > 0 ? `${decodeName(prefix, offset + 345)}/${name}` : name;
  };
  if (paxPath !== undefined && longName !== undefined && longName !== paxPath) {
    // CPython applies whichever came first last, GNU tar the PAX path, bsdtar the long name.
    throw new MlfError(
      'MLF-E015',
      `tar: GNU long name ${JSON.stringify(longName)} and PAX path ${JSON.stringify(paxPath)} disagree for the entry at offset ${offset}`,
      { offset },
    );
  }
  const rawPath = paxPath ?? longName ?? headerName();
  // tarfile decides "folder" from the 100-byte name field alone, GNU tar and bsdtar from the final
  // name: every name this entry carries must agree on the trailing slash.
  const headerSlash = nameBytes[nameBytes.length - 1] === 0x2f;
  const names = [longName, paxPath].filter((n): n is string => n !== undefined);
  const slashed = names.filter((n) => n.endsWith('/')).length + (headerSlash ? 1 : 0);
  const count = names.length + 1;
  if ((flag === '0' && slashed > 0) || (flag === '\0' && slashed > 0 && slashed < count)) {
    throw new MlfError(
      'MLF-E013',
      `tar: ${flag === '0' ? 'regular file' : 'entry of type NUL'} ${JSON.stringify(rawPath)} at offset ${offset} has ${
        flag === '0' ? 'a name ending in "/"' : 'names that disagree on a trailing "/"'
      } (header name${headerSlash ? ' with' : ' without'} one${longName === undefined ? '' : ', GNU long name'}${
        paxPath === undefined ? '' : ', PAX path'
      }): tar readers see a file or a folder`,
      { offset },
    );
  }
  const type = flag === '5' || (flag === '\0' && slashed > 0) ? 'directory' : 'file';
  const paxNumber = (key: string, fraction: boolean): number | undefined => {
    const v = pax.get(key);
    if (v === undefined) return undefined;
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
  const text = (key: string, start: number): string =>
    pax.get(key) ?? (ustar || gnu ? decodeText(field(h, start, 32)) : '');
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

/** The ustar magic `ustar\0` (any version bytes): what GNU tar and bsdtar take as POSIX ustar. */
function isUstar(h: Uint8Array): boolean {
  return h[257] === 0x75 && h[258] === 0x73 && h[259] === 0x74 && h[260] === 0x61 && h[261] === 0x72 && h[262] === 0;
}

/**
 * Checks every numeric field CPython's tarfile parses in any header (mode, uid, gid, size, mtime,
 * devmajor, devminor): a field it cannot read makes it stop listing at that header.
 */
export function checkNumbers(h: Uint8Array, offset: number): void {
  readNumber(h, 100, 8, 'mode', offset);
  readNumber(h, 108, 8, 'uid', offset);
  readNumber(h, 116, 8, 'gid', offset);
  readNumber(h, 136, 12, 'mtime', offset);
  readNumber(h, 329, 8, 'devmajor', offset);
  readNumber(h, 337, 8, 'devminor', offset);
}

/**
 * Parses `"<len> <key>=<value>\n"` records filling the payload exactly. Refuses (E015) what
 * tar readers apply differently: an empty value (POSIX: "delete the field"; tarfile: `""` or 0),
 * a key given twice, a key outside printable ASCII (GNU tar and bsdtar cut it at a NUL).
 */
export function parsePax(payload: Uint8Array, at: number): Map<string, string> {
  const out = new Map<string, string>();
  const bad = (pos: number, why: string): never => {
    throw new MlfError('MLF-E007', `tar: bad PAX record at offset ${at + pos}: ${why}`, { offset: at + pos });
  };
  const ambiguous = (pos: number, why: string): never => {
    throw new MlfError('MLF-E015', `tar: PAX record at offset ${at + pos} ${why}`, { offset: at + pos });
  };
  let pos = 0;
  while (pos < payload.length) {
    // NUL padding inside the payload: tarfile stops there, bsdtar drops the whole header.
    if (payload[pos] === 0) bad(pos, 'NUL byte where a record should start');
    let i = pos;
    let len = 0;
    for (let c = payload[i]; c !== undefined && c >= 0x30 && c <= 0x39; c = payload[++i]) {
      len = len * 10 + (c - 0x30);
      if (len > payload.length) bad(pos, `length runs past the ${payload.length}-byte header`);
    }
    if (i === pos || payload[i] !== 0x20) bad(pos, 'expected "<length> <key>=<value>\\n"');
    const end = pos + len;
    if (end > payload.length || end <= i + 1 || payload[end - 1] !== 0x0a)
      bad(pos, `length ${len} does not end on a newline`);
    const record = payload.subarray(i + 1, end - 1);
    const eq = record.indexOf(0x3d);
    if (eq <= 0) bad(pos, 'missing key or "="');
    for (let k = 0; k < eq; k++) {
      const c = record[k] as number;
      if (c < 0x21 || c > 0x7e)
        ambiguous(pos, `has the byte 0x${c.toString(16).padStart(2, '0')} in its key, which tar readers cut or refuse`);
    }
    const key = decodeUtf8(record.subarray(0, eq)) as string;
    const value = decodeUtf8(record.subarray(eq + 1));
    if (value === undefined) bad(pos, 'value is not UTF-8');
    if (value === '') ambiguous(pos, `sets "${key}" to an empty value, which tar readers apply differently`);
    if (out.has(key) && !key.startsWith('GNU.sparse.'))
      ambiguous(pos, `sets "${key}" a second time in the same header, which tar readers apply differently`);
    out.set(key, value as string);
    pos = end;
  }
  return out;
}

/**
 * Reads a numeric field: octal digits with optional leading spaces and trailing spaces/NULs (as
 * GNU tar and CPython write them), or GNU base-256 (0x80 prefix). Negative values are refused.
 */
export function readNumber(
  h: Uint8Array,
  start: number,
  len: number,
  name: string,
  offset: number,
  code: 'MLF-E003' | 'MLF-E001' = 'MLF-E003',
): number {
  const f = h.subarray(start, start + len);
  const bad = (why: string): never => {
    throw new MlfError(code, `tar: ${name} field at offset ${offset + start} ${why}`, { offset: offset + start });
  };
  const first = f[0] ?? 0;
  if (first & 0x80) {
    if (first !== 0x80)
      bad(first === 0xff ? 'is a negative base-256 number' : `has an invalid base-256 marker 0x${first.toString(16)}`);
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
export function verifyChecksum(h: Uint8Array, offset: number): void {
  const stored = readNumber(h, 148, 8, 'checksum', offset, 'MLF-E001');
  // Branch-free sum (the checksum field counts as spaces); the signed sum only on a mismatch.
  let unsigned = 8 * 0x20;
  for (let i = 0; i < BLOCK; i++) unsigned += h[i] as number;
  for (let i = 148; i < 156; i++) unsigned -= h[i] as number;
  let signed = unsigned;
  if (stored !== unsigned)
    for (let i = 0; i < BLOCK; i++) if ((i < 148 || i >= 156) && (h[i] as number) > 127) signed -= 256;
  if (stored !== unsigned && stored !== signed) {
    throw new MlfError('MLF-E001', `tar: header checksum at offset ${offset} is ${stored}, computed ${unsigned}`, {
      offset,
    });
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
export function refuseType(h: Uint8Array, flag: string, offset: number, pending: Pending | undefined): never {
  const what = TYPE_NAMES[flag] ?? `unknown type 0x${flag.charCodeAt(0).toString(16).padStart(2, '0')}`;
  const name = pending?.pax?.get('path') || pending?.longName || decodeText(field(h, 0, 100));
  const target = pending?.pax?.get('linkpath') || decodeText(field(h, 157, 100));
  const link = flag === '1' || flag === '2' ? ` -> ${JSON.stringify(target)}` : '';
  throw new MlfError(
    'MLF-E004',
    `tar: ${what} ${JSON.stringify(name)}${link} at offset ${offset} is not allowed (only files and directories)`,
    { offset },
  );
}

/** A NUL-terminated header field (bytes before the first NUL). */
function field(h: Uint8Array, start: number, len: number): Uint8Array {
  const f = h.subarray(start, start + len);
  const end = f.indexOf(0);
  return end < 0 ? f : f.subarray(0, end);
}

export function decodeName(bytes: Uint8Array, offset: number): string {
  const s = decodeUtf8(bytes);
  if (s === undefined)
    throw new MlfError('MLF-E005', `tar: member name at offset ${offset} is not valid UTF-8`, { offset });
  return s;
}

export function checkFits(dataOffset: number, size: number, total: number, what: string, offset: number): void {
  if (dataOffset + size > total) {
    throw new MlfError(
      'MLF-E002',
      `tar: ${what} at offset ${offset} needs ${size} data bytes from offset ${dataOffset}, but the input ends at ${total}`,
      {
        offset,
      },
    );
  }
}

export function checkRead(bytes: Uint8Array, offset: number, length: number): Uint8Array {
  if (bytes.byteLength !== length) {
    throw new MlfError('MLF-E002', `tar: read of ${length} bytes at offset ${offset} returned ${bytes.byteLength}`, {
      offset,
    });
  }
  return bytes;
}

export function isZero(b: Uint8Array): boolean {
  for (const x of b) if (x !== 0) return false;
  return true;
}

export const padded = (n: number): number => Math.ceil(n / BLOCK) * BLOCK;
