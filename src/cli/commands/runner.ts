import { type Command, Option } from '@commander-js/extra-typings';
import type { CliContext } from '../context.js';
import { collect, common, type Exec, examples } from '../options.js';

/** Registers `project`, `run` and `footprint` (run by ../actions/runner.ts). */
export function registerRunnerCommands(program: Command, ctx: CliContext, exec: Exec): void {
  const project = program
    .command('project')
    .description(
      'generate a self-contained C project (Makefile, CMake, runtime support, plan) that runs a module without TVM',
    )
    .argument('<archive>', 'archive, extracted folder, or - (stdin)')
    .requiredOption(
      '-o, --output <folder>',
      'destination folder (its parent must exist; must not exist unless --force)',
    )
    .option('-m, --module <name>', 'module (needed when the archive has several)')
    .option('--template <kind>', 'host (program + Makefile + CMakeLists.txt) or cmake-lib (static library)', 'host')
    .option('--embed-params', 'compile the params into the program instead of reading the .params file')
    .option('--allow-missing-params', 'build a graph module whose params file is missing (its weights become inputs)')
    .option('-f, --force', 'replace a project folder mlf generated before (never a folder with other files)')
    .option('--json', 'print what was written as JSON')
    .action((archive, opts) => exec(async () => (await import('../actions/runner.js')).runProject(ctx, archive, opts)));
  examples(common(project), 'mlf project model.tar -o build/cnn && make -C build/cnn');

  const run = program
    .command('run')
    .description('compile (cached) and run a module on the host; print latency, and write output<i>.npy with -o')
    .argument('<archive>', 'archive, extracted folder, or - (stdin)')
    .option('-o, --output <folder>', 'where output0.npy, output1.npy, ... go (without it the run only measures)')
    .addOption(new Option('--output-dir <folder>', 'old spelling of --output').hideHelp())
    .option('-m, --module <name>', 'module (needed when the archive has several)')
    .option('--input <name=file.npy>', 'an input as a .npy file (repeatable)', collect)
    .option('--random-inputs <seed>', 'random values for the inputs not given')
    .option('--repeat <n>', 'timed runs after one warm-up run', '1')
    .option('--cc <compiler>', 'C compiler', 'cc')
    .option('--cflags <flags>', 'compiler flags (default -O2)')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json'] as const))
    .option('--json', 'print outputs and timings as JSON; same as --format json')
    .option('--allow-missing-params', 'run a graph module whose params file is missing (its weights become inputs)')
    .option('-f, --force', 'replace an output folder mlf wrote before (never a folder with other files)')
    .option(
      '--build-timeout <seconds>',
      'stop the build after this long (0: no limit; default 600, env MLF_BUILD_TIMEOUT)',
    )
    .option(
      '--run-timeout <seconds>',
      'stop the model program after this long (0: no limit; default 600, env MLF_RUN_TIMEOUT)',
    )
    .option(
      '--memory-limit <MiB>',
      'address space per compiler or program (0: no limit; default 4096, env MLF_MEMORY_LIMIT)',
    )
    .action((archive, opts) => exec(async () => (await import('../actions/runner.js')).runRun(ctx, archive, opts)));
  examples(
    common(run),
    'mlf run model.tar --random-inputs 1 --repeat 100',
    'mlf run model.tar --input input=x.npy -o out/',
  );

  const footprint = program
    .command('footprint')
    .description('compile the generated code and runtime support and report flash and RAM per module and file')
    .argument('<archive>', 'archive, extracted folder, or - (stdin)')
    .option('-m, --module <name>', 'only this module')
    .option('--cc <compiler>', 'C compiler, e.g. arm-none-eabi-gcc', 'cc')
    .option('--cflags <flags>', 'compiler flags, e.g. "-mcpu=cortex-m4 -mthumb -Os"', '-Os')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json'] as const))
    .option('--json', 'print JSON; same as --format json')
    .action((archive, opts) =>
      exec(async () => (await import('../actions/runner.js')).runFootprint(ctx, archive, opts)),
    );
  examples(common(footprint), 'mlf footprint model.tar --cc arm-none-eabi-gcc --cflags "-mcpu=cortex-m4 -mthumb -Os"');
}
