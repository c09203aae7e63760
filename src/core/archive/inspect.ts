import { createDict, dictFromEntries } from '../common/dict.js';
import { toHex } from '../common/bytes.js';
import { type ArchiveContents, type MlfArchive, type MlfModule, loadGraph, loadParams } from './archive.js';
import type { Diagnostic } from '../errors/errors.js';
import { countStorageIds, computeStoragePools, graphInputs, graphOperators, graphOutputs } from '../graph/facts.js';
import type { GraphJson } from '../graph/graph.js';
import type { MainEntry } from '../metadata/schema.js';
import { type ParamIndex, type RangeRead, loadParamIndex, withParamsMember } from '../params/tensor-index.js';
import { type ParamDict } from '../params/codec.js';
import { tensorBytesOrNull } from '../params/encode.js';
import type { AotAnalysis } from '../graph/aot-archive.js';
import type { TensorFacts } from './inspect-aot-io.js';

export type { TensorFacts };

/** One module in `mlf inspect --json` (a contract: keys are added, never renamed). */
export interface InspectModule {
  modelName: string;
  style: string;
  exportDatetime: string;
  executors: string[];
  targets: string[];
  params: Record<string, { dtype: string; shape: number[]; bytes: number; sha256: string }> | null;
  paramsFile: { path: string; bytes: number } | null;
  graph: {
    nodes: number;
    argNodes: number;
    heads: number[][];
    operators: string[];
    inputs: string[];
    storageIds: number;
  } | null;
  inputs: Record<string, TensorFacts> | null;
  outputs: ({ name: string | null } & TensorFacts)[] | null;
  memory: {
    main: { device: number; workspaceBytes: number; constantsBytes: number | null; ioBytes: number | null }[] | null;
    /** Graph executor: bytes the runtime allocates for all storage ids (max over sharers). */
    storageBytes: number | null;
    operatorFunctions: { name: string; workspaceBytes: number }[] | null;
  };
  /** Operator style: each PrimFunc's parameter buffers in order; null for full-model modules. */
  functions: Record<string, TensorFacts[]> | null;
  /** AOT modules with C sources: the fused-operator graph read from the main; null otherwise. */
  aot: AotFacts | null;
  /** The Relay text read as a typed graph; null without Relay text (or for graph-executor modules, whose graph has the types). */
  relay: { expressions: number; calls: number; notes: string[]; error: string | null } | null;
  files: { graph: string | null; relay: string | null; tir: string[] };
  codegen: {
    sources: { path: string; bytes: number }[];
    objects: { path: string; bytes: number }[];
    headers: { path: string; bytes: number }[];
  };
}

/** What `inspect` says of an AOT module's main (see docs/format.md, "AOT main"). */
export interface AotFacts {
  /** `tvmgen_<m>___tvm_main__` or `tvmgen_<m>_run_model`; null when it could not be read (see `error`). */
  function: string | null;
  abi: 'unpacked' | 'packed' | null;
  /** The entry wrapper `tvmgen_<m>_run` and how it takes its arguments. */
  entry: { name: string; style: 'c' | 'packed' | 'raw' } | null;
  /** The fused operators the main calls, in call order (a function called twice appears twice). */
  operators: string[];
  buffers: number;
  pools: { name: string; kind: 'workspace' | 'constant'; bytes: number | null }[];
  /** `usmp` (pool offsets), `arena` (TVMBackendAllocWorkspace) or `none`. */
  planner: 'usmp' | 'arena' | 'none' | null;
  /** Workspace as TVM computes it from the C, against metadata.json. */
  workspace: { computedBytes: number; metadataBytes: number | null; how: string } | null;
  /** Most workspace bytes held during one call. */
  peakBytes: number | null;
  notes: string[];
  /** Why the main could not be read (an MLF-E309/E310 message), else null. */
  error: string | null;
}

/** The whole `mlf inspect --json` document. */
export interface InspectReport {
  version: number | null;
  style: string | null;
  container: ArchiveContents['container'];
  modules: Record<string, InspectModule>;
  extraFiles: string[];
  runtimeFiles: number;
  diagnostics: Diagnostic[];
}

/** Options for {@link inspectArchive}. */
export interface InspectOptions {
  /** Only this module. */
  module?: string;
  /** Hash every tensor (SHA-256 of its raw bytes). When false, params are indexed header-only
   * (payloads skipped by seeking) and `sha256` is empty. @default true */
  hashParams?: boolean;
  /**
   * Indexes and hashes a param dict behind a range reader in one pass (Node passes a streaming
   * node:crypto hasher). Without it, each params member is decoded whole and hashed with WebCrypto,
   * which has no incremental API.
   */
  paramHasher?: (read: RangeRead, byteLength: number) => Promise<{ index: ParamIndex; hashes: string[] }>;
}

/** SHA-256 hex through WebCrypto (Node >= 20 and browsers). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  // WebCrypto wants a BufferSource backed by an ArrayBuffer; views over shared buffers are copied.
  const input = bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
  return toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', input)));
}

/** Builds the inspect report: everything a person or CI wants to know about an archive. */
export async function inspectArchive(archive: MlfArchive, options: InspectOptions = {}): Promise<InspectReport> {
  const modules = createDict<InspectModule>();
  for (const m of archive.modules) {
    if (options.module !== undefined && m.name !== options.module) continue;
    modules[m.name] = await inspectModule(archive, m, options);
  }
  return {
    version: archive.version,
    style: archive.style,
    container: archive.contents.container,
    modules,
    extraFiles: archive.extraFiles,
    runtimeFiles: archive.runtimeFiles.length,
    diagnostics: archive.diagnostics,
  };
}

/** A module's params: decoded, hashed by `paramHasher`, or indexed header-only; with the hashes when asked. */
async function moduleParams(
  archive: MlfArchive,
  m: MlfModule,
  options: InspectOptions,
): Promise<{ params: ParamDict | ParamIndex | null; hashes: string[] | null }> {
  if (!(options.hashParams ?? true)) return { params: await loadParamIndex(archive, m), hashes: null };
  if (options.paramHasher === undefined) {
    const dict = await loadParams(archive, m);
    return {
      params: dict,
      hashes: dict === null ? null : await Promise.all(dict.tensors.map((t) => sha256Hex(t.data))),
    };
  }
  const hashed = await withParamsMember(archive, m, options.paramHasher);
  return { params: hashed?.index ?? null, hashes: hashed?.hashes ?? null };
}

async function inspectModule(archive: MlfArchive, m: MlfModule, options: InspectOptions): Promise<InspectModule> {
  const md = m.metadata;
  const { params, hashes } = await moduleParams(archive, m, options);
  const graph = await loadGraph(archive, m);
  const paramNames = new Set(params?.tensors.map((t) => t.name) ?? []);
  const size = (p: string) => ({ path: p, bytes: archive.contents.members.get(p)?.size ?? 0 });
  // The AOT and Relay readers are loaded on demand (a browser fetches them for AOT modules only).
  const aot =
    m.executor === 'aot' ? await (await import('../graph/aot-archive.js')).tryAnalyzeAotModule(archive, m) : null;
  return {
    modelName: md.modelName,
    style: md.style,
    exportDatetime: md.exportDatetime,
    executors: md.executors,
    targets: md.targets,
    params: params === null ? null : paramFacts(params, hashes),
    paramsFile: m.files.params === null ? null : size(m.files.params),
    graph: graph === null ? null : graphFacts(graph, paramNames),
    ...(await interfaceFacts(archive, m, graph, params, aot?.analysis ?? null)),
    memory: {
      main: md.main?.map(mainFacts) ?? null,
      storageBytes: graph === null ? null : computeStoragePools(graph).reduce((a, p) => a + p.bytes, 0),
      operatorFunctions:
        md.operatorFunctions?.map((f) => ({
          name: f.function_name,
          workspaceBytes: Math.max(0, ...f.workspace.map((w) => w.workspace_size_bytes)),
        })) ?? null,
    },
    functions:
      md.operatorBuffers === null
        ? null
        : dictFromEntries(
            Object.entries(md.operatorBuffers).map(([fn, bs]) => [
              fn,
              bs.map((b) => ({ dtype: b.dtype, shape: b.shape, bytes: b.size_bytes })),
            ]),
          ),
    aot: aot === null ? null : aotFacts(aot.analysis, aot.error?.message ?? null),
    files: { graph: m.files.graph, relay: m.files.relay, tir: m.files.tir },
    codegen: {
      sources: m.files.sources.map(size),
      objects: m.files.objects.map(size),
      headers: m.files.headers.map(size),
    },
  };
}

function aotFacts(a: AotAnalysis | null, error: string | null): AotFacts | null {
  if (a === null && error === null) return null; // no C sources (object files only)
  if (a === null)
    return {
      function: null,
      abi: null,
      entry: null,
      operators: [],
      buffers: 0,
      pools: [],
      planner: null,
      workspace: null,
      peakBytes: null,
      notes: [],
      error,
    };
  const { main, layout } = a;
  return {
    function: main.function,
    abi: main.abi,
    entry: main.entry === null ? null : { name: main.entry.name, style: main.entry.style },
    operators: main.calls.map((c) => c.callee),
    buffers: main.buffers.length,
    pools: main.pools,
    planner: layout.planner,
    workspace: layout.workspace,
    peakBytes: layout.peak.bytes,
    notes: main.notes,
    error: null,
  };
}

function paramFacts(params: ParamDict | ParamIndex, hashes: string[] | null): NonNullable<InspectModule['params']> {
  const out: NonNullable<InspectModule['params']> = createDict();
  params.tensors.forEach((t, i) => {
    const bytes = 'data' in t ? t.data.byteLength : t.byteLength;
    out[t.name] = { dtype: t.dtypeName, shape: t.shape, bytes, sha256: hashes?.[i] ?? '' };
  });
  return out;
}

function graphFacts(graph: GraphJson, paramNames: Set<string>): NonNullable<InspectModule['graph']> {
  return {
    nodes: graph.nodes.length,
    argNodes: graph.arg_nodes.length,
    heads: graph.heads.map((h) => [...h]),
    operators: graphOperators(graph),
    inputs: graphInputs(graph, paramNames).map((t) => t.name),
    storageIds: countStorageIds(graph),
  };
}

function mainFacts(e: MainEntry): NonNullable<InspectModule['memory']['main']>[number] {
  return {
    device: e.device,
    workspaceBytes: e.workspace_size_bytes,
    constantsBytes: e.constants_size_bytes ?? null,
    ioBytes: e.io_size_bytes ?? null,
  };
}

/**
 * Inputs and outputs. Graph modules take them from the graph (arg nodes that are not params,
 * and heads). AOT modules take names and dtypes from metadata (sorted there, so the order comes
 * from the C header or the Relay signature) and shapes from the Relay text.
 */
async function interfaceFacts(
  archive: MlfArchive,
  m: MlfModule,
  graph: GraphJson | null,
  params: ParamDict | ParamIndex | null,
  aot: AotAnalysis | null,
) {
  const mainIo = m.metadata.main?.[0];
  if (graph !== null) {
    const paramNames = new Set(params?.tensors.map((t) => t.name) ?? []);
    const inputs = createDict<TensorFacts>();
    for (const t of graphInputs(graph, paramNames))
      inputs[t.name] = { dtype: t.dtype, shape: t.shape, bytes: tensorBytesOrNull(t.dtype, t.shape) };
    const heads = graphOutputs(graph);
    const names = outputNames(
      mainIo,
      heads.length,
      heads.map((h) => h.dtype),
    );
    return {
      inputs,
      outputs: heads.map((t, i) => ({
        name: names[i] ?? null,
        dtype: t.dtype,
        shape: t.shape,
        bytes: tensorBytesOrNull(t.dtype, t.shape),
      })),
      relay: null,
    };
  }
  if (m.executor === null) return { inputs: null, outputs: null, relay: null };
  // The AOT reading (header, Relay signature and types) loads on demand: graph modules never need it.
  return (await import('./inspect-aot-io.js')).aotInterfaceFacts(archive, m, params, aot);
}

/**
 * Output names for graph heads. metadata.json sorts its `outputs` keys, so the positional order
 * is lost; TVM's default names `output` / `output<i>` give it back, a single output needs none.
 */
function outputNames(main: MainEntry | undefined, count: number, dtypes: string[]): (string | null)[] {
  const keys = Object.keys(main?.outputs ?? {});
  if (count === 1) return [keys.length === 1 ? (keys[0] as string) : 'output'];
  if (keys.length === 0) return Array.from({ length: count }, (_, i) => `output${i}`);
  const defaults = Array.from({ length: count }, (_, i) => `output${i}`);
  if (keys.length === count && defaults.every((k) => keys.includes(k))) return defaults;
  // Named outputs: match by dtype when that is unambiguous, else leave the name unknown.
  return dtypes.map((dt) => {
    const hits = keys.filter((k) => main?.outputs?.[k]?.dtype === dt);
    return hits.length === 1 ? (hits[0] as string) : null;
  });
}
