/**
 * model-library-format: read, validate and inspect Apache TVM Model Library Format archives.
 * This entry point is browser-safe; `model-library-format/node` adds files and folders.
 */
export * from './archive.js';
export * from './bytes.js';
export { CODES, type MlfCode } from './codes.js';
export * from './compression.js';
export * from './dtype.js';
export * from './errors.js';
export * from './graph.js';
export * from './graph-facts.js';
export * from './inspect.js';
export { jsonPath, stringifySortedJson } from './json.js';
export * from './layout.js';
export * from './limits.js';
export * from './metadata.js';
export * from './metadata-schema.js';
export * from './npy.js';
export * from './npz.js';
export * from './params.js';
export * from './params-index.js';
export * from './params-stream.js';
export * from './relay.js';
export * from './source.js';
export * from './tar.js';
export * from './tensor.js';
export * from './tar-write.js';
export * from './validate.js';
export { renderDiagnosticsDoc } from './diagnostics-doc.js';
export * from './sizes.js';
export * from './diff.js';
export * from './diff-render.js';
export * from './budget.js';
export * from './budget-render.js';
export * from './manifest.js';
