import { lstat, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { MlfError } from '../../core/errors/errors.js';
import { archiveDigest, cacheRoot, cachedEntry, digestOf } from './cache.js';
import { withMlfPath } from '../read/open.js';
import { buildProject } from './project/build.js';
import { generateProject, type ProjectManifest } from './project/generate.js';
import { writeFilesInto } from './project/write.js';
import { npyDescr, outputNpy, randomTensor, readInputFiles } from './run-io.js';
import { spawnCollect, tail } from './spawn.js';
import { writeFolderAtomic } from '../write/atomic.js';

/** Options of {@link runModel}. */
export interface RunOptions {
  /** Module to run; may be omitted when the archive has one. */
  module?: string;
  /** Input name → `.npy` file. */
  inputs?: Readonly<Record<string, string>>;
  /** Seed for inputs not given in `inputs`; without it every input must be given. */
  randomSeed?: number;
  /** Folder to write `output<i>.npy` into (written all or nothing). */
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
  /** Run a graph module whose params file is missing (its weights become inputs). @default false */
  allowMissingParams?: boolean;
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
  outputs: { index: number; name: string; dtype: string; shape: number[]; file: string }[];
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

/**
 * Runs one module of an archive on the host: generates its C project in the cache (keyed by the
 * archive's SHA-256, the module, the project's bytes and the compiler), builds it once with make,
 * runs it on the inputs and writes the outputs as `.npy` files in the model's output order.
 * @throws MlfError E501/E502 for inputs, E503/E504 for the build, E505/E507 for the archive,
 * E506 when the model program fails.
 */
export async function runModel(archivePath: string, options: RunOptions): Promise<RunResult> {
  const cc = options.cc ?? 'cc';
  const taken = await lstat(options.outputDir).then(
    () => true,
    () => false, // ENOENT: free
  );
  if (taken && options.force !== true)
    throw new MlfError('MLF-E904', `${options.outputDir} already exists; use --force to replace it`);
  const { project, digest } = await withMlfPath(archivePath, async (archive) => ({
    project: await generateProject(archive, {
      module: options.module,
      allowMissingParams: options.allowMissingParams ?? false,
    }),
    digest: await archiveDigest(archivePath, archive),
  }));
  const manifest = project.manifest;
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

  const key = digestOf([...project.files].flatMap(([p, b]) => [p, b]).concat([cc, options.cflags ?? '']));
  const dir = join(options.cacheDir ?? cacheRoot(), digest, `${manifest.module}-${key.slice(0, 16)}`);
  const { cached } = await cachedEntry(dir, async (tmp) => {
    await writeFilesInto(tmp, project.files);
    await buildProject(tmp, { cc, cflags: options.cflags });
  });

  const work = await mkdtemp(join(tmpdir(), 'mlf-run-'));
  try {
    const args = manifest.params === null ? [] : ['-p', join(dir, manifest.params)];
    for (const [i, data] of inputs.entries()) {
      await writeFile(join(work, `input${i}.bin`), data);
      args.push('-i', join(work, `input${i}.bin`));
    }
    args.push('-n', String(Math.max(1, options.repeat ?? 1)), '-o', work);
    const r = await spawnCollect(join(dir, 'build', 'mlf_model'), args, { cwd: dir });
    if (r.error !== null || r.status !== 0) {
      const how =
        r.error !== null
          ? `could not start (${r.error.code})`
          : r.signal !== null
            ? `was killed by signal ${r.signal}`
            : `exited with status ${r.status}`;
      throw new MlfError('MLF-E506', `the model program ${how}${r.stderr.trim() ? `:\n${tail(r.stderr, 8)}` : ''}`);
    }
    const report = JSON.parse(r.stdout) as { ns: number[]; workspace_bytes: number; workspace_peak: number };
    const files = new Map<string, Uint8Array>();
    for (const [i, t] of manifest.outputs.entries()) {
      files.set(`output${i}.npy`, outputNpy(t, new Uint8Array(await readFile(join(work, `output${i}.bin`)))));
    }
    await mkdir(dirname(resolve(options.outputDir)), { recursive: true });
    await writeFolderAtomic(options.outputDir, files, { force: options.force ?? false });
    return {
      module: manifest.module,
      kind: manifest.kind,
      outputs: manifest.outputs.map((t, i) => ({
        index: i,
        name: t.name,
        dtype: t.dtype,
        shape: t.shape,
        file: join(options.outputDir, `output${i}.npy`),
      })),
      timings: { repeat: report.ns.length, minNs: Math.min(...report.ns), medianNs: median(report.ns), ns: report.ns },
      workspace: { bytes: report.workspace_bytes, peak: report.workspace_peak },
      build: { dir, cached },
      notes: manifest.notes,
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
