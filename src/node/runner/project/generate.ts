import { type ArchiveMember, type MlfArchive, type MlfModule, readMember } from '../../../core/archive/archive.js';
import { sizeChanged } from '../../../core/integrity/manifest.js';
import { memberChunks } from '../../read/member-chunks.js';
import { type Diagnostic, MlfError } from '../../../core/errors/errors.js';
import { stringifySortedJson } from '../../../core/common/json.js';
import { moduleNameProblem, sanitizeCName } from '../../../core/archive/cross-check.js';
import { validateArchive } from '../../../core/archive/validate.js';
import { computeStoragePools } from '../../../core/graph/facts.js';
import { boardValues, firmwareTemplateFiles } from '../board/firmware-files.js';
import { type BoardProfile, checkBoard, loadBoard } from '../board/profile.js';
import { type ModelInterface, type ModelKind, pickModule, readModelInterface, type RunnerTensor } from './interface.js';
import { modulesTable } from './modules-table.js';
import { entryPlan } from './plan-aot.js';
import { graphPlan } from './plan-graph.js';
import { DEFAULT_SYMBOLS, type PlanSymbols, type ProjectFileData, workspaceArena } from './plan-common.js';
import { PROJECT_TEMPLATES, readTemplateFolder, substitute } from './templates.js';

/** Options of {@link generateProject}. */
export interface ProjectOptions {
  /** One module; omitted: the archive's only module, or all of its modules in one program. */
  module?: string;
  /**
   * `host` (program + Makefile + CMakeLists.txt), `cmake-lib` (static library), or a board: a
   * shipped one by name (`cortex-m4`, see templates/boards) or a board profile file by path.
   * @default 'host'
   */
  template?: string;
  /** The board, already loaded (then `template` only names it). */
  board?: BoardProfile;
  /** Compile the .params files into the program instead of reading them at run time. Default: yes for boards, no for host. */
  embedParams?: boolean;
  /** Build a graph module whose params file is missing (its weights become inputs). @default false */
  allowMissingParams?: boolean;
}

/** What `mlf-project.json` says about one module. */
export interface ModuleManifest {
  module: string;
  /** Position in mlf_modules[] (and the k of the firmware's m<k>.* files). */
  index: number;
  kind: ModelKind;
  entry: string;
  inputs: RunnerTensor[];
  outputs: RunnerTensor[];
  /** Project path of the .params file the module reads at run time, or null when none is needed. */
  params: string | null;
  paramsEmbedded: boolean;
  workspaceArenaBytes: number;
  /** The plan file and the prefix of the names it exports. */
  plan: string;
  symbolPrefix: string;
  codegen: string[];
  notes: string[];
}

/** `mlf-project.json`: what the project holds and how to feed it. */
export interface ProjectManifest {
  generator: string;
  /** `host`, `cmake-lib` or the board name. */
  template: string;
  /** The board profile a firmware project was made for; null for host projects. */
  board: BoardProfile | null;
  modules: ModuleManifest[];
}

/**
 * A generated project: files by relative path, and its manifest. The params file is read from the
 * archive as it is written: write the files before the archive is closed.
 */
export interface GeneratedProject {
  /** Bytes, or chunks for files too large to hold as one buffer (params compiled in, or copied). */
  files: Map<string, ProjectFileData>;
  manifest: ProjectManifest;
}

const GENERATOR = 'mlf 0.1.0';
/** Codegen paths that a Makefile, CMake and a shell take as they are: no quoting ever needed. */
const SAFE_PATH = /^[A-Za-z0-9_][A-Za-z0-9_./-]*$/;
/** What may be substituted into a Makefile or CMakeLists.txt: paths, names and spaces between them. */
const SAFE_BUILD_VALUE = /^[A-Za-z0-9_./ -]*$/;
/** Static memory of a host program: x86-64's default code model stops at 2 GiB of static data. */
export const MAX_STATIC_BYTES = 2 ** 31 - 2 ** 24;

/** The modules a project holds: the one asked for, or every module (E101 without metadata). */
export function pickModules(archive: MlfArchive, name: string | undefined): MlfModule[] {
  if (name !== undefined || archive.metadata === null) return [pickModule(archive, name)];
  return archive.modules.length === 1 ? [pickModule(archive, undefined)] : archive.modules;
}

/**
 * Builds a self-contained C project in memory: the archive's generated code and params under
 * `model/`, the runtime support under `runtime/`, the template's build files and driver, one plan
 * per module (`model_plan.c`, or `model_plan_<k>.c` when the project links several modules) and
 * `mlf_modules.c`, the table of them. A board template gives a firmware project. The same archive
 * gives the same bytes. The archive is validated first ({@link validateArchive}): an archive with
 * errors is refused with the code of its first error, since a plan built from facts that disagree
 * may write out of bounds.
 * @throws MlfError with the first validation error's code, E408 for names that cannot become C
 * or build files, E412 when two modules bring different files of one name, E505 without codegen,
 * E507 for what the runner cannot call, E009 when a host program's static memory exceeds the cap
 * on static buffers (2 GiB - 16 MiB), E510 for an unknown or invalid board, E901/E903 for the module.
 */
export async function generateProject(archive: MlfArchive, options: ProjectOptions = {}): Promise<GeneratedProject> {
  const template = options.template ?? options.board?.name ?? 'host';
  const isHost = (PROJECT_TEMPLATES as readonly string[]).includes(template) && options.board === undefined;
  // A profile given as an object is checked like one read from a file: it reaches build files.
  const board = isHost
    ? null
    : options.board !== undefined
      ? checkBoard(options.board, 'given to generateProject')
      : await loadBoard(template);
  const modules = pickModules(archive, options.module);
  for (const module of modules) {
    if (module.files.sources.length === 0 && module.files.objects.length === 0) {
      throw new MlfError(
        'MLF-E505',
        `module "${module.name}" has no generated code under codegen/host; nothing can be compiled`,
      );
    }
  }
  await refuseInvalid(archive, modules, options.allowMissingParams ?? false);
  for (const module of modules) {
    const nameProblem = moduleNameProblem(module.name);
    if (nameProblem !== undefined)
      throw new MlfError('MLF-E408', `module name ${JSON.stringify(module.name)} ${nameProblem}`);
  }
  const several = modules.length > 1;
  const files = new Map<string, ProjectFileData>();
  const manifests: ModuleManifest[] = [];
  const ifaces: ModelInterface[] = [];
  let paramsInHeap = 0;
  let staticBytes = 0;
  let arenaBytes = 0;
  for (const [k, module] of modules.entries()) {
    const iface = await readModelInterface(archive, module, {
      allowMissingParams: options.allowMissingParams ?? false,
    });
    const symbols: PlanSymbols = several ? { prefix: `mlf_m${k}_`, sharedArena: true } : DEFAULT_SYMBOLS;
    const copied = [...module.files.sources, ...module.files.objects, ...module.files.headers];
    for (const p of [...copied, ...(module.files.params === null ? [] : [module.files.params])]) {
      if (!SAFE_PATH.test(p) || p.split('/').some((s) => s === '..' || s === '.'))
        throw new MlfError('MLF-E408', `file name ${JSON.stringify(p)} cannot be used in a Makefile or a shell`, {
          member: p,
        });
    }
    for (const p of copied) await copyMember(archive, p, files);
    const paramsMember =
      iface.kind === 'graph' && module.files.params !== null
        ? archive.contents.members.get(module.files.params)
        : undefined;
    const embed = (options.embedParams ?? board !== null) && paramsMember !== undefined;
    const paramsPath = paramsMember !== undefined && !embed ? `model/${module.files.params}` : null;
    if (paramsPath !== null && paramsMember !== undefined) {
      // A host program's params are copied from the archive when the file is written, never held:
      // they may be hundreds of MB. A firmware's fit a board and are built after the archive closes.
      files.set(paramsPath, board === null ? memberFile(paramsMember) : await paramsMember.read());
      paramsInHeap = Math.max(paramsInHeap, paramsMember.size);
    }
    const arena = workspaceArena(iface, module);
    arenaBytes = several ? Math.max(arenaBytes, arena.bytes) : arena.bytes;
    staticBytes += planStaticBytes(iface) + (embed ? paramsMember.size : 0);
    // Before embedded params are read: they may be larger than any program can hold.
    if (board === null) checkStaticMemory([...manifests.map((m) => m.module), module.name], staticBytes + arenaBytes);
    const embeddedParams = embed ? await paramsMember.read() : null;
    const header = pickHeader(module);
    const plan =
      iface.kind === 'graph'
        ? graphPlan({ iface, module, embeddedParams, symbols })
        : enc(entryPlan({ iface, module, header, symbols }));
    const planFile = several ? `model_plan_${k}.c` : 'model_plan.c';
    files.set(planFile, plan);
    ifaces.push(iface);
    manifests.push({
      module: module.name,
      index: k,
      kind: iface.kind,
      entry: iface.entry,
      inputs: iface.inputs,
      outputs: iface.outputs,
      params: paramsPath,
      paramsEmbedded: embed,
      workspaceArenaBytes: arena.bytes,
      plan: planFile,
      symbolPrefix: symbols.prefix,
      codegen: copied.map((p) => `model/${p}`),
      notes: iface.notes,
    });
  }
  files.set(
    'mlf_modules.c',
    enc(
      modulesTable(
        manifests.map((m) => ({
          module: m.module,
          prefix: m.symbolPrefix,
          inputs: m.inputs.length,
          outputs: m.outputs.length,
          paramsRequired: m.params !== null,
          arenaBytes: m.workspaceArenaBytes,
        })),
        several,
      ),
    ),
  );

  for (const [p, text] of await readTemplateFolder('runtime')) files.set(`runtime/${p}`, enc(text));
  const values = buildValues(modules, manifests, ifaces, several);
  const templateFiles = board === null ? await readTemplateFolder(template) : await firmwareTemplateFiles(board);
  const all = board === null ? values : { ...values, ...checkedBoardValues(boardValues(board, paramsInHeap)) };
  for (const [p, text] of templateFiles) files.set(p, enc(substitute(text, all)));

  const manifest: ProjectManifest = {
    generator: GENERATOR,
    template: board?.name ?? template,
    board,
    modules: manifests,
  };
  files.set('mlf-project.json', enc(`${stringifySortedJson(manifest)}\n`));
  return { files: new Map([...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))), manifest };
}

const enc = (s: string) => new TextEncoder().encode(s);

/** Validates the archive; its first error (if any) is thrown, with how many there are. */
async function refuseInvalid(
  archive: MlfArchive,
  modules: readonly MlfModule[],
  allowMissingParams: boolean,
): Promise<void> {
  const report = await validateArchive(archive);
  // A module's own params file missing: refused (its weights would become inputs) unless allowed.
  const tails = modules.map((m) => `(params of module ${JSON.stringify(m.name)}) is missing`);
  const missingParams = (d: Diagnostic) => d.code === 'MLF-E401' && tails.some((tail) => d.message.endsWith(tail));
  const errors = report.diagnostics.filter((d) => d.severity === 'error' && !(allowMissingParams && missingParams(d)));
  const first = errors[0];
  if (first === undefined) return;
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more; mlf validate lists them)` : '';
  const which = modules.length === 1 ? `module "${modules[0]?.name}" is` : `its ${modules.length} modules are`;
  throw new MlfError(
    first.code,
    `the archive fails validation, so ${which} not built: ${first.message}${more}`,
    { member: first.member, jsonPath: first.jsonPath, offset: first.offset },
    missingParams(first)
      ? 'Restore the params file, or pass --allow-missing-params to build with the weights as inputs.'
      : undefined,
  );
}

/** A member as a file copied in chunks each time it is read (E011 when its size changed). */
function memberFile(member: ArchiveMember): ProjectFileData {
  return {
    async *chunks() {
      let bytes = 0;
      for await (const chunk of memberChunks(member, member.size)) {
        bytes += chunk.byteLength;
        yield chunk;
      }
      if (bytes !== member.size) throw sizeChanged(member.path, bytes, member.size);
    },
  };
}

/** Copies one codegen member under model/; two modules bringing different files of one name is E412. */
async function copyMember(archive: MlfArchive, p: string, files: Map<string, ProjectFileData>): Promise<void> {
  const bytes = await readMember(archive, p);
  const before = files.get(`model/${p}`);
  if (before instanceof Uint8Array && Buffer.compare(before, bytes) !== 0)
    throw new MlfError(
      'MLF-E412',
      `two modules bring different files named ${p}, so they cannot be built into one program; build them one at a time with --module`,
      { member: p },
    );
  files.set(`model/${p}`, bytes);
}

/** The C interface header the plan includes: `tvmgen_<m>.h` when there, else the first header. */
function pickHeader(module: MlfModule): string | null {
  const names = module.files.headers.map((p) => p.split('/').pop() ?? p);
  const own = `tvmgen_${sanitizeCName(module.name).toLowerCase()}.h`;
  return names.find((n) => n === own) ?? names[0] ?? null;
}

/** Static buffers of one plan besides its arena: graph storage, or AOT inputs and outputs. */
function planStaticBytes(iface: ModelInterface): number {
  let bytes = 0;
  if (iface.graph !== null) for (const p of computeStoragePools(iface.graph)) bytes += p.bytes;
  else for (const t of [...iface.inputs, ...iface.outputs]) bytes += t.bytes;
  return bytes;
}

/** E009 when the plans' static buffers would not fit a host program's static data. */
function checkStaticMemory(modules: readonly string[], bytes: number): void {
  if (bytes > MAX_STATIC_BYTES) {
    const which = modules.length === 1 ? `module "${modules[0]}" needs` : `its ${modules.length} modules need`;
    throw new MlfError(
      'MLF-E009',
      `${which} ${bytes} bytes of static buffers, more than the ${MAX_STATIC_BYTES} a host program can hold`,
    );
  }
}

/** The last gate before build files: every value from the archive is a plain path or name. */
function checkBuildValue(key: string, value: string): string {
  if (!SAFE_BUILD_VALUE.test(value))
    throw new MlfError(
      'MLF-E408',
      `${key} ${JSON.stringify(value)} cannot be written into a Makefile or CMakeLists.txt`,
    );
  return value;
}

/** Plain text of a board profile (descriptions) and command-line words (flags, paths, QEMU arguments). */
const BOARD_TEXT_KEYS = new Set(['BOARD_DESCRIPTION', 'FLASH_WHAT', 'RAM_WHAT']);
const BOARD_TEXT = /^[A-Za-z0-9 ,.;:()+_'/-]*$/;
const BOARD_WORDS = /^[A-Za-z0-9_=+.,:/ -]*$/;

/** The board's values, checked again here (the profile was checked when loaded) as the last gate. */
function checkedBoardValues(values: Record<string, string>): Record<string, string> {
  for (const [key, value] of Object.entries(values)) {
    if (!(BOARD_TEXT_KEYS.has(key) ? BOARD_TEXT : BOARD_WORDS).test(value))
      throw new MlfError('MLF-E510', `board value ${key} ${JSON.stringify(value)} cannot be written into build files`);
  }
  return values;
}

/** `@MLF_…@` values shared by every template. */
function buildValues(
  modules: MlfModule[],
  manifests: ModuleManifest[],
  ifaces: ModelInterface[],
  several: boolean,
): Record<string, string> {
  const sources = modules.flatMap((m) => m.files.sources.map((p) => `model/${p}`));
  // With several modules each one's system-library registry (TVMSystemLibEntryPoint in <m>_lib0.c,
  // which the plans never call) gets its own name, so the registries do not clash.
  const rename = (k: number) => `-DTVMSystemLibEntryPoint=mlf_m${k}_TVMSystemLibEntryPoint`;
  const makeRules = several
    ? modules.flatMap((m, k) =>
        m.files.sources.map(
          (p) => `$(BUILD)/${checkBuildValue('source', `model/${p}`)}.o: MODULE_FLAGS := ${rename(k)}`,
        ),
      )
    : [];
  const cmakeRules = several
    ? modules.flatMap((m, k) =>
        m.files.sources.map(
          (p) =>
            `set_property(SOURCE ${checkBuildValue('source', `model/${p}`)} APPEND PROPERTY COMPILE_DEFINITIONS TVMSystemLibEntryPoint=mlf_m${k}_TVMSystemLibEntryPoint)`,
        ),
      )
    : [];
  const first = manifests[0];
  const runArgs = [...(several ? ['-k 0'] : []), ...(first?.params != null ? [`-p ${first.params}`] : [])];
  return {
    MODULE: manifests.map((m) => checkBuildValue('MODULE', m.module)).join(', '),
    PLAN_SOURCES: checkBuildValue('PLAN_SOURCES', manifests.map((m) => m.plan).join(' ')),
    CODEGEN_SOURCES: checkBuildValue('CODEGEN_SOURCES', sources.join(' ')),
    CODEGEN_OBJECTS: checkBuildValue(
      'CODEGEN_OBJECTS',
      modules.flatMap((m) => m.files.objects.map((p) => `model/${p}`)).join(' '),
    ),
    RUN_ARGS: checkBuildValue('RUN_ARGS', runArgs.join(' ')),
    IO_SUMMARY: ifaces.map((i) => ioSummary(i, several)).join('\n'),
    MODULE_RULES: makeRules.join('\n'),
    CMAKE_MODULE_RULES: cmakeRules.join('\n'),
  };
}

function ioSummary(iface: ModelInterface, several: boolean): string {
  const t = (x: RunnerTensor) => `${printable(x.name)} ${x.dtype}[${x.shape.join(', ')}]`;
  const text = `inputs ${iface.inputs.map(t).join(', ') || 'none'}; outputs ${iface.outputs.map(t).join(', ')}.`;
  return several ? `- module ${printable(iface.module)}: ${text}` : text;
}

/** A name as JSON text, with control, bidi and other invisible characters escaped too. */
function printable(name: string): string {
  return JSON.stringify(name).replace(
    /[\u007f-\u009f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff`]/g,
    (c) => (c === '`' ? "'" : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
  );
}
