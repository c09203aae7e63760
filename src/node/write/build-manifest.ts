import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import * as z from 'zod';
import { MlfError } from '../../core/errors/errors.js';
import type { ModuleBuild, OperatorBuild } from '../../core/archive/export.js';
import { jsonPath, parseJsonText } from '../../core/common/json.js';
import { mainEntrySchema, operatorBufferSchema, operatorFunctionSchema } from '../../core/metadata/schema.js';
import { npyToParam } from '../../core/params/npy.js';
import { decodeNpz } from '../../core/params/npz.js';
import type { ParamTensorInput } from '../../core/params/codec.js';
import { fsError } from '../fs-error.js';

/**
 * `build.json` for `mlf pack --manifest`: loose build outputs of one or more modules, paths
 * relative to the manifest. Documented in the README.
 */
const moduleSchema = z.strictObject({
  name: z.string().min(1),
  executor: z.enum(['graph', 'aot']),
  targets: z.array(z.string()).min(1),
  runtime: z.string().optional(),
  graph: z.string().optional(),
  params: z.string().optional(),
  codegen: z.array(z.string()).min(1),
  relay: z.string().optional(),
  memory: z
    .strictObject({
      main: z.array(mainEntrySchema).optional(),
      operatorFunctions: z.array(operatorFunctionSchema).optional(),
    })
    .optional(),
  exportDatetime: z.string().optional(),
});
const operatorSchema = z.strictObject({
  style: z.literal('operator'),
  name: z.string().min(1),
  targets: z.array(z.string()).min(1),
  codegen: z.array(z.string()).min(1),
  buffers: z.record(z.string(), z.array(operatorBufferSchema)),
  tir: z.record(z.string(), z.string()).optional(),
});
export const buildManifestSchema = z.strictObject({ modules: z.array(z.union([moduleSchema, operatorSchema])).min(1) });

/** One module as given by CLI flags or a manifest entry (file paths, not bytes). */
export type ModuleSpec = z.infer<typeof moduleSchema>;

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
  const parsed = buildManifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = jsonPath(issue?.path ?? []);
    throw new MlfError('MLF-E414', `manifest: ${where}: ${issue?.message ?? 'invalid'}`, {
      member: path,
      jsonPath: where,
    });
  }
  const base = dirname(path);
  return Promise.all(
    parsed.data.modules.map(async (m): Promise<ModuleBuild | OperatorBuild> => {
      if (!('style' in m)) return loadModuleSpec(m, base);
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
