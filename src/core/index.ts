/**
 * model-library-format: read, validate and inspect Apache TVM Model Library Format archives.
 * This entry point is browser-safe; `model-library-format/node` adds files and folders.
 */
export * from './archive/archive.js';
export * from './common/bytes.js';
export { CODES, type MlfCode } from './errors/codes.js';
export * from './compression/compression.js';
export * from './params/dtype.js';
export * from './errors/errors.js';
export * from './graph/graph.js';
export * from './graph/facts.js';
export * from './archive/inspect.js';
export { jsonPath, stringifySortedJson } from './common/json.js';
export * from './metadata/layout.js';
export * from './common/limits.js';
export * from './metadata/metadata.js';
export * from './metadata/schema.js';
export * from './params/npy.js';
export * from './params/npz.js';
export * from './params/codec.js';
export * from './params/tensor-index.js';
export * from './params/scanner.js';
export * from './graph/relay.js';
export * from './common/source.js';
export * from './tar/read.js';
export * from './params/tensor.js';
export * from './tar/write.js';
export * from './archive/validate.js';
export { renderDiagnosticsDoc } from './errors/diagnostics-doc.js';
export * from './common/sizes.js';
export * from './report/diff.js';
export * from './report/diff-render.js';
export * from './report/budget.js';
export * from './report/budget-render.js';
export * from './integrity/manifest.js';
export * from './integrity/signature.js';
export * from './integrity/signed-tail.js';
