import { createHash, type Hash } from 'node:crypto';
import type { ArchiveContents, ArchiveMember } from '../../core/archive/archive.js';
import { planCanonical } from '../../core/archive/canonical.js';
import { MlfError } from '../../core/errors/errors.js';
import { SIGNATURE_MEMBER } from '../../core/metadata/layout.js';
import type { MlfManifest } from '../../core/integrity/manifest.js';
import type { Compression } from '../write/compress.js';
import { chooseCompression } from '../write/write-archive.js';
import { writeTarPlanAtomic } from '../write/write-stream.js';
import type { WriteOptions, Written } from '../write/atomic.js';
import { sourceDateEpochFromEnv } from '../write/epoch.js';

/**
 * Streams the members named in `manifest` and the signature into a canonical archive, hashing
 * the members again as they are written: a member that changed since the manifest was computed
 * abandons the write (E011), so a signed archive always holds the bytes it claims.
 */
export async function writeSigned(
  contents: ArchiveContents,
  manifest: MlfManifest,
  signature: Uint8Array,
  output: string,
  options: WriteOptions & { compression?: Compression },
): Promise<Written> {
  const hashes = new Map<string, Hash>();
  const mtime = sourceDateEpochFromEnv();
  const plan = planCanonical(
    [
      ...Object.entries(manifest.members).map(([path, e]) => ({ path, size: e.size })),
      { path: SIGNATURE_MEMBER, size: signature.byteLength },
    ],
    mtime === undefined ? {} : { mtime },
  );
  return writeTarPlanAtomic(
    output,
    plan,
    (path) =>
      path === SIGNATURE_MEMBER ? { read: async () => signature } : (contents.members.get(path) as ArchiveMember),
    {
      ...options,
      compression: chooseCompression(output, options.compression),
      onData: (path, bytes) => {
        if (path === SIGNATURE_MEMBER) return;
        let h = hashes.get(path);
        if (h === undefined) hashes.set(path, (h = createHash('sha256')));
        h.update(bytes);
      },
      beforeCommit: () => {
        for (const [path, e] of Object.entries(manifest.members)) {
          const digest = hashes.get(path)?.digest('hex') ?? createHash('sha256').digest('hex');
          if (digest !== e.sha256)
            throw new MlfError(
              'MLF-E011',
              `sign: ${path} changed while the archive was written; nothing was written, sign again`,
              { member: path },
            );
        }
      },
    },
  );
}
