import { type Unzipped, unzipSync, type Zippable, zipSync } from 'fflate';
import { MlfError } from '../errors/errors.js';
import { memberBudget, resolveLimits } from '../common/limits.js';
import { type DecodeNpyOptions, decodeNpy, encodeNpy, type NpyArray, type NpyInput } from './npy.js';

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
  const files: Zippable = {};
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
 * does); other members are ignored. Member sizes are checked against `limits.maxMemberBytes`,
 * `maxTotalBytes`, `maxEntries` and `maxCompressionRatio` before anything is inflated.
 * The result has a null prototype, so a member named `__proto__.npy` is just a key.
 * @throws MlfError `MLF-E911` for a corrupt zip or member, E009 above a limit.
 */
export function decodeNpz(bytes: Uint8Array, options: DecodeNpyOptions = {}): Record<string, NpyArray> {
  const limits = resolveLimits(options.limits);
  const budget = memberBudget(limits, 'npz');
  let files: Unzipped;
  try {
    files = unzipSync(bytes, {
      filter: (file) => {
        if (!file.name.endsWith('.npy')) return false;
        const where = `npz: member ${JSON.stringify(file.name)}`;
        budget.entry();
        budget.bytes(file.name, file.originalSize);
        if (file.compression !== 0 && file.originalSize > Math.max(file.size, 1) * limits.maxCompressionRatio) {
          throw new MlfError(
            'MLF-E009',
            `${where}: ${file.size} → ${file.originalSize} bytes exceeds limits.maxCompressionRatio`,
          );
        }
        return true;
      },
    });
  } catch (e) {
    if (e instanceof MlfError) throw e;
    throw new MlfError('MLF-E911', `npz: not a readable zip archive (${e instanceof Error ? e.message : String(e)})`);
  }
  const out: Record<string, NpyArray> = Object.create(null);
  for (const [name, data] of Object.entries(files)) {
    try {
      out[name.slice(0, -4)] = decodeNpy(data, options);
    } catch (e) {
      if (e instanceof MlfError)
        throw new MlfError(e.code, `${e.message} (npz member ${JSON.stringify(name)})`, {
          member: name,
          offset: e.offset,
        });
      throw e;
    }
  }
  return out;
}
