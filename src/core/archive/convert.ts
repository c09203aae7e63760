// Converting an archive to version 7 (or 6) without losing anything: members no module claims
// are carried over at their paths, and the result is validated in memory before a byte is written.
import { type ArchiveMember, type MlfArchive, readMlf } from './archive.js';
import { MlfError } from '../errors/errors.js';
import { isSignatureMember } from '../metadata/layout.js';
import { type Assembled, assembleV6, assembleV7, type FileData, readModulePackages } from './packages.js';
import { type ValidationReport, validateArchive } from './validate.js';

/** What {@link convertModules} made: the files to write and what happened to unclaimed members. */
export interface Converted extends Assembled<FileData> {
  /** Members no module claims, kept at their paths. */
  kept: string[];
  /** Members left out, with the reason (only a signature, which the new bytes would not match). */
  dropped: { path: string; reason: string }[];
  /** Validation of the files as they would be written. */
  validation: ValidationReport;
}

/** Options of {@link convertModules}. */
export interface ConvertOptions {
  /** `export_datetime` for full-model metadata written anew (SOURCE_DATE_EPOCH, formatted as TVM does). */
  exportDatetime?: string;
}

/**
 * The files of `archive` as a version-7 (or single-module version-6) archive. Params stay
 * members of the open archive (streamed when written).
 * @throws MlfError E413 (v6 with several modules), E412 (a kept member collides with a
 * converted file), or the first error code of the result's validation: nothing invalid is
 * produced.
 */
export async function convertModules(
  archive: MlfArchive,
  version: 6 | 7,
  options: ConvertOptions = {},
): Promise<Converted> {
  let packages = await readModulePackages(archive, { lazyParams: true });
  const datetime = options.exportDatetime;
  if (datetime !== undefined)
    packages = packages.map((p) =>
      p.style === 'full-model' && 'export_datetime' in p.entry
        ? { ...p, entry: { ...p.entry, export_datetime: datetime } }
        : p,
    );
  let assembled: Assembled<FileData>;
  if (version === 6) {
    const [only] = packages;
    if (packages.length !== 1 || only === undefined) {
      throw new MlfError(
        'MLF-E413',
        `version 6 holds exactly one module; this archive has ${packages.length} (${packages.map((p) => p.name).join(', ')})`,
      );
    }
    assembled = assembleV6(only);
  } else assembled = assembleV7(packages);
  const files = new Map(assembled.files);
  const kept: string[] = [];
  const dropped: Converted['dropped'] = [];
  const runtime = new Set(archive.runtimeFiles);
  for (const path of [...archive.extraFiles, ...archive.runtimeFiles]) {
    const member = archive.contents.members.get(path);
    if (member === undefined) continue;
    if (isSignatureMember(path)) {
      dropped.push({ path, reason: 'a signature of the old bytes; sign the converted archive again' });
      continue;
    }
    const placed = files.get(path);
    if (placed !== undefined && runtime.has(path)) continue; // the bundled runtime, placed by its module
    if (placed !== undefined) {
      throw new MlfError(
        'MLF-E412',
        `${path} is not part of any module, and version ${version} puts a module's file at that path`,
        { member: path },
      );
    }
    files.set(path, member);
    kept.push(path);
  }
  const validation = await validateFiles(files);
  const first = validation.diagnostics.find((d) => d.severity === 'error');
  if (first !== undefined) {
    throw new MlfError(
      first.code,
      `the converted archive would not be valid, so nothing was written: ${first.message}`,
      first,
    );
  }
  return { files, symbolClashes: assembled.symbolClashes, kept, dropped, validation };
}

/** Validates files about to be written, as if they were an archive. */
export async function validateFiles(files: ReadonlyMap<string, FileData>): Promise<ValidationReport> {
  const members = new Map<string, ArchiveMember>();
  for (const [path, data] of files) {
    if (data instanceof Uint8Array)
      members.set(path, { path, size: data.byteLength, read: () => Promise.resolve(data) });
    else {
      const m: ArchiveMember = { path, size: data.size, read: () => data.read() };
      if (data.readRange !== undefined) m.readRange = data.readRange.bind(data);
      members.set(path, m);
    }
  }
  return validateArchive(await readMlf({ container: 'tar', members, diagnostics: [] }));
}
