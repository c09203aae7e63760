// The AOT analysis of one module of an archive: its generated C read into the fused-operator
// graph (aot-main), the memory layout over the calls, and what disagrees with metadata.json.
import { type MlfArchive, type MlfModule, readText } from '../archive/archive.js';
import { type Diagnostic, diagnostic, isMlfError, MlfError } from '../errors/errors.js';
import type { Limits } from '../common/limits.js';
import { aotMemoryLayout, type AotMemoryLayout } from './aot-memory.js';
import { parseAotMain } from './aot-main.js';
import type { AotMain } from './aot-model.js';
import { type CSource, findAotModules, scanSources } from './aot-scan.js';
import { parseHeaderStruct, parseRelayMain } from './relay.js';
import { knownShape } from './relay-ast.js';
import { analyzeRelay, type RelayAnalysis } from './relay-graph.js';
import { elementSize } from './aot-callee.js';
import { sanitizeCName } from './c-names.js';

/** What {@link analyzeAotModule} found. */
export interface AotAnalysis {
  main: AotMain;
  layout: AotMemoryLayout;
  /** Disagreements with metadata.json (MLF-W111). */
  diagnostics: Diagnostic[];
}

/** Options of {@link analyzeAotModule}. */
export interface AotAnalysisOptions {
  limits?: Partial<Limits>;
  /** Input and output names in interface order, when the caller knows them (header, Relay). */
  inputs?: readonly string[];
  outputs?: readonly string[];
}

const C_SOURCE = /\.(c|cc|cpp)$/;

/** The module's C sources as text (objects and headers left out). */
export async function readCSources(archive: MlfArchive, m: MlfModule, limits?: Partial<Limits>): Promise<CSource[]> {
  const out: CSource[] = [];
  for (const path of m.files.sources) {
    if (C_SOURCE.test(path))
      out.push({ path, text: await readText(archive, path, limits === undefined ? {} : { limits }) });
  }
  return out;
}

/**
 * Reads the AOT main of an AOT module with C sources; null for other modules (graph executor,
 * operator style, object files only).
 * @throws MlfError MLF-E309 (unreadable C) or MLF-E310 (no AOT main in the sources).
 */
export async function analyzeAotModule(
  archive: MlfArchive,
  m: MlfModule,
  options: AotAnalysisOptions = {},
): Promise<AotAnalysis | null> {
  if (m.executor !== 'aot') return null;
  const sources = await readCSources(archive, m, options.limits);
  if (sources.length === 0) return null;
  const header = m.files.headers[0] === undefined ? null : await readText(archive, m.files.headers[0]);
  // Names in interface order: the header's structs, else Relay's @main (parameters first, which
  // also lists bound weights: only the first ones name inputs) and output_tensor_names.
  const relay =
    header !== null || m.files.relay === null ? null : parseRelayMain(await readText(archive, m.files.relay));
  const inputs =
    options.inputs ??
    (header === null ? (relay?.params.map((p) => p.name) ?? null) : parseHeaderStruct(header, m.name, 'inputs'));
  const outputs =
    options.outputs ??
    (header === null ? (relay?.outputTensorNames ?? null) : parseHeaderStruct(header, m.name, 'outputs'));
  const main = parseAotMain(sources, {
    module: m.name,
    ...(inputs === null ? {} : { inputs }),
    ...(outputs === null ? {} : { outputs }),
  });
  const md = m.metadata;
  const entry = md.main?.[0];
  // Module I/O sizes and dtypes from metadata.json (v7 since 2022-12), by name.
  for (const id of [...main.inputs, ...main.outputs]) {
    const b = main.buffers[id];
    if (b === undefined) continue;
    const info = (b.kind === 'input' ? entry?.inputs : entry?.outputs)?.[b.name];
    if (info === undefined) continue;
    b.dtype ??= info.dtype;
    if (b.bytesFrom !== 'dltensor') {
      b.bytes = info.size;
      b.bytesFrom = 'interface';
    }
  }
  fillShapesFromRelay(main, m.files.relay === null ? null : await readText(archive, m.files.relay), m.files.relay);
  const operatorWorkspace = new Map<string, number>();
  for (const f of md.operatorFunctions ?? [])
    operatorWorkspace.set(f.function_name, Math.max(0, ...f.workspace.map((w) => w.workspace_size_bytes)));
  const layout = aotMemoryLayout(main, {
    metadataWorkspaceBytes: entry?.workspace_size_bytes ?? null,
    operatorWorkspace,
  });
  const diagnostics: Diagnostic[] = [];
  const ws = layout.workspace;
  if (ws.metadataBytes !== null && ws.metadataBytes !== ws.computedBytes) {
    const diff = ws.computedBytes - ws.metadataBytes;
    diagnostics.push(
      diagnostic(
        'MLF-W111',
        `module "${m.name}": the generated C needs ${ws.computedBytes} bytes of workspace (${ws.how}), metadata.json says ${ws.metadataBytes} (${diff > 0 ? `${diff} bytes short` : `${-diff} bytes more than needed`})`,
        { member: 'metadata.json', jsonPath: `${md.jsonPath}.memory.functions.main[0].workspace_size_bytes` },
      ),
    );
  }
  return { main, layout, diagnostics };
}

/**
 * Module I/O shapes from the Relay text (parameters by name, inferred outputs by position), kept
 * only where they agree with the bytes already known. Unreadable Relay text changes nothing.
 */
function fillShapesFromRelay(main: AotMain, text: string | null, member: string | null): void {
  if (text === null) return;
  let relay: RelayAnalysis;
  try {
    relay = analyzeRelay(text, member === null ? {} : { member });
  } catch (e) {
    if (isMlfError(e)) return;
    throw e;
  }
  const fit = (id: number, shape: number[] | null, dtype: string | null) => {
    const b = main.buffers[id];
    if (b === undefined || shape === null || b.shape !== null) return;
    const dt = b.dtype ?? dtype;
    const size = elementSize(dt);
    if (size === null) return;
    const bytes = size * shape.reduce((x, y) => x * y, 1);
    if (b.bytes !== null && b.bytes !== bytes) return;
    b.shape = shape;
    b.dtype = dt;
    if (b.bytes === null) {
      b.bytes = bytes;
      b.bytesFrom = 'interface';
    }
  };
  for (const id of main.inputs) {
    const p = relay.params.find(
      (x) => x.name === main.buffers[id]?.name || sanitizeCName(x.name) === main.buffers[id]?.name,
    );
    const t = p?.type?.kind === 'tensor' ? p.type : null;
    fit(id, knownShape(t), t?.dtype ?? null);
  }
  if (relay.outputs.length === main.outputs.length)
    main.outputs.forEach((id, i) => fit(id, knownShape(relay.outputs[i]), relay.outputs[i]?.dtype ?? null));
}

/** {@link analyzeAotModule}, with its errors turned into a diagnostic (for reports that go on). */
export async function tryAnalyzeAotModule(
  archive: MlfArchive,
  m: MlfModule,
  options: AotAnalysisOptions = {},
): Promise<{ analysis: AotAnalysis | null; error: Diagnostic | null }> {
  try {
    return { analysis: await analyzeAotModule(archive, m, options), error: null };
  } catch (e) {
    if (!isMlfError(e)) throw e;
    return { analysis: null, error: e.toDiagnostic() };
  }
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
  const sources: CSource[] = [];
  for (const path of [...archive.contents.members.keys()].sort()) {
    if (path.startsWith('codegen/host/src/') && C_SOURCE.test(path))
      sources.push({
        path,
        text: await readText(archive, path, options.limits === undefined ? {} : { limits: options.limits }),
      });
  }
  const scanned = scanSources(sources);
  const found = findAotModules(scanned);
  const module = options.module ?? (found.length === 1 ? found[0] : undefined);
  if (module === undefined) {
    throw new MlfError(
      'MLF-E310',
      found.length === 0
        ? 'no AOT main (tvmgen_<module>___tvm_main__) is defined under codegen/host/src'
        : `the generated code holds several AOT modules (${found.join(', ')}); choose one with --module`,
    );
  }
  const headerPath = `codegen/host/include/tvmgen_${module.toLowerCase()}.h`;
  const header = archive.contents.members.has(headerPath) ? await readText(archive, headerPath) : null;
  const inputs = header === null ? null : parseHeaderStruct(header, module, 'inputs');
  const outputs = header === null ? null : parseHeaderStruct(header, module, 'outputs');
  const main = parseAotMain(scanned, {
    module,
    ...(inputs === null ? {} : { inputs }),
    ...(outputs === null ? {} : { outputs }),
  });
  const layout = aotMemoryLayout(main, {
    metadataWorkspaceBytes: header === null ? null : headerWorkspace(header, module),
  });
  return { main, layout, diagnostics: [] };
}

/** `#define TVMGEN_<M>_WORKSPACE_SIZE <n>` of a C interface header, or null. */
export function headerWorkspace(header: string, module: string): number | null {
  return headerMacros(header, module).get('WORKSPACE') ?? null;
}

/**
 * The `TVMGEN_<M>_<NAME>_SIZE` macros of a C interface header, by `<NAME>` (`INPUT_1`, `OUTPUT`,
 * `WORKSPACE`). One pass over the lines.
 */
export function headerMacros(header: string, module: string): Map<string, number> {
  const prefix = `TVMGEN_${module.toUpperCase()}_`;
  const out = new Map<string, number>();
  for (const line of header.split('\n')) {
    const m = /^\s*#\s*define\s+(\w+)_SIZE\s+(\d+)\s*$/.exec(line);
    if (m === null || !(m[1] as string).startsWith(prefix)) continue;
    out.set((m[1] as string).slice(prefix.length), Number(m[2]));
  }
  return out;
}
