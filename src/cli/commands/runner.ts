import { type Command, Option } from '@commander-js/extra-typings';
import type { CliContext } from '../context.js';
import { collect, common, type Exec, examples } from '../options.js';

const BOARDS = 'cortex-m3, cortex-m4, cortex-m7, cortex-m33, cortex-m55, riscv32, or a board file (.json)';

/** Registers `project`, `run` and `footprint` (run by ../actions/runner.ts). */
export function registerRunnerCommands(program: Command, ctx: CliContext, exec: Exec): void {
  const project = program
    .command('project')
    .description(
      'generate a self-contained C project (Makefile, CMake, runtime support, plans) that runs the archive without TVM: on the host, or as bare-metal firmware for a board',
    )
    .argument('<archive>', 'archive, extracted folder, or - (stdin)')
    .requiredOption(
      '-o, --output <folder>',
      'destination folder (its parent must exist; must not exist unless --force)',
    )
    .option('-m, --module <name>', 'only this module (default: every module, linked into one program)')
    .option(
      '--template <kind>',
      `host (program + Makefile + CMakeLists.txt), cmake-lib (static library), or a board: ${BOARDS}`,
      'host',
    )
    .option('--embed-params', 'compile the params into the program (default for boards)')
    .option('--no-embed-params', 'read the .params files at run time (boards: over semihosting, into the heap)')
    .option('--allow-missing-params', 'build a graph module whose params file is missing (its weights become inputs)')
    .option('-f, --force', 'replace a project folder mlf generated before (never a folder with other files)')
    .option('--json', 'print what was written as JSON')
    .action((archive, opts) => exec(async () => (await import('../actions/runner.js')).runProject(ctx, archive, opts)));
  examples(
    common(project),
    'mlf project model.tar -o build/cnn && make -C build/cnn',
    'mlf project model.tar --template cortex-m4 -o fw && make -C fw run',
  );

  const run = program
    .command('run')
    .description(
      'compile (cached) and run the archive on the host or on an emulated board (--target); print latency, or instructions, stack and memory; write output<i>.npy (<module>/output<i>.npy for several modules) with -o',
    )
    .argument('<archive>', 'archive, extracted folder, or - (stdin)')
    .option('-o, --output <folder>', 'where output0.npy, output1.npy, ... go (without it the run only measures)')
    .addOption(new Option('--output-dir <folder>', 'old spelling of --output').hideHelp())
    .option('-m, --module <name>', 'only this module (default: every module, from one program)')
    .option(
      '--input <name=file.npy>',
      'an input as a .npy file; MODULE:NAME=FILE with several modules (repeatable)',
      collect,
    )
    .option('--random-inputs <seed>', 'random values for the inputs not given')
    .option('--target <board>', `run on an emulated board under QEMU: ${BOARDS}`)
    .option('--repeat <n>', 'host: timed runs after one warm-up run', '1')
    .option('--cc <compiler>', 'host: C compiler', 'cc')
    .option('--cflags <flags>', 'compiler flags (host default -O2; boards -O2 -ffp-contract=off)')
    .option('--no-embed-params', 'boards: read the .params files at run time over semihosting (into the heap)')
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
      'stop the model program (or QEMU) after this long (0: no limit; default 600, env MLF_RUN_TIMEOUT)',
    )
    .option(
      '--memory-limit <MiB>',
      'address space per compiler, program or QEMU (0: no limit; default 4096, env MLF_MEMORY_LIMIT)',
    )
    .action((archive, opts) => exec(async () => (await import('../actions/runner.js')).runRun(ctx, archive, opts)));
  examples(
    common(run),
    'mlf run model.tar --random-inputs 1 --repeat 100',
    'mlf run model.tar --input input=x.npy -o out/',
    'mlf run model.tar --target cortex-m4 --random-inputs 1 --json',
  );

  const footprint = program
    .command('footprint')
    .description(
      'flash and RAM per module and file from compiled objects, or (--target) of the linked firmware per module, runtime and library',
    )
    .argument('<archive>', 'archive, extracted folder, or - (stdin)')
    .option('-m, --module <name>', 'only this module')
    .option('--target <board>', `link the firmware for a board and measure it: ${BOARDS}`)
    .option('--cc <compiler>', 'C compiler, e.g. arm-none-eabi-gcc (without --target)', 'cc')
    .option(
      '--cflags <flags>',
      'compiler flags, e.g. "-mcpu=cortex-m4 -mthumb -Os" (default -Os; boards -O2 -ffp-contract=off)',
    )
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json'] as const))
    .option('--json', 'print JSON; same as --format json')
    .action((archive, opts) =>
      exec(async () => (await import('../actions/runner.js')).runFootprint(ctx, archive, opts)),
    );
  examples(
    common(footprint),
    'mlf footprint model.tar --cc arm-none-eabi-gcc --cflags "-mcpu=cortex-m4 -mthumb -Os"',
    'mlf footprint model.tar --target cortex-m4',
  );
}
