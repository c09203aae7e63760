import { Argument, type Command, Option } from '@commander-js/extra-typings';
import type { CliContext } from '../context.js';
import { type Exec, examples } from '../options.js';

/** Registers `mlf completion bash|zsh|fish` (run by ../actions/completion.ts). */
export function registerCompletionCommand(program: Command, ctx: CliContext, exec: Exec): void {
  const completion = program
    .command('completion')
    .description('print a shell completion script for bash, zsh or fish')
    .addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(['bash', 'zsh', 'fish'] as const))
    .addOption(new Option('-q, --quiet', 'accepted for symmetry; the script is the output').hideHelp())
    .action((shell) => exec(async () => (await import('../actions/completion.js')).runCompletion(ctx, program, shell)));
  examples(
    completion,
    'mlf completion bash > ~/.local/share/bash-completion/completions/mlf',
    'mlf completion zsh > "${fpath[1]}/_mlf"',
    'mlf completion fish > ~/.config/fish/completions/mlf.fish',
  );
}
