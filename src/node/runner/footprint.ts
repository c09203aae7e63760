import { mkdir, readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { type MlfArchive, type MlfModule, readMember, readText } from '../../core/archive/archive.js';
import { loadParamIndex } from '../../core/params/tensor-index.js';
import { type ElfSizes, elfSizes, readElfSections } from './elf.js';
import { MlfError } from '../../core/errors/errors.js';
import { archiveDigest, cacheRoot, cachedEntry, digestOf, openCacheRoot } from './cache.js';
import { buildLimits, LIMIT_FLAGS, resolveRunnerLimits, type RunnerLimits } from './limits.js';
import { withMlfPath } from '../read/open.js';
import { compilerErrors, resolveCompiler } from './project/build.js';
import { pickModule } from './project/interface.js';
import { readTemplateFolder } from './project/templates.js';
import { writeFilesInto } from './project/write.js';
import { limitError, type ProcessLimits, spawnCollect } from './spawn.js';

/** Options of {@link measureFootprint}. */
export interface FootprintOptions {
  /** Only this module (default: every module). */
  module?: string;
  /** C compiler, e.g. `arm-none-eabi-gcc`. @default 'cc' */
  cc?: string;
  /** Compiler flags, whitespace-separated. @default '-Os' */
  cflags?: string;
  /** Cache folder. @default cacheRoot() */
  cacheDir?: string;
  /** Compile time and memory limits (defaults: {@link DEFAULT_RUNNER_LIMITS}, overridden by the MLF_* environment variables). */
  limits?: Partial<RunnerLimits>;
}

/** Section sizes of one compiled file. */
export interface FileFootprint extends ElfSizes {
  /** Project path of the source (`model/codegen/...` or `runtime/src/...`). */
  file: string;
  /** The object file measured (in the cache). */
  object: string;
}

/** Flash and RAM of one module. */
export interface ModuleFootprint {
  module: string;
  executor: string | null;
  files: FileFootprint[];
  total: ElfSizes;
  /** text + rodata + data (the initial values of .data live in flash too). */
  flash: number;
  /** data + bss + workspace + io + params. */
  ram: number;
  /** `workspace_size_bytes` from metadata: what the operators allocate at run time. */
  workspace: number;
  /** Inputs and outputs the application holds: their recorded sizes, else `io_size_bytes`, else the operator's buffers. */
  io: number;
  /** Graph executor without linked params: the params it copies into RAM. */
  params: number;
}

/** The whole footprint report. */
export interface FootprintReport {
  cc: string;
  compiler: string;
  cflags: string;
  modules: ModuleFootprint[];
}

const add = (a: ElfSizes, b: ElfSizes): ElfSizes => ({
  text: a.text + b.text,
  rodata: a.rodata + b.rodata,
  data: a.data + b.data,
  bss: a.bss + b.bss,
});

/**
 * Compiles each module's generated code and our runtime support to object files (cached) and
 * reads their section sizes from the ELF headers, so flash and RAM are known before any board.
 * @throws MlfError E503 without the compiler, E504 when a file does not compile, E505 without codegen.
 */
export async function measureFootprint(archivePath: string, options: FootprintOptions = {}): Promise<FootprintReport> {
  const cc = options.cc ?? 'cc';
  const cflags = options.cflags ?? '-Os';
  const compiler = await resolveCompiler(cc);
  const limits = buildLimits(resolveRunnerLimits(options.limits));
  const root = await openCacheRoot(options.cacheDir ?? cacheRoot());
  const modules = await withMlfPath(archivePath, async (archive) => {
    const digest = await archiveDigest(archivePath, archive);
    const chosen = options.module === undefined ? pickAll(archive) : [pickModule(archive, options.module)];
    const out: ModuleFootprint[] = [];
    for (const m of chosen) out.push(await moduleFootprint(archive, m, { cc, cflags, root, digest, limits }));
    return out;
  });
  return { cc, compiler, cflags, modules };
}

function pickAll(archive: MlfArchive): MlfModule[] {
  if (archive.metadata === null) pickModule(archive, undefined); // throws E101
  return archive.modules;
}

async function moduleFootprint(
  archive: MlfArchive,
  m: MlfModule,
  o: { cc: string; cflags: string; root: string; digest: string; limits: ProcessLimits },
): Promise<ModuleFootprint> {
  if (m.files.sources.length === 0 && m.files.objects.length === 0) {
    throw new MlfError(
      'MLF-E505',
      `module "${m.name}" has no generated code under codegen/host; nothing can be compiled`,
    );
  }
  const files = new Map<string, Uint8Array>();
  for (const p of [...m.files.sources, ...m.files.headers, ...m.files.objects])
    files.set(`model/${p}`, await readMember(archive, p));
  const runtime = await readTemplateFolder('runtime');
  for (const [p, text] of runtime) files.set(`runtime/${p}`, new TextEncoder().encode(text));
  const units = [
    ...m.files.sources.map((p) => `model/${p}`),
    'runtime/src/mlf_backend.c',
    ...(m.executor === 'graph' ? ['runtime/src/mlf_params.c'] : []),
  ];
  const flags = o.cflags.split(/\s+/).filter((f) => f !== '');
  const key = digestOf([...[...files].flatMap(([p, b]) => [p, b]), o.cc, ...flags]).slice(0, 16);
  const { dir } = await cachedEntry(o.root, join(o.digest, `footprint-${m.name}-${key}`), async (tmp) => {
    await writeFilesInto(tmp, files);
    await compileAll(tmp, units, o.cc, flags, o.limits);
  });
  const measured: FileFootprint[] = [];
  for (const unit of [...units, ...m.files.objects.map((p) => `model/${p}`)]) {
    const object = join(dir, unit.endsWith('.o') ? unit : `obj/${unit}.o`);
    measured.push({ file: unit, object, ...elfSizes(readElfSections(new Uint8Array(await readFile(object)))) });
  }
  const total = measured.reduce<ElfSizes>((a, f) => add(a, f), { text: 0, rodata: 0, data: 0, bss: 0 });
  const { workspace, io, params } = await runtimeMemory(archive, m);
  return {
    module: m.name,
    executor: m.executor,
    files: measured,
    total,
    flash: total.text + total.rodata + total.data,
    ram: total.data + total.bss + workspace + io + params,
    workspace,
    io,
    params,
  };
}

/** Compiles every unit to `obj/<unit>.o`, a few at a time. */
async function compileAll(
  dir: string,
  units: string[],
  cc: string,
  flags: string[],
  limits: ProcessLimits,
): Promise<void> {
  const queue = [...units];
  const worker = async (): Promise<void> => {
    for (let unit = queue.shift(); unit !== undefined; unit = queue.shift()) {
      const object = join(dir, 'obj', `${unit}.o`);
      await mkdir(dirname(object), { recursive: true });
      const quiet = unit.startsWith('model/') ? ['-w'] : [];
      const r = await spawnCollect(
        cc,
        [...flags, ...quiet, '-Iruntime/include', '-Imodel/codegen/host/include', '-c', unit, '-o', object],
        { cwd: dir, limits },
      );
      const hit = limitError(r, limits, `compiling ${unit}`, LIMIT_FLAGS.build);
      if (hit !== null) throw hit;
      if (r.error !== null)
        throw new MlfError(
          'MLF-E503',
          `cannot run the C compiler ${JSON.stringify(cc)} (${r.error.code ?? r.error.message})`,
        );
      if (r.status !== 0) throw new MlfError('MLF-E504', `compiling ${unit} failed:\n${compilerErrors(r.stderr)}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(units.length, availableParallelism()) }, worker));
}

/** RAM the application provides beside the objects, from metadata. */
async function runtimeMemory(
  archive: MlfArchive,
  m: MlfModule,
): Promise<{ workspace: number; io: number; params: number }> {
  const main = m.metadata.main?.[0];
  const buffers = Object.values(m.metadata.operatorBuffers ?? {})[0] ?? [];
  // Sizes of the named inputs and outputs when recorded: TVM's AOT io_size_bytes also counts
  // intermediate tensors, which the workspace already holds.
  const named =
    main?.inputs !== undefined && main.outputs !== undefined
      ? [...Object.values(main.inputs), ...Object.values(main.outputs)]
      : null;
  const io =
    named?.reduce((a, t) => a + t.size, 0) ?? main?.io_size_bytes ?? buffers.reduce((a, b) => a + b.size_bytes, 0);
  let params = 0;
  if (m.executor === 'graph') {
    // With linked params the graph executor uses the constants in flash instead of copying them.
    let linked = false;
    for (const p of m.files.sources) linked ||= (await readText(archive, p)).includes('_lookup_linked_param');
    const index = linked ? null : await loadParamIndex(archive, m); // sizes only: payloads are not read
    params = index?.tensors.reduce((a, t) => a + t.byteLength, 0) ?? 0;
  }
  return { workspace: main?.workspace_size_bytes ?? 0, io, params };
}
