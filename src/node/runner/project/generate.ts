import { type MlfArchive, type MlfModule, readMember } from '../../../core/archive/archive.js';
import { MlfError } from '../../../core/errors/errors.js';
import { stringifySortedJson } from '../../../core/common/json.js';
import { boardValues, firmwareTemplateFiles } from '../board/firmware-files.js';
import { type BoardProfile, loadBoard } from '../board/profile.js';
import { type ModelInterface, type ModelKind, pickModule, readModelInterface, type RunnerTensor } from './interface.js';
import { modulesTable } from './modules-table.js';
import { entryPlan } from './plan-aot.js';
import { DEFAULT_SYMBOLS, type PlanSymbols, workspaceArena } from './plan-common.js';
import { graphPlan } from './plan-graph.js';
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

/** A generated project: files by relative path, and its manifest. */
export interface GeneratedProject {
  files: Map<string, Uint8Array>;
  manifest: ProjectManifest;
}

const GENERATOR = 'mlf 0.1.0';
const SAFE_PATH = /^[A-Za-z0-9_][A-Za-z0-9_./-]*$/;
const enc = (s: string) => new TextEncoder().encode(s);

/** A module name as it may appear in Makefile/CMake comments: anything unusual becomes `?`. */
const commentName = (s: string) => s.replace(/[^A-Za-z0-9_.-]/g, '?');

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
 * gives the same bytes.
 * @throws MlfError E505 without codegen, E507 for what the runner cannot call, E901/E903 for the
 * module, E510 for an unknown board.
 */
export async function generateProject(archive: MlfArchive, options: ProjectOptions = {}): Promise<GeneratedProject> {
  const template = options.template ?? options.board?.name ?? 'host';
  const isHost = (PROJECT_TEMPLATES as readonly string[]).includes(template) && options.board === undefined;
  const board = isHost ? null : (options.board ?? (await loadBoard(template)));
  const modules = pickModules(archive, options.module);
  const several = modules.length > 1;
  const files = new Map<string, Uint8Array>();
  const manifests: ModuleManifest[] = [];
  const ifaces: ModelInterface[] = [];
  let paramsInHeap = 0;
  for (const [k, module] of modules.entries()) {
    const iface = await readModelInterface(archive, module);
    const symbols: PlanSymbols = several ? { prefix: `mlf_m${k}_`, sharedArena: true } : DEFAULT_SYMBOLS;
    const copied = [...module.files.sources, ...module.files.objects, ...module.files.headers];
    for (const p of copied) await copyMember(archive, p, files);
    const paramsBytes =
      iface.kind === 'graph' && module.files.params !== null ? await readMember(archive, module.files.params) : null;
    const embed = (options.embedParams ?? board !== null) && paramsBytes !== null;
    const paramsPath = paramsBytes !== null && !embed ? `model/${module.files.params}` : null;
    if (paramsPath !== null) files.set(paramsPath, paramsBytes as Uint8Array);
    if (paramsPath !== null) paramsInHeap = Math.max(paramsInHeap, (paramsBytes as Uint8Array).length);
    const header = module.files.headers[0]?.split('/').pop() ?? null;
    const plan =
      iface.kind === 'graph'
        ? graphPlan({ iface, module, embeddedParams: embed ? paramsBytes : null, symbols })
        : entryPlan({ iface, module, header, symbols });
    const planFile = several ? `model_plan_${k}.c` : 'model_plan.c';
    files.set(planFile, enc(plan));
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
      workspaceArenaBytes: workspaceArena(iface, module).bytes,
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
  const all = board === null ? values : { ...values, ...boardValues(board, paramsInHeap) };
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

/** Copies one codegen member under model/, refusing names a Makefile cannot hold and clashing files. */
async function copyMember(archive: MlfArchive, p: string, files: Map<string, Uint8Array>): Promise<void> {
  if (!SAFE_PATH.test(p) || p.includes('..'))
    throw new MlfError('MLF-E507', `codegen file name ${JSON.stringify(p)} cannot be used in a Makefile`, {
      member: p,
    });
  const bytes = await readMember(archive, p);
  const before = files.get(`model/${p}`);
  if (before !== undefined && Buffer.compare(before, bytes) !== 0)
    throw new MlfError(
      'MLF-E508',
      `two modules bring different files named ${p}; build them one at a time with --module`,
      {
        member: p,
      },
    );
  files.set(`model/${p}`, bytes);
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
    ? modules.flatMap((m, k) => m.files.sources.map((p) => `$(BUILD)/model/${p}.o: MODULE_FLAGS := ${rename(k)}`))
    : [];
  const cmakeRules = several
    ? modules.flatMap((m, k) =>
        m.files.sources.map(
          (p) =>
            `set_property(SOURCE model/${p} APPEND PROPERTY COMPILE_DEFINITIONS TVMSystemLibEntryPoint=mlf_m${k}_TVMSystemLibEntryPoint)`,
        ),
      )
    : [];
  const first = manifests[0];
  const runArgs = [...(several ? ['-k 0'] : []), ...(first?.params != null ? [`-p ${first.params}`] : [])];
  return {
    MODULE: manifests.map((m) => commentName(m.module)).join(', '),
    PLAN_SOURCES: manifests.map((m) => m.plan).join(' '),
    CODEGEN_SOURCES: sources.join(' '),
    CODEGEN_OBJECTS: modules.flatMap((m) => m.files.objects.map((p) => `model/${p}`)).join(' '),
    RUN_ARGS: runArgs.join(' '),
    IO_SUMMARY: ifaces.map((i) => ioSummary(i, several)).join('\n'),
    MODULE_RULES: makeRules.join('\n'),
    CMAKE_MODULE_RULES: cmakeRules.join('\n'),
  };
}

function ioSummary(iface: ModelInterface, several: boolean): string {
  const t = (x: RunnerTensor) => `\`${x.name}\` ${x.dtype}[${x.shape.join(', ')}]`;
  const text = `inputs ${iface.inputs.map(t).join(', ') || 'none'}; outputs ${iface.outputs.map(t).join(', ')}.`;
  return several ? `- module \`${iface.module}\`: ${text}` : text;
}
