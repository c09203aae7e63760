import { dictFromEntries } from '../common/dict.js';
import { formatExportDatetime } from './canonical.js';
import { MlfError } from '../errors/errors.js';
import { computeSids, computeStoragePools, graphInputs, graphOutputs } from '../graph/facts.js';
import { parseGraph } from '../graph/graph.js';
import { type Assembled, assembleV7, type FileEntry, type ModulePackage } from './packages.js';
import type { MainEntry, OperatorBuffer, OperatorFunctionEntry } from '../metadata/schema.js';
import { decodeParams, type ParamTensorInput } from '../params/codec.js';
import { encodeParams, packedTensorBytes } from '../params/encode.js';
import { unsafeModuleNameReason } from '../metadata/layout.js';

/** A generated-code file of a build: its file name (with extension) and bytes. */
export interface CodegenInput {
  name: string;
  data: Uint8Array | string;
}

/** What `relay.build` produced for one module (graph or AOT executor). */
export interface ModuleBuild {
  name: string;
  executor: 'graph' | 'aot';
  targets: string[];
  /** `crt` or `cpp`; recorded nowhere by TVM, accepted for completeness. */
  runtime?: string;
  /** Graph-executor JSON text, kept byte for byte. */
  graph?: string;
  /** A `.params` blob, or tensors to encode. */
  params?: Uint8Array | ParamTensorInput[];
  /** C/C++ sources, objects and headers; anything else is refused (E410). */
  codegen: CodegenInput[];
  relay?: string;
  /** Function memory figures TVM computed at compile time; computed from the graph when absent. */
  memory?: { main?: MainEntry[]; operatorFunctions?: OperatorFunctionEntry[] };
  exportDatetime?: string;
}

/** What `tvm.build` produced: one operator module. */
export interface OperatorBuild {
  style: 'operator';
  name: string;
  targets: string[];
  codegen: CodegenInput[];
  /** PrimFunc name → parameter buffers (metadata `memory`). */
  buffers: Record<string, OperatorBuffer[]>;
  /** Printed TIR per device type (`src/tir-<device>.txt`). */
  tir?: Record<number, string>;
  exportDatetime?: string;
}

/** Options for {@link buildModelLibraryFormat}. */
export interface BuildOptions {
  /** Seconds since the epoch used for `export_datetime` (SOURCE_DATE_EPOCH); else the clock. */
  sourceDateEpoch?: number;
}

const enc = new TextEncoder();
const bytes = (d: Uint8Array | string) => (typeof d === 'string' ? enc.encode(d) : d);

/**
 * Builds the files of a version-7 archive from build outputs in memory, computing what TVM's
 * `export_model_library_format` computed (docs/format.md §4-5): `sids` from the graph, `main` inputs,
 * outputs and io size from the graph, `constants_size_bytes` from the params, and file names
 * (`<m>_lib<N>.c`, `.o`, headers kept). Pack the result with `packCanonical`.
 */
export function buildModelLibraryFormat(
  modules: (ModuleBuild | OperatorBuild)[],
  options: BuildOptions = {},
): Assembled {
  if (modules.length === 0) throw new MlfError('MLF-E414', 'nothing to export: no modules given');
  const datetime = formatExportDatetime(
    options.sourceDateEpoch === undefined ? new Date() : new Date(options.sourceDateEpoch * 1000),
  );
  return assembleV7(
    modules.map((m) =>
      'style' in m && m.style === 'operator' ? operatorPackage(m, datetime) : modulePackage(m as ModuleBuild, datetime),
    ),
  );
}

function checkName(name: string): void {
  const reason = unsafeModuleNameReason(name);
  if (reason !== undefined) throw new MlfError('MLF-E105', `module name ${JSON.stringify(name)} ${reason}`);
}

/** Places codegen files as TVM did: sources and objects numbered per module, headers by name. */
function placeCodegen(files: CodegenInput[], prefix: string): FileEntry[] {
  let src = 0;
  let lib = 0;
  return files.map((f) => {
    const ext = /\.([A-Za-z0-9]+)$/.exec(f.name)?.[1] ?? '';
    if (['c', 'cc', 'cpp'].includes(ext))
      return { path: `codegen/host/src/${prefix}${src++}.${ext}`, data: bytes(f.data) };
    if (ext === 'o') return { path: `codegen/host/lib/${prefix}${lib++}.o`, data: bytes(f.data) };
    if (ext === 'h' && /^[A-Za-z0-9_.-]+$/.test(f.name))
      return { path: `codegen/host/include/${f.name}`, data: bytes(f.data) };
    throw new MlfError(
      'MLF-E410',
      `cannot place ${JSON.stringify(f.name)} in MLF: only .c/.cc/.cpp sources, .o objects and .h headers can be exported`,
    );
  });
}

function modulePackage(m: ModuleBuild, datetime: string): ModulePackage {
  checkName(m.name);
  if (m.executor !== 'graph' && m.executor !== 'aot')
    throw new MlfError('MLF-E414', `module "${m.name}": executor must be "graph" or "aot"`);
  if (m.executor === 'graph' && m.graph === undefined)
    throw new MlfError('MLF-E414', `module "${m.name}": the graph executor needs the graph JSON`);
  const codegen = placeCodegen(m.codegen, `${m.name}_lib`);
  const params =
    m.params === undefined
      ? encodeParams({ tensors: [] })
      : m.params instanceof Uint8Array
        ? m.params
        : encodeParams({ tensors: m.params });
  const tensors = decodeParams(params).tensors;
  const memory: Record<string, unknown> = {
    functions: { main: m.memory?.main ?? [], operator_functions: m.memory?.operatorFunctions ?? [] },
  };
  if (m.graph !== undefined) {
    const graph = parseGraph(m.graph, { member: `${m.name}.graph` });
    memory.sids = computeSids(graph);
    if (m.memory?.main === undefined) {
      const names = new Set(tensors.map((t) => t.name));
      const info = (t: { dtype: string; shape: number[] }) => ({
        dtype: t.dtype,
        size: packedTensorBytes(t.dtype, t.shape),
      });
      const inputs = dictFromEntries(graphInputs(graph, names).map((t) => [t.name, info(t)]));
      const heads = graphOutputs(graph);
      const outputs = dictFromEntries(heads.map((t, i) => [heads.length === 1 ? 'output' : `output${i}`, info(t)]));
      const io = [...Object.values(inputs), ...Object.values(outputs)].reduce((a, x) => a + x.size, 0);
      // TVM: the largest tensor of each storage id that is neither an argument nor a result,
      // plus the largest operator workspace. Reproduces TVM exactly on 3 of 4 fixture graphs.
      const argOrHead = new Set([...graphInputs(graph, new Set()), ...heads].map((t) => t.storageId));
      const scratch = computeStoragePools(graph)
        .filter((p) => !argOrHead.has(p.storageId))
        .reduce((a, p) => a + p.bytes, 0);
      const opMax = Math.max(
        0,
        ...(m.memory?.operatorFunctions ?? []).flatMap((f) => f.workspace.map((w) => w.workspace_size_bytes)),
      );
      const device = graph.attrs.device_index?.[1][0] ?? 1;
      (memory.functions as Record<string, unknown>).main = [
        {
          constants_size_bytes: tensors.reduce((a, t) => a + t.data.byteLength, 0),
          device,
          inputs,
          io_size_bytes: io,
          outputs,
          workspace_size_bytes: scratch + opMax,
        },
      ];
    }
  } else if (m.memory?.main === undefined) {
    throw new MlfError(
      'MLF-E414',
      `AOT module "${m.name}" needs memory.main (TVM computes io and workspace sizes at compile time)`,
    );
  }
  return {
    name: m.name,
    style: 'full-model',
    entry: {
      executors: [m.executor],
      export_datetime: m.exportDatetime ?? datetime,
      memory,
      model_name: m.name,
      style: 'full-model',
      target: m.targets,
    },
    graph: m.graph === undefined ? null : bytes(m.graph),
    params,
    relay: m.relay === undefined ? null : bytes(m.relay),
    codegen,
    tir: [],
    runtime: [],
  };
}

function operatorPackage(m: OperatorBuild, datetime: string): ModulePackage {
  checkName(m.name);
  for (const [fn, bufs] of Object.entries(m.buffers)) {
    bufs.forEach((b, i) => {
      if (packedTensorBytes(b.dtype, b.shape) !== b.size_bytes) {
        throw new MlfError(
          'MLF-E405',
          `${fn} buffer ${i}: size_bytes ${b.size_bytes} does not match ${b.dtype}[${b.shape.join(', ')}]`,
        );
      }
    });
  }
  return {
    name: m.name,
    style: 'operator',
    // TVM's key order for operator metadata (it is written unsorted).
    entry: {
      model_name: m.name,
      export_datetime: m.exportDatetime ?? datetime,
      memory: m.buffers,
      target: m.targets,
      executors: [],
      style: 'operator',
    },
    graph: null,
    params: null,
    relay: null,
    codegen: placeCodegen(m.codegen, 'lib'),
    tir: Object.entries(m.tir ?? {}).map(([dt, text]) => ({ path: `src/tir-${dt}.txt`, data: bytes(text) })),
    runtime: [],
  };
}
