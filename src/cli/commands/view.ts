import { type Command, Option } from '@commander-js/extra-typings';
import type { CliIo } from '../io.js';

/** Registers `mlf view`, `mlf report` and `mlf graph` (run by ../actions/view.ts). */
export function registerViewCommands(program: Command, io: CliIo, setCode: (n: number) => void): void {
  program
    .command('view')
    .description('open the archive in the viewer: serves it on 127.0.0.1 and prints the URL (Ctrl-C stops)')
    .argument('<archive>', '.tar, .tar.gz/.tgz, .tar.zst or extracted folder')
    .option('--port <n>', 'TCP port (0 = any free port)', '0')
    .option('--no-open', 'do not try to open a browser')
    .action(async (archive, opts) => {
      const { runView } = await import('../actions/view.js');
      setCode(await runView(archive, opts, io));
    });

  program
    .command('report')
    .description(
      'write one self-contained HTML report (summary, validation, graph, statistics) that opens from file://',
    )
    .argument('<archive>', '.tar, .tar.gz/.tgz, .tar.zst or extracted folder')
    .requiredOption('-o, --output <file>', 'the .html file to write')
    .option('--embed-archive', 'also embed the archive (base64), so the page shows weights and code like the viewer')
    .option('-f, --force', 'replace an existing file')
    .action(async (archive, opts) => {
      const { runReport } = await import('../actions/view.js');
      setCode(await runReport(archive, opts, io));
    });

  program
    .command('graph')
    .description(
      'export the graph of a module as an SVG drawing, Graphviz DOT, JSON, or a Netron attachment with memory figures',
    )
    .argument('<archive>', '.tar, .tar.gz/.tgz, .tar.zst or extracted folder')
    .option('-m, --module <name>', 'module (needed when several have a graph)')
    .addOption(
      new Option('--format <format>', 'output format')
        .choices(['svg', 'dot', 'json', 'netron'] as const)
        .makeOptionMandatory(),
    )
    .addOption(
      new Option('--params <mode>', 'svg: params listed in their consumers (folded) or drawn as nodes')
        .choices(['folded', 'nodes'] as const)
        .default('folded' as const),
    )
    .option('-o, --output <file>', 'write to a file (atomically) instead of stdout')
    .option('-f, --force', 'replace an existing file')
    .action(async (archive, opts) => {
      const { runGraph } = await import('../actions/view.js');
      setCode(await runGraph(archive, opts, io));
    });
}
