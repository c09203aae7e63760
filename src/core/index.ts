/**
 * Read, validate, inspect and write Apache TVM Model Library Format (MLF) archives. This entry
 * point is browser-safe (no Node built-ins); `model-library-format/node` re-exports it and adds
 * files, folders, streams, signing and the host runner.
 *
 * The names below are the public API; everything else under `src/core` is internal and may change
 * in any release. `test/package/exports.test.ts` keeps a list of them, so a change is deliberate.
 * @packageDocumentation
 * @module model-library-format
 */

// Reading: sources, containers, archives
export { type ByteSource, blobSource, bytesSource } from './common/source.js';
export {
  type ArchiveContents,
  type ArchiveMember,
  type ContainerKind,
  findModule,
  loadGraph,
  loadParams,
  type MlfArchive,
  type MlfModule,
  openArchive,
  openArchiveBlob,
  openTar,
  type OpenTarOptions,
  readMember,
  readMlf,
  type ReadOptions,
  readText,
} from './archive/archive.js';
export type { ModuleLayout } from './metadata/layout.js';
export {
  type ChunkInput,
  type Container,
  decompress,
  type DecompressOptions,
  detectContainer,
  inflateChunks,
  type InflateOptions,
} from './compression/compression.js';
export {
  type ReadTarOptions,
  readTarEntry,
  readTarIndex,
  readTarIndexSync,
  tarEntryData,
  type TarIndex,
} from './tar/read.js';
export type { TarEntry } from './tar/header.js';
export { type Limits, DEFAULT_LIMITS } from './common/limits.js';

// metadata.json
export {
  detectStyle,
  type MlfMetadata,
  type MlfStyle,
  type ModuleMetadata,
  parseMetadata,
  type ParseMetadataOptions,
  SUPPORTED_VERSIONS,
} from './metadata/metadata.js';
export type {
  ExternalDependency,
  MainEntry,
  OperatorBuffer,
  OperatorFunctionEntry,
  SidEntry,
  TensorInfo,
} from './metadata/schema.js';

// Validating and inspecting
export { validateArchive, validateContents, type ValidateOptions, type ValidationReport } from './archive/validate.js';
export {
  type AotFacts,
  inspectArchive,
  type InspectModule,
  type InspectOptions,
  type InspectReport,
  type TensorFacts,
} from './archive/inspect.js';

// Parameters: the TVM param dict, tensor views, NumPy files
export {
  decodeParams,
  type DecodeParamsOptions,
  type ParamDict,
  type ParamDictInput,
  type ParamTensor,
  type ParamTensorHeader,
  type ParamTensorInput,
} from './params/codec.js';
export { encodeParams, makeParamTensor } from './params/encode.js';
export { indexParams, type ParamIndex, type RangeRead } from './params/tensor-index.js';
export { createParamsScanner, type ParamsScanHandlers, type ParamsScanner, scanParams } from './params/scanner.js';
export { tensorStats, type TensorStats, tensorView, type TypedArray } from './params/tensor.js';
export {
  bfloat16ToFloat,
  type DLDataType,
  type DTypeOptions,
  e4m3ToFloat,
  e5m2ToFloat,
  formatDType,
  halfToFloat,
  parseDType,
} from './params/dtype.js';
export {
  decodeNpy,
  type DecodeNpyOptions,
  encodeNpy,
  type NpyArray,
  type NpyInput,
  npyToParam,
  paramToNpy,
} from './params/npy.js';
export { decodeNpz, encodeNpz, type EncodeNpzOptions } from './params/npz.js';

// Graph executor JSON and Relay text
export {
  checkGraph,
  type GraphJson,
  type GraphNode,
  type GraphOptions,
  type NodeEntry,
  parseGraph,
} from './graph/graph.js';
export {
  computeSids,
  computeStoragePools,
  countStorageIds,
  graphInputs,
  graphOperators,
  graphOutputs,
  graphParamInputs,
  type GraphTensor,
  type StoragePool,
} from './graph/facts.js';
export { parseRelayMain, type RelayParam, type RelaySignature } from './graph/relay.js';

// AOT modules (the fused-operator calls of __tvm_main__ read from the C, and their memory) and
// Relay text with inferred types (docs/format.md §8.4, §8.5); their readers load on demand.
export { analyzeAotCodegen, analyzeAotModule, analyzeRelay } from './graph/analyze.js';
export type { AotAnalysis, AotAnalysisOptions } from './graph/aot-archive.js';
export type { AotBuffer, AotCall, AotEntry, AotMain, AotPool, ArgRole, BytesSource } from './graph/aot-model.js';
export type { AotMemoryLayout, MemoryInterval, MemoryRegion } from './graph/aot-memory.js';
export type { RelayAnalysis } from './graph/relay-graph.js';
export type { RelayInference } from './graph/relay-infer.js';
export type { RelayParseOptions } from './graph/relay-parse.js';
export type {
  RelayAttr,
  RelayFunction,
  RelayNode,
  RelayProgram,
  RelayTensorType,
  RelayType,
} from './graph/relay-ast.js';

// Writing
export {
  buildModelLibraryFormat,
  type BuildOptions,
  type CodegenInput,
  type ModuleBuild,
  type OperatorBuild,
} from './archive/export.js';
export { CANONICAL_MTIME, type CanonicalOptions, packCanonical } from './archive/canonical.js';
export { type PackTarEntry, type PackTarOptions, packTar } from './tar/write.js';

// Integrity: the manifest and the signature document (signing with keys is in the Node entry)
export {
  computeManifest,
  diffManifests,
  encodeManifest,
  MANIFEST_FORMAT,
  type ManifestDiff,
  type ManifestEntry,
  type ManifestOptions,
  type MlfManifest,
  parseManifest,
} from './integrity/manifest.js';
export {
  type ByteDigest,
  encodeSignature,
  type MlfSignature,
  parseSignature,
  SIGNATURE_FORMAT,
  type SignedStatement,
  signedBytes,
} from './integrity/signature.js';
export type { SignedContainer } from './integrity/signed-tail.js';

// Reports: diff and budgets
export {
  type CodegenChange,
  type Delta,
  type DeviceMemoryDiff,
  diffArchives,
  type DiffOptions,
  type DiffReport,
  type InterfaceChange,
  type ListDiff,
  type ModuleDiff,
  type TensorSide,
} from './report/diff.js';
export type { ParamChange, ParamSide, ParamsDiff } from './report/diff-params.js';
export {
  type DiffFinding,
  type DiffFindings,
  type DiffLabels,
  listDiffFindings,
  renderDiffMarkdown,
  renderDiffText,
  summarizeDiff,
} from './report/diff-render.js';
export {
  type BudgetMeasure,
  type BudgetOptions,
  type BudgetReport,
  type BudgetResult,
  evaluateBudgets,
  type MeasureContext,
  type Measurements,
  MEMORY_MEASURES,
  measureModules,
} from './report/budget.js';
export {
  type CheckLabels,
  renderCheckGithub,
  renderCheckMarkdown,
  renderCheckText,
  summarizeBudgets,
} from './report/budget-render.js';
export { type AllowedIncrease, formatSize, parseIncrease, parseSize } from './common/sizes.js';

// Errors
export { CODES, type MlfCode } from './errors/codes.js';
export {
  type Diagnostic,
  formatLocation,
  isMlfError,
  MlfError,
  type MlfLocation,
  type Severity,
} from './errors/errors.js';

// Drawing a graph: node table, drawing model, layout, SVG, memory over time
export {
  graphTable,
  type GraphTable,
  type GraphTableNode,
  type NodeKind,
  type NodeOutput,
} from './report/view-data.js';
export { fusedOps, type FusedOps, type OpCategory, opCategory, shortOpName } from './report/op-names.js';
export { aotGraphTable } from './report/aot-view.js';
export { relayGraphTable } from './report/relay-view.js';
export {
  buildGraphDrawing,
  type DrawEdge,
  type DrawNode,
  type DrawNodeKind,
  type DrawParam,
  type GraphDrawing,
  type ParamMode,
} from './report/graph-drawing.js';
export {
  type GraphLayout,
  type LaidEdge,
  type LaidNode,
  type LayoutEngine,
  layoutGraphDrawing,
  type Point,
} from './report/graph-layout.js';
export { drawGraphSvg, renderGraphSvg, type SvgOptions } from './report/graph-svg.js';
export {
  aotMemoryTimeline,
  graphMemoryTimeline,
  liveBytes,
  type MemoryBuffer,
  type MemoryBufferKind,
  type MemoryStep,
  type MemoryTimeline,
  peakLive,
} from './report/memory-timeline.js';
