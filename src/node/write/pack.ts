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
} from '../../core/archive/packages.js';
import { renameModule } from '../../core/archive/rename.js';
import { validateArchive } from '../../core/archive/validate.js';
import { type Converted, convertModules } from '../../core/archive/convert.js';
import type { Diagnostic } from '../../core/errors/errors.js';
import { openArchivePath, readMlfPath, withMlfPath } from '../read/open.js';
import type { Compression } from './compress.js';
import { chooseCompression } from './write-archive.js';
import { sourceDateEpochFromEnv } from './epoch.js';
import { type MemberSource, type StreamTarget, writeTarPlanAtomic } from './write-stream.js';
import type { Written } from './atomic.js';

/** Options of every archive writer. */
export interface PackOptions {
  /** Replace an existing archive (the rules of `./destination.ts`: never a folder, a link or an input). @default false */
  force?: boolean;
  /** Paths the write reads besides the writer's own inputs: never replaced. */
  inputs?: readonly string[];
  /** Sees what was written (path, bytes, SHA-256). */
  onWritten?: (written: Written) => void;
  /** Sees uncompressed bytes written so far and the total (for a progress bar). */
  onProgress?: (bytes: number, total: number) => void;
  /** Default: from the destination's extension (.tar, .tar.gz/.tgz, .tar.zst). */
  compression?: Compression;
  /** Seconds since the epoch for mtimes and export_datetime. @default process.env.SOURCE_DATE_EPOCH */
  sourceDateEpoch?: number;
}

export { sourceDateEpochFromEnv };

function epoch(options: PackOptions): number | undefined {
  return options.sourceDateEpoch ?? sourceDateEpochFromEnv();
}

/** Where a member's bytes come from, and how many there are. */
type SizedSource = MemberSource & { size: number };

/** Streams the members, canonically ordered, into `destination`, compressed as its extension (or `compression`) says. */
async function writeCanonical(
  sources: ReadonlyMap<string, SizedSource>,
  destination: Destination,
  options: PackOptions,
): Promise<void> {
  const compression =
    typeof destination === 'string'
      ? chooseCompression(destination, options.compression)
      : (options.compression ?? 'none');
  const mtime = epoch(options);
  const plan = planCanonical(
    [...sources].map(([path, m]) => ({ path, size: m.size })),
    mtime === undefined ? {} : { mtime },
  );
  let total = 0;
  for (const e of plan.entries) total += e.header.byteLength + (e.path === undefined ? 0 : e.size) + e.pad;
  const onProgress = options.onProgress;
  const written = await writeTarPlanAtomic(destination, plan, (path) => sources.get(path) as MemberSource, {
    force: options.force ?? false,
    inputs: options.inputs ?? [],
    compression,
    ...(onProgress === undefined ? {} : { onProgress: (n: number) => onProgress(n, total) }),
  });
  options.onWritten?.(written);
}

/** Where an archive goes: a path, or a stream (`-o -`). */
export type Destination = string | StreamTarget;

/** Writes assembled files; members of open archives (lazy params) are streamed from them. */
function writeFiles(
  files: ReadonlyMap<string, FileData>,
  destination: Destination,
  options: PackOptions,
): Promise<void> {
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
  destination: Destination,
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
  destination: Destination,
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
    await writeCanonical(sources, destination, { ...options, inputs: [...(options.inputs ?? []), input] });
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
  destination: Destination,
  version: 6 | 7,
  options: PackOptions = {},
): Promise<Assembled<FileData>> {
  let assembled: Assembled<FileData>;
  // SOURCE_DATE_EPOCH is one rule for every writer: every mtime, and export_datetime of metadata written anew.
  const e = epoch(options);
  if (e !== undefined) {
    const datetime = formatExportDatetime(new Date(e * 1000));
    packages = packages.map((p) =>
      p.style === 'full-model' && 'export_datetime' in p.entry
        ? { ...p, entry: { ...p.entry, export_datetime: datetime } }
        : p,
    );
  }
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
  destination: Destination,
  version: 6 | 7,
  options: PackOptions = {},
): Promise<Converted> {
  const archive = await readMlfPath(input);
  try {
    const e = epoch(options);
    const converted = await convertModules(
      archive,
      version,
      e === undefined ? {} : { exportDatetime: formatExportDatetime(new Date(e * 1000)) },
    );
    await writeFiles(converted.files, destination, { ...options, inputs: [...(options.inputs ?? []), input] });
    return converted;
  } finally {
    await archive.contents.close?.();
  }
}

/** One `--rename [INPUT:]OLD=NEW`: module `from` of input number `input` (1-based), or of the first later input that clashes. */
export interface MergeRename {
  input?: number;
  from: string;
  to: string;
}

/**
 * Parses `--rename [INPUT:]OLD=NEW` flags. The same OLD twice without an input number is
 * ambiguous and refused, as is the same module of the same input renamed twice.
 * @throws MlfError E901 for a malformed or ambiguous rename.
 */
export function parseRenames(pairs: string[]): MergeRename[] {
  const out: MergeRename[] = [];
  const seen = new Set<string>();
  for (const p of pairs) {
    const m = /^(?:(\d+):)?([^=:]+)=([^=]+)$/.exec(p);
    if (m === null) throw new MlfError('MLF-E901', `--rename expects [INPUT:]OLD=NEW, got ${JSON.stringify(p)}`);
    const r: MergeRename = { from: m[2] as string, to: m[3] as string };
    if (m[1] !== undefined) r.input = Number(m[1]);
    const key = `${r.input ?? '*'}:${r.from}`;
    if (seen.has(key))
      throw new MlfError(
        'MLF-E901',
        `--rename ${r.input === undefined ? '' : `${r.input}:`}${r.from}=… is given twice; give each module one new name (INPUT:OLD=NEW picks the input)`,
      );
    seen.add(key);
    out.push(r);
  }
  return out;
}

/**
 * Merges the modules of several archives into one v7 archive. A rename with an input number
 * applies to that input's module; one without applies to the first module of that name that
 * is already taken by an earlier input (the clash it resolves). Renamed modules get their C
 * symbols and headers renamed too (`renameModule`). Params are streamed from the inputs, which
 * are closed on return: read the result's `symbolClashes`, not the bytes of its `files`.
 * @throws MlfError E901 for a rename that matches no module, E411 for names that clash (also
 *   when they differ only in case), E415 for a module whose object code cannot be renamed.
 */
export async function mergeArchives(
  inputs: string[],
  destination: Destination,
  options: PackOptions & { rename?: Map<string, string> | MergeRename[] } = {},
): Promise<Assembled<FileData>> {
  const renames: MergeRename[] =
    options.rename instanceof Map
      ? [...options.rename].map(([from, to]) => ({ from, to }))
      : [...(options.rename ?? [])];
  for (const r of renames)
    if (r.input !== undefined && (r.input < 1 || r.input > inputs.length))
      throw new MlfError('MLF-E901', `--rename ${r.input}:${r.from}=${r.to}: there are ${inputs.length} inputs`);
  return withPackages(inputs, (perInput) => {
    const packages: ModulePackage<FileData>[] = [];
    const used = new Set<MergeRename>();
    for (const [i, list] of perInput.entries()) {
      for (const p of list) {
        const taken = packages.some((q) => q.name === p.name);
        const r =
          renames.find((x) => x.input === i + 1 && x.from === p.name) ??
          (taken ? renames.find((x) => x.input === undefined && x.from === p.name && !used.has(x)) : undefined);
        if (r === undefined) packages.push(p);
        else {
          used.add(r);
          packages.push(renameModule(p, r.to));
        }
      }
    }
    const unused = renames.find((r) => !used.has(r));
    if (unused !== undefined)
      throw new MlfError(
        'MLF-E901',
        `--rename ${unused.input === undefined ? '' : `${unused.input}:`}${unused.from}=${unused.to} matches no module${unused.input === undefined ? ' that clashes with an earlier input' : ` of input ${unused.input}`}`,
      );
    const folded = new Map<string, string>();
    for (const p of packages) {
      const other = folded.get(p.name.toLowerCase());
      if (other !== undefined && other !== p.name)
        throw new MlfError(
          'MLF-E411',
          `modules "${other}" and "${p.name}" differ only in case; the archive would be refused on case-insensitive file systems`,
        );
      folded.set(p.name.toLowerCase(), p.name);
    }
    return writePackages(packages, destination, 7, { ...options, inputs: [...(options.inputs ?? []), ...inputs] });
  });
}
