import { selectModule } from '../../../core/archive/select.js';
import { type MlfArchive, type MlfModule, loadGraph, readText } from '../../../core/archive/archive.js';
import { loadParamIndex, type ParamIndex } from '../../../core/params/tensor-index.js';
import { parseDType } from '../../../core/params/dtype.js';
import { MlfError } from '../../../core/errors/errors.js';
import { graphInputs, graphOutputs } from '../../../core/graph/facts.js';
import type { GraphJson } from '../../../core/graph/graph.js';
import { inspectArchive } from '../../../core/archive/inspect.js';
import { packedTensorBytes } from '../../../core/params/encode.js';
import { type AotEntry, paramDtype, readAotEntry } from './c-source.js';
import { cIdentifierProblem, scanCDefines } from '../../../core/archive/c-scan.js';
import { sanitizeCName } from '../../../core/archive/cross-check.js';

/** One input or output as the host runner handles it: every fact known. */
export interface RunnerTensor {
  name: string;
  dtype: string;
  shape: number[];
  bytes: number;
  /** AOT C interface: the header's struct field when TVM sanitised the name (`x:0` → `x_0`). */
  cName?: string;
}

/** How the model is called. */
export type ModelKind = 'graph' | 'aot-c' | 'aot-packed' | 'aot-raw' | 'operator';

/** What the generator needs to know about one module. */
export interface ModelInterface {
  module: string;
  kind: ModelKind;
  /** C function the plan calls: `tvmgen_<m>_run`, or the operator's PrimFunc. */
  entry: string;
  inputs: RunnerTensor[];
  outputs: RunnerTensor[];
  /** Graph modules: the graph and the names of its bound params. */
  graph: GraphJson | null;
  params: ParamIndex | null;
  /** Generated C sources, by archive path. */
  sources: Map<string, string>;
  /** Facts that were inferred rather than read (shown to the user). */
  notes: string[];
}

/** Bytes of a tensor as runtimes allocate it: whole bytes per element (bool = 1 byte). */
export function elementBytes(dtype: string): number {
  const t = parseDType(dtype);
  return Math.ceil((t.bits * t.lanes) / 8);
}

const count = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const unsupported = (module: string, why: string) => new MlfError('MLF-E507', `module "${module}": ${why}`);

/** The module to work on: the named one, or the only one (several: E901 asks for --module). */
export function pickModule(archive: MlfArchive, name: string | undefined): MlfModule {
  if (archive.metadata === null) {
    throw new MlfError('MLF-E101', 'metadata.json is missing, so the modules and their interfaces are unknown', {
      member: 'metadata.json',
    });
  }
  const only = selectModule(archive, { name });
  if (only === null) throw new MlfError('MLF-E901', 'the archive has no modules');
  return only;
}

/** Options of {@link readModelInterface}. */
export interface InterfaceOptions {
  /**
   * Run a graph module whose params file is missing, its weights as zero-filled inputs. Without
   * it such a module is refused (E401): weights silently taken as inputs give wrong outputs.
   */
  allowMissingParams?: boolean;
}

/** Reads what running `module` takes: its kind, entry point, inputs and outputs. */
export async function readModelInterface(
  archive: MlfArchive,
  module: MlfModule,
  options: InterfaceOptions = {},
): Promise<ModelInterface> {
  if (module.files.sources.length === 0 && module.files.objects.length === 0) {
    throw new MlfError(
      'MLF-E505',
      `module "${module.name}" has no generated code under codegen/host; nothing can be compiled`,
    );
  }
  const sources = new Map<string, string>();
  for (const p of module.files.sources) sources.set(p, await readText(archive, p));
  const base = { module: module.name, sources, notes: [] as string[] };
  if (module.metadata.style === 'operator')
    return { ...base, ...(await operatorInterface(archive, module)), graph: null, params: null };
  if (module.executor === 'graph') {
    const graph = await loadGraph(archive, module);
    if (graph === null) throw new MlfError('MLF-E401', `module "${module.name}": the graph executor config is missing`);
    const params = await loadParamIndex(archive, module); // names only: payloads are never read here
    if (params === null && options.allowMissingParams !== true) {
      throw new MlfError(
        'MLF-E401',
        `module "${module.name}": ${module.layout.params} (its params) is missing, so its weights would be taken as inputs`,
        { member: module.layout.params },
        'Add the params file to the archive, or run with --allow-missing-params to feed every graph input yourself.',
      );
    }
    if (params === null)
      base.notes.push('the params file is missing: every graph input, weights included, is an input');
    return { ...base, ...graphInterface(module, graph, params), graph, params };
  }
  if (module.executor === 'aot')
    return {
      ...base,
      ...(await aotInterface(archive, module, [...sources.values()], base.notes)),
      graph: null,
      params: null,
    };
  throw unsupported(module.name, `executor ${JSON.stringify(module.executor)} is not supported by the host runner`);
}

function graphInterface(module: MlfModule, graph: GraphJson, params: ParamIndex | null) {
  const paramNames = new Set(params?.tensors.map((t) => t.name) ?? []);
  const tensor = (name: string, dtype: string, shape: number[]): RunnerTensor => ({
    name,
    dtype,
    shape,
    bytes: elementBytes(dtype) * count(shape),
  });
  const inputs = graphInputs(graph, paramNames).map((t) => tensor(t.name, t.dtype, t.shape));
  const heads = graphOutputs(graph);
  const keys = Object.keys(module.metadata.main?.[0]?.outputs ?? {});
  const outputs = heads.map((t, i) =>
    tensor(heads.length === 1 ? (keys.length === 1 ? (keys[0] as string) : 'output') : `output${i}`, t.dtype, t.shape),
  );
  return { kind: 'graph' as const, entry: '', inputs, outputs };
}

async function operatorInterface(archive: MlfArchive, module: MlfModule) {
  const buffers = module.metadata.operatorBuffers ?? {};
  const names = Object.keys(buffers);
  const fn = names.includes(module.metadata.modelName) ? module.metadata.modelName : names[0];
  const list = fn === undefined ? undefined : buffers[fn];
  if (fn === undefined || list === undefined || list.length < 2) {
    throw unsupported(
      module.name,
      'operator-style metadata lists no PrimFunc with at least one input and one output buffer',
    );
  }
  const tir = module.files.tir[0] === undefined ? '' : await readText(archive, module.files.tir[0]);
  const argNames = tirParamNames(tir, fn);
  // TVM puts a PrimFunc's outputs last; operator archives do not say how many, so one is assumed.
  const tensors = list.map((b, i) => ({
    name: argNames?.[i] ?? `arg${i}`,
    dtype: b.dtype,
    shape: b.shape,
    bytes: elementBytes(b.dtype) * count(b.shape),
  }));
  return { kind: 'operator' as const, entry: fn, inputs: tensors.slice(0, -1), outputs: tensors.slice(-1) };
}

/** Parameter names of `def <fn>(a: T.Buffer(...), ...)` in TVMScript text. */
function tirParamNames(tir: string, fn: string): string[] | null {
  const start = tir.indexOf(`def ${fn}(`);
  if (start < 0) return null;
  const end = tir.indexOf('):', start);
  const sig = tir.slice(start, end < 0 ? undefined : end);
  const names = [...sig.matchAll(/([A-Za-z_]\w*)\s*:\s*T\.Buffer/g)].map((m) => m[1] ?? '');
  return names.length > 0 ? names : null;
}

async function aotInterface(archive: MlfArchive, module: MlfModule, sources: string[], notes: string[]) {
  const safe = sanitizeCName(module.name);
  // Early v5 archives may define only `tvmgen_<m>_run_model(void* input, void* output)`.
  const candidates = [
    ...new Set(
      ['_run', '_run_model'].flatMap((suffix) => [
        `tvmgen_${module.name}${suffix}`,
        `tvmgen_${module.name.toLowerCase()}${suffix}`,
        `tvmgen_${safe}${suffix}`,
        `tvmgen_${safe.toLowerCase()}${suffix}`,
      ]),
    ),
  ].filter((c) => cIdentifierProblem(c) === undefined);
  let entry: AotEntry | null = null;
  let entryName = candidates[0] as string;
  for (const c of candidates) {
    entry = readAotEntry(sources, c);
    entryName = c;
    if (entry !== null) break;
  }
  if (entry === null)
    throw unsupported(module.name, `no definition of tvmgen_${safe.toLowerCase()}_run in the generated C`);
  if (entry.style === 'c' && entry.extraParams.length > 0) {
    throw unsupported(
      module.name,
      `${entryName} also takes ${entry.extraParams.join(', ')} (external workspace pools or devices), which the host runner does not provide`,
    );
  }
  const report = (await inspectArchive(archive, { module: module.name, hashParams: false })).modules[module.name];
  const outs = report?.outputs ?? [];
  let ins = Object.entries(report?.inputs ?? {});
  if (entry.style !== 'c') {
    // Relay text also lists bound params; the entry point's arity says how many are inputs.
    ins = ins.slice(0, Math.max(0, entry.arity - outs.length));
  }
  const main = module.metadata.main?.[0];
  const dtypeAt = (i: number) => (entry?.inner == null ? null : paramDtype(sources, entry.inner, i));
  const inputs = ins.map(([name, f], i) => ({
    ...complete(module.name, name, f.dtype ?? dtypeAt(i), f.shape, f.bytes, notes),
    ...(f.cName === undefined ? {} : { cName: f.cName }),
  }));
  const known = inputs.reduce((a, t) => a + t.bytes, 0) + outs.reduce((a, o) => a + (o.bytes ?? 0), 0);
  const unknown = outs.filter((o) => o.bytes === null && (o.shape === null || o.dtype === null)).length;
  const outputs = outs.map((o, i) => {
    const name = o.name ?? `output${i}`;
    const dtype = o.dtype ?? dtypeAt(inputs.length + i);
    let bytes = o.bytes;
    if (bytes === null && o.shape === null && unknown === 1 && main?.io_size_bytes !== undefined) {
      bytes = main.io_size_bytes - known;
      notes.push(`${JSON.stringify(name)}: size ${bytes} B taken from io_size_bytes minus the other tensors`);
    }
    return {
      ...complete(module.name, name, dtype, o.shape, bytes, notes),
      ...(o.cName === undefined ? {} : { cName: o.cName }),
    };
  });
  const kind = entry.style === 'c' ? 'aot-c' : entry.style === 'packed' ? 'aot-packed' : 'aot-raw';
  await checkHeaderSizes(archive, module, inputs, outputs);
  return { kind: kind as ModelKind, entry: entryName, inputs, outputs };
}

/**
 * The buffers the plan will allocate against the C header's `TVMGEN_<M>_<NAME>_SIZE` macros (what
 * the code was compiled for): any difference is E420, before a buffer too small is ever written.
 */
async function checkHeaderSizes(
  archive: MlfArchive,
  module: MlfModule,
  inputs: RunnerTensor[],
  outputs: RunnerTensor[],
): Promise<void> {
  const mod = sanitizeCName(module.name);
  const header = module.files.headers.find((p) => p.endsWith(`/tvmgen_${mod.toLowerCase()}.h`));
  if (header === undefined) return;
  const macros = scanCDefines(await readText(archive, header));
  for (const t of [...inputs, ...outputs]) {
    const name = `TVMGEN_${mod.toUpperCase()}_${sanitizeCName(t.name).toUpperCase()}_SIZE`;
    const v = macros.get(name);
    if (v !== undefined && /^\d+$/.test(v) && Number(v) !== packedTensorBytes(t.dtype, t.shape))
      throw new MlfError(
        'MLF-E420',
        `module "${module.name}": ${t.name} would get a ${t.bytes}-byte buffer (${t.dtype}[${t.shape.join(', ')}]), but ${header} says ${name} ${v}`,
      );
  }
}

/** Fills in a tensor's missing dtype, shape or size from the others; E507 when impossible. */
function complete(
  module: string,
  name: string,
  dtype: string | null,
  shape: number[] | null,
  bytes: number | null,
  notes: string[],
): RunnerTensor {
  if (dtype === null)
    throw unsupported(module, `the dtype of ${name} is recorded nowhere (metadata, Relay text or C signatures)`);
  const size = elementBytes(dtype);
  if (shape !== null) {
    if (bytes !== null && bytes !== packedTensorBytes(dtype, shape))
      throw new MlfError(
        'MLF-E420',
        `module "${module}": ${name} is ${bytes} bytes in metadata.json but ${dtype}[${shape.join(', ')}] = ${packedTensorBytes(dtype, shape)} bytes in the Relay text`,
      );
    return { name, dtype, shape, bytes: size * count(shape) };
  }
  if (bytes === null || bytes < 0 || bytes % size !== 0)
    throw unsupported(module, `the size of ${name} is recorded nowhere`);
  notes.push(`${JSON.stringify(name)}: shape not recorded, written as [${bytes / size}]`);
  return { name, dtype, shape: [bytes / size], bytes };
}
