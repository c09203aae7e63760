import { type Diagnostic, diagnostic, MlfError } from '../errors/errors.js';
import { type Limits, memberBudget, resolveLimits } from '../common/limits.js';
import type { ByteSource } from '../common/source.js';
import { addToTree, createTree, normalizeMemberPath } from './path.js';
export type { TarEntry } from './header.js';
import {
  BLOCK,
  type TarEntry,
  checkFits,
  checkRead,
  decodeEntry,
  decodeName,
  isZero,
  padded,
  parsePax,
  readNumber,
  refuseType,
  verifyChecksum,
  type Pending,
} from './header.js';

export { type NormalizePathOptions, normalizeMemberPath } from './path.js';

/**
 * A hand-written tar reader. It reads only the 512-byte headers (and extended-header payloads),
 * so listing costs the same for 1 KB and 1 GB of weights, and every refusal carries the byte
 * offset of the header at fault. Links, devices and every unknown type are refused as soon as
 * their header is seen; nothing is ever resolved against a file system.
 */

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
    throw new MlfError(
      'MLF-E002',
      `tar: ${entry.path} needs bytes up to ${end}, but the archive has ${bytes.byteLength}`,
      {
        member: entry.path,
        offset: entry.dataOffset,
      },
    );
  }
  return bytes.subarray(entry.dataOffset, end);
}

/** Reads the data of one entry from a random-access source. */
export async function readTarEntry(source: ByteSource, entry: TarEntry): Promise<Uint8Array> {
  const data = await source.read(entry.dataOffset, entry.size);
  if (data.byteLength !== entry.size) {
    throw new MlfError(
      'MLF-E002',
      `tar: ${entry.path} needs ${entry.size} bytes at offset ${entry.dataOffset}, got ${data.byteLength}`,
      {
        member: entry.path,
        offset: entry.dataOffset,
      },
    );
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

function* parseTar(total: number, limits: Limits): Generator<ReadRequest, TarIndex, Uint8Array> {
  if (total === 0) throw new MlfError('MLF-E010', 'tar: input is empty (0 bytes)', { offset: 0 });
  const entries: TarEntry[] = [];
  const warnings: Diagnostic[] = [];
  const tree = createTree();
  const global = new Map<string, string>();
  let globalSparse: string | undefined;
  let pending: Pending | undefined;
  let root = false;
  const budget = memberBudget(limits, 'tar');
  let offset = 0;
  const finish = (endMarker: boolean, end: number, why?: string): TarIndex => {
    if (pending) {
      const [code, what] =
        end >= total ? (['MLF-E002', 'the input ends'] as const) : (['MLF-E007', 'a zero block follows'] as const);
      throw new MlfError(
        code,
        `tar: extended header at offset ${pending.offset} is not followed by an entry: ${what} at offset ${end}`,
        {
          offset: pending.offset,
        },
      );
    }
    if (why) warnings.push(diagnostic('MLF-W001', `tar: ${why}`, { offset: end }));
    return { entries, root, endMarker, warnings, byteLength: end };
  };
  for (;;) {
    if (offset === total)
      return finish(
        false,
        offset,
        `no end-of-archive marker: the input ends at offset ${offset} after the last member`,
      );
    if (total - offset < BLOCK) {
      const tail = yield { offset, length: total - offset };
      if (!pending && isZero(tail))
        return finish(
          false,
          offset,
          `end-of-archive marker incomplete: ${total - offset} zero bytes at offset ${offset}`,
        );
      throw new MlfError(
        'MLF-E002',
        `tar: header at offset ${offset} is truncated: ${total - offset} of ${BLOCK} bytes`,
        { offset },
      );
    }
    const h = yield { offset, length: BLOCK };
    if (isZero(h)) {
      if (pending) finish(false, offset); // throws E007: extended header without its entry
      if (total - offset < 2 * BLOCK)
        return finish(
          false,
          total,
          `end-of-archive marker incomplete: one zero block at offset ${offset}, then the input ends`,
        );
      const next = yield { offset: offset + BLOCK, length: BLOCK };
      if (isZero(next)) return finish(true, offset + 2 * BLOCK);
      return finish(
        false,
        offset + BLOCK,
        `lone zero block at offset ${offset}; like GNU tar and Python, reading stops there`,
      );
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
            throw new MlfError(
              'MLF-E007',
              `tar: global PAX header at offset ${offset} sets "${k}", which tar implementations apply differently`,
              { offset },
            );
          }
          global.set(k, v);
          if (k.startsWith('GNU.sparse.')) globalSparse ??= k;
        }
      } else {
        pending ??= { offset };
        if (flag === 'x') {
          if (pending.pax)
            throw new MlfError('MLF-E007', `tar: two PAX headers in a row at offset ${offset}`, { offset });
          pending.pax = parsePax(payload, dataOffset);
        } else {
          if (pending.longName !== undefined)
            throw new MlfError('MLF-E007', `tar: two GNU long-name records in a row at offset ${offset}`, { offset });
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
      throw new MlfError(
        'MLF-E005',
        `tar: regular file ${JSON.stringify(entry.rawPath)} at offset ${offset} has a name ending in "/"`,
        { offset },
      );
    }
    if (entry.type === 'directory' && entry.size !== 0) {
      throw new MlfError(
        'MLF-E003',
        `tar: directory ${JSON.stringify(entry.rawPath)} at offset ${offset} declares ${entry.size} data bytes`,
        { offset },
      );
    }
    if (path === '') {
      if (entry.type !== 'directory')
        throw new MlfError('MLF-E005', `tar: root name "${entry.rawPath}" at offset ${offset} is not a directory`, {
          offset,
        });
      if (root)
        throw new MlfError('MLF-E006', `tar: second root entry "${entry.rawPath}" at offset ${offset}`, { offset });
      root = true;
      offset = dataOffset;
      continue;
    }
    budget.entry({ offset, member: path });
    budget.bytes(path, entry.size, { offset });
    checkFits(dataOffset, entry.size, total, path, offset);
    addToTree(tree, path, entry.type, offset);
    entries.push({ path, ...entry, headerOffset: offset, dataOffset });
    offset = dataOffset + padded(entry.size);
    if (offset > total) {
      throw new MlfError('MLF-E002', `tar: padding of ${path} runs past the end of the input (${total} bytes)`, {
        offset: total,
        member: path,
      });
    }
  }
}
