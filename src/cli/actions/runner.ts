import { MlfError } from '../../core/errors/errors.js';
import { measureFootprint, type FootprintReport } from '../../node/runner/footprint.js';
import { withMlfPath } from '../../node/read/open.js';
import { generateProject } from '../../node/runner/project/generate.js';
import { PROJECT_TEMPLATES, type ProjectTemplate } from '../../node/runner/project/templates.js';
import { writeTree } from '../../node/runner/project/write.js';
import { runModel } from '../../node/runner/run.js';
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
  const out: Record<string, string> = {};
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

/** `mlf project`: writes the C project of one module (all or nothing). */
export async function runProject(
  archive: string,
  opts: {
    output: string;
    module?: string;
    template?: string;
    embedParams?: boolean;
    allowMissingParams?: boolean;
    force?: boolean;
  },
  io: CliIo,
): Promise<number> {
  const template = (opts.template ?? 'host') as ProjectTemplate;
  if (!PROJECT_TEMPLATES.includes(template))
    throw new MlfError('MLF-E901', `--template must be ${PROJECT_TEMPLATES.join(' or ')}`);
  const project = await withMlfPath(archive, (a) =>
    generateProject(a, {
      module: opts.module,
      template,
      embedParams: opts.embedParams ?? false,
      allowMissingParams: opts.allowMissingParams ?? false,
    }),
  );
  await writeTree(opts.output, project.files, { force: opts.force ?? false });
  const m = project.manifest;
  io.err(`wrote ${project.files.size} files for module ${m.module} (${m.kind}) to ${opts.output}`);
  for (const note of m.notes) io.err(`  note: ${note}`);
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
  repeat?: string;
  cc?: string;
  cflags?: string;
  json?: boolean;
  allowMissingParams?: boolean;
  force?: boolean;
}

/** `mlf run`: builds (cached) and runs a module, writes `output<i>.npy`, prints latency. */
export async function runRun(archive: string, opts: RunFlags, io: CliIo): Promise<number> {
  const result = await runModel(archive, {
    outputDir: opts.outputDir,
    module: opts.module,
    inputs: parseInputs(opts.input ?? []),
    randomSeed: opts.randomInputs === undefined ? undefined : wholeNumber('--random-inputs', opts.randomInputs, 0),
    repeat: opts.repeat === undefined ? 1 : wholeNumber('--repeat', opts.repeat, 1),
    cc: opts.cc,
    cflags: opts.cflags,
    force: opts.force ?? false,
    allowMissingParams: opts.allowMissingParams ?? false,
  });
  if (opts.json) {
    io.out(toJson(result));
    return 0;
  }
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
  for (const note of result.notes) io.err(`note: ${note}`);
  return 0;
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

/** `mlf footprint`: flash and RAM per module and file, from a real compile. */
export async function runFootprint(
  archive: string,
  opts: { module?: string; cc: string; cflags: string; json?: boolean },
  io: CliIo,
): Promise<number> {
  const report = await measureFootprint(archive, { module: opts.module, cc: opts.cc, cflags: opts.cflags });
  if (opts.json) io.out(toJson(report));
  else printFootprint(report, io);
  return 0;
}
