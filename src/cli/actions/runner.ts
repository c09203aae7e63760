import { createDict } from '../../core/common/dict.js';
import { MlfError } from '../../core/errors/errors.js';
import { measureFootprint, type FootprintReport } from '../../node/runner/footprint.js';
import { withMlfPath } from '../../node/read/open.js';
import { generateProject } from '../../node/runner/project/generate.js';
import { writeTree } from '../../node/runner/project/write.js';
import { runModel, runModules, type RunResult } from '../../node/runner/run.js';
import { type FirmwareFootprint, measureFirmwareFootprint } from '../../node/runner/board/firmware.js';
import { runOnTarget, type TargetRunResult } from '../../node/runner/board/run-board.js';
import { decodeNpy } from '../../core/params/npy.js';
import { fsCall } from '../../node/fs-error.js';
import { readFile } from 'node:fs/promises';
import type { CliContext } from '../context.js';
import { formatBytes, formatTable, formatTensor, safeText } from '../format.js';
import { aliased, chooseFormat } from '../options.js';
import { about } from './each.js';
import { reportWritten } from './output.js';

/** `12.3 µs` / `4.56 ms` from nanoseconds. */
function formatNs(ns: number): string {
  if (ns < 1e3) return `${ns.toFixed(0)} ns`;
  if (ns < 1e6) return `${(ns / 1e3).toFixed(1)} µs`;
  if (ns < 1e9) return `${(ns / 1e6).toFixed(2)} ms`;
  return `${(ns / 1e9).toFixed(2)} s`;
}

function wholeNumber(flag: string, text: string, min: number): number {
  if (!/^\d+$/.test(text) || Number(text) < min || !Number.isSafeInteger(Number(text))) {
    throw new MlfError('MLF-E901', `${flag} needs a whole number of at least ${min}, not ${JSON.stringify(text)}`);
  }
  return Number(text);
}

function parseInputs(pairs: string[]): Record<string, string> {
  const out = createDict<string>();
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq <= 0 || eq === p.length - 1)
      throw new MlfError('MLF-E901', `--input takes NAME=FILE.npy, not ${JSON.stringify(p)}`);
    const name = p.slice(0, eq);
    if (name in out) throw new MlfError('MLF-E501', `input ${JSON.stringify(name)} is given twice`);
    out[name] = p.slice(eq + 1);
  }
  return out;
}

/** `mlf project`: writes the C project of a module, or of every module (all or nothing). */
export async function runProject(
  ctx: CliContext,
  input: string,
  opts: {
    output: string;
    module?: string;
    template?: string;
    embedParams?: boolean;
    allowMissingParams?: boolean;
    force?: boolean;
    json?: boolean;
  },
): Promise<number> {
  const archive = await ctx.input(input);
  const template = opts.template ?? 'host';
  // Written while the archive is open: the params file is copied from it.
  const { project, bytes } = await about(input, () =>
    withMlfPath(archive, async (a) => {
      const project = await generateProject(a, {
        module: opts.module,
        template,
        embedParams: opts.embedParams,
        allowMissingParams: opts.allowMissingParams ?? false,
      });
      const { bytes } = await writeTree(opts.output, project.files, { force: opts.force ?? false, inputs: [archive] });
      return { project, bytes };
    }),
  );
  const m = project.manifest;
  if (ctx.json) {
    reportWritten(ctx, 'project', [{ path: opts.output, bytes, files: project.files.size }], [], {
      template: m.template,
      modules: m.modules.map((x) => ({ module: x.module, kind: x.kind, notes: x.notes })),
    });
    return 0;
  }
  const out = safeText(opts.output);
  const which = m.modules.map((x) => `${safeText(x.module)} (${x.kind})`).join(', ');
  ctx.note(
    `wrote ${project.files.size} files for module${m.modules.length === 1 ? '' : 's'} ${which}${m.board === null ? '' : ` for board ${safeText(m.board.name)}`} to ${out}`,
  );
  for (const x of m.modules) for (const note of x.notes) ctx.note(`  note: ${safeText(x.module)}: ${safeText(note)}`);
  ctx.note(
    m.board !== null
      ? `  build: make -C ${out}   run: make -C ${out} run   (or CMake with toolchain.cmake)`
      : template === 'host'
        ? `  build: make -C ${out}   (or cmake -S ${out} -B ${out}/build-cmake)`
        : `  use: add_subdirectory(${out}) in your CMake project`,
  );
  return 0;
}

interface RunFlags {
  output?: string;
  outputDir?: string;
  format?: string;
  module?: string;
  input?: string[];
  randomInputs?: string;
  target?: string;
  embedParams?: boolean;
  repeat?: string;
  cc?: string;
  cflags?: string;
  json?: boolean;
  allowMissingParams?: boolean;
  force?: boolean;
  buildTimeout?: string;
  runTimeout?: string;
  memoryLimit?: string;
}

/** `--build-timeout`, `--run-timeout` and `--memory-limit` (MiB) as runner limits; unset flags keep the defaults. */
function runnerLimits(opts: RunFlags) {
  return {
    ...(opts.buildTimeout === undefined
      ? {}
      : { buildTimeoutSeconds: wholeNumber('--build-timeout', opts.buildTimeout, 0) }),
    ...(opts.runTimeout === undefined ? {} : { runTimeoutSeconds: wholeNumber('--run-timeout', opts.runTimeout, 0) }),
    ...(opts.memoryLimit === undefined
      ? {}
      : { memoryBytes: wholeNumber('--memory-limit', opts.memoryLimit, 0) * 2 ** 20 }),
  };
}

/** Reads each `--input NAME=FILE.npy` once before the run, so a bad file is named in the error. */
async function checkInputFiles(inputs: Record<string, string>): Promise<void> {
  for (const file of Object.values(inputs)) {
    const bytes = new Uint8Array(await fsCall(file, 'read', () => readFile(file), 'input'));
    await about(file, async () => decodeNpy(bytes));
  }
}

/** `mlf run`: builds (cached) and runs the archive on the host or a board, writes `output<i>.npy` with -o. */
export async function runRun(ctx: CliContext, input: string, opts: RunFlags): Promise<number> {
  const json = chooseFormat(opts, ['text', 'json'], 'text') === 'json';
  const outputDir = aliased(opts.output, opts.outputDir, '-o/--output and --output-dir');
  const inputs = parseInputs(opts.input ?? []);
  const randomSeed = opts.randomInputs === undefined ? undefined : wholeNumber('--random-inputs', opts.randomInputs, 0);
  const repeat = opts.repeat === undefined ? 1 : wholeNumber('--repeat', opts.repeat, 1);
  if (opts.target === undefined && opts.embedParams === false)
    throw new MlfError('MLF-E901', '--no-embed-params is for boards (--target); host runs read the .params file');
  if (opts.target !== undefined && (repeat !== 1 || (opts.cc ?? 'cc') !== 'cc'))
    throw new MlfError('MLF-E901', '--repeat and --cc are for host runs; a board uses its own toolchain');
  if (opts.target !== undefined && opts.allowMissingParams === true)
    throw new MlfError('MLF-E901', '--allow-missing-params is for host runs; a board needs its params');
  const limits = runnerLimits(opts);
  await checkInputFiles(inputs);
  const archive = await ctx.input(input);
  const common = {
    ...(outputDir === undefined ? {} : { outputDir }),
    module: opts.module,
    inputs,
    randomSeed,
    cflags: opts.cflags,
    force: opts.force ?? false,
    limits,
  };
  const bar = ctx.progress(
    opts.target === undefined
      ? 'generating, compiling (cached) and running'
      : `generating, cross-compiling (cached) and running under QEMU`,
  );
  bar.update(0);
  let host: RunResult[] | undefined;
  let board: TargetRunResult | undefined;
  try {
    if (opts.target !== undefined) {
      const target = opts.target;
      board = await about(input, () =>
        runOnTarget(archive, { ...common, target, embedParams: opts.embedParams !== false }),
      );
    } else {
      const options = { ...common, repeat, cc: opts.cc, allowMissingParams: opts.allowMissingParams ?? false };
      host = await about(input, async () =>
        opts.module !== undefined ? [await runModel(archive, options)] : (await runModules(archive, options)).modules,
      );
    }
  } finally {
    bar.stop();
  }
  if (board !== undefined) {
    if (json) ctx.printJson(board);
    else printTargetRun(ctx, board);
    return 0;
  }
  const modules = host ?? [];
  if (json) {
    ctx.printJson(modules.length === 1 ? modules[0] : { modules });
    return 0;
  }
  for (const result of modules) {
    const t = result.timings;
    ctx.print(
      `${safeText(result.module)} (${result.kind}): ${t.repeat} run${t.repeat === 1 ? '' : 's'}, min ${formatNs(t.minNs)}, median ${formatNs(t.medianNs)}${result.build.cached ? ' (cached build)' : ''}`,
    );
    ctx.print(outputTable(result.outputs));
    for (const note of result.notes) ctx.note(`note: ${safeText(result.module)}: ${safeText(note)}`);
  }
  return 0;
}

function outputTable(
  outputs: readonly { index: number; name: string; dtype: string; shape: number[]; file: string | null }[],
): string {
  return formatTable(
    outputs.map((o) => [
      `output${o.index}`,
      safeText(o.name),
      formatTensor(o.dtype, o.shape),
      o.file === null ? '(not written; give -o FOLDER)' : safeText(o.file),
    ]),
    '  ',
  );
}

function printTargetRun(ctx: CliContext, r: TargetRunResult): void {
  for (const m of r.modules) {
    ctx.print(
      `${safeText(m.module)} on ${safeText(r.target)} (${m.kind}): ${m.instructions} instructions, stack ${formatBytes(m.stackPeak)}, arena ${formatBytes(m.arena.peak)} of ${formatBytes(m.arena.bytes)}`,
    );
    ctx.print(outputTable(m.outputs));
    for (const note of m.notes) ctx.note(`note: ${safeText(m.module)}: ${safeText(note)}`);
  }
  const f = r.firmware;
  ctx.print(
    `firmware: flash ${formatBytes(f.flash)} of ${formatBytes(f.capacity.flash)}, RAM ${formatBytes(f.ramStatic)} static + ${formatBytes(f.stackBytes)} stack (peak ${formatBytes(f.stackPeak)}) of ${formatBytes(f.capacity.ram)}${r.build.cached ? ' (cached build)' : ''}`,
  );
  for (const note of r.notes) ctx.note(`note: ${safeText(note)}`);
}

/** One row of a section-size table (ELF section sizes in bytes). */
const sizeRow = (name: string, s: { text: number; rodata: number; data: number; bss: number }): string[] => [
  name,
  String(s.text),
  String(s.rodata),
  String(s.data),
  String(s.bss),
];

function printFootprint(report: FootprintReport, ctx: CliContext): void {
  for (const m of report.modules) {
    ctx.print(
      `module ${safeText(m.module)} (${m.executor ?? 'operator'}), ${safeText(report.cc)} ${safeText(report.cflags)}`,
    );
    ctx.print(
      formatTable(
        [
          ['file', 'text', 'rodata', 'data', 'bss'],
          ...m.files.map((f) => sizeRow(safeText(f.file), f)),
          sizeRow('total', m.total),
        ],
        '  ',
      ),
    );
    ctx.print(`  flash ${formatBytes(m.flash)} = text + rodata + data`);
    ctx.print(
      `  ram   ${formatBytes(m.ram)} = data + bss + workspace ${m.workspace} + io ${m.io}${m.params > 0 ? ` + params ${m.params}` : ''}`,
    );
  }
}

function printFirmwareFootprint(f: FirmwareFootprint, ctx: CliContext): void {
  ctx.print(`firmware for ${safeText(f.target)}: ${safeText(f.elf)}`);
  ctx.print(
    formatTable(
      [
        ['part', 'text', 'rodata', 'data', 'bss'],
        ...f.parts.map((p) => sizeRow(safeText(p.part), p.sizes)),
        sizeRow('total', f.total),
      ],
      '  ',
    ),
  );
  ctx.print(`  flash ${formatBytes(f.flash)} of ${formatBytes(f.capacity.flash)} = text + rodata + data`);
  ctx.print(
    `  ram   ${formatBytes(f.ramStatic)} static (data + bss) + ${formatBytes(f.stackBytes)} stack of ${formatBytes(f.capacity.ram)}`,
  );
  if (f.sizeTool !== null)
    ctx.print(
      `  ${safeText(f.sizeTool.tool)}: text ${f.sizeTool.text}, data ${f.sizeTool.data}, bss ${f.sizeTool.bss} (${f.sizeTool.agrees ? 'agrees' : 'DIFFERS'})`,
    );
}

/** `mlf footprint`: flash and RAM per module and file from a real compile, or of a linked firmware. */
export async function runFootprint(
  ctx: CliContext,
  input: string,
  opts: { module?: string; target?: string; cc: string; cflags?: string; json?: boolean; format?: string },
): Promise<number> {
  const json = chooseFormat(opts, ['text', 'json'], 'text') === 'json';
  if (opts.target !== undefined && opts.cc !== 'cc')
    throw new MlfError('MLF-E901', '--cc is for object footprints; a board (--target) uses its own toolchain');
  const archive = await ctx.input(input);
  const bar = ctx.progress(opts.target === undefined ? 'compiling' : 'cross-compiling and linking');
  bar.update(0);
  try {
    if (opts.target !== undefined) {
      const target = opts.target;
      const f = await about(input, () =>
        measureFirmwareFootprint(archive, {
          target,
          module: opts.module,
          ...(opts.cflags === undefined ? {} : { cflags: opts.cflags }),
        }),
      );
      bar.stop();
      if (json) ctx.printJson(f);
      else printFirmwareFootprint(f, ctx);
      return 0;
    }
    const report = await about(input, () =>
      measureFootprint(archive, { module: opts.module, cc: opts.cc, cflags: opts.cflags ?? '-Os' }),
    );
    bar.stop();
    if (json) ctx.printJson(report);
    else printFootprint(report, ctx);
    return 0;
  } finally {
    bar.stop();
  }
}
