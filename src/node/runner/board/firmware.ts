/**
 * Firmware builds for a board: the project generated in the cache, refused before building when
 * it cannot fit (E509), built once with the board's cross compiler, and its footprint read from the
 * linked ELF and the linker map (per module, runtime, board support and C library).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { computeStoragePools } from '../../../core/graph/facts.js';
import type { MlfArchive } from '../../../core/archive/archive.js';
import { MlfError } from '../../../core/errors/errors.js';
import { withMlfPath } from '../../read/open.js';
import { archiveDigest, cacheRoot, cachedEntry, contentDigest, filesDigest, openCacheRoot } from '../cache.js';
import { elfSizes, type ElfSizes, readElfSections } from '../elf.js';
import { resolveRunnerLimits, type RunnerLimits } from '../limits.js';
import { buildProject, objectOwners } from '../project/build.js';
import { type GeneratedProject, generateProject, type ModuleManifest } from '../project/generate.js';
import { readModelInterface } from '../project/interface.js';
import { writeFilesInto } from '../project/write.js';
import { safeName } from '../run.js';
import { spawnCollect } from '../spawn.js';
import { parseLinkMap } from './link-map.js';
import { type BoardProfile, loadBoard } from './profile.js';

/** Options of {@link buildFirmware}. */
export interface FirmwareOptions {
  /** A shipped board name or a board profile path. */
  target: string;
  /** One module; omitted: every module in one firmware. */
  module?: string;
  /** Replaces the firmware Makefile's CFLAGS (-O2 -ffp-contract=off). */
  cflags?: string;
  /** Compile the params in (default) or read them over semihosting at run time (heap). */
  embedParams?: boolean;
  /** Cache folder. @default cacheRoot() */
  cacheDir?: string;
  /** Build time and memory limits (and, for {@link runOnTarget}, QEMU's). */
  limits?: Partial<RunnerLimits>;
}

/** A built firmware in the cache. */
export interface BuiltFirmware {
  board: BoardProfile;
  project: GeneratedProject;
  /** The project folder; the firmware is `build/firmware.elf`, its map `build/firmware.map`. */
  dir: string;
  cached: boolean;
  /** Why a cached build was replaced (its files did not match their record), or null. */
  replaced: string | null;
}

/** Flash and RAM of a linked firmware, and of its parts. */
export interface FirmwareFootprint {
  target: string;
  elf: string;
  total: ElfSizes;
  /** text + rodata + data (the initial values of .data live in flash). */
  flash: number;
  /** data + bss: everything the linker places in RAM (buffers, arena, params copies, libc). */
  ramStatic: number;
  /** The stack the board profile reserves at the top of RAM. */
  stackBytes: number;
  /** What the board has. */
  capacity: { flash: number; ram: number };
  /** Per module, `mlf runtime`, `driver and board support`, `C library`, `linker padding`. */
  parts: { part: string; sizes: ElfSizes; flash: number; ramStatic: number }[];
  /** Berkeley `size` of the same ELF by the board's toolchain, for comparison (null when it is missing). */
  sizeTool: { tool: string; text: number; data: number; bss: number; agrees: boolean } | null;
}

/**
 * Generates, checks and builds (once per content, in the cache) the firmware of an archive for a
 * board.
 * @throws MlfError E510 for the board, E509 when it cannot fit, E512 for clashing symbols,
 * E503/E504 for the build, E520 at a build limit, E521 for an unsafe cache, and what project
 * generation throws.
 */
export async function buildFirmware(archivePath: string, options: FirmwareOptions): Promise<BuiltFirmware> {
  return compileFirmware(await prepareFirmware(archivePath, options), options);
}

/** A firmware project generated and checked to fit, not built yet. */
export interface PreparedFirmware {
  board: BoardProfile;
  project: GeneratedProject;
  /** The archive's SHA-256 (the cache folder it builds in). */
  digest: string;
  /** The cache root, opened and checked. */
  root: string;
}

/**
 * The first half of {@link buildFirmware}: the board loaded, the project generated and checked
 * against the board's memory (E509), the cache opened; nothing built.
 */
export async function prepareFirmware(archivePath: string, options: FirmwareOptions): Promise<PreparedFirmware> {
  const board = await loadBoard(options.target);
  resolveRunnerLimits(options.limits); // bad limits fail before any work
  const root = await openCacheRoot(options.cacheDir ?? cacheRoot());
  const { project, digest, need } = await withMlfPath(archivePath, async (archive) => {
    const p = await generateProject(archive, { module: options.module, board, embedParams: options.embedParams });
    return { project: p, digest: await archiveDigest(archivePath, archive), need: await memoryNeed(archive, p) };
  });
  checkFits(board, need);
  return { board, project, digest, root };
}

/** The second half of {@link buildFirmware}: the build in the cache, reused when its files check out. */
export async function compileFirmware(prepared: PreparedFirmware, options: FirmwareOptions): Promise<BuiltFirmware> {
  const { board, project, digest, root } = prepared;
  const limits = resolveRunnerLimits(options.limits);
  const modules = project.manifest.modules;
  const key = (await filesDigest(project.files, [options.cflags ?? ''])).slice(0, 16);
  const expect = new Map<string, string>();
  for (const [p, d] of project.files) expect.set(p, await contentDigest(d));
  const name = modules.length === 1 ? safeName((modules[0] as ModuleManifest).module) : 'all';
  const { dir, cached, replaced } = await cachedEntry(
    root,
    join(digest, `fw-${safeName(board.name)}-${name}-${key}`),
    async (tmp) => {
      await writeFilesInto(tmp, project.files);
      try {
        await buildProject(tmp, {
          cc: null,
          compiler: `${board.toolchain.prefix}gcc`,
          cflags: options.cflags,
          owners: modules.length > 1 ? objectOwners(modules, true) : undefined,
          limits,
        });
      } catch (e) {
        throw linkOverflow(e, board) ?? e;
      }
    },
    { expect },
  );
  return { board, project, dir, cached, replaced };
}

/** What the firmware needs at least, known before compiling: buffers, arena, params, stack. */
interface MemoryNeed {
  ram: { what: string; bytes: number }[];
  flash: { what: string; bytes: number }[];
}

async function memoryNeed(archive: MlfArchive, project: GeneratedProject): Promise<MemoryNeed> {
  const need: MemoryNeed = { ram: [], flash: [] };
  let arena = 0;
  for (const m of project.manifest.modules) {
    const module = archive.modules.find((x) => x.name === m.module);
    if (module === undefined) continue;
    arena = Math.max(arena, m.workspaceArenaBytes);
    const iface = await readModelInterface(archive, module);
    const main = module.metadata.main?.[0];
    if (iface.graph !== null) {
      const pools = computeStoragePools(iface.graph).reduce((a, p) => a + p.bytes, 0);
      need.ram.push({ what: `module ${m.module}: graph storage (params, activations, I/O)`, bytes: pools });
    } else {
      const io = [...m.inputs, ...m.outputs].reduce((a, t) => a + t.bytes, 0);
      need.ram.push({ what: `module ${m.module}: inputs and outputs`, bytes: io });
      // AOT code that never calls TVMBackendAllocWorkspace keeps its workspace itself (USMP pools).
      if (m.workspaceArenaBytes <= 64 && (main?.workspace_size_bytes ?? 0) > 0)
        need.ram.push({
          what: `module ${m.module}: workspace pool in the generated code`,
          bytes: main?.workspace_size_bytes ?? 0,
        });
      if ((main?.constants_size_bytes ?? 0) > 0)
        need.flash.push({ what: `module ${m.module}: constants`, bytes: main?.constants_size_bytes ?? 0 });
    }
    if (m.paramsEmbedded) {
      const bytes = iface.params?.tensors.reduce((a, t) => a + t.byteLength, 0) ?? 0;
      need.flash.push({ what: `module ${m.module}: params compiled in`, bytes });
    }
  }
  need.ram.push({ what: 'workspace arena', bytes: arena });
  return need;
}

const sum = (list: readonly { bytes: number }[]) => list.reduce((a, b) => a + b.bytes, 0);

/** E509 before building when the lower bounds already exceed the board. */
function checkFits(board: BoardProfile, need: MemoryNeed): void {
  const ram = sum(need.ram) + board.stackBytes;
  const flash = sum(need.flash);
  const over: string[] = [];
  const list = (items: { what: string; bytes: number }[]) => items.map((i) => `${i.what} ${i.bytes} B`).join(', ');
  if (ram > board.memory.ram.bytes)
    over.push(
      `RAM: at least ${ram} B (${list(need.ram)}, stack ${board.stackBytes} B) but ${board.name} has ${board.memory.ram.bytes} B`,
    );
  if (flash > board.memory.flash.bytes)
    over.push(`flash: at least ${flash} B (${list(need.flash)}) but ${board.name} has ${board.memory.flash.bytes} B`);
  if (over.length > 0)
    throw new MlfError('MLF-E509', `the model does not fit board ${board.name}:\n  ${over.join('\n  ')}`);
}

/** The linker's own "does not fit" (region overflow, our RAM assertion) as E509 with its numbers. */
function linkOverflow(e: unknown, board: BoardProfile): MlfError | null {
  if (!(e instanceof MlfError) || e.code !== 'MLF-E504') return null;
  const lines = e.message.split('\n').filter((l) => /region `?\w+'? overflowed by \d+ bytes|MLF-RAM-FULL/.test(l));
  if (lines.length === 0) return null;
  const what = lines.map((l) => l.replace(/^.*?ld: /, '').trim()).join('\n  ');
  return new MlfError(
    'MLF-E509',
    `the firmware does not fit board ${board.name} (flash ${board.memory.flash.bytes} B, RAM ${board.memory.ram.bytes} B with a ${board.stackBytes} B stack):\n  ${what}`,
  );
}

const SHF_ALLOC = 2;

/** The part of the firmware an object file belongs to. */
function partOf(file: string, owners: Map<string, string>): string {
  const owner = owners.get(file);
  if (owner !== undefined) return owner;
  if (file === '*fill*' || file === '*linker*') return 'linker padding';
  if (file.startsWith('build/runtime/') || file === 'build/mlf_modules.o') return 'mlf runtime';
  if (file.startsWith('build/board/') || file === 'build/main.o') return 'driver and board support';
  return 'C library';
}

/**
 * Flash and RAM of a built firmware from its ELF section headers, split into parts with the
 * linker map, and compared with the toolchain's own `size`.
 */
export async function firmwareFootprint(fw: BuiltFirmware): Promise<FirmwareFootprint> {
  const elf = join(fw.dir, 'build', 'firmware.elf');
  const sections = readElfSections(new Uint8Array(await readFile(elf)), { file: elf });
  const total = elfSizes(sections);
  const kind = new Map<string, keyof ElfSizes>();
  for (const s of sections) {
    if ((s.flags & SHF_ALLOC) === 0) continue;
    const one = elfSizes([s]);
    kind.set(s.name, (Object.keys(one) as (keyof ElfSizes)[]).find((k) => one[k] > 0) ?? 'bss');
  }
  const owners = new Map<string, string>();
  for (const o of objectOwners(fw.project.manifest.modules, true))
    if (o.owner !== 'the mlf runtime') owners.set(o.object, o.owner);
  const parts = new Map<string, ElfSizes>();
  for (const c of parseLinkMap(await readFile(join(fw.dir, 'build', 'firmware.map'), 'utf8'))) {
    const k = kind.get(c.section);
    if (k === undefined) continue;
    const part = partOf(c.file, owners);
    const sizes = parts.get(part) ?? { text: 0, rodata: 0, data: 0, bss: 0 };
    sizes[k] += c.size;
    parts.set(part, sizes);
  }
  return {
    target: fw.board.name,
    elf,
    total,
    flash: total.text + total.rodata + total.data,
    ramStatic: total.data + total.bss,
    stackBytes: fw.board.stackBytes,
    capacity: { flash: fw.board.memory.flash.bytes, ram: fw.board.memory.ram.bytes },
    parts: [...parts]
      .sort(([a], [b]) => partOrder(a) - partOrder(b) || (a < b ? -1 : 1))
      .map(([part, sizes]) => ({
        part,
        sizes,
        flash: sizes.text + sizes.rodata + sizes.data,
        ramStatic: sizes.data + sizes.bss,
      })),
    sizeTool: await berkeleySize(`${fw.board.toolchain.prefix}size`, elf, total),
  };
}

const partOrder = (p: string) =>
  p.startsWith('module ')
    ? 0
    : ['mlf runtime', 'driver and board support', 'C library', 'linker padding'].indexOf(p) + 1;

/** `<prefix>size <elf>` (Berkeley format): text (code + read-only data), data, bss. */
async function berkeleySize(tool: string, elf: string, ours: ElfSizes): Promise<FirmwareFootprint['sizeTool']> {
  const r = await spawnCollect(tool, [elf], { limits: { timeoutSeconds: 60 } });
  if (r.error !== null || r.status !== 0) return null;
  const [text, data, bss] = (r.stdout.split('\n')[1] ?? '').trim().split(/\s+/).map(Number);
  if (text === undefined || data === undefined || bss === undefined) return null;
  const agrees = text === ours.text + ours.rodata && data === ours.data && bss === ours.bss;
  return { tool, text, data, bss, agrees };
}

/**
 * `mlf footprint --target`: builds (cached) the firmware of an archive for a board and measures it.
 * @throws MlfError as {@link buildFirmware}.
 */
export async function measureFirmwareFootprint(
  archivePath: string,
  options: FirmwareOptions,
): Promise<FirmwareFootprint> {
  return firmwareFootprint(await buildFirmware(archivePath, options));
}
