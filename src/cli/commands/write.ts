import type { Command } from '@commander-js/extra-typings';
import type { CliContext } from '../context.js';
import { collect, common, type Exec, examples } from '../options.js';

const FORCE_ARCHIVE = 'replace an existing archive (never a folder, a link, another kind of file or an input)';

/** Registers pack, merge, split, extract-module, convert and unpack (run by ../actions/write.ts). */
export function registerWriteCommands(program: Command, ctx: CliContext, exec: Exec): void {
  const pack = program
    .command('pack')
    .description('write a canonical, reproducible archive from an extracted MLF folder, or from loose build outputs')
    .argument('[folder]', 'extracted MLF folder (or archive, or - for stdin) to pack; validated first')
    .requiredOption('-o, --output <archive>', 'destination: .tar, .tar.gz/.tgz, .tar.zst, or - (a tar on stdout)')
    .option('--manifest <build.json>', 'build outputs of one or more modules (see README)')
    .option('--name <module>', 'one module from flags: its name')
    .option('--executor <graph|aot>', 'executor of the module')
    .option('--target <target>', 'target string (repeatable)', collect)
    .option('--graph <file>', 'graph-executor JSON')
    .option('--params <file>', '.params blob or .npz of tensors')
    .option('--src <file>', 'generated C/C++ source (repeatable, in order)', collect)
    .option('--obj <file>', 'generated object file (repeatable)', collect)
    .option('--header <file>', 'generated header (repeatable)', collect)
    .option('--relay <file>', 'Relay text')
    .option(
      '--workspace <function=bytes>',
      "an operator's workspace in bytes, as TVM reported it (repeatable)",
      collect,
    )
    .option('-f, --force', FORCE_ARCHIVE)
    .option('--json', 'print what was written (path, bytes, sha256) as JSON')
    .action((folder, opts) => exec(async () => (await import('../actions/write.js')).runPack(ctx, folder, opts)));
  examples(
    common(pack),
    'mlf pack extracted/ -o model.tar.zst',
    'mlf pack --manifest build.json -o model.tgz',
    'mlf pack --name cnn --executor graph --target c --graph g.json --params p.params --src lib0.c \\\n      --workspace tvmgen_cnn_fused_conv2d=4096 -o cnn.tar',
    'mlf pack extracted/ -o - | ssh host "cat > model.tar"',
  );

  const merge = program
    .command('merge')
    .description('combine the modules of several archives into one version-7 archive')
    .argument('<archives...>', 'archives or folders of any version')
    .requiredOption('-o, --output <archive>', 'destination archive')
    .option(
      '--rename <[input:]old=new>',
      'rename module OLD of input number INPUT (1-based; default: the first input after the one that has OLD first), with its C symbols and headers (repeatable)',
      collect,
    )
    .option('-f, --force', FORCE_ARCHIVE)
    .option('--json', 'print what was written as JSON')
    .action((archives, opts) => exec(async () => (await import('../actions/write.js')).runMerge(ctx, archives, opts)));
  examples(
    common(merge),
    'mlf merge cnn.tar kws.tar -o both.tar',
    'mlf merge a.tar b.tar --rename 2:default=kws -o both.tar',
  );

  const split = program
    .command('split')
    .description('write one version-7 archive per module into a folder')
    .argument('<archive>', 'archive, folder, or - (stdin)')
    .requiredOption('-o, --output <folder>', 'destination folder (must exist or its parent must; created if missing)')
    .option('--ext <ext>', 'archive extension: .tar, .tar.gz, .tgz, .tar.zst (or tar, gz, zst…)', '.tar')
    .option('-f, --force', 'replace existing archives of the same names')
    .option('--json', 'print what was written as JSON')
    .action((archive, opts) => exec(async () => (await import('../actions/write.js')).runSplit(ctx, archive, opts)));
  examples(common(split), 'mlf split multi.tar -o modules/ --ext .tar.zst');

  const extract = program
    .command('extract-module')
    .description('write one module of an archive as its own version-7 archive')
    .argument('<archive>', 'archive, folder, or - (stdin)')
    .requiredOption('-m, --module <name>', 'module to extract')
    .requiredOption('-o, --output <archive>', 'destination archive, or - (a tar on stdout)')
    .option('-f, --force', FORCE_ARCHIVE)
    .option('--json', 'print what was written as JSON')
    .action((archive, opts) =>
      exec(async () => (await import('../actions/write.js')).runExtractModule(ctx, archive, opts)),
    );
  examples(common(extract), 'mlf extract-module multi.tar --module kws -o kws.tar');

  const convert = program
    .command('convert')
    .description('upgrade any version to 7, or write a single-module archive as version 6 for legacy consumers')
    .argument('<archive>', 'archive, folder, or - (stdin)')
    .requiredOption('--to-version <n>', '7 or 6')
    .requiredOption('-o, --output <archive>', 'destination archive, or - (a tar on stdout)')
    .option('-f, --force', FORCE_ARCHIVE)
    .option('--json', 'print what was written as JSON')
    .action((archive, opts) => exec(async () => (await import('../actions/write.js')).runConvert(ctx, archive, opts)));
  examples(common(convert), 'mlf convert old-v5.tar --to-version 7 -o model.tar');

  const unpack = program
    .command('unpack')
    .description('extract an archive safely: every entry is checked before anything is written; all or nothing')
    .argument('<archive>', '.tar, .tar.gz/.tgz, .tar.zst, or - (stdin)')
    .requiredOption(
      '-o, --output <folder>',
      'destination folder (its parent must exist; must not exist unless --force)',
    )
    .option('-f, --force', 'replace a folder holding only files of this archive or of an earlier mlf write')
    .option('--json', 'print what was written as JSON')
    .action((archive, opts) => exec(async () => (await import('../actions/write.js')).runUnpack(ctx, archive, opts)));
  examples(common(unpack), 'mlf unpack model.tar -o model/', 'curl -sL URL | mlf unpack - -o model/');
}
