import { createDict } from '../../core/common/dict.js';
import { MlfError } from '../../core/errors/errors.js';
import { measureFootprint, type FootprintReport } from '../../node/runner/footprint.js';
import { withMlfPath } from '../../node/read/open.js';
import { generateProject } from '../../node/runner/project/generate.js';
import { PROJECT_TEMPLATES, type ProjectTemplate } from '../../node/runner/project/templates.js';
import { writeTree } from '../../node/runner/project/write.js';
import { runModel } from '../../node/runner/run.js';
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

/** `mlf project`: writes the C project of one module (all or nothing). */
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
  const template = (opts.template ?? 'host') as ProjectTemplate;
  if (!PROJECT_TEMPLATES.includes(template))
    throw new MlfError('MLF-E901', `--template must be ${PROJECT_TEMPLATES.join(' or ')}`);
  // Written while the archive is open: the params file is copied from it.
  const { project, bytes } = await about(input, () =>
    withMlfPath(archive, async (a) => {
      const project = await generateProject(a, {
        module: opts.module,
        template,
        embedParams: opts.embedParams ?? false,
        allowMissingParams: opts.allowMissingParams ?? false,
      });
      const { bytes } = await writeTree(opts.output, project.files, { force: opts.force ?? false, inputs: [archive] });
      return { project, bytes };
    }),
  );
  const m = project.manifest;
  if (ctx.json) {
    reportWritten(ctx, 'project', [{ path: opts.output, bytes, files: project.files.size }], [], {
      module: m.module,
      kind: m.kind,
      notes: m.notes,
    });
    return 0;
  }
  const out = safeText(opts.output);
  ctx.note(`wrote ${project.files.size} files for module ${safeText(m.module)} (${m.kind}) to ${out}`);
  for (const note of m.notes) ctx.note(`  note: ${safeText(note)}`);
  ctx.note(
    template === 'host'
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

/** `mlf run`: builds (cached) and runs a module, prints latency, writes `output<i>.npy` with -o. */
export async function runRun(ctx: CliContext, input: string, opts: RunFlags): Promise<number> {
  const json = chooseFormat(opts, ['text', 'json'], 'text') === 'json';
  const outputDir = aliased(opts.output, opts.outputDir, '-o/--output and --output-dir');
  const inputs = parseInputs(opts.input ?? []);
  const randomSeed = opts.randomInputs === undefined ? undefined : wholeNumber('--random-inputs', opts.randomInputs, 0);
  const repeat = opts.repeat === undefined ? 1 : wholeNumber('--repeat', opts.repeat, 1);
  await checkInputFiles(inputs);
  const archive = await ctx.input(input);
  const bar = ctx.progress('generating, compiling (cached) and running');
  bar.update(0);
  let result;
  try {
    result = await about(input, () =>
      runModel(archive, {
        ...(outputDir === undefined ? {} : { outputDir }),
        module: opts.module,
        inputs,
        randomSeed,
        repeat,
        cc: opts.cc,
        cflags: opts.cflags,
        force: opts.force ?? false,
        allowMissingParams: opts.allowMissingParams ?? false,
        limits: runnerLimits(opts),
      }),
    );
  } finally {
    bar.stop();
  }
  if (json) {
    ctx.printJson(result);
    return 0;
  }
  const t = result.timings;
  ctx.print(
    `${safeText(result.module)} (${result.kind}): ${t.repeat} run${t.repeat === 1 ? '' : 's'}, min ${formatNs(t.minNs)}, median ${formatNs(t.medianNs)}${result.build.cached ? ' (cached build)' : ''}`,
  );
  ctx.print(
    formatTable(
      result.outputs.map((o) => [
        `output${o.index}`,
        safeText(o.name),
        formatTensor(o.dtype, o.shape),
        o.file === null ? '(not written; give -o FOLDER)' : safeText(o.file),
      ]),
      '  ',
    ),
  );
  for (const note of result.notes) ctx.note(`note: ${safeText(note)}`);
  return 0;
}

function printFootprint(report: FootprintReport, ctx: CliContext): void {
  for (const m of report.modules) {
    ctx.print(
      `module ${safeText(m.module)} (${m.executor ?? 'operator'}), ${safeText(report.cc)} ${safeText(report.cflags)}`,
    );
    const row = (name: string, s: { text: number; rodata: number; data: number; bss: number }) => [
      name,
      String(s.text),
      String(s.rodata),
      String(s.data),
      String(s.bss),
    ];
    ctx.print(
      formatTable(
        [
          ['file', 'text', 'rodata', 'data', 'bss'],
          ...m.files.map((f) => row(safeText(f.file), f)),
          row('total', m.total),
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

/** `mlf footprint`: flash and RAM per module and file, from a real compile. */
export async function runFootprint(
  ctx: CliContext,
  input: string,
  opts: { module?: string; cc: string; cflags: string; json?: boolean; format?: string },
): Promise<number> {
  const json = chooseFormat(opts, ['text', 'json'], 'text') === 'json';
  const archive = await ctx.input(input);
  const bar = ctx.progress('compiling');
  bar.update(0);
  let report;
  try {
    report = await about(input, () =>
      measureFootprint(archive, { module: opts.module, cc: opts.cc, cflags: opts.cflags }),
    );
  } finally {
    bar.stop();
  }
  if (json) ctx.printJson(report);
  else printFootprint(report, ctx);
  return 0;
}
