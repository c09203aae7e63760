import { type Command, Option } from '@commander-js/extra-typings';
import type { CliContext } from '../context.js';
import { common, type Exec, examples } from '../options.js';

const TEXT_JSON = ['text', 'json'] as const;

/** Registers `mlf inspect` and `mlf validate` (run by ../actions/read.ts). */
export function registerReadCommands(program: Command, ctx: CliContext, exec: Exec): void {
  const inspect = program
    .command('inspect')
    .description('summarise archives or extracted folders: modules, executors, targets, I/O, params, memory, code')
    .argument('<archives...>', '.tar, .tar.gz/.tgz, .tar.zst, extracted folder, or - (stdin)')
    .option('-m, --module <name>', 'only this module')
    .addOption(new Option('--format <format>', 'output format').choices(TEXT_JSON))
    .option('--json', 'print the machine-readable report (a stable contract); same as --format json')
    .action((archives, opts) => exec(async () => (await import('../actions/read.js')).runInspect(ctx, archives, opts)));
  examples(
    common(inspect),
    'mlf inspect model.tar',
    'mlf inspect a.tar b.tgz --json | jq .',
    'cat model.tar.zst | mlf inspect -',
  );

  const validate = program
    .command('validate')
    .description('check archives in depth; exit 0 when all are valid, 1 when one has errors')
    .argument('<archives...>', '.tar, .tar.gz/.tgz, .tar.zst, extracted folder, or - (stdin)')
    .addOption(new Option('--format <format>', 'output format').choices(TEXT_JSON))
    .option('--json', 'print diagnostics as JSON; same as --format json')
    .option('--strict', 'treat warnings as errors')
    .option('--allow <codes>', 'with --strict: warnings that stay warnings, e.g. W104,W102 (comma-separated)')
    .action((archives, opts) =>
      exec(async () => (await import('../actions/read.js')).runValidate(ctx, archives, opts)),
    );
  examples(
    common(validate),
    'mlf validate model.tar',
    'mlf validate *.tar --strict --allow W104,W102',
    'mlf validate a.tar b.tgz c.tar.zst --json',
  );
}
