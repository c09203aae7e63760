import { type MlfArchive, readMlf } from '../../core/archive/archive.js';
import { formatExportDatetime, planCanonical } from '../../core/archive/canonical.js';
import { MlfError } from '../../core/errors/errors.js';
import {
  type BuildOptions,
  buildModelLibraryFormat,
  type ModuleBuild,
  type OperatorBuild,
} from '../../core/archive/export.js';
import { isRecord, stringifySortedJson } from '../../core/common/json.js';
import {
  type Assembled,
  assembleV6,
  assembleV7,
  type FileData,
  type ModulePackage,
  readModulePackages,
  renamePackage,
} from '../../core/archive/packages.js';
import { validateArchive } from '../../core/archive/validate.js';
import { type Converted, convertModules } from '../../core/archive/convert.js';
import type { Diagnostic } from '../../core/errors/errors.js';
import { openArchivePath, readMlfPath, withMlfPath } from '../read/open.js';
import type { Compression } from './compress.js';
import { chooseCompression } from './write-archive.js';
import { type MemberSource, writeTarPlanAtomic } from './write-stream.js';

/** Options of every archive writer. */
export interface PackOptions {
  /** Replace an existing destination. @default false */
  force?: boolean;
  /** Default: from the destination's extension (.tar, .tar.gz/.tgz, .tar.zst). */
  compression?: Compression;
  /** Seconds since the epoch for mtimes and export_datetime. @default process.env.SOURCE_DATE_EPOCH */
  sourceDateEpoch?: number;
}

/** SOURCE_DATE_EPOCH from the environment (reproducible-builds.org), validated. */
export function sourceDateEpochFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const v = env.SOURCE_DATE_EPOCH;
  if (v === undefined || v === '') return undefined;
  if (!/^\d+$/.test(v) || Number(v) > 253402300799) {
    throw new MlfError(
      'MLF-E901',
      `SOURCE_DATE_EPOCH must be a whole number of seconds between 0 and 253402300799, got ${JSON.stringify(v)}`,
    );
  }
  return Number(v);
}

function epoch(options: PackOptions): number | undefined {
  return options.sourceDateEpoch ?? sourceDateEpochFromEnv();
}

/** Where a member's bytes come from, and how many there are. */
type SizedSource = MemberSource & { size: number };

/** Streams the members, canonically ordered, into `destination`, compressed as its extension (or `compression`) says. */
async function writeCanonical(
  sources: ReadonlyMap<string, SizedSource>,
  destination: string,
  options: PackOptions,
): Promise<void> {
  const compression = chooseCompression(destination, options.compression);
  const mtime = epoch(options);
  const plan = planCanonical(
    [...sources].map(([path, m]) => ({ path, size: m.size })),
    mtime === undefined ? {} : { mtime },
  );
  await writeTarPlanAtomic(destination, plan, (path) => sources.get(path) as MemberSource, {
    force: options.force ?? false,
    compression,
  });
}

/** Writes assembled files; members of open archives (lazy params) are streamed from them. */
function writeFiles(files: ReadonlyMap<string, FileData>, destination: string, options: PackOptions): Promise<void> {
  return writeCanonical(
    new Map([...files].map(([path, data]) => [path, data instanceof Uint8Array ? bytesSource(data) : data])),
    destination,
    options,
  );
}

/**
 * Writes a version-7 archive from build outputs in memory (TVM's `export_model_library_format`):
 * canonical, reproducible, compressed by extension, atomic.
 */
export async function exportModelLibraryFormat(
  modules: (ModuleBuild | OperatorBuild)[],
  destination: string,
  options: PackOptions = {},
): Promise<Assembled> {
  const e = epoch(options);
  const build: BuildOptions = e === undefined ? {} : { sourceDateEpoch: e };
  const assembled = buildModelLibraryFormat(modules, build);
  await writeFiles(assembled.files, destination, options);
  return assembled;
}

/**
 * Packs an extracted MLF folder (or re-packs an archive) canonically. The archive is validated
 * first and refused with its first error. Member bytes are kept; with SOURCE_DATE_EPOCH set,
 * full-model metadata gets that `export_datetime` and is re-serialised as TVM does.
 */
export async function packArchive(
  input: string,
  destination: string,
  options: PackOptions = {},
): Promise<Diagnostic[]> {
  const contents = await openArchivePath(input);
  try {
    const archive = await readMlf(contents);
    const report = await validateArchive(archive);
    const first = report.diagnostics.find((d) => d.severity === 'error');
    if (first !== undefined)
      throw new MlfError(first.code, `${input} is not a valid MLF archive: ${first.message}`, first);
    const e = epoch(options);
    let metadata: Uint8Array | undefined;
    if (e !== undefined && archive.metadata !== null && archive.style === 'full-model') {
      metadata = new TextEncoder().encode(
        stringifySortedJson(withDatetime(archive.metadata.raw, formatExportDatetime(new Date(e * 1000)))),
      );
    }
    // Members are streamed from the input into the destination, never all held in memory.
    const sources = new Map<string, SizedSource>(contents.members);
    if (metadata !== undefined) sources.set('metadata.json', bytesSource(metadata));
    await writeCanonical(sources, destination, options);
    return report.diagnostics;
  } finally {
    await contents.close?.();
  }
}

function bytesSource(bytes: Uint8Array): SizedSource {
  return { size: bytes.byteLength, read: () => Promise.resolve(bytes) };
}

function withDatetime(raw: Record<string, unknown>, datetime: string): Record<string, unknown> {
  const out = structuredClone(raw);
  const entries = isRecord(out.modules) ? Object.values(out.modules) : [out];
  for (const m of entries) if (isRecord(m) && 'export_datetime' in m) m.export_datetime = datetime;
  return out;
}

/** Reads every module of an archive on disk as a package (any version, upgraded to v7 terms). */
export function readPackages(path: string): Promise<ModulePackage[]> {
  return withMlfPath(path, (archive) => readModulePackages(archive));
}

/**
 * Opens archives, reads their modules as packages whose params stay in the archive (streamed
 * when written, never held in memory), runs `fn` with the packages of each input in order, and
 * closes every archive, whatever happens.
 */
export async function withPackages<T>(
  paths: string[],
  fn: (packages: ModulePackage<FileData>[][]) => Promise<T>,
): Promise<T> {
  const open: MlfArchive[] = [];
  try {
    const packages: ModulePackage<FileData>[][] = [];
    for (const path of paths) {
      const archive = await readMlfPath(path);
      open.push(archive);
      packages.push(await readModulePackages(archive, { lazyParams: true }));
    }
    return await fn(packages);
  } finally {
    for (const archive of open) await archive.contents.close?.();
  }
}

/** Writes packages as one archive of the given version (7, or 6 for a single module). */
export async function writePackages(
  packages: ModulePackage<FileData>[],
  destination: string,
  version: 6 | 7,
  options: PackOptions = {},
): Promise<Assembled<FileData>> {
  let assembled: Assembled<FileData>;
  if (version === 6) {
    if (packages.length !== 1) {
      throw new MlfError(
        'MLF-E413',
        `version 6 holds exactly one module; this archive has ${packages.length} (${packages.map((p) => p.name).join(', ')})`,
      );
    }
    assembled = assembleV6(packages[0] as ModulePackage<FileData>);
  } else assembled = assembleV7(packages);
  await writeFiles(assembled.files, destination, options);
  return assembled;
}

/**
 * Converts an archive to version 7 (or 6) and writes it: every member no module claims is kept
 * at its path (a signature is dropped and reported), and the result is validated before anything
 * is written (its first error is thrown with its code).
 */
export async function convertArchive(
  input: string,
  destination: string,
  version: 6 | 7,
  options: PackOptions = {},
): Promise<Converted> {
  const archive = await readMlfPath(input);
  try {
    const converted = await convertModules(archive, version);
    await writeFiles(converted.files, destination, options);
    return converted;
  } finally {
    await archive.contents.close?.();
  }
}

/** Parses `--rename old=new` pairs. */
export function parseRenames(pairs: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of pairs) {
    const m = /^([^=]+)=([^=]+)$/.exec(p);
    if (m === null) throw new MlfError('MLF-E901', `--rename expects OLD=NEW, got ${JSON.stringify(p)}`);
    out.set(m[1] as string, m[2] as string);
  }
  return out;
}

/**
 * Merges the modules of several archives into one v7 archive; renames apply by module name.
 * Params are streamed from the inputs, which are closed on return: read the result's
 * `symbolClashes`, not the bytes of its `files`.
 */
export async function mergeArchives(
  inputs: string[],
  destination: string,
  options: PackOptions & { rename?: Map<string, string> } = {},
): Promise<Assembled<FileData>> {
  return withPackages(inputs, (perInput) => {
    const packages: ModulePackage<FileData>[] = [];
    const renamed = new Set<string>();
    for (const p of perInput.flat()) {
      const to = options.rename?.get(p.name);
      // A rename applies to the first module of that name that is not yet taken.
      if (to !== undefined && !renamed.has(p.name) && packages.some((q) => q.name === p.name)) {
        renamed.add(p.name);
        packages.push(renamePackage(p, to));
      } else packages.push(p);
    }
    return writePackages(packages, destination, 7, options);
  });
}
