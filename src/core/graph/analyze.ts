// The AOT and Relay analyses as the package exports them. Their readers (~60 KB minified) are
// loaded on demand, so a browser page that only reads graph-executor archives never fetches them:
// no file of the package's static import graph may import aot-archive or relay-graph (a bundler
// that splits would put them in a chunk the entry loads up front).
import type { MlfArchive, MlfModule } from '../archive/archive.js';
import type { AotAnalysis, AotAnalysisOptions } from './aot-archive.js';
import type { RelayAnalysis } from './relay-graph.js';
import type { RelayParseOptions } from './relay-parse.js';

/**
 * Reads the AOT main of an AOT module with C sources (the fused-operator calls in order, their
 * buffers, pools and memory layout; docs/format.md §8.4); null for other modules (graph executor,
 * operator style, object files only).
 * @throws MlfError MLF-E309 (unreadable C) or MLF-E310 (no AOT main in the sources).
 */
export async function analyzeAotModule(
  archive: MlfArchive,
  module: MlfModule,
  options: AotAnalysisOptions = {},
): Promise<AotAnalysis | null> {
  return (await import('./aot-archive.js')).analyzeAotModule(archive, module, options);
}

/**
 * The AOT main of an archive without metadata.json (generated code only, as some repositories
 * commit it): every `codegen/host/src` C file is read, the module found from its main's name.
 * @throws MlfError MLF-E310 when no AOT main is defined (or several and `module` is not given).
 */
export async function analyzeAotCodegen(
  archive: MlfArchive,
  options: AotAnalysisOptions & { module?: string } = {},
): Promise<AotAnalysis> {
  return (await import('./aot-archive.js')).analyzeAotCodegen(archive, options);
}

/**
 * Parses Relay text (the subset of docs/format.md §8.5) and infers its types: the operator graph
 * with attributes, @main's parameters and its outputs (unknown where inference stopped, with a note).
 * @throws MlfError MLF-E311 for text outside the subset.
 */
export async function analyzeRelay(text: string, options: RelayParseOptions = {}): Promise<RelayAnalysis> {
  return (await import('./relay-graph.js')).analyzeRelay(text, options);
}
