import { createDict } from '../../core/common/dict.js';
import { MlfError } from '../../core/errors/errors.js';
import { measureFootprint, type FootprintReport } from '../../node/runner/footprint.js';
import { withMlfPath } from '../../node/read/open.js';
import { generateProject } from '../../node/runner/project/generate.js';
import { writeTree } from '../../node/runner/project/write.js';
import { runModel, runModules } from '../../node/runner/run.js';
import { type FirmwareFootprint, measureFirmwareFootprint } from '../../node/runner/board/firmware.js';
import { runOnTarget, type TargetRunResult } from '../../node/runner/board/run-board.js';
import { formatBytes, formatTable, formatTensor } from '../format.js';
import { type CliIo, toJson } from '../io.js';

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
  archive: string,
  opts: { output: string; module?: string; template?: string; embedParams?: boolean; force?: boolean },
  io: CliIo,
): Promise<number> {
  const template = opts.template ?? 'host';
  const project = await withMlfPath(archive, (a) =>
    generateProject(a, { module: opts.module, template, embedParams: opts.embedParams }),
  );
  await writeTree(opts.output, project.files, { force: opts.force ?? false });
  const m = project.manifest;
  const which = m.modules.map((x) => `${x.module} (${x.kind})`).join(', ');
  io.err(
    `wrote ${project.files.size} files for module${m.modules.length === 1 ? '' : 's'} ${which}${m.board === null ? '' : ` for board ${m.board.name}`} to ${opts.output}`,
  );
  for (const x of m.modules) for (const note of x.notes) io.err(`  note: ${x.module}: ${note}`);
  if (m.board !== null)
    io.err(`  build: make -C ${opts.output}   run: make -C ${opts.output} run   (or CMake with toolchain.cmake)`);
  else
    io.err(
      template === 'host'
        ? `  build: make -C ${opts.output}   (or cmake -S ${opts.output} -B ${opts.output}/build-cmake)`
        : `  use: add_subdirectory(${opts.output}) in your CMake project`,
    );
  return 0;
}

interface RunFlags {
  outputDir: string;
  module?: string;
  input?: string[];
  randomInputs?: string;
  target?: string;
  repeat?: string;
  cc?: string;
  cflags?: string;
  timeout?: string;
  embedParams?: boolean;
  json?: boolean;
  force?: boolean;
}

/** `mlf run`: builds (cached) and runs the archive on the host or a board, writes `output<i>.npy`. */
export async function runRun(archive: string, opts: RunFlags, io: CliIo): Promise<number> {
  const common = {
    outputDir: opts.outputDir,
    module: opts.module,
    inputs: parseInputs(opts.input ?? []),
    randomSeed: opts.randomInputs === undefined ? undefined : wholeNumber('--random-inputs', opts.randomInputs, 0),
    cflags: opts.cflags,
    force: opts.force ?? false,
  };
  if (opts.target === undefined && opts.embedParams === false)
    throw new MlfError('MLF-E901', '--no-embed-params is for boards (--target); host runs read the .params file');
  if (opts.target !== undefined) {
    if ((opts.repeat ?? '1') !== '1' || (opts.cc ?? 'cc') !== 'cc')
      throw new MlfError('MLF-E901', '--repeat and --cc are for host runs; a board uses its own toolchain');
    const seconds = wholeNumber('--timeout', opts.timeout ?? '600', 1);
    const result = await runOnTarget(archive, {
      ...common,
      target: opts.target,
      timeoutMs: seconds * 1000,
      embedParams: opts.embedParams !== false,
    });
    if (opts.json) io.out(toJson(result));
    else printTargetRun(result, io);
    return 0;
  }
  const host = {
    ...common,
    repeat: opts.repeat === undefined ? 1 : wholeNumber('--repeat', opts.repeat, 1),
    cc: opts.cc,
  };
  const { modules } =
    opts.module !== undefined ? { modules: [await runModel(archive, host)] } : await runModules(archive, host);
  if (opts.json) {
    io.out(toJson(modules.length === 1 ? modules[0] : { modules }));
    return 0;
  }
  for (const result of modules) {
    const t = result.timings;
    io.out(
      `${result.module} (${result.kind}): ${t.repeat} run${t.repeat === 1 ? '' : 's'}, min ${formatNs(t.minNs)}, median ${formatNs(t.medianNs)}${result.build.cached ? ' (cached build)' : ''}`,
    );
    io.out(
      formatTable(
        result.outputs.map((o) => [`output${o.index}`, o.name, formatTensor(o.dtype, o.shape), o.file]),
        '  ',
      ),
    );
    for (const note of result.notes) io.err(`note: ${result.module}: ${note}`);
  }
  return 0;
}

function printTargetRun(r: TargetRunResult, io: CliIo): void {
  for (const m of r.modules) {
    io.out(
      `${m.module} on ${r.target} (${m.kind}): ${m.instructions} instructions, stack ${formatBytes(m.stackPeak)}, arena ${formatBytes(m.arena.peak)} of ${formatBytes(m.arena.bytes)}`,
    );
    io.out(
      formatTable(
        m.outputs.map((o) => [`output${o.index}`, o.name, formatTensor(o.dtype, o.shape), o.file]),
        '  ',
      ),
    );
    for (const note of m.notes) io.err(`note: ${m.module}: ${note}`);
  }
  const f = r.firmware;
  io.out(
    `firmware: flash ${formatBytes(f.flash)} of ${formatBytes(f.capacity.flash)}, RAM ${formatBytes(f.ramStatic)} static + ${formatBytes(f.stackBytes)} stack (peak ${formatBytes(f.stackPeak)}) of ${formatBytes(f.capacity.ram)}${r.build.cached ? ' (cached build)' : ''}`,
  );
}

function printFootprint(report: FootprintReport, io: CliIo): void {
  for (const m of report.modules) {
    io.out(`module ${m.module} (${m.executor ?? 'operator'}), ${report.cc} ${report.cflags}`);
    const row = (name: string, s: { text: number; rodata: number; data: number; bss: number }) => [
      name,
      String(s.text),
      String(s.rodata),
      String(s.data),
      String(s.bss),
    ];
    io.out(
      formatTable(
        [['file', 'text', 'rodata', 'data', 'bss'], ...m.files.map((f) => row(f.file, f)), row('total', m.total)],
        '  ',
      ),
    );
    io.out(`  flash ${formatBytes(m.flash)} = text + rodata + data`);
    io.out(
      `  ram   ${formatBytes(m.ram)} = data + bss + workspace ${m.workspace} + io ${m.io}${m.params > 0 ? ` + params ${m.params}` : ''}`,
    );
  }
}

function printFirmwareFootprint(f: FirmwareFootprint, io: CliIo): void {
  io.out(`firmware for ${f.target}: ${f.elf}`);
  const row = (name: string, s: { text: number; rodata: number; data: number; bss: number }) => [
    name,
    String(s.text),
    String(s.rodata),
    String(s.data),
    String(s.bss),
  ];
  io.out(
    formatTable(
      [['part', 'text', 'rodata', 'data', 'bss'], ...f.parts.map((p) => row(p.part, p.sizes)), row('total', f.total)],
      '  ',
    ),
  );
  io.out(`  flash ${formatBytes(f.flash)} of ${formatBytes(f.capacity.flash)} = text + rodata + data`);
  io.out(
    `  ram   ${formatBytes(f.ramStatic)} static (data + bss) + ${formatBytes(f.stackBytes)} stack of ${formatBytes(f.capacity.ram)}`,
  );
  if (f.sizeTool !== null)
    io.out(
      `  ${f.sizeTool.tool}: text ${f.sizeTool.text}, data ${f.sizeTool.data}, bss ${f.sizeTool.bss} (${f.sizeTool.agrees ? 'agrees' : 'DIFFERS'})`,
    );
}

/** `mlf footprint`: flash and RAM per module and file from a compile, or of a linked firmware. */
export async function runFootprint(
  archive: string,
  opts: { module?: string; target?: string; cc?: string; cflags?: string; json?: boolean },
  io: CliIo,
): Promise<number> {
  if (opts.target !== undefined) {
    if ((opts.cc ?? 'cc') !== 'cc')
      throw new MlfError('MLF-E901', '--cc is for object footprints; a board uses its own toolchain');
    const f = await measureFirmwareFootprint(archive, {
      target: opts.target,
      module: opts.module,
      cflags: opts.cflags,
    });
    if (opts.json) io.out(toJson(f));
    else printFirmwareFootprint(f, io);
    return 0;
  }
  const report = await measureFootprint(archive, {
    module: opts.module,
    cc: opts.cc ?? 'cc',
    cflags: opts.cflags ?? '-Os',
  });
  if (opts.json) io.out(toJson(report));
  else printFootprint(report, io);
  return 0;
}
