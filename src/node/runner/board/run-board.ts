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
import type { ModuleManifest } from '../project/generate.js';
import { checkOutputDir, outputFiles, type RunOutput, writeOutputs } from '../run.js';
import { outputFolder, runInputs } from '../run-io.js';
import { spawnCollect, tail } from '../spawn.js';
import { buildFirmware, type FirmwareFootprint, firmwareFootprint } from './firmware.js';
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
  /** Folder for `output<i>.npy` (or `<module>/output<i>.npy`), written all or nothing. */
  outputDir: string;
  /** Replaces the firmware's CFLAGS (-O2 -ffp-contract=off). */
  cflags?: string;
  /** Compile the params in (default) or read them over semihosting at run time. */
  embedParams?: boolean;
  /** Longest QEMU may run, in ms. @default 600000 */
  timeoutMs?: number;
  force?: boolean;
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
 * without QEMU, E506 when the firmware fails (its report says why) or runs too long, and what
 * {@link buildFirmware} throws.
 */
export async function runOnTarget(archivePath: string, options: TargetRunOptions): Promise<TargetRunResult> {
  await checkOutputDir(options.outputDir, options.force);
  const fw = await buildFirmware(archivePath, options);
  const modules = fw.project.manifest.modules;
  const inputs = await runInputs(modules, options.inputs ?? {}, options.randomSeed);
  for (const m of modules) outputFolder(modules, m.index); // names that cannot be folders fail before running
  const work = await mkdtemp(join(tmpdir(), 'mlf-qemu-'));
  try {
    for (const m of modules) {
      for (const [i, data] of (inputs[m.index] ?? []).entries())
        await writeFile(join(work, `m${m.index}.in${i}.bin`), data);
      if (m.params !== null) await copyFile(join(fw.dir, m.params), join(work, `m${m.index}.params`));
    }
    const elf = join(fw.dir, 'build', 'firmware.elf');
    const r = await spawnCollect(fw.board.qemu.binary, [...qemuArgs(fw.board), '-kernel', elf], {
      cwd: work,
      timeoutMs: options.timeoutMs ?? 600_000,
    });
    if (r.error !== null)
      throw new MlfError('MLF-E511', `cannot run ${fw.board.qemu.binary} (${r.error.code ?? r.error.message})`);
    const lines = await readReport(work);
    const failed = lines.find((l) => l.error !== undefined);
    if (r.timedOut || r.status !== 0 || failed !== undefined) {
      const why = r.timedOut
        ? `ran longer than ${(options.timeoutMs ?? 600_000) / 1000} s and was stopped`
        : `exited with status ${r.status ?? r.signal}`;
      const detail =
        failed !== undefined ? `${failed.module ? `module ${failed.module}: ` : ''}${failed.error}` : tail(r.stderr, 8);
      throw new MlfError('MLF-E506', `the firmware on ${fw.board.name} ${why}${detail ? `:\n${detail}` : ''}`);
    }
    const summary = lines.find((l) => l.firmware !== undefined)?.firmware;
    if (summary === undefined) throw new MlfError('MLF-E506', `the firmware on ${fw.board.name} wrote no report`);
    const raw = await Promise.all(
      modules.map((m) =>
        Promise.all(
          m.outputs.map((_, i) => readFile(join(work, `m${m.index}.out${i}.bin`)).then((b) => new Uint8Array(b))),
        ),
      ),
    );
    const { files, described } = outputFiles(modules, raw, options.outputDir);
    await writeOutputs(options.outputDir, files, options.force ?? false);
    const footprint = await firmwareFootprint(fw);
    return {
      target: fw.board.name,
      modules: modules.map((m, k) => {
        const line = lines.find((l) => l.index === m.index) ?? {};
        return {
          module: m.module,
          kind: m.kind,
          outputs: described[k] ?? [],
          instructions: line.instructions ?? 0,
          stackPeak: line.stack_peak ?? 0,
          arena: { bytes: line.arena_bytes ?? 0, peak: line.arena_peak ?? 0, touched: line.arena_touched ?? 0 },
          notes: m.notes,
        };
      }),
      firmware: { ...footprint, stackPeak: summary.stack_peak, counterError: summary.counter_error },
      build: { dir: fw.dir, cached: fw.cached },
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The JSON lines the firmware wrote to mlf-report.json (none when it did not get that far). */
async function readReport(work: string): Promise<ReportLine[]> {
  const text = await readFile(join(work, 'mlf-report.json'), 'utf8').catch(() => '');
  const out: ReportLine[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      out.push(JSON.parse(line) as ReportLine);
    } catch {
      throw new MlfError('MLF-E506', `the firmware wrote a report line that is not JSON: ${line.slice(0, 200)}`);
    }
  }
  return out;
}
