import type { Command } from '@commander-js/extra-typings';
import type { CliContext } from '../context.js';
import { common, type Exec, examples } from '../options.js';

/** Registers `mlf manifest`, `mlf keygen`, `mlf sign` and `mlf verify` (run by ../actions/trust.ts). */
export function registerTrustCommands(program: Command, ctx: CliContext, exec: Exec): void {
  const manifest = program
    .command('manifest')
    .description('SHA-256 and size of every member (the payload mlf sign signs; format in docs/security.md)')
    .argument('<archive>', '.tar, .tar.gz/.tgz, .tar.zst, extracted folder, or - (stdin)')
    .option('--json', 'print the canonical manifest JSON (exactly the signed bytes)')
    .action((archive, opts) => exec(async () => (await import('../actions/trust.js')).runManifest(ctx, archive, opts)));
  examples(common(manifest), 'mlf manifest model.tar', 'mlf manifest model.tar --json | sha256sum');

  const keygen = program
    .command('keygen')
    .description('write a new Ed25519 key pair: KEY (PKCS#8 PEM, mode 0600) and KEY.pub (SPKI PEM)')
    .requiredOption('-o, --output <key>', 'private key file; the public key goes to <key>.pub')
    .option('-f, --force', 'replace existing key files (PEM files only)')
    .option('--json', 'print what was written as JSON')
    .action((opts) => exec(async () => (await import('../actions/trust.js')).runKeygen(ctx, opts)));
  examples(common(keygen), 'mlf keygen -o release.key');

  const sign = program
    .command('sign')
    .description(
      'sign the manifest of an archive: embedded as .mlf/signature.json (re-packed canonically), or --detached',
    )
    .argument('<archive>', 'archive (or folder, with -o or --detached)')
    .requiredOption('--key <key>', 'Ed25519 private key (PKCS#8 PEM, from mlf keygen)')
    .option('--detached', 'write <archive>.sig instead of re-packing the archive')
    .option('-o, --output <path>', 'destination (default: sign the archive in place, or <archive>.sig)')
    .option('-f, --force', 'replace an existing destination given with -o (an archive, or a signature file)')
    .option('--json', 'print what was written as JSON')
    .action((archive, opts) => exec(async () => (await import('../actions/trust.js')).runSign(ctx, archive, opts)));
  examples(
    common(sign),
    'mlf sign model.tar --key release.key',
    'mlf sign model.tar --key release.key --detached   # writes model.tar.sig',
  );

  const verify = program
    .command('verify')
    .description(
      'verify signed archives; exit 0 when all are valid, 1 otherwise (naming members changed, added or removed)',
    )
    .argument('<archives...>', 'archives or folders')
    .requiredOption('--pubkey <key>', 'Ed25519 public key (SPKI PEM, KEY.pub from mlf keygen)')
    .option(
      '--signature <file>',
      'detached signature (one archive only; default: the embedded one, else <archive>.sig)',
    )
    .option('--json', 'print the verdict as JSON')
    .action((archives, opts) => exec(async () => (await import('../actions/trust.js')).runVerify(ctx, archives, opts)));
  examples(
    common(verify),
    'mlf verify model.tar --pubkey release.key.pub',
    'mlf verify *.tar --pubkey release.key.pub --json',
  );
}
