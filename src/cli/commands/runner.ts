import type { Command } from '@commander-js/extra-typings';
import type { CliIo } from '../io.js';

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** Registers `project`, `run` and `footprint` (run by ../actions/runner.ts). */
export function registerRunnerCommands(program: Command, io: CliIo, setCode: (n: number) => void): void {
  program
    .command('project')
    .description(
      'generate a self-contained C project (Makefile, CMake, runtime support, plan) that runs a module without TVM',
    )
    .argument('<archive>', 'archive or extracted folder')
    .requiredOption('-o, --output <folder>', 'destination folder (must not exist unless --force)')
    .option('-m, --module <name>', 'module (needed when the archive has several)')
    .option('--template <kind>', 'host (program + Makefile + CMakeLists.txt) or cmake-lib (static library)', 'host')
    .option('--embed-params', 'compile the params into the program instead of reading the .params file')
    .option('--allow-missing-params', 'build a graph module whose params file is missing (its weights become inputs)')
    .option('-f, --force', 'replace an existing folder')
    .action(async (archive, opts) => {
      const { runProject } = await import('../actions/runner.js');
      setCode(await runProject(archive, opts, io));
    });

  program
    .command('run')
    .description('compile (cached) and run a module on the host; write output<i>.npy and print latency')
    .argument('<archive>', 'archive or extracted folder')
    .requiredOption('--output-dir <folder>', 'where output0.npy, output1.npy, ... go (must not exist unless --force)')
    .option('-m, --module <name>', 'module (needed when the archive has several)')
    .option('--input <name=file.npy>', 'an input as a .npy file (repeatable)', collect)
    .option('--random-inputs <seed>', 'random values for the inputs not given')
    .option('--repeat <n>', 'timed runs after one warm-up run', '1')
    .option('--cc <compiler>', 'C compiler', 'cc')
    .option('--cflags <flags>', 'compiler flags (default -O2)')
    .option('--json', 'print outputs and timings as JSON')
    .option('--allow-missing-params', 'run a graph module whose params file is missing (its weights become inputs)')
    .option('-f, --force', 'replace an existing output folder')
    .action(async (archive, opts) => {
      const { runRun } = await import('../actions/runner.js');
      setCode(await runRun(archive, opts, io));
    });

  program
    .command('footprint')
    .description('compile the generated code and runtime support and report flash and RAM per module and file')
    .argument('<archive>', 'archive or extracted folder')
    .option('-m, --module <name>', 'only this module')
    .option('--cc <compiler>', 'C compiler, e.g. arm-none-eabi-gcc', 'cc')
    .option('--cflags <flags>', 'compiler flags, e.g. "-mcpu=cortex-m4 -mthumb -Os"', '-Os')
    .option('--json', 'print JSON')
    .action(async (archive, opts) => {
      const { runFootprint } = await import('../actions/runner.js');
      setCode(await runFootprint(archive, opts, io));
    });
}
