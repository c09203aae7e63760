/** `mlf project`: a self-contained C project that runs the modules of an archive without TVM. */
export {
  generateProject,
  type GeneratedProject,
  type ModuleManifest,
  pickModules,
  type ProjectManifest,
  type ProjectOptions,
} from './generate.js';
export { type ModelInterface, type ModelKind, type RunnerTensor, pickModule, readModelInterface } from './interface.js';
export { PROJECT_TEMPLATES, type ProjectTemplate, TEMPLATES_DIR } from './templates.js';
export { writeFilesInto, writeTree, type WriteTreeOptions } from './write.js';
export {
  buildProject,
  type BuildOptions,
  checkSymbolClashes,
  type ObjectOwner,
  objectOwners,
  resolveCompiler,
} from './build.js';
