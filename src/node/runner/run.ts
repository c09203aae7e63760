import { lstat, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { MlfError } from '../../core/errors/errors.js';
import { archiveDigest, cacheRoot, cachedEntry, digestOf } from './cache.js';
import { withMlfPath } from '../read/open.js';
import { buildProject, objectOwners } from './project/build.js';
import { generateProject, type ModuleManifest, type ProjectManifest } from './project/generate.js';
import { writeFilesInto, writeTree } from './project/write.js';
import { outputFolder, outputNpy, runInputs } from './run-io.js';
import { spawnCollect, tail } from './spawn.js';

/** Options of {@link runModel} and {@link runModules}. */
export interface RunOptions {
  /** Module to run; omitted: the only module ({@link runModel}) or every module ({@link runModules}). */
  module?: string;
  /** Input name → `.npy` file; `MODULE:NAME` keys when several modules run. */
  inputs?: Readonly<Record<string, string>>;
  /** Seed for inputs not given in `inputs`; without it every input must be given. */
  randomSeed?: number;
  /** Folder to write `output<i>.npy` (or `<module>/output<i>.npy`) into, all or nothing. */
  outputDir: string;
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
}

/** Per-inference timings in nanoseconds, as the driver measured them. */
export interface RunTimings {
  repeat: number;
  minNs: number;
  medianNs: number;
  ns: number[];
}

/** One written output. */
export interface RunOutput {
  index: number;
  name: string;
  dtype: string;
  shape: number[];
  file: string;
}

/** What `mlf run` did for one module. */
export interface RunResult {
  module: string;
  kind: ModuleManifest['kind'];
  outputs: RunOutput[];
  timings: RunTimings;
  workspace: { bytes: number; peak: number };
  build: { dir: string; cached: boolean };
  notes: string[];
}

/** The median of a non-empty list. */
function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Refuses an existing output folder unless forced (E904), before anything is built. */
export async function checkOutputDir(dir: string, force: boolean | undefined): Promise<void> {
  const taken = await lstat(dir).then(
    () => true,
    () => false, // ENOENT: free
  );
  if (taken && force !== true) throw new MlfError('MLF-E904', `${dir} already exists; use --force to replace it`);
}

/** The outputs of a run as `.npy` files by path in the output folder, and their descriptions. */
export function outputFiles(
  modules: readonly ModuleManifest[],
  raw: readonly (readonly Uint8Array[])[],
  outputDir: string,
): { files: Map<string, Uint8Array>; described: RunOutput[][] } {
  const files = new Map<string, Uint8Array>();
  const described = modules.map((m, k) => {
    const folder = outputFolder(modules, k);
    return m.outputs.map((t, i) => {
      files.set(`${folder}output${i}.npy`, outputNpy(t, raw[k]?.[i] ?? new Uint8Array()));
      return {
        index: i,
        name: t.name,
        dtype: t.dtype,
        shape: t.shape,
        file: join(outputDir, `${folder}output${i}.npy`),
      };
    });
  });
  return { files, described };
}

/** Writes the output tree all or nothing (E904 for an existing folder unless forced). */
export async function writeOutputs(outputDir: string, files: Map<string, Uint8Array>, force: boolean): Promise<void> {
  await mkdir(dirname(resolve(outputDir)), { recursive: true });
  await writeTree(outputDir, files, { force });
}

/**
 * Runs one module of an archive on the host: generates its C project in the cache (keyed by the
 * archive's SHA-256, the project's bytes and the compiler), builds it once with make, runs it on
 * the inputs and writes the outputs as `.npy` files in the model's output order.
 * @throws MlfError E501/E502 for inputs, E503/E504 for the build, E505/E507 for the archive,
 * E506 when the model program fails, E901 when the archive has several modules and none is named.
 */
export async function runModel(archivePath: string, options: RunOptions): Promise<RunResult> {
  const { modules } = await runHost(archivePath, options, false);
  return modules[0] as RunResult;
}

/**
 * Runs every module of an archive (or the one named) from one host program that links them all,
 * writing `<module>/output<i>.npy` when several run. Inputs are `MODULE:NAME` keys then.
 * @throws MlfError as {@link runModel}, and E508 when the modules' C symbols clash.
 */
export async function runModules(archivePath: string, options: RunOptions): Promise<{ modules: RunResult[] }> {
  return runHost(archivePath, options, true);
}

async function runHost(archivePath: string, options: RunOptions, all: boolean): Promise<{ modules: RunResult[] }> {
  await checkOutputDir(options.outputDir, options.force);
  const { project, digest } = await withMlfPath(archivePath, async (archive) => ({
    project: await generateProject(archive, { module: options.module ?? (all ? undefined : singleModule(archive)) }),
    digest: await archiveDigest(archivePath, archive),
  }));
  const modules = project.manifest.modules;
  const inputs = await runInputs(modules, options.inputs ?? {}, options.randomSeed);
  for (const m of modules) outputFolder(modules, m.index); // names that cannot be folders fail before building
  const { dir, cached } = await buildCached(project.files, project.manifest, digest, options);

  const work = await mkdtemp(join(tmpdir(), 'mlf-run-'));
  try {
    const raw: Uint8Array[][] = [];
    const reports: { ns: number[]; workspace_bytes: number; workspace_peak: number }[] = [];
    for (const m of modules) {
      const args = ['-k', String(m.index)];
      if (m.params !== null) args.push('-p', join(dir, m.params));
      for (const [i, data] of (inputs[m.index] ?? []).entries()) {
        const file = join(work, `m${m.index}.in${i}.bin`);
        await writeFile(file, data);
        args.push('-i', file);
      }
      const out = join(work, `m${m.index}`);
      await mkdir(out);
      args.push('-n', String(Math.max(1, options.repeat ?? 1)), '-o', out);
      const r = await spawnCollect(join(dir, 'build', 'mlf_model'), args, { cwd: dir });
      if (r.error !== null || r.status !== 0) {
        const how =
          r.error !== null
            ? `could not start (${r.error.code})`
            : r.signal !== null
              ? `was killed by signal ${r.signal}`
              : `exited with status ${r.status}`;
        const which = modules.length > 1 ? ` (module ${JSON.stringify(m.module)})` : '';
        throw new MlfError(
          'MLF-E506',
          `the model program ${how}${which}${r.stderr.trim() ? `:\n${tail(r.stderr, 8)}` : ''}`,
        );
      }
      reports.push(JSON.parse(r.stdout) as { ns: number[]; workspace_bytes: number; workspace_peak: number });
      raw.push(
        await Promise.all(
          m.outputs.map((_, i) => readFile(join(out, `output${i}.bin`)).then((b) => new Uint8Array(b))),
        ),
      );
    }
    const { files, described } = outputFiles(modules, raw, options.outputDir);
    await writeOutputs(options.outputDir, files, options.force ?? false);
    return {
      modules: modules.map((m, k) => {
        const report = reports[k] as { ns: number[]; workspace_bytes: number; workspace_peak: number };
        return {
          module: m.module,
          kind: m.kind,
          outputs: described[k] ?? [],
          timings: {
            repeat: report.ns.length,
            minNs: Math.min(...report.ns),
            medianNs: median(report.ns),
            ns: report.ns,
          },
          workspace: { bytes: report.workspace_bytes, peak: report.workspace_peak },
          build: { dir, cached },
          notes: m.notes,
        };
      }),
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** runModel without --module: the only module, else E901 (pickModules would take them all). */
function singleModule(archive: { modules: readonly { name: string }[]; metadata: unknown }): string | undefined {
  if (archive.metadata === null || archive.modules.length <= 1) return undefined;
  throw new MlfError(
    'MLF-E901',
    `the archive has ${archive.modules.length} modules (${archive.modules.map((m) => m.name).join(', ')}); choose one with --module, or run them all with mlf run without --module`,
  );
}

/** Builds the host project once per content in the cache; returns its folder. */
async function buildCached(
  files: Map<string, Uint8Array>,
  manifest: ProjectManifest,
  digest: string,
  options: RunOptions,
): Promise<{ dir: string; cached: boolean }> {
  const cc = options.cc ?? 'cc';
  const key = digestOf([...files].flatMap(([p, b]) => [p, b]).concat([cc, options.cflags ?? '']));
  const name = manifest.modules.length === 1 ? (manifest.modules[0] as ModuleManifest).module : 'all';
  const dir = join(options.cacheDir ?? cacheRoot(), digest, `${safeName(name)}-${key.slice(0, 16)}`);
  const { cached } = await cachedEntry(dir, async (tmp) => {
    await writeFilesInto(tmp, files);
    const owners = manifest.modules.length > 1 ? objectOwners(manifest.modules, false) : undefined;
    await buildProject(tmp, { cc, cflags: options.cflags, owners });
  });
  return { dir, cached };
}

/** A module name as part of a cache folder name. */
export const safeName = (s: string) => s.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 64);
