import { Command, CommanderError } from '@commander-js/extra-typings';
import pc from 'picocolors';
import { formatLocation, isMlfError } from '../core/errors/errors.js';
import { type CliIo, processIo } from './io.js';

// Start-up loads only command definitions (this file, commands/*.ts); each action imports its
// implementation from actions/*.ts when it runs, so `mlf --help` reads no archive code and
// `mlf inspect` no signing, packing or viewer code. Import actions/ only with `await import()`
// (or `import type`).

// Command-group imports (one line each): commands/<group>.ts defines, actions/<group>.ts runs.
import { registerTrustCommands } from './commands/trust.js';
import { registerRunnerCommands } from './commands/runner.js';
import { registerViewCommands } from './commands/view.js';
import { registerCompareCommands } from './commands/compare.js';

/** Exit statuses, documented in the README. */
export const EXIT = { ok: 0, invalid: 1, usage: 2, internal: 3 } as const;

function buildProgram(io: CliIo, setCode: (n: number) => void): Command {
  const program = new Command()
    .name('mlf')
    .description('Read, validate, inspect and write Apache TVM Model Library Format (MLF) archives.')
    .version('0.1.0')
    .showHelpAfterError('(run mlf --help for usage)')
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .exitOverride()
    .enablePositionalOptions();

  program
    .command('inspect')
    .description('summarise an archive or extracted folder: modules, executors, targets, I/O, params, memory, code')
    .argument('<archive>', '.tar, .tar.gz/.tgz, .tar.zst or extracted folder')
    .option('-m, --module <name>', 'only this module')
    .option('--json', 'print the machine-readable report (a stable contract)')
    .action(async (archive, opts) => {
      const { runInspect } = await import('./actions/inspect.js');
      setCode(await runInspect(archive, opts, io));
    });

  program
    .command('validate')
    .description('check an archive in depth; exit 0 when valid, 1 on errors')
    .argument('<archive>', '.tar, .tar.gz/.tgz, .tar.zst or extracted folder')
    .option('--json', 'print diagnostics as JSON')
    .option('--strict', 'treat warnings as errors')
    .action(async (archive, opts) => {
      const { runValidate } = await import('./actions/validate.js');
      setCode(await runValidate(archive, opts, io));
    });

  const params = program
    .command('params')
    .description('list the tensors of a module (or of a .params file) with dtype, shape, bytes and SHA-256')
    .argument('<input>', 'archive, folder or .params file')
    .option('-m, --module <name>', 'module to read (needed when several have params)')
    .enablePositionalOptions()
    .option('--json', 'print JSON')
    .action(async (input, opts) => {
      const { runParams } = await import('./actions/params.js');
      setCode(await runParams(input, opts, io));
    });
  params
    .command('export')
    .description('write the tensors as one .npz file or a folder of .npy files that NumPy loads')
    .argument('<input>', 'archive, folder or .params file')
    .requiredOption('--to <path>', 'destination: a path ending in .npz, or a folder')
    .option('-m, --module <name>', 'module to read')
    .option('-f, --force', 'replace an existing destination')
    .action(async (input, opts) => {
      const { runParamsExport } = await import('./actions/params.js');
      setCode(await runParamsExport(input, opts, io));
    });
  params
    .command('import')
    .description('build a .params file from one .npz or a folder of .npy files (the reverse of export)')
    .argument('<input>', '.npz file or folder of .npy files')
    .requiredOption('-o, --output <file>', 'the .params file to write')
    .option('-f, --force', 'replace an existing file')
    .action(async (input, opts) => {
      const { runParamsImport } = await import('./actions/write.js');
      setCode(await runParamsImport(input, opts, io));
    });

  const collect = (v: string, prev: string[] = []) => [...prev, v];
  program
    .command('pack')
    .description('write a canonical, reproducible archive from an extracted MLF folder, or from loose build outputs')
    .argument('[folder]', 'extracted MLF folder (or archive) to pack; validated first')
    .requiredOption('-o, --output <archive>', 'destination: .tar, .tar.gz/.tgz or .tar.zst')
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
    .option('-f, --force', 'replace an existing destination')
    .action(async (folder, opts) => {
      const { runPack } = await import('./actions/write.js');
      setCode(await runPack(folder, opts, io));
    });

  program
    .command('merge')
    .description('combine the modules of several archives into one version-7 archive')
    .argument('<archives...>', 'archives or folders of any version')
    .requiredOption('-o, --output <archive>', 'destination archive')
    .option('--rename <old=new>', 'rename a clashing module of a later input (repeatable)', collect)
    .option('-f, --force', 'replace an existing destination')
    .action(async (archives, opts) => {
      const { runMerge } = await import('./actions/write.js');
      setCode(await runMerge(archives, opts, io));
    });

  program
    .command('split')
    .description('write one version-7 archive per module into a folder')
    .argument('<archive>', 'archive or folder')
    .requiredOption('-o, --output <folder>', 'destination folder (created if needed)')
    .option('--ext <ext>', 'archive extension: .tar, .tar.gz, .tgz or .tar.zst', '.tar')
    .option('-f, --force', 'replace existing archives')
    .action(async (archive, opts) => {
      const { runSplit } = await import('./actions/write.js');
      setCode(await runSplit(archive, opts, io));
    });

  program
    .command('extract-module')
    .description('write one module of an archive as its own version-7 archive')
    .argument('<archive>', 'archive or folder')
    .requiredOption('-m, --module <name>', 'module to extract')
    .requiredOption('-o, --output <archive>', 'destination archive')
    .option('-f, --force', 'replace an existing destination')
    .action(async (archive, opts) => {
      const { runExtractModule } = await import('./actions/write.js');
      setCode(await runExtractModule(archive, opts, io));
    });

  program
    .command('convert')
    .description('upgrade any version to 7, or write a single-module archive as version 6 for legacy consumers')
    .argument('<archive>', 'archive or folder')
    .requiredOption('--to-version <n>', '7 or 6')
    .requiredOption('-o, --output <archive>', 'destination archive')
    .option('-f, --force', 'replace an existing destination')
    .action(async (archive, opts) => {
      const { runConvert } = await import('./actions/write.js');
      setCode(await runConvert(archive, opts, io));
    });

  program
    .command('unpack')
    .description('extract an archive safely: every entry is checked before anything is written; all or nothing')
    .argument('<archive>', '.tar, .tar.gz/.tgz or .tar.zst')
    .requiredOption('-o, --output <folder>', 'destination folder (must not exist unless --force)')
    .option('-f, --force', 'replace an existing destination folder')
    .action(async (archive, opts) => {
      const { runUnpack } = await import('./actions/write.js');
      setCode(await runUnpack(archive, opts, io));
    });

  // Command groups that live in their own files register here (one line each).
  registerTrustCommands(program, io, setCode);
  registerRunnerCommands(program, io, setCode);
  registerViewCommands(program, io, setCode);
  registerCompareCommands(program, io, setCode);
  return program;
}

/**
 * Runs the CLI on `argv` (without the node and script entries) and returns the exit status.
 * User errors print a code, location, message and hint — never a stack trace.
 */
export async function run(argv: string[], io: CliIo = processIo): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram(io, (n) => {
    code = n;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.exitCode === 0 || e.code === 'commander.helpDisplayed' || e.code === 'commander.version'
        ? EXIT.ok
        : EXIT.usage;
    }
    if (isMlfError(e)) {
      const loc = formatLocation(e);
      io.err(`${pc.red('error')} ${pc.bold(e.code)}${loc ? ` ${loc}` : ''}: ${e.message}\n  hint: ${e.hint}`);
      return e.code === 'MLF-E901' ? EXIT.usage : EXIT.invalid;
    }
    io.err(
      `mlf: internal error (a bug; please report it with this trace):\n${e instanceof Error ? e.stack : String(e)}`,
    );
    return EXIT.internal;
  }
}
