import { MlfError, type MlfLocation } from '../errors/errors.js';

/**
 * Caps on untrusted input. Each has a one-line reason; every reader takes overrides through its
 * options (`limits: { maxEntries: ... }`). Exceeding one raises MLF-E009, never an out-of-memory.
 */
export interface Limits {
  /** Archive members: real MLFs have tens to a few thousand (the bundled CRT is ~120). */
  maxEntries: number;
  /** Sum of member sizes: the largest real models carry a few hundred MB of weights. */
  maxTotalBytes: number;
  /** One member: bounded by the total. */
  maxMemberBytes: number;
  /** Decompressed bytes of a .tar.gz/.tar.zst: same bound as the tar itself. */
  maxDecompressedBytes: number;
  /** Decompressed/compressed ratio: weights compress ~1.5x, C source ~10x; 1000x means a bomb. */
  maxCompressionRatio: number;
  /** metadata.json: TVM writes kilobytes; safetensors caps its JSON header at 100 MB. */
  maxMetadataBytes: number;
  /** Graph JSON text: a 100k-node graph is ~30-60 MB of TVM's indented JSON; V8 strings stop at 512 MiB. */
  maxGraphBytes: number;
  /** Graph nodes: the largest real graphs have tens of thousands. */
  maxGraphNodes: number;
  /** Params per file. */
  maxParams: number;
  /** Tensor rank: TVM's CRT allows 6; packed layouts reach 6, so 32 is generous. */
  maxNdim: number;
  /** Elements of one tensor (product of its shape). */
  maxTensorElements: number;
  /** `.npy` header text: NumPy's own cap (`max_header_size`, 10000); real headers are under 200 bytes. */
  maxNpyHeaderBytes: number;
  /** PAX/GNU extended header payload: names are at most a few KB. */
  maxExtendedHeaderBytes: number;
  /** Path length in bytes (PATH_MAX on Linux is 4096). */
  maxPathBytes: number;
  /** Directory depth of a member path (CVE-2024-28863 used deep nesting). */
  maxPathDepth: number;
  /** Nesting of metadata/graph JSON: TVM's nest 6 levels; deep nesting overflows recursive consumers. */
  maxJsonDepth: number;
  /** Values in one metadata/graph JSON: ~20 per graph node; `{},` costs 64 B of heap per 3 bytes of text. */
  maxJsonValues: number;
  /** Modules in metadata.json: merged archives hold a handful; each costs a pass over the codegen files. */
  maxModules: number;
  /** Relay/TIR/header text read by inspect: megabytes in practice; V8 strings stop at 512 MiB. */
  maxTextBytes: number;
}

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/** Default limits; generous for real archives, small enough to refuse bombs. */
export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxEntries: 100_000,
  maxTotalBytes: 8 * GiB,
  maxMemberBytes: 4 * GiB,
  maxDecompressedBytes: 8 * GiB,
  maxCompressionRatio: 1000,
  maxMetadataBytes: 100 * MiB,
  maxGraphBytes: 256 * MiB,
  maxGraphNodes: 2_000_000,
  maxParams: 1_000_000,
  maxNdim: 32,
  maxTensorElements: 2 ** 40,
  maxNpyHeaderBytes: 10_000,
  maxExtendedHeaderBytes: 1 * MiB,
  maxPathBytes: 4096,
  maxPathDepth: 64,
  maxJsonDepth: 64,
  maxJsonValues: 5_000_000,
  maxModules: 1000,
  maxTextBytes: 256 * MiB,
});

/**
 * The largest Uint8Array V8 allocates (Node 20: 4 GiB). Inputs held whole in memory (compressed
 * archives and their output) are capped here too, so a limit set above it fails with MLF-E009.
 */
export const MAX_ARRAY_BYTES = 2 ** 32;

/** Merges overrides into the defaults. */
export function resolveLimits(overrides?: Partial<Limits>): Limits {
  return { ...DEFAULT_LIMITS, ...overrides };
}

/**
 * The one accountant of `maxEntries`, `maxMemberBytes` and `maxTotalBytes`, shared by the tar
 * index, folders on disk, `mlf unpack` and `.npz` files, so the three limits mean the same
 * everywhere. `what` prefixes messages (`tar`, `folder`, `unpack`, `npz`).
 */
export interface MemberBudget {
  /** One more entry (a member, or a folder where folders count). MLF-E009 past `maxEntries`. */
  entry(location?: MlfLocation): void;
  /** A member of `bytes` bytes. MLF-E009 past `maxMemberBytes` or, summed, `maxTotalBytes`. */
  bytes(member: string, bytes: number, location?: MlfLocation): void;
}

/** A fresh {@link MemberBudget} over `limits`. */
export function memberBudget(limits: Limits, what: string): MemberBudget {
  let entries = 0;
  let total = 0;
  return {
    entry(location = {}) {
      if (++entries > limits.maxEntries)
        throw new MlfError('MLF-E009', `${what}: more than maxEntries ${limits.maxEntries} entries`, location);
    },
    bytes(member, bytes, location = {}) {
      const where = { member, ...location };
      if (bytes > limits.maxMemberBytes)
        throw new MlfError(
          'MLF-E009',
          `${what}: ${member} has ${bytes} bytes, over maxMemberBytes ${limits.maxMemberBytes}`,
          where,
        );
      total += bytes;
      if (total > limits.maxTotalBytes)
        throw new MlfError(
          'MLF-E009',
          `${what}: members total ${total} bytes at ${member}, over maxTotalBytes ${limits.maxTotalBytes}`,
          where,
        );
    },
  };
}
