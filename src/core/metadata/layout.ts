import type { MlfStyle } from './metadata.js';

/**
 * Where each version puts a module's files (docs/format.md §2.5, §4.5). Versions differ in the
 * graph folder (`runtime-config` → `executor-config` at v5), the graph and relay file names
 * (per-module at v7) and the codegen prefix (`<m>_lib<N>` from v3, never for operator style).
 */
export interface ModuleLayout {
  graph: string;
  params: string;
  relay: string;
  /** Codegen file-name prefix inside codegen/host/{src,lib}, e.g. `default_lib` or `lib`. */
  codegenPrefix: string;
  /** Expected C interface header (only generated for AOT with interface-api=c). */
  header: string;
}

/** File locations for one module of the given version and style. */
export function moduleLayout(version: number, style: MlfStyle, name: string): ModuleLayout {
  const graphDir = version >= 5 ? 'executor-config/graph' : 'runtime-config/graph';
  const perModule = version >= 7;
  return {
    graph: `${graphDir}/${perModule ? `${name}.graph` : 'graph.json'}`,
    params: `parameters/${name}.params`,
    relay: perModule ? `src/${name}.relay` : version >= 4 ? 'src/relay.txt' : 'relay.txt',
    codegenPrefix: style === 'operator' || version < 3 ? 'lib' : `${name}_lib`,
    header: `codegen/host/include/tvmgen_${name.toLowerCase()}.h`,
  };
}

/** Every place any version put a graph or relay file, for layout-mismatch diagnostics. */
export function alternativeLayouts(name: string): { version: string; graph: string; relay: string }[] {
  return [
    { version: '1-3', graph: 'runtime-config/graph/graph.json', relay: 'relay.txt' },
    { version: '4', graph: 'runtime-config/graph/graph.json', relay: 'src/relay.txt' },
    { version: '5-6', graph: 'executor-config/graph/graph.json', relay: 'src/relay.txt' },
    { version: '7', graph: `executor-config/graph/${name}.graph`, relay: `src/${name}.relay` },
  ];
}

/** Kinds of generated code TVM puts under codegen/host. */
export type CodegenKind = 'source' | 'object' | 'header';

/** Classifies a codegen member by folder and extension; undefined when it does not fit. */
export function codegenKind(path: string): CodegenKind | undefined {
  if (/^codegen\/host\/src\/[^/]+\.(c|cc|cpp)$/.test(path)) return 'source';
  if (/^codegen\/host\/lib\/[^/]+\.o$/.test(path)) return 'object';
  if (/^codegen\/host\/include\/[^/]+\.h$/.test(path)) return 'header';
  return undefined;
}

/** True for members TVM bundles beside the model (standalone CRT and project templates). */
export function isBundledRuntime(path: string): boolean {
  return path === 'runtime' || path.startsWith('runtime/') || path === 'templates' || path.startsWith('templates/');
}

/**
 * Where `mlf sign` puts the embedded signature. A hidden root folder: TVM-era consumers read
 * metadata.json, per-module files and `codegen/host/src/*.c` globs, so they never see it.
 */
export const SIGNATURE_MEMBER = '.mlf/signature.json';

/** True for the embedded signature member, which MLF readers ignore and manifests exclude. */
export function isSignatureMember(path: string): boolean {
  return path === SIGNATURE_MEMBER;
}

/** Module names become file names; refuse anything that is not one plain path segment. */
export function unsafeModuleNameReason(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (name === '.' || name === '..') return 'is a relative path segment';
  if (/[/\\]/.test(name)) return 'contains a path separator';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we refuse
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'contains a control character';
  if (/^[A-Za-z]:/.test(name)) return 'looks like a drive letter';
  return undefined;
}
