import { type Command, Option } from '@commander-js/extra-typings';
import type { CliContext } from '../context.js';
import { common, type Exec, examples } from '../options.js';

/** Registers `mlf view`, `mlf report` and `mlf graph` (run by ../actions/view.ts). */
export function registerViewCommands(program: Command, ctx: CliContext, exec: Exec): void {
  const view = program
    .command('view')
    .description('open the archive in the viewer: serves it on 127.0.0.1 and prints the URL (Ctrl-C stops)')
    .argument('<archive>', '.tar, .tar.gz/.tgz, .tar.zst, extracted folder, or - (stdin)')
    .option('--port <n>', 'TCP port (0 = any free port)', '0')
    .option('--no-open', 'do not try to open a browser')
    .action((archive, opts) => exec(async () => (await import('../actions/view.js')).runView(ctx, archive, opts)));
  examples(common(view), 'mlf view model.tar', 'mlf view model.tar --port 8080 --no-open');

  const report = program
    .command('report')
    .description(
      'write one self-contained HTML report (summary, validation, graph, statistics) that opens from file://',
    )
    .argument('<archive>', '.tar, .tar.gz/.tgz, .tar.zst, extracted folder, or - (stdin)')
    .requiredOption('-o, --output <file>', 'the .html file to write, or - (stdout)')
    .option('--embed-archive', 'also embed the archive (base64), so the page shows weights and code like the viewer')
    .option('-f, --force', 'replace an HTML file (never a folder, a link or another kind of file)')
    .option('--json', 'print what was written as JSON')
    .action((archive, opts) => exec(async () => (await import('../actions/view.js')).runReport(ctx, archive, opts)));
  examples(common(report), 'mlf report model.tar -o report.html', 'mlf report model.tar -o - > report.html');

  const graph = program
    .command('graph')
    .description(
      'export the graph of a module as Graphviz DOT, an SVG drawing, JSON, or a Netron attachment with memory figures',
    )
    .argument('<archive>', '.tar, .tar.gz/.tgz, .tar.zst, extracted folder, or - (stdin)')
    .option('-m, --module <name>', 'module (needed when several have a graph)')
    .addOption(
      new Option('--format <format>', 'output format (default dot)').choices(['dot', 'svg', 'json', 'netron'] as const),
    )
    .option('--json', 'same as --format json')
    .addOption(
      new Option('--params <mode>', 'svg: params listed in their consumers (folded) or drawn as nodes')
        .choices(['folded', 'nodes'] as const)
        .default('folded' as const),
    )
    .option('-o, --output <file>', 'write to a file (atomically), or - (stdout, the default)')
    .option('-f, --force', 'replace a graph file written before (never a folder, a link or another kind of file)')
    .action((archive, opts) => exec(async () => (await import('../actions/view.js')).runGraph(ctx, archive, opts)));
  examples(
    common(graph),
    'mlf graph model.tar | dot -Tsvg > graph.svg',
    'mlf graph model.tar -o - --format json | jq .nodes[0]',
    'mlf graph model.tar --format netron -o model.netron.json',
  );
}
