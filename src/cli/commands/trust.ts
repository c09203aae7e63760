import type { Command } from '@commander-js/extra-typings';
import { MlfError } from '../../core/errors.js';
import { canonicalJson, computeManifest } from '../../core/manifest.js';
import { openArchivePath } from '../../node/open.js';
import { signArchive, type VerifyResult, verifyArchive, writeSigningKeys } from '../../node/sign.js';
import { formatTable } from '../format.js';
import { type CliIo, toJson } from '../io.js';

/** `mlf manifest A [--json]`: the SHA-256 and size of every member; `--json` prints the canonical bytes. */
export async function runManifest(path: string, opts: { json?: boolean }, io: CliIo): Promise<number> {
  const contents = await openArchivePath(path);
  let manifest;
  try {
    manifest = await computeManifest(contents);
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
export async function runSign(path: string, opts: { key: string; detached?: boolean; output?: string; force?: boolean }, io: CliIo): Promise<number> {
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
export async function runVerify(path: string, opts: { pubkey: string; signature?: string; json?: boolean }, io: CliIo): Promise<number> {
  const r = await verifyArchive(path, { publicKey: opts.pubkey, ...(opts.signature === undefined ? {} : { signature: opts.signature }) });
  if (opts.json) {
    io.out(toJson({ path, ...r }));
    return r.valid ? 0 : 1;
  }
  if (r.valid) {
    io.out(`${path}: signature valid (key ${r.keyId}, ${r.members} members, ${r.source === 'embedded' ? 'embedded signature' : r.source})`);
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

/** Registers `mlf manifest`, `mlf keygen`, `mlf sign` and `mlf verify`. */
export function registerTrustCommands(program: Command, io: CliIo, setCode: (n: number) => void): void {
  program
    .command('manifest')
    .description('SHA-256 and size of every member (the payload mlf sign signs; format in docs/security.md)')
    .argument('<archive>', '.tar, .tar.gz/.tgz, .tar.zst or extracted folder')
    .option('--json', 'print the canonical manifest JSON (exactly the signed bytes)')
    .action(async (archive, opts) => setCode(await runManifest(archive, opts, io)));

  program
    .command('keygen')
    .description('write a new Ed25519 key pair: KEY (PKCS#8 PEM, mode 0600) and KEY.pub (SPKI PEM)')
    .requiredOption('-o, --output <key>', 'private key file; the public key goes to <key>.pub')
    .option('-f, --force', 'replace existing key files')
    .action(async (opts) => setCode(await runKeygen(opts, io)));

  program
    .command('sign')
    .description('sign the manifest of an archive: embedded as .mlf/signature.json (re-packed canonically), or --detached')
    .argument('<archive>', 'archive (or folder, with -o or --detached)')
    .requiredOption('--key <key>', 'Ed25519 private key (PKCS#8 PEM, from mlf keygen)')
    .option('--detached', 'write <archive>.sig instead of re-packing the archive')
    .option('-o, --output <path>', 'destination (default: sign the archive in place, or <archive>.sig)')
    .option('-f, --force', 'replace an existing destination given with -o')
    .action(async (archive, opts) => setCode(await runSign(archive, opts, io)));

  program
    .command('verify')
    .description('verify a signed archive; exit 0 when valid, 1 otherwise (naming members changed, added or removed)')
    .argument('<archive>', 'archive or folder')
    .requiredOption('--pubkey <key>', 'Ed25519 public key (SPKI PEM, KEY.pub from mlf keygen)')
    .option('--signature <file>', 'detached signature (default: the embedded one, else <archive>.sig)')
    .option('--json', 'print the verdict as JSON')
    .action(async (archive, opts) => setCode(await runVerify(archive, opts, io)));
}
