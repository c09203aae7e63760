/**
 * `mlf run --target <board>`: the firmware of an archive built for a board (cached), run under
 * QEMU on the inputs, with the outputs written as `.npy` like a host run and the measurements of
 * the firmware's report: instructions of one inference, peak stack, arena use, and the footprint
 * of the linked ELF.
 */
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MlfError } from '../../../core/errors/errors.js';
import { writeFolderAtomic } from '../../write/atomic.js';
import { checkFolderDestination } from '../../write/destination.js';
import { LIMIT_FLAGS, resolveRunnerLimits, type RunnerLimits, runLimits } from '../limits.js';
import type { ModuleManifest } from '../project/generate.js';
import type { RunOutput } from '../run.js';
import { outputFiles, outputFolder, runInputs } from '../run-io.js';
import { limitError, spawnCollect, tail } from '../spawn.js';
import {
  type BuiltFirmware,
  compileFirmware,
  type FirmwareFootprint,
  firmwareFootprint,
  prepareFirmware,
} from './firmware.js';
import { qemuArgs } from './firmware-files.js';

/** Options of {@link runOnTarget}. */
export interface TargetRunOptions {
  /** A shipped board name or a board profile path. */
  target: string;
  /** One module; omitted: every module, from one firmware. */
  module?: string;
  /** Input name → `.npy` file; `MODULE:NAME` keys when several modules run. */
  inputs?: Readonly<Record<string, string>>;
  /** Seed for inputs not given; without it every input must be given. */
  randomSeed?: number;
  /** Folder for `output<i>.npy` (or `<module>/output<i>.npy`), written all or nothing; without it the run only measures. */
  outputDir?: string;
  /** Replaces the firmware's CFLAGS (-O2 -ffp-contract=off). */
  cflags?: string;
  /** Compile the params in (default) or read them over semihosting at run time. */
  embedParams?: boolean;
  /**
   * Time and memory limits of the cross build and of QEMU (the run limit; defaults:
   * {@link DEFAULT_RUNNER_LIMITS}, overridden by the MLF_* environment variables).
   */
  limits?: Partial<RunnerLimits>;
  /** Replace an output folder mlf wrote before. @default false */
  force?: boolean;
  /** Cache folder. @default cacheRoot() */
  cacheDir?: string;
}

/** One module's run on the board. */
export interface TargetModuleResult {
  module: string;
  kind: ModuleManifest['kind'];
  outputs: RunOutput[];
  /** Instructions QEMU executed for one inference (exact and repeatable; not cycles of a chip). */
  instructions: number;
  /** Peak stack of one inference, measured by stack painting. */
  stackPeak: number;
  /** The workspace arena: size, peak in use (allocator), highest byte written (painting). */
  arena: { bytes: number; peak: number; touched: number };
  notes: string[];
}

/** What `mlf run --target` did. */
export interface TargetRunResult {
  target: string;
  modules: TargetModuleResult[];
  firmware: FirmwareFootprint & { stackPeak: number; counterError: number };
  build: { dir: string; cached: boolean };
  notes: string[];
}

interface ReportLine {
  module?: string;
  index?: number;
  instructions?: number;
  stack_peak?: number;
  arena_bytes?: number;
  arena_peak?: number;
  arena_touched?: number;
  error?: string;
  firmware?: { status: number; counter_error: number; stack_bytes: number; stack_peak: number };
}

/**
 * Builds the firmware of an archive for a board (once per content), runs it under QEMU and writes
 * the outputs.
 * @throws MlfError E501/E502 for inputs, E509 when it does not fit, E510 for the board, E511
 * without QEMU, E506 when the firmware fails (its report says why), E520 when the build or QEMU
 * runs past its limit, E904 for the output folder, and what {@link buildFirmware} throws.
 */
export async function runOnTarget(archivePath: string, options: TargetRunOptions): Promise<TargetRunResult> {
  const limits = resolveRunnerLimits(options.limits);
  const fw = await buildFirmwareChecked(archivePath, options, limits);
  const modules = fw.project.manifest.modules;
  const inputs = await runInputs(modules, options.inputs ?? {}, options.randomSeed);
  const work = await mkdtemp(join(tmpdir(), 'mlf-qemu-'));
  try {
    for (const m of modules) {
      for (const [i, data] of (inputs[m.index] ?? []).entries())
        await writeFile(join(work, `m${m.index}.in${i}.bin`), data);
      if (m.params !== null) await copyFile(join(fw.dir, m.params), join(work, `m${m.index}.params`));
    }
    const elf = join(fw.dir, 'build', 'firmware.elf');
    const qemuLimits = runLimits(limits);
    const r = await spawnCollect(fw.board.qemu.binary, [...qemuArgs(fw.board), '-kernel', elf], {
      cwd: work,
      limits: qemuLimits,
    });
    if (r.error !== null)
      throw new MlfError('MLF-E511', `cannot run ${fw.board.qemu.binary} (${r.error.code ?? r.error.message})`);
    const hit = limitError(r, qemuLimits, `the firmware on ${fw.board.name} (QEMU)`, LIMIT_FLAGS.run);
    if (hit !== null) throw hit;
    const lines = await readReport(work);
    const failed = lines.find((l) => l.error !== undefined);
    if (r.status !== 0 || failed !== undefined) {
      const detail =
        failed !== undefined
          ? `${failed.module ? `module ${JSON.stringify(failed.module)}: ` : ''}${failed.error}`
          : tail(r.stderr, 8);
      throw new MlfError(
        'MLF-E506',
        `the firmware on ${fw.board.name} exited with status ${r.status ?? r.signal}${detail ? `:\n${detail}` : ''}`,
      );
    }
    const summary = lines.find((l) => l.firmware !== undefined)?.firmware;
    if (summary === undefined || !counts(summary, ['counter_error', 'stack_peak']))
      throw new MlfError('MLF-E506', `the firmware on ${fw.board.name} wrote no report`);
    const measured = modules.map((m) => {
      const line = lines.find((l) => l.index === m.index);
      if (
        line === undefined ||
        !counts(line, ['instructions', 'stack_peak', 'arena_bytes', 'arena_peak', 'arena_touched'])
      )
        throw new MlfError(
          'MLF-E506',
          `the firmware on ${fw.board.name} reported no measurements for module ${JSON.stringify(m.module)}`,
        );
      return line as Required<ReportLine>;
    });
    const raw: Uint8Array[][] = [];
    for (const m of modules) {
      const outs: Uint8Array[] = [];
      for (const [i, t] of m.outputs.entries()) {
        const bytes = await readFile(join(work, `m${m.index}.out${i}.bin`)).catch(() => null);
        if (bytes === null || bytes.byteLength !== t.bytes)
          throw new MlfError(
            'MLF-E506',
            `the firmware on ${fw.board.name} exited 0 but ${bytes === null ? 'did not write' : `wrote ${bytes.byteLength} bytes, not ${t.bytes}, for`} output ${i} (${t.name}) of module ${JSON.stringify(m.module)}`,
          );
        outs.push(new Uint8Array(bytes));
      }
      raw.push(outs);
    }
    const { files, described } = outputFiles(modules, raw, options.outputDir);
    if (options.outputDir !== undefined)
      await writeFolderAtomic(options.outputDir, files, { force: options.force ?? false, inputs: [archivePath] });
    const footprint = await firmwareFootprint(fw);
    const notes = fw.replaced === null ? [] : [`the cached build in ${fw.dir} was rebuilt: ${fw.replaced}`];
    return {
      target: fw.board.name,
      modules: modules.map((m, k) => {
        const line = measured[k] as Required<ReportLine>;
        return {
          module: m.module,
          kind: m.kind,
          outputs: described[k] ?? [],
          instructions: line.instructions,
          stackPeak: line.stack_peak,
          arena: { bytes: line.arena_bytes, peak: line.arena_peak, touched: line.arena_touched },
          notes: m.notes,
        };
      }),
      firmware: { ...footprint, stackPeak: summary.stack_peak, counterError: summary.counter_error },
      build: { dir: fw.dir, cached: fw.cached },
      notes,
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The firmware, with the output folder checked before anything is built. */
async function buildFirmwareChecked(
  archivePath: string,
  options: TargetRunOptions,
  limits: RunnerLimits,
): Promise<BuiltFirmware> {
  const firmwareOptions = { ...options, limits };
  const prepared = await prepareFirmware(archivePath, firmwareOptions);
  const modules = prepared.project.manifest.modules;
  if (options.outputDir !== undefined) {
    const names = modules.flatMap((m) => m.outputs.map((_, i) => `${outputFolder(modules, m.index)}output${i}.npy`));
    await checkFolderDestination(options.outputDir, names, { force: options.force ?? false, inputs: [archivePath] });
  }
  return compileFirmware(prepared, firmwareOptions);
}

/** True when every key of `line` is a whole number (the counter error may be negative). */
function counts(line: object, keys: readonly string[]): boolean {
  return keys.every((k) => Number.isSafeInteger((line as Record<string, unknown>)[k]));
}

/** Most bytes of mlf-report.json read: a line per module and one for the firmware. */
const MAX_REPORT_BYTES = 1 << 20;

/** The JSON lines the firmware wrote to mlf-report.json (none when it did not get that far). */
async function readReport(work: string): Promise<ReportLine[]> {
  const bytes = await readFile(join(work, 'mlf-report.json')).catch(() => Buffer.alloc(0));
  const text = bytes.subarray(0, MAX_REPORT_BYTES).toString('utf8');
  const out: ReportLine[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let j: unknown;
    try {
      j = JSON.parse(line);
    } catch {
      j = null;
    }
    if (j === null || typeof j !== 'object' || Array.isArray(j))
      throw new MlfError(
        'MLF-E506',
        `the firmware wrote a report line that is not a JSON object: ${JSON.stringify(line.slice(0, 200))}`,
      );
    out.push(j as ReportLine);
  }
  return out;
}
