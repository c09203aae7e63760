import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MlfError } from '../../core/errors/errors.js';
import { archiveDigest, cacheRoot, cachedEntry, contentDigest, filesDigest, openCacheRoot } from './cache.js';
import { LIMIT_FLAGS, resolveRunnerLimits, type RunnerLimits, runLimits } from './limits.js';
import { readMlfPath } from '../read/open.js';
import type { MlfArchive } from '../../core/archive/archive.js';
import { buildProject } from './project/build.js';
import { generateProject, type ProjectManifest } from './project/generate.js';
import { writeFilesInto } from './project/write.js';
import { npyDescr, outputNpy, randomTensor, readInputFiles } from './run-io.js';
import { limitError, spawnCollect, tail } from './spawn.js';
import { checkFolderDestination, writeFolderAtomic } from '../write/atomic.js';

/** Options of {@link runModel}. */
export interface RunOptions {
  /** Module to run; may be omitted when the archive has one. */
  module?: string;
  /** Input name → `.npy` file. */
  inputs?: Readonly<Record<string, string>>;
  /** Seed for inputs not given in `inputs`; without it every input must be given. */
  randomSeed?: number;
  /** Folder to write `output<i>.npy` into (written all or nothing); without it the run only measures. */
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

/** What `mlf run` did. */
export interface RunResult {
  module: string;
  kind: ProjectManifest['kind'];
  outputs: { index: number; name: string; dtype: string; shape: number[]; file: string | null }[];
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

/**
 * The driver's JSON line: the last line of stdout (the archive's code may print before it).
 * E506 when it is not there or not what the driver writes.
 */
function programReport(stdout: string): { ns: number[]; workspace_bytes: number; workspace_peak: number } {
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
  return r as { ns: number[]; workspace_bytes: number; workspace_peak: number };
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
 * and the first validation error's code for an archive that fails validation.
 */
export async function runModel(archivePath: string, options: RunOptions): Promise<RunResult> {
  // Open until the run ends: the project's params file is copied from the archive into the cache.
  const archive = await readMlfPath(archivePath);
  try {
    return await runOpenModel(archive, archivePath, options);
  } finally {
    await archive.contents.close?.();
  }
}

async function runOpenModel(archive: MlfArchive, archivePath: string, options: RunOptions): Promise<RunResult> {
  const cc = options.cc ?? 'cc';
  const limits = resolveRunnerLimits(options.limits);
  const root = await openCacheRoot(options.cacheDir ?? cacheRoot());
  const outputDir = options.outputDir;
  const project = await generateProject(archive, {
    module: options.module,
    allowMissingParams: options.allowMissingParams ?? false,
  });
  const digest = await archiveDigest(archivePath, archive);
  const manifest = project.manifest;
  const outputNames = manifest.outputs.map((_, i) => `output${i}.npy`);
  // Checked before building, and again when the outputs are written.
  if (outputDir !== undefined)
    await checkFolderDestination(outputDir, outputNames, { force: options.force ?? false, inputs: [archivePath] });
  const given = await readInputFiles(manifest.inputs, options.inputs ?? {});
  const missing = manifest.inputs.filter((_, i) => given[i] === null).map((t) => t.name);
  if (missing.length > 0 && options.randomSeed === undefined) {
    throw new MlfError(
      'MLF-E501',
      `no value for input ${missing.map((n) => JSON.stringify(n)).join(', ')}; give --input NAME=FILE.npy or --random-inputs SEED`,
    );
  }
  for (const t of manifest.outputs) npyDescr(t); // fail on outputs .npy cannot hold before building
  const inputs = manifest.inputs.map(
    (t, i) => given[i] ?? randomTensor(t, ((options.randomSeed ?? 0) + i * 0x9e3779b9) >>> 0),
  );

  const key = await filesDigest(project.files, [cc, options.cflags ?? '']);
  const expect = new Map<string, string>();
  for (const [p, d] of project.files) expect.set(p, await contentDigest(d));
  const { dir, cached, replaced } = await cachedEntry(
    root,
    join(digest, `${manifest.module}-${key.slice(0, 16)}`),
    async (tmp) => {
      await writeFilesInto(tmp, project.files);
      await buildProject(tmp, { cc, cflags: options.cflags, limits });
    },
    { expect },
  );
  const notes = [...manifest.notes];
  if (replaced !== null) notes.push(`the cached build in ${dir} was rebuilt: ${replaced}`);

  const work = await mkdtemp(join(tmpdir(), 'mlf-run-'));
  try {
    const args = manifest.params === null ? [] : ['-p', join(dir, manifest.params)];
    for (const [i, data] of inputs.entries()) {
      await writeFile(join(work, `input${i}.bin`), data);
      args.push('-i', join(work, `input${i}.bin`));
    }
    args.push('-n', String(Math.max(1, options.repeat ?? 1)), '-o', work);
    const programLimits = runLimits(limits);
    const r = await spawnCollect(join(dir, 'build', 'mlf_model'), args, { cwd: dir, limits: programLimits });
    const hit = limitError(r, programLimits, 'the model program', LIMIT_FLAGS.run);
    if (hit !== null) throw hit;
    if (r.error !== null || r.status !== 0) {
      const how =
        r.error !== null
          ? `could not start (${r.error.code})`
          : r.signal !== null
            ? `was killed by signal ${r.signal}`
            : `exited with status ${r.status}`;
      throw new MlfError('MLF-E506', `the model program ${how}${r.stderr.trim() ? `:\n${tail(r.stderr, 8)}` : ''}`);
    }
    const report = programReport(r.stdout);
    const files = new Map<string, Uint8Array>();
    for (const [i, t] of manifest.outputs.entries()) {
      const raw = await readFile(join(work, `output${i}.bin`)).catch(() => null);
      if (raw === null || raw.byteLength !== t.bytes)
        throw new MlfError(
          'MLF-E506',
          `the model program exited 0 but ${raw === null ? 'did not write' : `wrote ${raw.byteLength} bytes, not ${t.bytes}, for`} output ${i} (${t.name})`,
        );
      files.set(`output${i}.npy`, outputNpy(t, new Uint8Array(raw)));
    }
    if (outputDir !== undefined)
      await writeFolderAtomic(outputDir, files, {
        force: options.force ?? false,
        inputs: [archivePath],
      });
    return {
      module: manifest.module,
      kind: manifest.kind,
      outputs: manifest.outputs.map((t, i) => ({
        index: i,
        name: t.name,
        dtype: t.dtype,
        shape: t.shape,
        file: outputDir === undefined ? null : join(outputDir, outputNames[i] as string),
      })),
      timings: { repeat: report.ns.length, minNs: minOf(report.ns), medianNs: median(report.ns), ns: report.ns },
      workspace: { bytes: report.workspace_bytes, peak: report.workspace_peak },
      build: { dir, cached },
      notes,
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
