// A module's Relay text as a typed operator graph: parsed (relay-parse), typed (relay-infer), the
// outputs of @main as TVM names them, and a node table the viewer draws beside the fused graph.
import { flattenType } from './relay-ast.js';
import { inferRelayTypes, type RelayInference } from './relay-infer.js';
import { RELATIONS } from './relay-ops.js';
import {
  parseRelay,
  type RelayParseOptions,
  type RelayProgram,
  type RelayTensorType,
  type RelayType,
} from './relay-parse.js';

/** A parsed and typed Relay module. */
export interface RelayAnalysis {
  program: RelayProgram;
  inference: RelayInference;
  /** @main's parameters with their types. */
  params: { name: string; type: RelayType | null }[];
  /** @main's result flattened depth-first (one entry per output tensor); null entries are unknown. */
  outputs: (RelayTensorType | null)[];
  /** `output_tensor_names` of @main, when given. */
  outputTensorNames: string[] | null;
}

/**
 * Parses Relay text and infers its types.
 * @throws MlfError MLF-E311 for text outside the subset docs/format.md describes.
 */
export function analyzeRelay(text: string, options: RelayParseOptions = {}): RelayAnalysis {
  const program = parseRelay(text, options);
  const inference = inferRelayTypes(program);
  const main = program.functions.get('main');
  const params = (main?.params ?? []).map((id) => ({
    name: program.nodes[id]?.name ?? '',
    type: inference.types[id] ?? null,
  }));
  const result = main === undefined ? null : (main.ret ?? inference.types[main.body] ?? null);
  const outputs = main === undefined ? [] : flattenType(result).map((t) => (t?.kind === 'tensor' ? t : null));
  const names = main?.attrs.output_tensor_names;
  const outputTensorNames =
    Array.isArray(names) && names.every((x) => typeof x === 'string') ? (names as string[]) : null;
  return { program, inference, params, outputs, outputTensorNames };
}

/** The operators whose output types are inferred (besides those a module's text names). */
export function inferredOperators(): string[] {
  return [...RELATIONS.keys()];
}
