import { decodeText } from '../common/bytes.js';
import { decompress, detectContainer, inflateBlob } from '../compression/compression.js';
import { type Diagnostic, diagnostic, MlfError } from '../errors/errors.js';
import { type GraphJson, parseGraph } from '../graph/graph.js';
import {
  codegenKind,
  isBundledRuntime,
  isSignatureMember,
  type ModuleLayout,
  moduleLayout,
  unsafeModuleNameReason,
} from '../metadata/layout.js';
import { type Limits, MAX_ARRAY_BYTES, resolveLimits } from '../common/limits.js';
import { type MlfMetadata, type MlfStyle, type ModuleMetadata, parseMetadata } from '../metadata/metadata.js';
import { decodeParams, type ParamDict } from '../params/codec.js';
import { blobSource, bytesSource, type ByteSource } from '../common/source.js';
import { readTarEntry, readTarIndex } from '../tar/read.js';

/** One regular file of an archive or folder, read on demand. */
export interface ArchiveMember {
  /** Normalised path (no leading `./`). */
  path: string;
  /** Size in bytes. */
  size: number;
  /** Reads the whole member. */
  read(): Promise<Uint8Array>;
  /** Reads `[offset, offset + length)` of the member without reading the rest (seekable sources). */
  readRange?(offset: number, length: number): Promise<Uint8Array>;
  /**
   * Reads from `offset` into `target` (as much as fits, less at the end) and returns the number of
   * bytes read: lets a copier reuse one buffer instead of allocating one per range (files on disk).
   */
  readInto?(target: Uint8Array, offset: number): Promise<number>;
}

/** Where the members came from. */
export type ContainerKind = 'tar' | 'gzip' | 'zstd' | 'folder';

/** The files of an archive, before any MLF interpretation. */
export interface ArchiveContents {
  container: ContainerKind;
  members: Map<string, ArchiveMember>;
  /** Container-level warnings (e.g. a missing end-of-archive marker). */
  diagnostics: Diagnostic[];
  /** Releases the underlying source (a file handle in Node); members are unreadable after. */
  close?: () => Promise<void>;
}

/** Options shared by the readers. */
export interface ReadOptions {
  limits?: Partial<Limits>;
}

/**
 * Opens a `.tar`, `.tar.gz` or `.tar.zst` from any ByteSource. An uncompressed tar is indexed
 * by its headers only; member bytes are read when asked for. Compressed archives are inflated
 * in memory first (bounded by `limits.maxDecompressedBytes` and the ratio limit); the Node reader
 * streams them to a temporary file instead, and in a browser `inflateBlob` keeps them in a Blob.
 */
export async function openArchive(source: ByteSource, options: ReadOptions = {}): Promise<ArchiveContents> {
  const head = await source.read(0, Math.min(source.byteLength, 512));
  const kind = detectContainer(head);
  if (kind === 'unknown') {
    // Only on this error path: the table of other formats' magic numbers loads when needed.
    const what = (await import('../compression/sniff.js')).describeForeignFile(head, source.byteLength);
    throw new MlfError(
      'MLF-E010',
      what === undefined
        ? `archive: not a tar, gzip or zstd file (first bytes ${hexHead(head)})`
        : `archive: this is ${what}`,
      { offset: 0 },
    );
  }
  if (kind === 'tar') return openTar(source, options);
  // Held whole in memory: a compressed input over the output limit cannot hold a valid archive.
  const max = Math.min(resolveLimits(options.limits).maxDecompressedBytes, MAX_ARRAY_BYTES);
  if (source.byteLength > max)
    throw new MlfError(
      'MLF-E009',
      `${kind}: ${source.byteLength} compressed bytes exceed ${max} (maxDecompressedBytes)`,
      { offset: 0 },
    );
  const packed = await source.read(0, source.byteLength);
  return openTar(bytesSource(await decompress(packed, kind, options)), { ...options, container: kind });
}

/**
 * Opens an archive held in a Blob (a browser File). A compressed one is inflated into another
 * Blob, which browsers may keep on disk, rather than into one array, so memory stays bounded.
 */
export async function openArchiveBlob(blob: Blob, options: ReadOptions = {}): Promise<ArchiveContents> {
  const kind = detectContainer(new Uint8Array(await blob.slice(0, 512).arrayBuffer()));
  if (kind !== 'gzip' && kind !== 'zstd') return openArchive(blobSource(blob), options);
  return openTar(blobSource(await inflateBlob(blob, kind, options)), { ...options, container: kind });
}

/** Options of `openTar`. */
export interface OpenTarOptions extends ReadOptions {
  /** What the tar came out of, for `ArchiveContents.container` (default `tar`). */
  container?: ContainerKind;
}

/**
 * Indexes an uncompressed tar by its headers, without looking at what it starts with: the
 * output of a decompressor is a tar or an error (E002, E001...), never "not an archive".
 */
export async function openTar(source: ByteSource, options: OpenTarOptions = {}): Promise<ArchiveContents> {
  const index = await readTarIndex(source, options);
  const members = new Map<string, ArchiveMember>();
  for (const entry of index.entries) {
    if (entry.type !== 'file') continue;
    const within = (offset: number, length: number) => Math.max(0, Math.min(length, entry.size - offset));
    const member: ArchiveMember = {
      path: entry.path,
      size: entry.size,
      read: () => readTarEntry(source, entry),
      readRange: (offset, length) => source.read(entry.dataOffset + offset, within(offset, length)),
    };
    const into = source.readInto?.bind(source);
    if (into !== undefined)
      member.readInto = (target, offset) =>
        into(target.subarray(0, within(offset, target.byteLength)), entry.dataOffset + offset);
    members.set(entry.path, member);
  }
  return { container: options.container ?? 'tar', members, diagnostics: index.warnings };
}

function hexHead(b: Uint8Array): string {
  return [...b.subarray(0, 8)].map((x) => x.toString(16).padStart(2, '0')).join(' ');
}

/** One module of an archive and the members that belong to it. */
export interface MlfModule {
  name: string;
  metadata: ModuleMetadata;
  /** `graph`, `aot`, or null for operator style. */
  executor: string | null;
  layout: ModuleLayout;
  files: {
    graph: string | null;
    params: string | null;
    relay: string | null;
    /** Operator style: `src/tir-<device>.txt`. */
    tir: string[];
    sources: string[];
    objects: string[];
    headers: string[];
  };
}

/** A Model Library Format archive: metadata, modules and the files behind them. */
export interface MlfArchive {
  contents: ArchiveContents;
  /** Null when metadata.json is missing (then `diagnostics` holds MLF-E101). */
  metadata: MlfMetadata | null;
  version: number | null;
  style: MlfStyle | null;
  modules: MlfModule[];
  /** Members that belong to no module and are not part of the MLF layout. */
  extraFiles: string[];
  /** Bundled TVM runtime members (`runtime/`, `templates/`). */
  runtimeFiles: string[];
  /** What the reader noticed; `validateArchive` adds the deeper checks. */
  diagnostics: Diagnostic[];
}

/**
 * Interprets opened archive contents as MLF. Throws for unreadable metadata (E102-E104); a
 * missing metadata.json is reported as an E101 diagnostic with no modules, so the files can still
 * be listed. Unknown extra files are listed and never fatal.
 */
export async function readMlf(contents: ArchiveContents, options: ReadOptions = {}): Promise<MlfArchive> {
  const diagnostics = [...contents.diagnostics];
  const metaMember = contents.members.get('metadata.json');
  const all = [...contents.members.keys()].sort();
  const runtimeFiles = all.filter(isBundledRuntime);
  if (metaMember === undefined) {
    const nested = all.find((p) => /^[^/]+\/metadata\.json$/.test(p));
    const top = nested?.slice(0, nested.indexOf('/') + 1);
    const under = top !== undefined && all.every((p) => p.startsWith(top));
    diagnostics.push(
      under
        ? diagnostic(
            'MLF-E101',
            `metadata.json is not at the archive root: every member sits under ${top}, and it is at ${nested}`,
            { member: 'metadata.json' },
            'error',
            `The archive was packed from the folder above the MLF root; re-pack from inside it (extract, then mlf pack <folder>/${top}), or give mlf that extracted folder.`,
          )
        : diagnostic('MLF-E101', 'metadata.json is missing from the archive root', { member: 'metadata.json' }),
    );
    return {
      contents,
      metadata: null,
      version: null,
      style: null,
      modules: [],
      extraFiles: all.filter((p) => !isBundledRuntime(p) && !isSignatureMember(p)),
      runtimeFiles,
      diagnostics,
    };
  }
  const limits = resolveLimits(options.limits);
  if (metaMember.size > limits.maxMetadataBytes) {
    throw new MlfError(
      'MLF-E009',
      `metadata: ${metaMember.size} bytes exceeds the limit of ${limits.maxMetadataBytes}`,
      { member: 'metadata.json' },
    );
  }
  const text = decodeText(await metaMember.read());
  const metadata = parseMetadata(text, { member: 'metadata.json', ...options });
  diagnostics.push(...metadata.warnings);
  const claimed = new Set<string>(['metadata.json', ...runtimeFiles, ...all.filter(isSignatureMember)]);
  const single = metadata.modules.length === 1;
  const codegen = all.flatMap((p) => (codegenKind(p) === undefined ? [] : [p])); // once, not per module
  const folded = new Map<string, string>(); // names that collide on case-insensitive file systems
  const modules = metadata.modules.map((m) => {
    const key = m.name.normalize('NFKC').toUpperCase().toLowerCase();
    const twin = folded.get(key);
    if (twin === undefined) folded.set(key, m.name);
    const reason =
      unsafeModuleNameReason(m.name) ??
      (twin === undefined ? undefined : `collides with ${JSON.stringify(twin)} after case folding`);
    if (reason !== undefined) {
      diagnostics.push(
        diagnostic('MLF-E105', `module name ${JSON.stringify(m.name)} ${reason}`, {
          member: 'metadata.json',
          jsonPath: m.jsonPath,
        }),
      );
    }
    const mod = locateModule(m, metadata.version, contents, codegen, single, reason === undefined);
    for (const p of [
      mod.files.graph,
      mod.files.params,
      mod.files.relay,
      ...mod.files.tir,
      ...mod.files.sources,
      ...mod.files.objects,
      ...mod.files.headers,
    ]) {
      if (p !== null) claimed.add(p);
    }
    return mod;
  });
  const extraFiles = all.filter((p) => !claimed.has(p));
  for (const p of extraFiles) {
    diagnostics.push(diagnostic('MLF-W101', `${p} is not part of the MLF layout`, { member: p }));
  }
  return {
    contents,
    metadata,
    version: metadata.version,
    style: metadata.style,
    modules,
    extraFiles,
    runtimeFiles,
    diagnostics,
  };
}

function locateModule(
  m: ModuleMetadata,
  version: number,
  contents: ArchiveContents,
  codegenFiles: string[],
  single: boolean,
  safe: boolean,
): MlfModule {
  const layout = moduleLayout(version, m.style, m.name);
  const has = (p: string) => (safe && contents.members.has(p) ? p : null);
  const codegen = { sources: [] as string[], objects: [] as string[], headers: [] as string[] };
  if (safe) {
    for (const p of codegenFiles) {
      const kind = codegenKind(p);
      if (kind === undefined) continue;
      const base = p.slice(p.lastIndexOf('/') + 1);
      // One module owns every codegen file; with several, files are told apart by prefix.
      const mine =
        single ||
        (kind === 'header' ? base === `tvmgen_${m.name.toLowerCase()}.h` : base.startsWith(layout.codegenPrefix));
      if (!mine) continue;
      if (kind === 'source') codegen.sources.push(p);
      else if (kind === 'object') codegen.objects.push(p);
      else codegen.headers.push(p);
    }
  }
  const isGraph = m.executors.includes('graph');
  const tir =
    safe && m.style === 'operator'
      ? [...contents.members.keys()].filter((p) => /^src\/tir-\d+\.txt$/.test(p)).sort()
      : [];
  return {
    name: m.name,
    metadata: m,
    executor: m.style === 'operator' ? null : (m.executors[0] ?? null),
    layout,
    files: {
      graph: isGraph ? has(layout.graph) : null,
      params: m.style === 'operator' ? null : has(layout.params),
      relay: m.style === 'operator' ? null : has(layout.relay),
      tir,
      ...codegen,
    },
  };
}

/** Reads a member's bytes; throws E401 when absent. */
export async function readMember(archive: MlfArchive, path: string): Promise<Uint8Array> {
  const member = archive.contents.members.get(path);
  if (member === undefined) throw new MlfError('MLF-E401', `${path} is not in the archive`, { member: path });
  return member.read();
}

/** Reads a text member (UTF-8, lenient); E009 above `limits.maxTextBytes`. */
export async function readText(archive: MlfArchive, path: string, options: ReadOptions = {}): Promise<string> {
  const max = resolveLimits(options.limits).maxTextBytes; // before decoding: V8 strings stop at 512 MiB
  const size = archive.contents.members.get(path)?.size ?? 0;
  if (size > max)
    throw new MlfError('MLF-E009', `${path}: ${size} bytes of text exceed maxTextBytes ${max}`, { member: path });
  return decodeText(await readMember(archive, path));
}

/** Parses a module's graph JSON; null for AOT and operator modules. */
export async function loadGraph(
  archive: MlfArchive,
  module: MlfModule,
  options: ReadOptions = {},
): Promise<GraphJson | null> {
  if (module.files.graph === null) return null;
  const path = module.files.graph;
  const max = resolveLimits(options.limits).maxGraphBytes; // before decoding: V8 strings stop at 512 MiB
  const size = archive.contents.members.get(path)?.size ?? 0;
  if (size > max) throw new MlfError('MLF-E009', `graph: ${size} bytes exceeds the limit of ${max}`, { member: path });
  return parseGraph(decodeText(await readMember(archive, path)), { member: path, ...options });
}

/** Decodes a module's params (zero-copy views over the member bytes); null when absent. */
export async function loadParams(
  archive: MlfArchive,
  module: MlfModule,
  options: ReadOptions = {},
): Promise<ParamDict | null> {
  if (module.files.params === null) return null;
  const path = module.files.params;
  try {
    return decodeParams(await readMember(archive, path), options);
  } catch (e) {
    throw e instanceof MlfError ? e.inMember(path) : e;
  }
}

/** Finds a module by name; throws E903 listing the names when absent. */
export function findModule(archive: MlfArchive, name: string): MlfModule {
  const m = archive.modules.find((x) => x.name === name);
  if (m === undefined) {
    throw new MlfError(
      'MLF-E903',
      `no module named ${JSON.stringify(name)}; the archive has ${archive.modules.map((x) => JSON.stringify(x.name)).join(', ') || 'none'}`,
    );
  }
  return m;
}
