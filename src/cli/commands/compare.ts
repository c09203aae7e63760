import { type Command, Option } from '@commander-js/extra-typings';
import { CHECK_MEASURES, type CheckFlags } from '../check-measures.js';
import type { CliContext } from '../context.js';
import { common, type Exec, examples } from '../options.js';

/** Registers `mlf diff` and `mlf check` (run by ../actions/compare.ts). */
export function registerCompareCommands(program: Command, ctx: CliContext, exec: Exec): void {
  const diff = program
    .command('diff')
    .description(
      'compare two builds: modules, interface, executors, targets, memory, params, graph, codegen (exit 0 whatever differs)',
    )
    .argument('<a>', 'the old archive (or folder)')
    .argument('<b>', 'the new archive (or folder)')
    .option(
      '-m, --module <name>',
      'compare only this module (an archive with one module contributes it whatever its name)',
    )
    .addOption(
      new Option('--format <format>', 'output format (default text)').choices(['text', 'json', 'markdown'] as const),
    )
    .option('--json', 'same as --format json')
    .option('--markdown', 'same as --format markdown (GitHub-flavoured, for a pull-request comment)')
    .action((a, b, opts) => exec(async () => (await import('../actions/compare.js')).runDiff(ctx, a, b, opts)));
  examples(common(diff), 'mlf diff old.tar new.tar', 'mlf diff old.tar new.tar --format markdown > comment.md');

  const check = program
    .command('check')
    .description('check memory budgets of every module (summed over its devices); exit 1 when one is exceeded')
    .argument('<archive>', 'archive or folder to check');
  const budgetOptions = CHECK_MEASURES.map(
    (m) => [m.name, new Option(`--max-${m.name} <size>`, `budget: ${m.description}`)] as const,
  );
  for (const [, option] of budgetOptions) check.addOption(option);
  const typed = check
    .option('--cc <compiler>', 'C compiler for --max-flash/--max-ram, e.g. arm-none-eabi-gcc (default cc)')
    .option('--cflags <flags>', 'compiler flags for --max-flash/--max-ram (default -Os)')
    .option('--baseline <archive>', 'earlier build to compare with (needs --max-increase)')
    .option('--max-increase <limit>', 'allowed growth of every figure over the baseline: 5% or a size like +4KiB')
    .addOption(
      new Option('--format <format>', 'output format (default text)').choices([
        'text',
        'json',
        'markdown',
        'github',
      ] as const),
    )
    .option('--json', 'same as --format json')
    .addHelpText(
      'after',
      '\nSizes: bytes (65536) or a number with a unit: KiB, MiB, GiB (1024^n) or KB, MB, GB (1000^n), e.g. 64KiB, 1.5MiB, 2MB.\n' +
        'Exit status: 0 every budget met, 1 a budget exceeded (or an unreadable archive), 2 usage error (e.g. a bad size).',
    );
  typed.action(async (archive, opts) => {
    // The --max-<name> flags come from CHECK_MEASURES, so they are read by attribute name, untyped.
    const values = check.opts() as Record<string, unknown>;
    const max: Record<string, string> = {};
    for (const [name, option] of budgetOptions) {
      const v = values[option.attributeName()];
      if (typeof v === 'string') max[name] = v;
    }
    const flags: CheckFlags = { max };
    if (opts.format !== undefined) flags.format = opts.format;
    if (opts.json !== undefined) flags.json = opts.json;
    if (opts.cc !== undefined) flags.cc = opts.cc;
    if (opts.cflags !== undefined) flags.cflags = opts.cflags;
    if (opts.baseline !== undefined) flags.baseline = opts.baseline;
    if (opts.maxIncrease !== undefined) flags.maxIncrease = opts.maxIncrease;
    await exec(async () => (await import('../actions/compare.js')).runCheck(ctx, archive, flags));
  });
  examples(
    common(check),
    'mlf check model.tar --max-workspace 64KiB --max-constants 1MiB',
    'mlf check new.tar --baseline old.tar --max-increase 5% --format github',
  );
}
