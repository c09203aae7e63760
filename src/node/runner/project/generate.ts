import { type MlfArchive, readMember } from '../../../core/archive/archive.js';
import { MlfError } from '../../../core/errors/errors.js';
import { stringifySortedJson } from '../../../core/common/json.js';
import { type ModelInterface, type ModelKind, pickModule, readModelInterface, type RunnerTensor } from './interface.js';
import { entryPlan } from './plan-aot.js';
import { graphPlan } from './plan-graph.js';
import { workspaceArena } from './plan-common.js';
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

/** A generated project: files by relative path, and its manifest. */
export interface GeneratedProject {
  files: Map<string, Uint8Array>;
  manifest: ProjectManifest;
}

const GENERATOR = 'mlf 0.1.0';
const SAFE_PATH = /^[A-Za-z0-9_][A-Za-z0-9_./-]*$/;

/**
 * Builds a self-contained C project for one module in memory: the archive's generated code and
 * params under `model/`, the runtime support under `runtime/`, the template's build files and
 * driver, and the generated `model_plan.c`. The same archive gives the same bytes.
 * @throws MlfError E505 without codegen, E507 for what the runner cannot call, E901/E903 for the module.
 */
export async function generateProject(archive: MlfArchive, options: ProjectOptions = {}): Promise<GeneratedProject> {
  const module = pickModule(archive, options.module);
  const template = options.template ?? 'host';
  const iface = await readModelInterface(archive, module, { allowMissingParams: options.allowMissingParams ?? false });
  const files = new Map<string, Uint8Array>();
  const enc = (s: string) => new TextEncoder().encode(s);
  const copied = [...module.files.sources, ...module.files.objects, ...module.files.headers];
  for (const p of copied) {
    if (!SAFE_PATH.test(p) || p.includes('..'))
      throw new MlfError('MLF-E507', `codegen file name ${JSON.stringify(p)} cannot be used in a Makefile`, {
        member: p,
      });
    files.set(`model/${p}`, await readMember(archive, p));
  }
  const paramsBytes =
    iface.kind === 'graph' && module.files.params !== null ? await readMember(archive, module.files.params) : null;
  const embed = options.embedParams === true && paramsBytes !== null;
  const paramsPath = paramsBytes !== null && !embed ? `model/${module.files.params}` : null;
  if (paramsPath !== null) files.set(paramsPath, paramsBytes as Uint8Array);

  const header = module.files.headers[0]?.split('/').pop() ?? null;
  const plan =
    iface.kind === 'graph'
      ? graphPlan({ iface, module, embeddedParams: embed ? paramsBytes : null })
      : entryPlan({ iface, module, header });
  files.set('model_plan.c', enc(plan));

  for (const [p, text] of await readTemplateFolder('runtime')) files.set(`runtime/${p}`, enc(text));
  const values = {
    MODULE: module.name,
    CODEGEN_SOURCES: module.files.sources.map((p) => `model/${p}`).join(' '),
    CODEGEN_OBJECTS: module.files.objects.map((p) => `model/${p}`).join(' '),
    RUN_ARGS: paramsPath === null ? '' : `-p ${paramsPath}`,
    IO_SUMMARY: ioSummary(iface),
  };
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

function ioSummary(iface: ModelInterface): string {
  const t = (x: RunnerTensor) => `\`${x.name}\` ${x.dtype}[${x.shape.join(', ')}]`;
  return `inputs ${iface.inputs.map(t).join(', ') || 'none'}; outputs ${iface.outputs.map(t).join(', ')}.`;
}
