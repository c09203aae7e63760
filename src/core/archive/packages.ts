import { createDict, dictFromEntries } from '../common/dict.js';
import type { ArchiveMember, MlfArchive, MlfModule } from './archive.js';
import { stringifyPythonCompact } from './canonical.js';
import { MlfError } from '../errors/errors.js';
import { isRecord, stringifySortedJson } from '../common/json.js';
import { moduleLayout, unsafeModuleNameReason } from '../metadata/layout.js';
import { scanCFunctions } from './c-scan.js';
import type { MlfStyle } from '../metadata/metadata.js';

/** A file inside an archive. */
export interface FileEntry {
  path: string;
  data: Uint8Array;
}

/**
 * Bytes of a file to write: in memory, or a member of an archive that is still open, read only
 * when written (`readModulePackages` with `lazyParams`), so large params are streamed.
 */
export type FileData = Uint8Array | ArchiveMember;

/**
 * One module lifted out of an archive of any version, in version-7 terms: its metadata entry as
 * v7 writes it under `modules.<name>` (or the flat operator object without `version`), and its
 * files under their v7 names. Writers assemble packages into v7 or v6 archives. `P` is how the
 * params are held: bytes, or (`FileData`) possibly a member read when written.
 */
export interface ModulePackage<P extends FileData = Uint8Array> {
  name: string;
  style: MlfStyle;
  /** v7 module entry (full-model) or flat operator metadata without `version`. Unknown keys kept. */
  entry: Record<string, unknown>;
  graph: Uint8Array | null;
  params: P | null;
  relay: Uint8Array | null;
  /** Generated code under `codegen/host/...`, named as v7 names it (`<m>_lib<N>.c`). */
  codegen: FileEntry[];
  /** Operator style: `src/tir-<device>.txt`. */
  tir: FileEntry[];
  /** Bundled TVM runtime (`runtime/`, `templates/`) this module depends on. */
  runtime: FileEntry[];
}

const read = async (archive: MlfArchive, path: string | null) => {
  if (path === null) return null;
  const m = archive.contents.members.get(path);
  return m === undefined ? null : m.read();
};

/** Options of `readModulePackages`. */
export interface ReadPackagesOptions {
  /** Leave params in the archive (as its member) instead of reading them; keep it open until written. */
  lazyParams?: boolean;
}

/**
 * Lifts every module of a read archive into a package, upgrading old metadata on the way:
 * `runtimes` → `executors`, dict-shaped `target` → list, v1 list-shaped `memory` → object,
 * `style` added, and v1-v2 codegen names `lib<N>` → `<m>_lib<N>`.
 */
export async function readModulePackages(archive: MlfArchive): Promise<ModulePackage[]>;
export async function readModulePackages(
  archive: MlfArchive,
  options: ReadPackagesOptions,
): Promise<ModulePackage<FileData>[]>;
export async function readModulePackages(
  archive: MlfArchive,
  options: ReadPackagesOptions = {},
): Promise<ModulePackage<FileData>[]> {
  if (archive.metadata === null)
    throw new MlfError('MLF-E101', 'metadata.json is missing from the archive root', { member: 'metadata.json' });
  const raw = archive.metadata.raw;
  const runtime: FileEntry[] = [];
  for (const p of archive.runtimeFiles) runtime.push({ path: p, data: (await read(archive, p)) as Uint8Array });
  const out: ModulePackage<FileData>[] = [];
  const params = async (path: string | null) =>
    options.lazyParams && path !== null ? (archive.contents.members.get(path) ?? null) : read(archive, path);
  for (const m of archive.modules) {
    const source =
      archive.version === 7 && m.metadata.style === 'full-model'
        ? (raw.modules as Record<string, Record<string, unknown>>)[m.name]
        : raw;
    const entry = upgradeEntry(source as Record<string, unknown>, m);
    const deps = (entry.external_dependencies ?? []) as { url?: string }[];
    const needsRuntime = deps.some((d) => typeof d.url === 'string' && d.url.replace(/^\.\//, '') === 'runtime');
    out.push({
      name: m.name,
      style: m.metadata.style,
      entry,
      graph: await read(archive, m.files.graph),
      params: await params(m.files.params),
      relay: await read(archive, m.files.relay),
      codegen: await codegenFiles(archive, m),
      tir: await Promise.all(m.files.tir.map(async (p) => ({ path: p, data: (await read(archive, p)) as Uint8Array }))),
      runtime: needsRuntime ? runtime : [],
    });
  }
  return out;
}

function upgradeEntry(source: Record<string, unknown>, m: MlfModule): Record<string, unknown> {
  const entry = createDict<unknown>();
  for (const [k, v] of Object.entries(source)) {
    if (k === 'version' || k === 'runtimes') continue;
    entry[k] = v;
  }
  entry.executors = m.metadata.executors;
  entry.target = m.metadata.targets;
  entry.style = m.metadata.style;
  if (m.metadata.style === 'full-model' && Array.isArray(source.memory)) {
    // v1 wrote the sid list as `memory`; later versions nest it with function figures v1 lacks.
    entry.memory = {
      ...(m.metadata.sids === null ? {} : { sids: m.metadata.sids }),
      functions: { main: [], operator_functions: [] },
    };
  }
  return entry;
}

async function codegenFiles(archive: MlfArchive, m: MlfModule): Promise<FileEntry[]> {
  const out: FileEntry[] = [];
  for (const p of [...m.files.sources, ...m.files.objects, ...m.files.headers]) {
    const dir = p.slice(0, p.lastIndexOf('/') + 1);
    const base = p.slice(dir.length);
    // v1-v2 (and operator style) name files lib<N>; from v3 full-model files carry the module prefix.
    const renamed =
      m.metadata.style === 'full-model' && /^lib\d+\.(c|cc|cpp|o)$/.test(base) ? `${m.name}_${base}` : base;
    out.push({ path: dir + renamed, data: (await read(archive, p)) as Uint8Array });
  }
  return out;
}

/** Result of assembling packages: the archive's files and what was noticed on the way. */
export interface Assembled<P extends FileData = Uint8Array> {
  files: Map<string, P>;
  /** Generated C symbols defined by more than one module (a linker would refuse them together). */
  symbolClashes: { symbol: string; modules: string[] }[];
}

const enc = new TextEncoder();

/**
 * Assembles packages into a version-7 archive's files. Refuses unsafe module names (E105), names
 * equal or equal after case folding (E411), two modules placing different bytes at one path
 * (E412) and mixing operator style with others.
 */
export function assembleV7<P extends FileData = Uint8Array>(packages: ModulePackage<P>[]): Assembled<P> {
  const files = new Map<string, P>();
  const owner = new Map<string, string>();
  const put = (path: string, data: P, module: string) => {
    const prev = files.get(path);
    if (prev !== undefined && !sameBytes(prev, data)) {
      throw new MlfError(
        'MLF-E412',
        `modules "${owner.get(path)}" and "${module}" both write ${path} with different contents`,
        { member: path },
      );
    }
    files.set(path, data);
    owner.set(path, module);
  };
  checkModuleNames(packages);
  const operator = packages.filter((p) => p.style === 'operator');
  if (operator.length > 0 && packages.length > 1) {
    throw new MlfError(
      'MLF-E411',
      'operator-style archives hold exactly one operator and cannot be merged with other modules',
    );
  }
  if (operator.length === 1) {
    const p = operator[0] as ModulePackage<P>;
    put('metadata.json', enc.encode(stringifyPythonCompact({ version: 7, ...p.entry })) as P, p.name);
  } else {
    const modules = dictFromEntries(packages.map((p) => [p.name, p.entry]));
    put('metadata.json', enc.encode(stringifySortedJson({ modules, version: 7 })) as P, '');
  }
  for (const p of packages) placeFiles(p, moduleLayout(7, p.style, p.name), (path, data) => put(path, data, p.name));
  return { files, symbolClashes: findSymbolClashes(packages) };
}

/**
 * Refuses module names the reader refuses: unsafe ones (E105), and two names that are equal
 * (E411) or equal after case folding and NFKC, the key the reader compares (E411; their files
 * would collide on case-insensitive disks, and the reader gives E105/E006).
 */
function checkModuleNames(packages: readonly ModulePackage<FileData>[]): void {
  const folded = new Map<string, string>();
  for (const p of packages) {
    const reason = unsafeModuleNameReason(p.name);
    if (reason !== undefined) throw new MlfError('MLF-E105', `module name ${JSON.stringify(p.name)} ${reason}`);
    const twin = folded.get(p.name.normalize('NFKC').toUpperCase().toLowerCase());
    if (twin === p.name)
      throw new MlfError(
        'MLF-E411',
        `two modules are named "${p.name}"; rename one (mlf merge --rename ${p.name}=NEW)`,
      );
    if (twin !== undefined) {
      throw new MlfError(
        'MLF-E411',
        `modules "${twin}" and "${p.name}" differ only in case: their files would collide on case-insensitive file systems and mlf's reader refuses the archive; rename one (mlf merge --rename ${p.name}=NEW)`,
      );
    }
    folded.set(p.name.normalize('NFKC').toUpperCase().toLowerCase(), p.name);
  }
}

/** Assembles one package as a version-6 archive (flat metadata, `graph.json`, `src/relay.txt`). */
export function assembleV6<P extends FileData = Uint8Array>(p: ModulePackage<P>): Assembled<P> {
  checkModuleNames([p]);
  const files = new Map<string, P>();
  const text =
    p.style === 'operator'
      ? stringifyPythonCompact({ version: 6, ...p.entry })
      : stringifySortedJson({ ...p.entry, version: 6 });
  files.set('metadata.json', enc.encode(text) as P);
  placeFiles(p, moduleLayout(6, p.style, p.name), (path, data) => files.set(path, data));
  return { files, symbolClashes: [] };
}

function placeFiles<P extends FileData>(
  p: ModulePackage<P>,
  layout: ReturnType<typeof moduleLayout>,
  put: (path: string, data: P) => void,
): void {
  // P is Uint8Array or FileData, so bytes are always a P; TypeScript cannot express that bound.
  if (p.graph !== null) put(layout.graph, p.graph as P);
  if (p.params !== null) put(layout.params, p.params);
  if (p.relay !== null) put(layout.relay, p.relay as P);
  for (const f of [...p.codegen, ...p.tir, ...p.runtime]) put(f.path, f.data as P);
}

/** Renames a package: metadata names and module-keyed files. Generated C keeps its symbols. */
export function renamePackage<P extends FileData>(p: ModulePackage<P>, name: string): ModulePackage<P> {
  const codegen = p.codegen.map((f) => {
    const base = f.path.slice(f.path.lastIndexOf('/') + 1);
    const prefix = `${p.name}_lib`;
    return base.startsWith(prefix)
      ? { path: f.path.slice(0, f.path.length - base.length) + `${name}_lib${base.slice(prefix.length)}`, data: f.data }
      : f;
  });
  return { ...p, name, entry: { ...p.entry, model_name: name }, codegen };
}

/** Equal bytes; a member not yet read equals only itself (only params are left unread, and their paths are per module). */
function sameBytes(a: FileData, b: FileData): boolean {
  if (!(a instanceof Uint8Array) || !(b instanceof Uint8Array)) return a === b;
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Externally visible functions defined in a module's C sources (static ones cannot clash). One
 * token pass per file (src/core/archive/c-scan.ts): linear in the sources, whatever they hold.
 */
export function definedSymbols(p: ModulePackage<FileData>): Set<string> {
  const out = new Set<string>();
  const dec = new TextDecoder();
  for (const f of p.codegen) {
    if (!/\.(c|cc|cpp)$/.test(f.path) || !(f.data instanceof Uint8Array)) continue;
    for (const d of scanCFunctions(dec.decode(f.data))) if (!d.isStatic) out.add(d.name);
  }
  return out;
}

function findSymbolClashes(packages: ModulePackage<FileData>[]): Assembled['symbolClashes'] {
  const by = new Map<string, string[]>();
  for (const p of packages) for (const s of definedSymbols(p)) by.set(s, [...(by.get(s) ?? []), p.name]);
  return [...by.entries()].filter(([, ms]) => ms.length > 1).map(([symbol, modules]) => ({ symbol, modules }));
}

/** True when `entry` looks like a v7 module entry (used by tests and writers). */
export function isModuleEntry(v: unknown): v is Record<string, unknown> {
  return isRecord(v) && typeof v.model_name === 'string';
}
