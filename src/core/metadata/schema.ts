import { array, integer, literal, nullable, object, optional, record, type Shape, string } from '../common/shape.js';

/**
 * Shapes of metadata.json, one per format version and style (docs/format.md, "metadata.json").
 * They are loose objects: forks add keys, and unknown keys must survive a round trip. The
 * published JSON Schema files under `schemas/` are generated from these
 * (`npm run schemas`; test/core/metadata/schemas.test.ts keeps them in sync).
 */

const nonNegInt = integer(0);

/** One storage id of the graph executor (`memory.sids[]`; in version 1, `memory[]`). */
export interface SidEntry {
  storage_id: number;
  size_bytes: number;
  /** The graph input bound to this storage id, when it holds one. */
  input_binding?: string;
}
const sidEntry = object({ storage_id: nonNegInt, size_bytes: nonNegInt, input_binding: optional(string()) });

/** Size and dtype of one input or output of `memory.functions.main[]`. */
export interface TensorInfo {
  size: number;
  dtype: string;
}
const tensorInfo = object({ size: nonNegInt, dtype: string() });

/** `memory.functions.main[]`: the memory of the model's entry function on one device type. */
export interface MainEntry {
  /** DLPack device type (1: CPU). */
  device: number;
  workspace_size_bytes: number;
  constants_size_bytes?: number;
  io_size_bytes?: number;
  inputs?: Record<string, TensorInfo>;
  outputs?: Record<string, TensorInfo>;
}
const mainEntry = object({
  device: integer(),
  workspace_size_bytes: nonNegInt,
  constants_size_bytes: optional(nonNegInt),
  io_size_bytes: optional(nonNegInt),
  inputs: optional(record(tensorInfo)),
  outputs: optional(record(tensorInfo)),
});

/** `memory.functions.operator_functions[]`: the workspace of one fused operator. */
export interface OperatorFunctionEntry {
  function_name: string;
  workspace: { device: number; workspace_size_bytes: number }[];
}
const operatorFunction = object({
  function_name: string(),
  workspace: array(object({ device: integer(), workspace_size_bytes: nonNegInt })),
});

const memoryV2 = object({
  sids: optional(array(sidEntry)),
  functions: object({ main: array(mainEntry), operator_functions: array(operatorFunction) }),
});

/** `external_dependencies[]` (AOT with the crt runtime, since 2022-01). */
export interface ExternalDependency {
  short_name: string;
  url: string;
  url_type: string;
  version_spec: string;
}
const externalDependency = object({ short_name: string(), url: string(), url_type: string(), version_spec: string() });

/** Operator style: one buffer per PrimFunc parameter. */
export interface OperatorBuffer {
  size_bytes: number;
  shape: number[];
  dtype: string;
  input_binding?: string | null;
}
const operatorBuffer = object({
  size_bytes: nonNegInt,
  shape: array(nonNegInt),
  dtype: string(),
  input_binding: optional(nullable(string())),
});

/**
 * The shapes of the entries, for the build manifest (`mlf pack --manifest`) and for
 * test/core/metadata/schemas.test.ts, which checks that each describes its hand-written
 * interface above (those are the public types).
 */
export const entryShapes = { sidEntry, mainEntry, operatorFunction, externalDependency, operatorBuffer };

const targetDict = record(string());
const targetList = array(string());
const executorList = array(string());

/** Full-model metadata of versions 1-6 (flat, one module). */
function flatFullModel(version: number): Shape<unknown> {
  return object({
    version: literal(version),
    model_name: string(),
    export_datetime: string(),
    memory: version === 1 ? array(sidEntry) : memoryV2,
    target: version >= 6 ? targetList : targetDict,
    ...(version <= 4 ? { runtimes: executorList } : { executors: executorList }),
    ...(version >= 4 ? { style: literal('full-model') } : {}),
    ...(version >= 5 ? { external_dependencies: optional(array(externalDependency)) } : {}),
  });
}

/** One entry of `modules` in version 7. */
const moduleEntryV7 = object({
  model_name: string(),
  export_datetime: string(),
  executors: executorList,
  style: literal('full-model'),
  target: targetList,
  memory: memoryV2,
  external_dependencies: optional(array(externalDependency)),
});

const fullModelV7 = object({ version: literal(7), modules: record(moduleEntryV7) });

/** Operator-style metadata (versions 4-7, always flat). */
function operatorStyle(version: number): Shape<unknown> {
  return object({
    version: literal(version),
    model_name: string(),
    export_datetime: string(),
    memory: record(array(operatorBuffer)),
    target: version >= 6 ? targetList : targetDict,
    ...(version <= 4 ? { runtimes: executorList } : { executors: executorList }),
    style: literal('operator'),
  });
}

/** The shape of one version and style. */
export function metadataShapeFor(version: number, style: 'full-model' | 'operator'): Shape<unknown> {
  if (style === 'operator') return operatorStyle(version);
  return version === 7 ? fullModelV7 : flatFullModel(version);
}

/** Every published schema's shape, keyed by file stem (`mlf-metadata-v7`, `mlf-metadata-v7-operator`). */
export function allMetadataShapes(): Record<string, Shape<unknown>> {
  const out: Record<string, Shape<unknown>> = {};
  for (let v = 1; v <= 7; v++) {
    out[`mlf-metadata-v${v}`] = metadataShapeFor(v, 'full-model');
    if (v >= 4) out[`mlf-metadata-v${v}-operator`] = metadataShapeFor(v, 'operator');
  }
  return out;
}

const ID_BASE = 'https://model-library-format.dev/schemas/';

/** `mlf-metadata-v7` → "... version 7, full-model style". */
function titleOf(stem: string): string {
  const m = /^mlf-metadata-v(\d+)(-operator)?$/.exec(stem);
  if (m === null) throw new Error(`unexpected schema stem ${stem}`);
  return `Apache TVM Model Library Format metadata.json, version ${m[1]}, ${m[2] ? 'operator' : 'full-model'} style`;
}

/** The published JSON Schema documents (`schemas/<stem>.schema.json`), keyed by stem. */
export function metadataJsonSchemas(): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [stem, shape] of Object.entries(allMetadataShapes())) {
    out[stem] = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $id: `${ID_BASE}${stem}.schema.json`,
      title: titleOf(stem),
      ...shape.jsonSchema(),
    };
  }
  return out;
}
