import { type Zippable, zipSync } from 'fflate';
import { MlfError } from '../errors/errors.js';
import { type DecodeNpyOptions, decodeNpy, encodeNpy, type NpyArray, type NpyInput, readNpyPrefix } from './npy.js';
import { readZipIndex } from './zip.js';
import { readZipEntry, readZipEntryHead } from './zip-read.js';
import { resolveLimits } from '../common/limits.js';

/** Options of `encodeNpz`. */
export interface EncodeNpzOptions {
  /** Deflate the members like `numpy.savez_compressed`; default false (stored, like `numpy.savez`). */
  compress?: boolean;
}

// A fixed local-time date (fflate writes local DOS time), so equal input gives equal bytes.
const MTIME = new Date(1980, 0, 1, 0, 0, 0);

/**
 * Encodes arrays as a `.npz` (a zip of `<name>.npy` members), readable by `numpy.load`.
 * @throws MlfError `MLF-E911` when an array cannot be encoded.
 */
export function encodeNpz(arrays: Readonly<Record<string, NpyInput>>, options: EncodeNpzOptions = {}): Uint8Array {
  const files: Zippable = Object.create(null); // keyed by tensor names from archives
  for (const [name, array] of Object.entries(arrays)) {
    let npy: Uint8Array;
    try {
      npy = encodeNpy(array);
    } catch (e) {
      if (e instanceof MlfError) throw new MlfError(e.code, `${e.message} (array ${JSON.stringify(name)})`);
      throw e;
    }
    files[`${name}.npy`] = npy;
  }
  return zipSync(files, { level: options.compress ? 6 : 0, mtime: MTIME });
}

/**
 * Decodes a `.npz`: every `*.npy` member, keyed by its name without `.npy` (as `numpy.load`
 * does); other members are listed and checked, never inflated. The zip structure is checked whole
 * first (`readZipIndex`: end records, central directory, local headers, overlaps, encryption,
 * methods, and `limits.maxEntries`, `maxMemberBytes`, `maxTotalBytes`, `maxCompressionRatio`
 * against the declared sizes), then each array is inflated within its declared size, its CRC-32
 * checked, and its header read under the `.npy` limits. The result has a null prototype, so a
 * member named `__proto__.npy` is just a key.
 * @throws MlfError `MLF-E911` for a corrupt, encrypted or empty zip or member, E009 above a limit.
 */
export function decodeNpz(bytes: Uint8Array, options: DecodeNpyOptions = {}): Record<string, NpyArray> {
  const entries = readZipIndex(bytes, options);
  const arrays = entries.filter((e) => e.name.endsWith('.npy'));
  if (arrays.length === 0) {
    throw new MlfError(
      'MLF-E911',
      `npz: no .npy arrays in the file (${entries.length === 0 ? 'an empty zip' : `${entries.length} other members`})`,
    );
  }
  // numpy.load looks a key up as a member name first: "a" would hide "a.npy" from NumPy, not from us.
  const names = new Set(entries.map((e) => e.name));
  for (const e of arrays) {
    if (names.has(e.name.slice(0, -4)))
      throw new MlfError(
        'MLF-E911',
        `npz: members ${JSON.stringify(e.name.slice(0, -4))} and ${JSON.stringify(e.name)} are both the key ${JSON.stringify(e.name.slice(0, -4))} for numpy.load`,
        { member: e.name },
      );
  }
  const limits = resolveLimits(options.limits);
  const out: Record<string, NpyArray> = Object.create(null);
  for (const e of arrays) {
    try {
      // The .npy header length is checked from the member's first bytes, before it is inflated.
      readNpyPrefix(readZipEntryHead(bytes, e, 12), e.size, limits);
      out[e.name.slice(0, -4)] = decodeNpy(readZipEntry(bytes, e), options);
    } catch (err) {
      if (err instanceof MlfError)
        throw new MlfError(err.code, `${err.message} (npz member ${JSON.stringify(e.name)})`, {
          member: e.name,
          offset: err.offset,
        });
      throw err;
    }
  }
  return out;
}
