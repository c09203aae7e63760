import type { Command } from '@commander-js/extra-typings';
import type { CliIo } from '../io.js';

const collect = (v: string, prev: string[] = []) => [...prev, v];
const BOARDS = 'cortex-m3, cortex-m4, cortex-m7, cortex-m33, cortex-m55, riscv32, or a board file (.json)';

/** Registers `project`, `run` and `footprint` (run by ../actions/runner.ts). */
export function registerRunnerCommands(program: Command, io: CliIo, setCode: (n: number) => void): void {
  program
    .command('project')
    .description(
      'generate a self-contained C project (Makefile, CMake, runtime support, plans) that runs the archive without TVM: on the host, or as bare-metal firmware for a board',
    )
    .argument('<archive>', 'archive or extracted folder')
    .requiredOption('-o, --output <folder>', 'destination folder (must not exist unless --force)')
    .option('-m, --module <name>', 'only this module (default: every module, linked into one program)')
    .option('--template <kind>', `host (program), cmake-lib (static library), or a board: ${BOARDS}`, 'host')
    .option('--embed-params', 'compile the params into the program (default for boards)')
    .option('--no-embed-params', 'read the .params files at run time (boards: over semihosting, into the heap)')
    .option('-f, --force', 'replace an existing folder')
    .action(async (archive, opts) => {
      const { runProject } = await import('../actions/runner.js');
      setCode(await runProject(archive, opts, io));
    });

  program
    .command('run')
    .description(
      'compile (cached) and run the archive on the host or on an emulated board (--target); write output<i>.npy (<module>/output<i>.npy for several modules) and print latency, or instructions, stack and memory',
    )
    .argument('<archive>', 'archive or extracted folder')
    .requiredOption('--output-dir <folder>', 'where output0.npy, output1.npy, ... go (must not exist unless --force)')
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
    .option('--timeout <seconds>', 'boards: stop QEMU after this long', '600')
    .option('--no-embed-params', 'boards: read the .params files at run time over semihosting (into the heap)')
    .option('--json', 'print outputs and measurements as JSON')
    .option('-f, --force', 'replace an existing output folder')
    .action(async (archive, opts) => {
      const { runRun } = await import('../actions/runner.js');
      setCode(await runRun(archive, opts, io));
    });

  program
    .command('footprint')
    .description(
      'flash and RAM per module and file from compiled objects, or (--target) of the linked firmware per module, runtime and library',
    )
    .argument('<archive>', 'archive or extracted folder')
    .option('-m, --module <name>', 'only this module')
    .option('--target <board>', `link the firmware for a board and measure it: ${BOARDS}`)
    .option('--cc <compiler>', 'C compiler, e.g. arm-none-eabi-gcc (without --target)', 'cc')
    .option(
      '--cflags <flags>',
      'compiler flags, e.g. "-mcpu=cortex-m4 -mthumb -Os" (default -Os; boards -O2 -ffp-contract=off)',
    )
    .option('--json', 'print JSON')
    .action(async (archive, opts) => {
      const { runFootprint } = await import('../actions/runner.js');
      setCode(await runFootprint(archive, opts, io));
    });
}
