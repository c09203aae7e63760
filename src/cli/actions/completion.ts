import type { Command } from '@commander-js/extra-typings';
import type { CliContext } from '../context.js';

interface Spec {
  name: string;
  description: string;
  options: string[];
  subcommands: Spec[];
}

/** The command tree as plain data (names, long and short flags), read from the program itself. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any command, whatever its option types
function specOf(cmd: Command<any, any, any>): Spec {
  return {
    name: cmd.name(),
    description: cmd.description().split('\n')[0] ?? '',
    options: cmd.options
      .filter((o) => !o.hidden)
      .flatMap((o) => [o.long, o.short].filter((f): f is string => f !== undefined)),
    subcommands: cmd.commands.map(specOf),
  };
}

const quote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;

function bash(root: Spec): string {
  const cases = root.subcommands
    .map((c) => {
      const words = [...c.options, ...c.subcommands.map((s) => s.name)].join(' ');
      const subs = c.subcommands.map((s) => `        ${s.name}) opts=${quote(s.options.join(' '))} ;;`).join('\n');
      return `    ${c.name})
      opts=${quote(words)}
      case "\${COMP_WORDS[2]}" in
${subs}
      esac ;;`;
    })
    .join('\n');
  return `# bash completion for mlf (mlf completion bash)
_mlf() {
  local cur=\${COMP_WORDS[COMP_CWORD]} opts
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W ${quote(root.subcommands.map((c) => c.name).join(' ') + ' --help --version')} -- "$cur"))
    return
  fi
  case "\${COMP_WORDS[1]}" in
${cases}
  esac
  if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W "$opts" -- "$cur")); else COMPREPLY=($(compgen -f -- "$cur")); fi
}
complete -o filenames -F _mlf mlf
`;
}

function zsh(root: Spec): string {
  const cmds = root.subcommands
    .map((c) => `    ${quote(`${c.name}:${c.description.replace(/:/g, '\\:')}`)}`)
    .join('\n');
  const cases = root.subcommands
    .map((c) => `    ${c.name}) _arguments ${c.options.map((o) => quote(`${o}[]`)).join(' ')} '*:file:_files' ;;`)
    .join('\n');
  return `#compdef mlf
# zsh completion for mlf (mlf completion zsh)
_mlf() {
  local -a commands
  commands=(
${cmds}
  )
  if (( CURRENT == 2 )); then
    _describe 'command' commands
    return
  fi
  case "$words[2]" in
${cases}
  esac
}
_mlf "$@"
`;
}

function fish(root: Spec): string {
  const lines = ['# fish completion for mlf (mlf completion fish)', 'complete -c mlf -f'];
  for (const c of root.subcommands) {
    lines.push(`complete -c mlf -n __fish_use_subcommand -a ${c.name} -d ${quote(c.description)}`);
    for (const o of c.options) {
      const flag = o.startsWith('--') ? `-l ${o.slice(2)}` : `-s ${o.slice(1)}`;
      lines.push(`complete -c mlf -n '__fish_seen_subcommand_from ${c.name}' ${flag}`);
    }
    for (const s of c.subcommands)
      lines.push(`complete -c mlf -n '__fish_seen_subcommand_from ${c.name}' -a ${s.name} -d ${quote(s.description)}`);
    lines.push(`complete -c mlf -n '__fish_seen_subcommand_from ${c.name}' -F`);
  }
  return `${lines.join('\n')}\n`;
}

/** `mlf completion bash|zsh|fish`: a completion script built from the command definitions, so it never drifts. */
export async function runCompletion(ctx: CliContext, program: Command, shell: string): Promise<number> {
  const root = specOf(program);
  ctx.io.out(shell === 'bash' ? bash(root) : shell === 'zsh' ? zsh(root) : fish(root));
  return 0;
}
