import * as z from 'zod';

/**
 * Zod schemas of metadata.json, one per format version and style (mlf-spec §1-3). They are
 * loose objects: forks add keys, and unknown keys must survive a round trip. The published
 * JSON Schema files under `schemas/` are generated from these.
 */

const nonNegInt = z.number().int().nonnegative();

/** One storage id of the graph executor (`memory.sids[]`, v1: `memory[]`). */
export const sidEntrySchema = z.looseObject({
  storage_id: nonNegInt,
  size_bytes: nonNegInt,
  input_binding: z.string().optional(),
});

const tensorInfoSchema = z.looseObject({ size: nonNegInt, dtype: z.string() });

/** `memory.functions.main[]`: one entry per device type. */
export const mainEntrySchema = z.looseObject({
  device: z.number().int(),
  workspace_size_bytes: nonNegInt,
  constants_size_bytes: nonNegInt.optional(),
  io_size_bytes: nonNegInt.optional(),
  inputs: z.record(z.string(), tensorInfoSchema).optional(),
  outputs: z.record(z.string(), tensorInfoSchema).optional(),
});

/** `memory.functions.operator_functions[]`. */
export const operatorFunctionSchema = z.looseObject({
  function_name: z.string(),
  workspace: z.array(z.looseObject({ device: z.number().int(), workspace_size_bytes: nonNegInt })),
});

const memoryV2Schema = z.looseObject({
  sids: z.array(sidEntrySchema).optional(),
  functions: z.looseObject({
    main: z.array(mainEntrySchema),
    operator_functions: z.array(operatorFunctionSchema),
  }),
});

/** `external_dependencies[]` (AOT + crt runtime, since 2022-01). */
export const externalDependencySchema = z.looseObject({
  short_name: z.string(),
  url: z.string(),
  url_type: z.string(),
  version_spec: z.string(),
});

/** Operator style: one buffer per PrimFunc parameter. */
export const operatorBufferSchema = z.looseObject({
  size_bytes: nonNegInt,
  shape: z.array(nonNegInt),
  dtype: z.string(),
  input_binding: z.string().nullable().optional(),
});

const targetDict = z.record(z.string(), z.string());
const targetList = z.array(z.string());
const executorList = z.array(z.string());

/** Full-model metadata of versions 1-6 (flat, one module). */
function flatFullModel(version: number) {
  return z.looseObject({
    version: z.literal(version),
    model_name: z.string(),
    export_datetime: z.string(),
    memory: version === 1 ? z.array(sidEntrySchema) : memoryV2Schema,
    target: version >= 6 ? targetList : targetDict,
    ...(version <= 4 ? { runtimes: executorList } : { executors: executorList }),
    ...(version >= 4 ? { style: z.literal('full-model') } : {}),
    ...(version >= 5 ? { external_dependencies: z.array(externalDependencySchema).optional() } : {}),
  });
}

/** One entry of `modules` in version 7. */
export const moduleEntryV7Schema = z.looseObject({
  model_name: z.string(),
  export_datetime: z.string(),
  executors: executorList,
  style: z.literal('full-model'),
  target: targetList,
  memory: memoryV2Schema,
  external_dependencies: z.array(externalDependencySchema).optional(),
});

const fullModelV7 = z.looseObject({
  version: z.literal(7),
  modules: z.record(z.string(), moduleEntryV7Schema),
});

/** Operator-style metadata (versions 4-7, always flat). */
function operatorStyle(version: number) {
  return z.looseObject({
    version: z.literal(version),
    model_name: z.string(),
    export_datetime: z.string(),
    memory: z.record(z.string(), z.array(operatorBufferSchema)),
    target: version >= 6 ? targetList : targetDict,
    ...(version <= 4 ? { runtimes: executorList } : { executors: executorList }),
    style: z.literal('operator'),
  });
}

/** Schema for one version and style. */
export function metadataSchemaFor(version: number, style: 'full-model' | 'operator'): z.ZodType {
  if (style === 'operator') return operatorStyle(version);
  return version === 7 ? fullModelV7 : flatFullModel(version);
}

/** Every published schema, keyed by file stem (`mlf-metadata-v7`, `mlf-metadata-v7-operator`). */
export function allMetadataSchemas(): Record<string, z.ZodType> {
  const out: Record<string, z.ZodType> = {};
  for (let v = 1; v <= 7; v++) {
    out[`mlf-metadata-v${v}`] = metadataSchemaFor(v, 'full-model');
    if (v >= 4) out[`mlf-metadata-v${v}-operator`] = metadataSchemaFor(v, 'operator');
  }
  return out;
}

export type SidEntry = z.infer<typeof sidEntrySchema>;
export type MainEntry = z.infer<typeof mainEntrySchema>;
export type OperatorFunctionEntry = z.infer<typeof operatorFunctionSchema>;
export type ExternalDependency = z.infer<typeof externalDependencySchema>;
export type OperatorBuffer = z.infer<typeof operatorBufferSchema>;
