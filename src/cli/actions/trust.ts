import { MlfError } from '../../core/errors/errors.js';
import { canonicalJson, computeManifest } from '../../core/integrity/manifest.js';
import { hashMember } from '../../node/read/member-chunks.js';
import { openArchivePath } from '../../node/read/open.js';
import { signArchive, type VerifyResult, verifyArchive, writeSigningKeys } from '../../node/trust/sign.js';
import { formatTable } from '../format.js';
import { type CliIo, toJson } from '../io.js';

/** `mlf manifest A [--json]`: the SHA-256 and size of every member; `--json` prints the canonical bytes. */
export async function runManifest(path: string, opts: { json?: boolean }, io: CliIo): Promise<number> {
  const contents = await openArchivePath(path);
  let manifest;
  try {
    manifest = await computeManifest(contents, { hashMember });
  } finally {
    await contents.close?.();
  }
  if (opts.json) io.out(canonicalJson(manifest));
  else io.out(formatTable(Object.entries(manifest.members).map(([p, e]) => [e.sha256, String(e.size), p])));
  return 0;
}

/** `mlf keygen -o KEY`: KEY (private, 0600) and KEY.pub. */
export async function runKeygen(opts: { output: string; force?: boolean }, io: CliIo): Promise<number> {
  const { keyId } = await writeSigningKeys(opts.output, { force: opts.force ?? false });
  io.err(`wrote ${opts.output} (private, keep it secret) and ${opts.output}.pub (public), key ${keyId}`);
  return 0;
}

/** `mlf sign A --key KEY [--detached] [-o OUT]`. */
export async function runSign(
  path: string,
  opts: { key: string; detached?: boolean; output?: string; force?: boolean },
  io: CliIo,
): Promise<number> {
  const r = await signArchive(path, {
    key: opts.key,
    detached: opts.detached ?? false,
    force: opts.force ?? false,
    ...(opts.output === undefined ? {} : { output: opts.output }),
  });
  io.err(`signed ${r.members} members with key ${r.keyId}: wrote ${r.output}`);
  return 0;
}

/** `mlf verify A --pubkey PUB [--signature FILE]`: exit 0 when the archive is exactly what was signed. */
export async function runVerify(
  path: string,
  opts: { pubkey: string; signature?: string; json?: boolean },
  io: CliIo,
): Promise<number> {
  const r = await verifyArchive(path, {
    publicKey: opts.pubkey,
    ...(opts.signature === undefined ? {} : { signature: opts.signature }),
  });
  if (opts.json) {
    io.out(toJson({ path, ...r }));
    return r.valid ? 0 : 1;
  }
  if (r.valid) {
    io.out(
      `${path}: signature valid (key ${r.keyId}, ${r.members} members, ${r.source === 'embedded' ? 'embedded signature' : r.source})`,
    );
    return 0;
  }
  throw new MlfError('MLF-E603', `${path}: the signature is valid, but ${describeChanges(r)}`);
}

function describeChanges(r: VerifyResult): string {
  const list = (what: string, paths: string[]) => {
    if (paths.length === 0) return [];
    const shown = paths.slice(0, 50).join(', ');
    return [`${what} ${paths.length}: ${shown}${paths.length > 50 ? `, … (${paths.length - 50} more)` : ''}`];
  };
  return [...list('changed', r.changed), ...list('added', r.added), ...list('removed', r.removed)].join('; ');
}
