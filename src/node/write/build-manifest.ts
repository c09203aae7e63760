import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { MlfError } from '../../core/errors/errors.js';
import type { ModuleBuild, OperatorBuild } from '../../core/archive/export.js';
import { parseJsonText } from '../../core/common/json.js';
import { entryShapes } from '../../core/metadata/schema.js';
import {
  array,
  checkShape,
  either,
  type Infer,
  object,
  oneOf,
  optional,
  record,
  string,
} from '../../core/common/shape.js';
import { npyToParam } from '../../core/params/npy.js';
import { decodeNpz } from '../../core/params/npz.js';
import type { ParamTensorInput } from '../../core/params/codec.js';
import { fsError } from '../fs-error.js';

/**
 * `build.json` for `mlf pack --manifest`: loose build outputs of one or more modules, paths
 * relative to the manifest. Documented in the README.
 */
const { mainEntry, operatorFunction, operatorBuffer } = entryShapes;
const moduleShape = object(
  {
    name: string(1),
    executor: oneOf(['graph', 'aot']),
    targets: array(string(), 1),
    runtime: optional(string()),
    graph: optional(string()),
    params: optional(string()),
    codegen: array(string(), 1),
    relay: optional(string()),
    memory: optional(
      object({ main: optional(array(mainEntry)), operatorFunctions: optional(array(operatorFunction)) }, 'strict'),
    ),
    exportDatetime: optional(string()),
  },
  'strict',
);
const operatorShape = object(
  {
    style: oneOf(['operator']),
    name: string(1),
    targets: array(string(), 1),
    codegen: array(string(), 1),
    buffers: record(array(operatorBuffer)),
    tir: optional(record(string())),
  },
  'strict',
);
/** An entry with a `style` key is an operator module; any other a full-model one. */
const isOperatorEntry = (v: unknown): boolean => typeof v === 'object' && v !== null && 'style' in v;
const buildManifestShape = object({ modules: array(either(isOperatorEntry, operatorShape, moduleShape), 1) }, 'strict');

/** One module as given by CLI flags or a manifest entry (file paths, not bytes). */
export type ModuleSpec = Infer<typeof moduleShape>;
type OperatorSpec = Infer<typeof operatorShape>;

async function readInput(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (e) {
    throw fsError(e, path, 'read');
  }
}

/** Loads `.params` bytes as they are, or `.npz` tensors to encode. */
async function loadParamsInput(path: string): Promise<Uint8Array | ParamTensorInput[]> {
  const data = await readInput(path);
  if (!path.endsWith('.npz')) return data;
  return Object.entries(decodeNpz(data)).map(([name, arr]) => npyToParam(name, arr));
}

/** Turns a module spec (paths) into a ModuleBuild (bytes), resolving paths against `base`. */
export async function loadModuleSpec(spec: ModuleSpec, base: string): Promise<ModuleBuild> {
  const at = (p: string) => resolve(base, p);
  const text = async (p: string | undefined) =>
    p === undefined ? undefined : new TextDecoder().decode(await readInput(at(p)));
  const build: ModuleBuild = {
    name: spec.name,
    executor: spec.executor,
    targets: spec.targets,
    codegen: await Promise.all(spec.codegen.map(async (p) => ({ name: basename(p), data: await readInput(at(p)) }))),
  };
  if (spec.runtime !== undefined) build.runtime = spec.runtime;
  const graph = await text(spec.graph);
  if (graph !== undefined) build.graph = graph;
  if (spec.params !== undefined) build.params = await loadParamsInput(at(spec.params));
  const relay = await text(spec.relay);
  if (relay !== undefined) build.relay = relay;
  if (spec.memory !== undefined) {
    build.memory = {};
    if (spec.memory.main !== undefined) build.memory.main = spec.memory.main;
    if (spec.memory.operatorFunctions !== undefined) build.memory.operatorFunctions = spec.memory.operatorFunctions;
  }
  if (spec.exportDatetime !== undefined) build.exportDatetime = spec.exportDatetime;
  return build;
}

/** Reads and checks a build manifest; errors carry the manifest path and JSON path (E414). */
export async function loadBuildManifest(path: string): Promise<(ModuleBuild | OperatorBuild)[]> {
  const raw = parseJsonText(new TextDecoder().decode(await readInput(path)), 'manifest', 'MLF-E414', path);
  const issues = checkShape(buildManifestShape, raw);
  if (issues.first !== undefined) {
    const { path: where, message } = issues.first;
    throw new MlfError('MLF-E414', `manifest: ${where}: ${message}`, { member: path, jsonPath: where });
  }
  const manifest = raw as Infer<typeof buildManifestShape>;
  const base = dirname(path);
  return Promise.all(
    manifest.modules.map(async (entry): Promise<ModuleBuild | OperatorBuild> => {
      if (!isOperatorEntry(entry)) return loadModuleSpec(entry as ModuleSpec, base);
      const m = entry as OperatorSpec;
      const op: OperatorBuild = {
        style: 'operator',
        name: m.name,
        targets: m.targets,
        buffers: m.buffers,
        codegen: await Promise.all(
          m.codegen.map(async (p) => ({ name: basename(p), data: await readInput(resolve(base, p)) })),
        ),
      };
      if (m.tir !== undefined) {
        op.tir = {};
        for (const [dt, p] of Object.entries(m.tir))
          op.tir[Number(dt)] = new TextDecoder().decode(await readInput(resolve(base, p)));
      }
      return op;
    }),
  );
}
