/**
 * `model-library-format/node`: everything of the browser-safe entry, plus archives and folders on
 * disk, streamed and atomic writers, safe extraction, Ed25519 signing and the host runner.
 *
 * The names below are the public API; everything else under `src/node` is internal.
 * `test/package/exports.test.ts` keeps a list of them, so a change is deliberate.
 * @packageDocumentation
 * @module model-library-format/node
 */
export * from '../core/index.js';

// Reading files and folders
export { openArchivePath, type OpenPathOptions, readMlfPath, withMlfPath } from './read/open.js';
export { type ClosableSource, fileSource } from './read/source.js';
export { hashMember, type ChunkedMember } from './read/member-chunks.js';
export { hashParamsFile, type HashedParams, scanParamsFile } from './read/params-hash.js';

// Writing archives
export {
  type Destination,
  exportModelLibraryFormat,
  mergeArchives,
  type MergeRename,
  packArchive,
  type PackOptions,
  withPackages,
  writePackages,
} from './write/pack.js';
export type { Assembled, FileData, FileEntry, ModulePackage } from '../core/archive/packages.js';
export { writeArchiveFile, type WriteArchiveOptions } from './write/write-archive.js';
export type { StreamTarget } from './write/write-stream.js';
export type { ChunkedFile, FileBody, Written } from './write/atomic.js';
export { type Compression, compressionForPath } from './write/compress.js';
export { unpackArchive, type UnpackOptions, type UnpackResult } from './write/unpack.js';

// Signing and verifying
export {
  checkSignature,
  keyIdOf,
  loadSigningKey,
  signArchive,
  type SignOptions,
  type SignResult,
  signStatement,
  verifyArchive,
  type VerifyOptions,
  type VerifyResult,
  writeSigningKeys,
} from './trust/sign.js';

// Running models on the host and on emulated boards, without TVM
export { buildProject, type BuildOptions as BuildProjectOptions, type ObjectOwner } from './runner/project/build.js';
export {
  generateProject,
  type GeneratedProject,
  type ModuleManifest,
  type ProjectManifest,
  type ProjectOptions,
} from './runner/project/generate.js';
export {
  type ModelInterface,
  type ModelKind,
  type InterfaceOptions,
  readModelInterface,
  type RunnerTensor,
} from './runner/project/interface.js';
export { PROJECT_TEMPLATES, type ProjectTemplate } from './runner/project/templates.js';
export {
  runModel,
  runModules,
  type RunOptions,
  type RunOutput,
  type RunResult,
  type RunTimings,
} from './runner/run.js';
export { type BoardProfile, checkBoard, listBoards, loadBoard } from './runner/board/profile.js';
export {
  type BuiltFirmware,
  buildFirmware,
  type FirmwareFootprint,
  type FirmwareOptions,
  measureFirmwareFootprint,
} from './runner/board/firmware.js';
export {
  runOnTarget,
  type TargetModuleResult,
  type TargetRunOptions,
  type TargetRunResult,
} from './runner/board/run-board.js';
export {
  type FileFootprint,
  type FootprintOptions,
  type FootprintReport,
  measureFootprint,
  type ModuleFootprint,
} from './runner/footprint.js';
export type { ElfSizes } from './runner/elf.js';
export { DEFAULT_RUNNER_LIMITS, type RunnerLimits } from './runner/limits.js';
export type { ProjectFileData } from './runner/project/plan-common.js';
