import type { Command } from '@commander-js/extra-typings';
import type { CliIo } from '../io.js';

/** Registers `mlf manifest`, `mlf keygen`, `mlf sign` and `mlf verify` (run by ../actions/trust.ts). */
export function registerTrustCommands(program: Command, io: CliIo, setCode: (n: number) => void): void {
  program
    .command('manifest')
    .description('SHA-256 and size of every member (the payload mlf sign signs; format in docs/security.md)')
    .argument('<archive>', '.tar, .tar.gz/.tgz, .tar.zst or extracted folder')
    .option('--json', 'print the canonical manifest JSON (exactly the signed bytes)')
    .action(async (archive, opts) => {
      const { runManifest } = await import('../actions/trust.js');
      setCode(await runManifest(archive, opts, io));
    });

  program
    .command('keygen')
    .description('write a new Ed25519 key pair: KEY (PKCS#8 PEM, mode 0600) and KEY.pub (SPKI PEM)')
    .requiredOption('-o, --output <key>', 'private key file; the public key goes to <key>.pub')
    .option('-f, --force', 'replace existing key files')
    .action(async (opts) => {
      const { runKeygen } = await import('../actions/trust.js');
      setCode(await runKeygen(opts, io));
    });

  program
    .command('sign')
    .description(
      'sign the manifest of an archive: embedded as .mlf/signature.json (re-packed canonically), or --detached',
    )
    .argument('<archive>', 'archive (or folder, with -o or --detached)')
    .requiredOption('--key <key>', 'Ed25519 private key (PKCS#8 PEM, from mlf keygen)')
    .option('--detached', 'write <archive>.sig instead of re-packing the archive')
    .option('-o, --output <path>', 'destination (default: sign the archive in place, or <archive>.sig)')
    .option('-f, --force', 'replace an existing destination given with -o')
    .action(async (archive, opts) => {
      const { runSign } = await import('../actions/trust.js');
      setCode(await runSign(archive, opts, io));
    });

  program
    .command('verify')
    .description('verify a signed archive; exit 0 when valid, 1 otherwise (naming members changed, added or removed)')
    .argument('<archive>', 'archive or folder')
    .requiredOption('--pubkey <key>', 'Ed25519 public key (SPKI PEM, KEY.pub from mlf keygen)')
    .option('--signature <file>', 'detached signature (default: the embedded one, else <archive>.sig)')
    .option('--json', 'print the verdict as JSON')
    .action(async (archive, opts) => {
      const { runVerify } = await import('../actions/trust.js');
      setCode(await runVerify(archive, opts, io));
    });
}
