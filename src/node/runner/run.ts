import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MlfError } from '../../core/errors/errors.js';
import { archiveDigest, cacheRoot, cachedEntry, contentDigest, filesDigest, openCacheRoot } from './cache.js';
import { LIMIT_FLAGS, resolveRunnerLimits, type RunnerLimits, runLimits } from './limits.js';
import { withMlfPath } from '../read/open.js';
import { buildProject, objectOwners } from './project/build.js';
import { generateProject, type ModuleManifest, type ProjectManifest } from './project/generate.js';
import type { ProjectFileData } from './project/plan-common.js';
import { writeFilesInto } from './project/write.js';
import { outputFiles, outputFolder, runInputs } from './run-io.js';
import { limitError, spawnCollect, tail } from './spawn.js';
import { writeFolderAtomic } from '../write/atomic.js';
import { checkFolderDestination } from '../write/destination.js';

/** Options of {@link runModel} and {@link runModules}. */
export interface RunOptions {
  /** Module to run; omitted: the only module ({@link runModel}) or every module ({@link runModules}). */
  module?: string;
  /** Input name → `.npy` file; `MODULE:NAME` keys when several modules run. */
  inputs?: Readonly<Record<string, string>>;
  /** Seed for inputs not given in `inputs`; without it every input must be given. */
  randomSeed?: number;
  /**
   * Folder to write `output<i>.npy` (`<module>/output<i>.npy` when several modules run) into,
   * all or nothing; without it the run only measures.
   */
  outputDir?: string;
  /** Timed runs (after one untimed warm-up run). @default 1 */
  repeat?: number;
  /** C compiler. @default 'cc' */
  cc?: string;
  /** CFLAGS for the build (the Makefile's default is -O2). */
  cflags?: string;
  /** Replace an existing output folder. @default false */
  force?: boolean;
  /** Cache folder. @default cacheRoot() */
  cacheDir?: string;
  /** Run a graph module whose params file is missing (its weights become inputs). @default false */
  allowMissingParams?: boolean;
  /** Build and run time and memory limits (defaults: {@link DEFAULT_RUNNER_LIMITS}, overridden by the MLF_* environment variables). */
  limits?: Partial<RunnerLimits>;
}

/** Per-inference timings in nanoseconds, as the driver measured them. */
export interface RunTimings {
  repeat: number;
  minNs: number;
  medianNs: number;
  ns: number[];
}

/** One output of a run, and where it was written (null when no output folder was given). */
export interface RunOutput {
  index: number;
  name: string;
  dtype: string;
  shape: number[];
  file: string | null;
}

/** What `mlf run` did for one module. */
export interface RunResult {
  module: string;
  kind: ProjectManifest['modules'][number]['kind'];
  outputs: RunOutput[];
  timings: RunTimings;
  workspace: { bytes: number; peak: number };
  build: { dir: string; cached: boolean };
  notes: string[];
}

/** The smallest of a non-empty list (no spread: `--repeat` may exceed the call stack's arguments). */
function minOf(values: readonly number[]): number {
  let min = Infinity;
  for (const v of values) if (v < min) min = v;
  return min;
}

interface ProgramReport {
  ns: number[];
  workspace_bytes: number;
  workspace_peak: number;
}

/**
 * The driver's JSON line: the last line of stdout (the archive's code may print before it).
 * E506 when it is not there or not what the driver writes.
 */
function programReport(stdout: string): ProgramReport {
  const line = stdout.trimEnd().split('\n').pop() ?? '';
  let j: unknown;
  try {
    j = JSON.parse(line);
  } catch {
    j = null;
  }
  const r = j as { ns?: unknown; workspace_bytes?: unknown; workspace_peak?: unknown } | null;
  if (
    r === null ||
    typeof r !== 'object' ||
    !Array.isArray(r.ns) ||
    r.ns.length === 0 ||
    !r.ns.every((n) => typeof n === 'number') ||
    typeof r.workspace_bytes !== 'number' ||
    typeof r.workspace_peak !== 'number'
  )
    throw new MlfError(
      'MLF-E506',
      `the model program did not print its timing report; its output ended with:\n${tail(stdout, 4)}`,
    );
  return r as ProgramReport;
}

/** The median of a non-empty list. */
function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/**
 * Runs one module of an archive on the host: generates its C project in the cache (keyed by the
 * archive's SHA-256, the module, the project's bytes and the compiler), builds it once with make,
 * runs it on the inputs and writes the outputs as `.npy` files in the model's output order. The
 * archive is validated first (see {@link generateProject}); a cached build is used only when its
 * files match their record and what would be built now.
 * @throws MlfError E501/E502 for inputs, E503/E504 for the build, E505/E507 for the archive,
 * E506 when the model program fails, E520 at a time or memory limit, E521 for an unsafe cache,
 * E901 when the archive has several modules and none is named, and the first validation error's
 * code for an archive that fails validation.
 */
export async function runModel(archivePath: string, options: RunOptions): Promise<RunResult> {
  const { modules } = await runHost(archivePath, options, false);
  return modules[0] as RunResult;
}

/**
 * Runs every module of an archive (or the one named) from one host program that links them all,
 * writing `<module>/output<i>.npy` when several run; inputs are `MODULE:NAME` keys then.
 * @throws MlfError as {@link runModel}, and E512 when the modules' C symbols clash.
 */
export async function runModules(archivePath: string, options: RunOptions): Promise<{ modules: RunResult[] }> {
  return runHost(archivePath, options, true);
}

async function runHost(archivePath: string, options: RunOptions, all: boolean): Promise<{ modules: RunResult[] }> {
  const limits = resolveRunnerLimits(options.limits);
  const root = await openCacheRoot(options.cacheDir ?? cacheRoot());
  const outputDir = options.outputDir;
  // Open until the build is cached: the project's params file is copied from the archive then.
  const { modules, inputs, dir, cached, replaced } = await withMlfPath(archivePath, async (archive) => {
    const project = await generateProject(archive, {
      module: options.module ?? (all ? undefined : singleModule(archive)),
      allowMissingParams: options.allowMissingParams ?? false,
    });
    const digest = await archiveDigest(archivePath, archive);
    const modules = project.manifest.modules;
    const names = modules.flatMap((m) => m.outputs.map((_, i) => `${outputFolder(modules, m.index)}output${i}.npy`));
    // Checked before building, and again when the outputs are written.
    if (outputDir !== undefined)
      await checkFolderDestination(outputDir, names, { force: options.force ?? false, inputs: [archivePath] });
    const inputs = await runInputs(modules, options.inputs ?? {}, options.randomSeed);
    const built = await buildCached(project.files, project.manifest, digest, root, options, limits);
    return { modules, inputs, ...built };
  });
  const notes = replaced === null ? [] : [`the cached build in ${dir} was rebuilt: ${replaced}`];

  const work = await mkdtemp(join(tmpdir(), 'mlf-run-'));
  try {
    const raw: Uint8Array[][] = [];
    const reports: ProgramReport[] = [];
    for (const m of modules) {
      const r = await runProgram(dir, m, inputs[m.index] ?? [], work, options.repeat, limits, modules.length > 1);
      reports.push(r.report);
      raw.push(r.outputs);
    }
    const { files, described } = outputFiles(modules, raw, outputDir);
    if (outputDir !== undefined)
      await writeFolderAtomic(outputDir, files, { force: options.force ?? false, inputs: [archivePath] });
    return {
      modules: modules.map((m, k) => {
        const report = reports[k] as ProgramReport;
        return {
          module: m.module,
          kind: m.kind,
          outputs: described[k] ?? [],
          timings: { repeat: report.ns.length, minNs: minOf(report.ns), medianNs: median(report.ns), ns: report.ns },
          workspace: { bytes: report.workspace_bytes, peak: report.workspace_peak },
          build: { dir, cached },
          notes: [...m.notes, ...notes],
        };
      }),
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Runs the built program for one module (`-k <index>`) and reads its report and raw outputs. */
async function runProgram(
  dir: string,
  m: ModuleManifest,
  inputs: readonly Uint8Array[],
  work: string,
  repeat: number | undefined,
  limits: RunnerLimits,
  several: boolean,
): Promise<{ report: ProgramReport; outputs: Uint8Array[] }> {
  const args = ['-k', String(m.index)];
  if (m.params !== null) args.push('-p', join(dir, m.params));
  for (const [i, data] of inputs.entries()) {
    const file = join(work, `m${m.index}.in${i}.bin`);
    await writeFile(file, data);
    args.push('-i', file);
  }
  const out = join(work, `m${m.index}`);
  await mkdir(out);
  args.push('-n', String(Math.max(1, repeat ?? 1)), '-o', out);
  const programLimits = runLimits(limits);
  const which = several ? ` (module ${JSON.stringify(m.module)})` : '';
  const r = await spawnCollect(join(dir, 'build', 'mlf_model'), args, { cwd: dir, limits: programLimits });
  const hit = limitError(r, programLimits, `the model program${which}`, LIMIT_FLAGS.run);
  if (hit !== null) throw hit;
  if (r.error !== null || r.status !== 0) {
    const how =
      r.error !== null
        ? `could not start (${r.error.code})`
        : r.signal !== null
          ? `was killed by signal ${r.signal}`
          : `exited with status ${r.status}`;
    throw new MlfError(
      'MLF-E506',
      `the model program${which} ${how}${r.stderr.trim() ? `:\n${tail(r.stderr, 8)}` : ''}`,
    );
  }
  const report = programReport(r.stdout);
  const outputs: Uint8Array[] = [];
  for (const [i, t] of m.outputs.entries()) {
    const bytes = await readFile(join(out, `output${i}.bin`)).catch(() => null);
    if (bytes === null || bytes.byteLength !== t.bytes)
      throw new MlfError(
        'MLF-E506',
        `the model program${which} exited 0 but ${bytes === null ? 'did not write' : `wrote ${bytes.byteLength} bytes, not ${t.bytes}, for`} output ${i} (${t.name})`,
      );
    outputs.push(new Uint8Array(bytes));
  }
  return { report, outputs };
}

/** runModel without --module: the only module, else E901 (pickModules would take them all). */
function singleModule(archive: { modules: readonly { name: string }[]; metadata: unknown }): string | undefined {
  if (archive.metadata === null || archive.modules.length <= 1) return undefined;
  throw new MlfError(
    'MLF-E901',
    `the archive has ${archive.modules.length} modules (${archive.modules.map((m) => JSON.stringify(m.name)).join(', ')}); choose one with --module, or run them all with mlf run without --module`,
  );
}

/** Builds the host project once per content in the cache; returns its folder. */
async function buildCached(
  files: ReadonlyMap<string, ProjectFileData>,
  manifest: ProjectManifest,
  digest: string,
  root: string,
  options: RunOptions,
  limits: RunnerLimits,
): Promise<{ dir: string; cached: boolean; replaced: string | null }> {
  const cc = options.cc ?? 'cc';
  const key = await filesDigest(files, [cc, options.cflags ?? '']);
  const expect = new Map<string, string>();
  for (const [p, d] of files) expect.set(p, await contentDigest(d));
  const name = manifest.modules.length === 1 ? (manifest.modules[0] as ModuleManifest).module : 'all';
  return cachedEntry(
    root,
    join(digest, `${safeName(name)}-${key.slice(0, 16)}`),
    async (tmp) => {
      await writeFilesInto(tmp, files);
      const owners = manifest.modules.length > 1 ? objectOwners(manifest.modules, false) : undefined;
      await buildProject(tmp, { cc, cflags: options.cflags, owners, limits });
    },
    { expect },
  );
}

/** A module or board name as part of a cache folder name. */
export const safeName = (s: string): string => s.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 64);
