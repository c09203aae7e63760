import { ownValue } from '../common/dict.js';
import { findModule, type MlfArchive, type MlfModule } from '../archive/archive.js';
import { diffParamReaders, type ParamsDiff } from './diff-params.js';
import { openParamsReader } from '../params/params-reader.js';
import { MlfError } from '../errors/errors.js';
import { type InspectModule, inspectArchive, sha256Hex, type TensorFacts } from '../archive/inspect.js';

export * from './diff-params.js';

/** A number in both builds: `delta` = b - a; `percent` = delta / a * 100 (null when a is 0 and b is not). */
export interface Delta {
  a: number | null;
  b: number | null;
  /** Null when either side is unknown. */
  delta: number | null;
  percent: number | null;
}

/** A list of strings (executors, targets) in both builds. */
export interface ListDiff {
  a: string[];
  b: string[];
  added: string[];
  removed: string[];
}

/** An input or output as the interface diff shows it. */
export interface TensorSide {
  name: string | null;
  dtype: string | null;
  shape: number[] | null;
}

/** One interface difference. Inputs are matched by name, outputs by position (`key` is the index). */
export interface InterfaceChange {
  kind: 'input' | 'output';
  change: 'added' | 'removed' | 'changed';
  key: string;
  a: TensorSide | null;
  b: TensorSide | null;
  /** For `changed`: which facts differ. */
  fields: ('name' | 'dtype' | 'shape')[];
}

/** Memory figures of one device (metadata `functions.main`). */
export interface DeviceMemoryDiff {
  device: number;
  workspace: Delta;
  io: Delta;
  constants: Delta;
}

/** A codegen file in a diff; `path` is named as in A (B's name in `pathB` when the modules' names differ). */
export interface CodegenChange {
  path: string;
  pathB: string | null;
  change: 'added' | 'removed' | 'changed';
  bytes: Delta;
}

/** Differences of two modules (`name` in A, `nameB` in B). */
export interface ModuleDiff {
  name: string;
  nameB: string;
  executors: ListDiff;
  targets: ListDiff;
  interface: InterfaceChange[];
  memory: { devices: DeviceMemoryDiff[]; storage: Delta };
  /** Null when neither module has params. */
  params: ParamsDiff | null;
  /**
   * Operators of the graph executor's graph or of the AOT main (`nodes`: graph nodes, or for AOT
   * the number of calls). Null when neither module has either (operator style, objects only).
   */
  graph: { nodes: Delta; operatorsAdded: string[]; operatorsRemoved: string[] } | null;
  codegen: { changed: CodegenChange[]; unchanged: number; totalBytes: Delta };
}

/** The whole `mlf diff --json` document. */
export interface DiffReport {
  modulesA: string[];
  modulesB: string[];
  /** Modules only in B / only in A. */
  added: string[];
  removed: string[];
  /** How modules were paired when names differ. */
  notes: string[];
  modules: ModuleDiff[];
  /** True when nothing differs. */
  identical: boolean;
}

/** Options of {@link diffArchives}. */
export interface DiffOptions {
  /**
   * Compare only this module. An archive without it that holds exactly one module contributes
   * that module instead (noted in the report).
   */
  module?: string;
}

/** Builds a {@link Delta}. */
export function makeDelta(a: number | null, b: number | null): Delta {
  const delta = a === null || b === null ? null : b - a;
  const percent = delta === null || a === null ? null : a === 0 ? (delta === 0 ? 0 : null) : (delta / a) * 100;
  return { a, b, delta, percent };
}

/**
 * Compares two archives (A = before, B = after): modules added or removed, and for each module
 * in both, interface, executors, targets, memory, params, graph operators and codegen files.
 * @throws MlfError MLF-E903 when `options.module` names a module neither rule can find.
 */
export async function diffArchives(a: MlfArchive, b: MlfArchive, options: DiffOptions = {}): Promise<DiffReport> {
  requireMetadata(a, 'A');
  requireMetadata(b, 'B');
  const namesA = a.modules.map((m) => m.name);
  const namesB = b.modules.map((m) => m.name);
  const notes: string[] = [];
  const pairs: [MlfModule, MlfModule][] = [];
  let added: string[] = [];
  let removed: string[] = [];
  if (options.module !== undefined) {
    pairs.push([pickModule(a, options.module, 'A', notes), pickModule(b, options.module, 'B', notes)]);
  } else {
    const common = namesA.filter((n) => namesB.includes(n));
    added = namesB.filter((n) => !namesA.includes(n));
    removed = namesA.filter((n) => !namesB.includes(n));
    for (const n of common) pairs.push([findModule(a, n), findModule(b, n)]);
    if (common.length === 0 && a.modules.length === 1 && b.modules.length === 1) {
      const [ma, mb] = [a.modules[0] as MlfModule, b.modules[0] as MlfModule];
      pairs.push([ma, mb]);
      added = [];
      removed = [];
      notes.push(`comparing module "${ma.name}" of A with module "${mb.name}" of B (each archive has one module)`);
    }
  }
  const modules: ModuleDiff[] = [];
  for (const [ma, mb] of pairs) modules.push(await diffModule(a, ma, b, mb));
  const identical = added.length === 0 && removed.length === 0 && modules.every(isModuleUnchanged);
  return { modulesA: namesA, modulesB: namesB, added, removed, notes, modules, identical };
}

/** Throws MLF-E101 for an archive without metadata.json: it has no modules, so "no differences" would be a lie. */
export function requireMetadata(archive: MlfArchive, label: string): void {
  if (archive.metadata === null)
    throw new MlfError('MLF-E101', `${label}: metadata.json is missing from the archive root`, {
      member: 'metadata.json',
    });
}

function pickModule(archive: MlfArchive, name: string, label: string, notes: string[]): MlfModule {
  const found = archive.modules.find((m) => m.name === name);
  if (found !== undefined) return found;
  if (archive.modules.length !== 1) return findModule(archive, name); // throws E903 listing the names
  const only = archive.modules[0] as MlfModule;
  notes.push(`${label} has no module "${name}"; comparing its only module "${only.name}"`);
  return only;
}

/** True when a module diff holds no difference at all. */
export function isModuleUnchanged(m: ModuleDiff): boolean {
  const same = (d: Delta) => d.delta === 0 || (d.a === null && d.b === null);
  return (
    m.executors.added.length + m.executors.removed.length + m.targets.added.length + m.targets.removed.length === 0 &&
    m.interface.length === 0 &&
    m.memory.devices.every((d) => same(d.workspace) && same(d.io) && same(d.constants)) &&
    same(m.memory.storage) &&
    (m.params?.changed.length ?? 0) === 0 &&
    (m.graph === null ||
      (same(m.graph.nodes) && m.graph.operatorsAdded.length + m.graph.operatorsRemoved.length === 0)) &&
    m.codegen.changed.length === 0
  );
}

async function diffModule(a: MlfArchive, ma: MlfModule, b: MlfArchive, mb: MlfModule): Promise<ModuleDiff> {
  const fa = (await inspectArchive(a, { module: ma.name, hashParams: false })).modules[ma.name] as InspectModule;
  const fb = (await inspectArchive(b, { module: mb.name, hashParams: false })).modules[mb.name] as InspectModule;
  return {
    name: ma.name,
    nameB: mb.name,
    executors: diffList(fa.executors, fb.executors),
    targets: diffList(fa.targets, fb.targets),
    interface: diffInterface(fa, fb),
    memory: diffMemory(fa, fb),
    params: await diffParamReaders(await openParamsReader(a, ma), await openParamsReader(b, mb)),
    graph: diffGraph(fa, fb, ma.name, mb.name),
    codegen: await diffCodegen(a, ma, fa, b, mb, fb),
  };
}

function diffList(a: string[], b: string[]): ListDiff {
  return { a, b, added: b.filter((x) => !a.includes(x)), removed: a.filter((x) => !b.includes(x)) };
}

const tensorSide = (name: string | null, t: TensorFacts): TensorSide => ({ name, dtype: t.dtype, shape: t.shape });

function compareSides(a: TensorSide, b: TensorSide): InterfaceChange['fields'] {
  const fields: InterfaceChange['fields'] = [];
  if (a.name !== b.name) fields.push('name');
  if (a.dtype !== b.dtype) fields.push('dtype');
  if (JSON.stringify(a.shape) !== JSON.stringify(b.shape)) fields.push('shape');
  return fields;
}

function diffInterface(fa: InspectModule, fb: InspectModule): InterfaceChange[] {
  const out: InterfaceChange[] = [];
  const ia = fa.inputs ?? {};
  const ib = fb.inputs ?? {};
  for (const [name, t] of Object.entries(ia)) {
    const u = ownValue(ib, name);
    if (u === undefined)
      out.push({ kind: 'input', change: 'removed', key: name, a: tensorSide(name, t), b: null, fields: [] });
    else {
      const fields = compareSides(tensorSide(name, t), tensorSide(name, u));
      if (fields.length > 0)
        out.push({
          kind: 'input',
          change: 'changed',
          key: name,
          a: tensorSide(name, t),
          b: tensorSide(name, u),
          fields,
        });
    }
  }
  for (const [name, u] of Object.entries(ib)) {
    if (!Object.hasOwn(ia, name))
      out.push({ kind: 'input', change: 'added', key: name, a: null, b: tensorSide(name, u), fields: [] });
  }
  const oa = fa.outputs ?? [];
  const ob = fb.outputs ?? [];
  for (let i = 0; i < Math.max(oa.length, ob.length); i++) {
    const x = oa[i] === undefined ? null : tensorSide(oa[i]!.name, oa[i]!);
    const y = ob[i] === undefined ? null : tensorSide(ob[i]!.name, ob[i]!);
    const fields = x === null || y === null ? [] : compareSides(x, y);
    const change = x === null ? 'added' : y === null ? 'removed' : fields.length > 0 ? 'changed' : null;
    if (change !== null) out.push({ kind: 'output', change, key: String(i), a: x, b: y, fields });
  }
  return out;
}

function diffMemory(fa: InspectModule, fb: InspectModule): ModuleDiff['memory'] {
  const ma = fa.memory.main ?? [];
  const mb = fb.memory.main ?? [];
  const devices = [...new Set([...ma, ...mb].map((e) => e.device))].sort((x, y) => x - y);
  return {
    devices: devices.map((device) => {
      const x = ma.find((e) => e.device === device);
      const y = mb.find((e) => e.device === device);
      return {
        device,
        workspace: makeDelta(x?.workspaceBytes ?? null, y?.workspaceBytes ?? null),
        io: makeDelta(x?.ioBytes ?? null, y?.ioBytes ?? null),
        constants: makeDelta(x?.constantsBytes ?? null, y?.constantsBytes ?? null),
      };
    }),
    storage: makeDelta(fa.memory.storageBytes, fb.memory.storageBytes),
  };
}

/** Operator names carry the module name (`tvmgen_<m>_fused_…`), left out when matching renamed modules. */
function operatorKey(op: string, module: string): string {
  for (const m of [module, module.toLowerCase()])
    if (op.startsWith(`tvmgen_${m}_`)) return op.slice(`tvmgen_${m}_`.length);
  return op;
}

/** Multiset difference by key: each element of `b` cancels one element of `a` with an equal key. */
function multisetMinus(a: string[], b: string[], keyA: (s: string) => string, keyB: (s: string) => string): string[] {
  const left = new Map<string, number>();
  for (const x of b) left.set(keyB(x), (left.get(keyB(x)) ?? 0) + 1);
  return a.filter((x) => {
    const n = left.get(keyA(x)) ?? 0;
    if (n > 0) left.set(keyA(x), n - 1);
    return n === 0;
  });
}

/** Operators in node order (graph executor) or call order (AOT main); null when neither is known. */
const operatorsOf = (f: InspectModule) => f.graph?.operators ?? f.aot?.operators ?? null;
const nodeCount = (f: InspectModule) => f.graph?.nodes ?? (f.aot === null ? null : f.aot.operators.length);

function diffGraph(fa: InspectModule, fb: InspectModule, nameA: string, nameB: string): ModuleDiff['graph'] {
  if (operatorsOf(fa) === null && operatorsOf(fb) === null) return null;
  const opsA = operatorsOf(fa) ?? [];
  const opsB = operatorsOf(fb) ?? [];
  const keyA = (op: string) => (nameA === nameB ? op : operatorKey(op, nameA));
  const keyB = (op: string) => (nameA === nameB ? op : operatorKey(op, nameB));
  return {
    nodes: makeDelta(nodeCount(fa), nodeCount(fb)),
    operatorsAdded: multisetMinus(opsB, opsA, keyB, keyA),
    operatorsRemoved: multisetMinus(opsA, opsB, keyA, keyB),
  };
}

/** Codegen file names carry the module name (`<m>_lib0.c`, `tvmgen_<m>.h`); B's are put in A's terms. */
function renamePath(path: string, from: string, to: string): string {
  if (from === to) return path;
  const slash = path.lastIndexOf('/') + 1;
  const base = path.slice(slash);
  const renamed = base.startsWith(`${from}_lib`)
    ? `${to}${base.slice(from.length)}`
    : base === `tvmgen_${from.toLowerCase()}.h`
      ? `tvmgen_${to.toLowerCase()}.h`
      : base;
  return path.slice(0, slash) + renamed;
}

async function diffCodegen(
  a: MlfArchive,
  ma: MlfModule,
  fa: InspectModule,
  b: MlfArchive,
  mb: MlfModule,
  fb: InspectModule,
): Promise<ModuleDiff['codegen']> {
  const files = (f: InspectModule) => [...f.codegen.sources, ...f.codegen.objects, ...f.codegen.headers];
  const left = new Map(files(fa).map((f) => [f.path, f]));
  const right = new Map(files(fb).map((f) => [renamePath(f.path, mb.name, ma.name), f]));
  const hash = async (archive: MlfArchive, path: string) =>
    sha256Hex(await (archive.contents.members.get(path)?.read() ?? Promise.resolve(new Uint8Array())));
  const changed: CodegenChange[] = [];
  let unchanged = 0;
  for (const [key, x] of left) {
    const y = right.get(key);
    if (y === undefined)
      changed.push({ path: x.path, pathB: null, change: 'removed', bytes: makeDelta(x.bytes, null) });
    else if (x.bytes === y.bytes && (await hash(a, x.path)) === (await hash(b, y.path))) unchanged++;
    else
      changed.push({
        path: x.path,
        pathB: y.path === x.path ? null : y.path,
        change: 'changed',
        bytes: makeDelta(x.bytes, y.bytes),
      });
  }
  for (const [key, y] of right) {
    if (!left.has(key)) changed.push({ path: y.path, pathB: null, change: 'added', bytes: makeDelta(null, y.bytes) });
  }
  const total = (f: InspectModule) => files(f).reduce((s, x) => s + x.bytes, 0);
  return { changed, unchanged, totalBytes: makeDelta(total(fa), total(fb)) };
}
