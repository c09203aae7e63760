import { type ArchiveMember, type MlfArchive, readMember } from '../../../core/archive/archive.js';
import { sizeChanged } from '../../../core/integrity/manifest.js';
import { memberChunks } from '../../read/member-chunks.js';
import { type Diagnostic, MlfError } from '../../../core/errors/errors.js';
import { stringifySortedJson } from '../../../core/common/json.js';
import { type ModelInterface, type ModelKind, pickModule, readModelInterface, type RunnerTensor } from './interface.js';
import type { MlfModule } from '../../../core/archive/archive.js';
import { moduleNameProblem, sanitizeCName } from '../../../core/archive/cross-check.js';
import { validateArchive } from '../../../core/archive/validate.js';
import { computeStoragePools } from '../../../core/graph/facts.js';
import { entryPlan } from './plan-aot.js';
import { graphPlan } from './plan-graph.js';
import { type ProjectFileData, workspaceArena } from './plan-common.js';
import { type ProjectTemplate, readTemplateFolder, substitute } from './templates.js';

/** Options of {@link generateProject}. */
export interface ProjectOptions {
  /** Module to build; may be omitted when the archive has one. */
  module?: string;
  /** `host` (program + Makefile + CMakeLists.txt) or `cmake-lib` (static library). @default 'host' */
  template?: ProjectTemplate;
  /** Compile the .params file into the plan instead of reading it at run time. @default false */
  embedParams?: boolean;
  /** Build a graph module whose params file is missing (its weights become inputs). @default false */
  allowMissingParams?: boolean;
}

/** `mlf-project.json`: what the project holds and how to feed it. */
export interface ProjectManifest {
  generator: string;
  module: string;
  kind: ModelKind;
  template: ProjectTemplate;
  entry: string;
  inputs: RunnerTensor[];
  outputs: RunnerTensor[];
  /** Project path of the .params file to pass with `-p`, or null when none is needed. */
  params: string | null;
  paramsEmbedded: boolean;
  workspaceArenaBytes: number;
  codegen: string[];
  notes: string[];
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

/**
 * Builds a self-contained C project for one module in memory: the archive's generated code and
 * params under `model/`, the runtime support under `runtime/`, the template's build files and
 * driver, and the generated `model_plan.c`. The same archive gives the same bytes. The archive
 * is validated first ({@link validateArchive}): an archive with errors is refused with the code
 * of its first error, since a plan built from facts that disagree may write out of bounds.
 * @throws MlfError with the first validation error's code, E408 for names that cannot become C
 * or build files, E505 without codegen, E507 for what the runner cannot call, E009 when the
 * program's static memory exceeds the cap on static buffers (2 GiB - 16 MiB), E901/E903 for the module.
 */
export async function generateProject(archive: MlfArchive, options: ProjectOptions = {}): Promise<GeneratedProject> {
  const module = pickModule(archive, options.module);
  if (module.files.sources.length === 0 && module.files.objects.length === 0) {
    throw new MlfError(
      'MLF-E505',
      `module "${module.name}" has no generated code under codegen/host; nothing can be compiled`,
    );
  }
  await refuseInvalid(archive, module.name, options.allowMissingParams ?? false);
  const nameProblem = moduleNameProblem(module.name);
  if (nameProblem !== undefined)
    throw new MlfError('MLF-E408', `module name ${JSON.stringify(module.name)} ${nameProblem}`);
  const template = options.template ?? 'host';
  const iface = await readModelInterface(archive, module, { allowMissingParams: options.allowMissingParams ?? false });
  const files = new Map<string, ProjectFileData>();
  const copied = [...module.files.sources, ...module.files.objects, ...module.files.headers];
  for (const p of [...copied, ...(module.files.params === null ? [] : [module.files.params])]) {
    if (!SAFE_PATH.test(p) || p.split('/').some((s) => s === '..' || s === '.'))
      throw new MlfError('MLF-E408', `file name ${JSON.stringify(p)} cannot be used in a Makefile or a shell`, {
        member: p,
      });
  }
  for (const p of copied) files.set(`model/${p}`, await readMember(archive, p));
  const paramsMember =
    iface.kind === 'graph' && module.files.params !== null
      ? archive.contents.members.get(module.files.params)
      : undefined;
  const embed = options.embedParams === true && paramsMember !== undefined;
  const paramsPath = paramsMember !== undefined && !embed ? `model/${module.files.params}` : null;
  // Copied from the archive when the file is written, never held: it may be hundreds of MB.
  if (paramsPath !== null && paramsMember !== undefined) files.set(paramsPath, memberFile(paramsMember));

  checkStaticMemory(iface, module, embed ? paramsMember.size : 0);
  const embeddedParams = embed ? await paramsMember.read() : null;
  const header = pickHeader(module);
  const plan =
    iface.kind === 'graph' ? graphPlan({ iface, module, embeddedParams }) : enc(entryPlan({ iface, module, header }));
  files.set('model_plan.c', plan);

  for (const [p, text] of await readTemplateFolder('runtime')) files.set(`runtime/${p}`, enc(text));
  const build = {
    MODULE: module.name,
    CODEGEN_SOURCES: module.files.sources.map((p) => `model/${p}`).join(' '),
    CODEGEN_OBJECTS: module.files.objects.map((p) => `model/${p}`).join(' '),
    RUN_ARGS: paramsPath === null ? '' : `-p ${paramsPath}`,
  };
  for (const [k, v] of Object.entries(build)) {
    if (!SAFE_BUILD_VALUE.test(v))
      // checked above; kept as the last gate before build files
      throw new MlfError('MLF-E408', `${k} ${JSON.stringify(v)} cannot be written into a Makefile or CMakeLists.txt`);
  }
  const values = { ...build, IO_SUMMARY: ioSummary(iface) };
  for (const [p, text] of await readTemplateFolder(template)) files.set(p, enc(substitute(text, values)));

  const manifest: ProjectManifest = {
    generator: GENERATOR,
    module: module.name,
    kind: iface.kind,
    template,
    entry: iface.entry,
    inputs: iface.inputs,
    outputs: iface.outputs,
    params: paramsPath,
    paramsEmbedded: embed,
    workspaceArenaBytes: workspaceArena(iface, module).bytes,
    codegen: copied.map((p) => `model/${p}`),
    notes: iface.notes,
  };
  files.set('mlf-project.json', enc(`${stringifySortedJson(manifest)}\n`));
  return { files: new Map([...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))), manifest };
}

const enc = (s: string) => new TextEncoder().encode(s);

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

/** Validates the archive; its first error (if any) is thrown, with how many there are. */
async function refuseInvalid(archive: MlfArchive, module: string, allowMissingParams: boolean): Promise<void> {
  const report = await validateArchive(archive);
  // The module's own params file missing: refused (its weights would become inputs) unless allowed.
  const missingParams = (d: Diagnostic) =>
    d.code === 'MLF-E401' && d.message.endsWith(`(params of module ${JSON.stringify(module)}) is missing`);
  const errors = report.diagnostics.filter((d) => d.severity === 'error' && !(allowMissingParams && missingParams(d)));
  const first = errors[0];
  if (first === undefined) return;
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more; mlf validate lists them)` : '';
  throw new MlfError(
    first.code,
    `the archive fails validation, so module "${module}" is not built: ${first.message}${more}`,
    { member: first.member, jsonPath: first.jsonPath, offset: first.offset },
    missingParams(first)
      ? 'Restore the params file, or pass --allow-missing-params to build with the weights as inputs.'
      : undefined,
  );
}

/** The C interface header the plan includes: `tvmgen_<m>.h` when there, else the first header. */
function pickHeader(module: MlfModule): string | null {
  const names = module.files.headers.map((p) => p.split('/').pop() ?? p);
  const own = `tvmgen_${sanitizeCName(module.name).toLowerCase()}.h`;
  return names.find((n) => n === own) ?? names[0] ?? null;
}

/** E009 when the plan's static buffers would not fit a host program's static data. */
function checkStaticMemory(iface: ModelInterface, module: MlfModule, embedded: number): void {
  let bytes = workspaceArena(iface, module).bytes + embedded;
  if (iface.graph !== null) for (const p of computeStoragePools(iface.graph)) bytes += p.bytes;
  else for (const t of [...iface.inputs, ...iface.outputs]) bytes += t.bytes;
  if (bytes > MAX_STATIC_BYTES)
    throw new MlfError(
      'MLF-E009',
      `module "${iface.module}" needs ${bytes} bytes of static buffers, more than the ${MAX_STATIC_BYTES} a host program can hold`,
    );
}

function ioSummary(iface: ModelInterface): string {
  const t = (x: RunnerTensor) => `${printable(x.name)} ${x.dtype}[${x.shape.join(', ')}]`;
  return `inputs ${iface.inputs.map(t).join(', ') || 'none'}; outputs ${iface.outputs.map(t).join(', ')}.`;
}

/** A name as JSON text, with control, bidi and other invisible characters escaped too. */
function printable(name: string): string {
  return JSON.stringify(name).replace(
    /[\u007f-\u009f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff`]/g,
    (c) => (c === '`' ? "'" : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
  );
}
