import { Command, CommanderError } from '@commander-js/extra-typings';
import { CliContext } from './context.js';
import { type CliIo, processIo } from './io.js';
import { EXIT, printError } from './errors.js';

// Start-up loads only command definitions (this file, commands/*.ts); each action imports its
// implementation from actions/*.ts when it runs, so `mlf --help` reads no archive code and
// `mlf inspect` no signing, packing or viewer code. Import actions/ only with `await import()`
// (or `import type`).

// Command groups (one line each): commands/<group>.ts defines, actions/<group>.ts runs.
import { registerReadCommands } from './commands/read.js';
import { registerParamsCommands } from './commands/params.js';
import { registerWriteCommands } from './commands/write.js';
import { registerTrustCommands } from './commands/trust.js';
import { registerRunnerCommands } from './commands/runner.js';
import { registerViewCommands } from './commands/view.js';
import { registerCompareCommands } from './commands/compare.js';
import { registerCompletionCommand } from './commands/completion.js';

export { EXIT };

const ROOT_HELP = `
Inputs: a .tar, .tar.gz/.tgz or .tar.zst archive, an extracted MLF folder, or - (standard input).
Outputs: -o/--output; - writes single-file outputs to standard output.

Exit statuses:
  0  success (valid, every budget met)
  1  invalid archive, failed check or a user error (code, location and hint printed)
  2  usage error (bad flags, an ambiguous choice such as a missing --module)
  3  internal error (a bug; please report it)

Environment: NO_COLOR, FORCE_COLOR, SOURCE_DATE_EPOCH (every writer), MLF_CACHE_DIR, TMPDIR.
Docs: README.md (CLI reference), docs/diagnostics.md (every code), docs/ci.md, docs/format.md.`;

/** Builds the program: the root and every command group. */
export function buildProgram(ctx: CliContext, setCode: (n: number) => void): Command {
  const program = new Command()
    .name('mlf')
    .description('Read, validate, inspect and write Apache TVM Model Library Format (MLF) archives.')
    .version('0.1.0')
    .showHelpAfterError('(run mlf --help for usage)')
    .configureOutput({ writeOut: (s) => ctx.io.out(s), writeErr: (s) => ctx.usageText(s) })
    .exitOverride()
    .enablePositionalOptions()
    .addHelpText('after', ROOT_HELP);
  program.hook('preAction', (_root, action) => ctx.configure(action.opts()));
  const exec = (run: () => Promise<number>) => run().then(setCode);
  registerReadCommands(program, ctx, exec);
  registerParamsCommands(program, ctx, exec);
  registerWriteCommands(program, ctx, exec);
  registerTrustCommands(program, ctx, exec);
  registerRunnerCommands(program, ctx, exec);
  registerViewCommands(program, ctx, exec);
  registerCompareCommands(program, ctx, exec);
  registerCompletionCommand(program, ctx, exec);
  return program;
}

/**
 * Runs the CLI on `argv` (without the node and script entries) and returns the exit status.
 * User errors print a code, location, message and hint (as JSON on stdout under --json) — never
 * a stack trace.
 */
export async function run(argv: string[], io: CliIo = processIo): Promise<number> {
  let code: number = EXIT.ok;
  const ctx = new CliContext(io);
  ctx.jsonFromArgv(argv);
  const program = buildProgram(ctx, (n) => {
    code = n;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.exitCode === 0 || e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return EXIT.ok;
      ctx.flushUsage(e.message);
      return EXIT.usage;
    }
    return printError(ctx, e);
  } finally {
    await ctx.close();
  }
}
