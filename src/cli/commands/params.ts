import { type Command, Option } from '@commander-js/extra-typings';
import type { CliContext } from '../context.js';
import { common, type Exec, examples } from '../options.js';

/** Registers `mlf params`, `mlf params export` and `mlf params import` (run by ../actions/params.ts). */
export function registerParamsCommands(program: Command, ctx: CliContext, exec: Exec): void {
  const params = program
    .command('params')
    .description('list the tensors of a module (or of a .params file) with dtype, shape, bytes and SHA-256')
    .argument('<input>', 'archive, folder, .params file, or - (stdin)')
    .option('-m, --module <name>', 'module to read (needed when several have params)')
    .enablePositionalOptions()
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json'] as const))
    .option('--json', 'print JSON; same as --format json')
    .action((input, opts) => exec(async () => (await import('../actions/params.js')).runParams(ctx, input, opts)));
  examples(common(params), 'mlf params model.tar', 'mlf params parameters/default.params --json');

  const exp = params
    .command('export')
    .description('write the tensors as one .npz file or a folder of .npy files that NumPy loads')
    .argument('<input>', 'archive, folder, .params file, or - (stdin)')
    .option('-o, --output <path>', 'a path ending in .npz, a folder (no extension), or - (an .npz on stdout)')
    .addOption(new Option('--to <path>', 'old spelling of --output').hideHelp())
    .addOption(
      new Option('--format <format>', 'npz or folder (default: from the output path)').choices([
        'npz',
        'folder',
      ] as const),
    )
    .option('-m, --module <name>', 'module to read')
    .option('-f, --force', 'replace an earlier export (a .npz file, or a folder holding only what mlf wrote)')
    .option('--json', 'print what was written as JSON')
    .action((input, opts) =>
      exec(async () => (await import('../actions/params.js')).runParamsExport(ctx, input, opts)),
    );
  examples(
    common(exp),
    'mlf params export model.tar -o weights.npz',
    'mlf params export model.tar -o weights/ --module default',
    'mlf params export model.tar -o - > weights.npz',
  );

  const imp = params
    .command('import')
    .description('build a .params file from one .npz or a folder of .npy files (the reverse of export)')
    .argument('<input>', '.npz file or folder of .npy files')
    .requiredOption('-o, --output <file>', 'the .params file to write, or - (stdout)')
    .option('-f, --force', 'replace an existing .params file')
    .option('--json', 'print what was written as JSON')
    .action((input, opts) =>
      exec(async () => (await import('../actions/params.js')).runParamsImport(ctx, input, opts)),
    );
  examples(common(imp), 'mlf params import weights.npz -o default.params');
}
