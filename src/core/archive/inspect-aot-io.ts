import { createDict, ownValue } from '../common/dict.js';
import { type MlfArchive, type MlfModule, readText } from './archive.js';
import { isMlfError } from '../errors/errors.js';
import { sanitizeCName } from '../graph/c-names.js';
import type { AotAnalysis } from '../graph/aot-archive.js';
import { parseHeaderStruct, parseRelayMain } from '../graph/relay.js';
import { knownShape } from '../graph/relay-ast.js';
import type { RelayAnalysis } from '../graph/relay-graph.js';
import type { ParamDict } from '../params/codec.js';
import { tensorBytesOrNull } from '../params/encode.js';
import type { ParamIndex } from '../params/tensor-index.js';

/** A tensor's interface facts; `shape` is null where the archive does not record it. */
export interface TensorFacts {
  dtype: string | null;
  shape: number[] | null;
  /** Bytes of the tensor (bit-packed, as metadata.json counts them); null when unknown. */
  bytes: number | null;
  /** AOT: the C identifier TVM made of the name (header struct field), when it differs. */
  cName?: string;
}

/**
 * Inputs and outputs of an AOT module: names and dtypes from metadata (sorted there, so the order
 * comes from the C header or the Relay signature) and shapes from the Relay text.
 */
export async function aotInterfaceFacts(
  archive: MlfArchive,
  m: MlfModule,
  params: ParamDict | ParamIndex | null,
  aot: AotAnalysis | null,
) {
  const mainIo = m.metadata.main?.[0];
  const relayText = m.files.relay === null ? null : await readText(archive, m.files.relay);
  const relay = relayText === null ? null : parseRelayMain(relayText);
  const typed = relayText === null ? null : await tryAnalyzeRelay(relayText, m.files.relay as string);
  const header = m.files.headers.length > 0 ? await readText(archive, m.files.headers[0] as string) : null;
  const paramNames = new Set(params?.tensors.map((t) => t.name) ?? []);
  // Header names are C-sanitised (`serving_default_input_1:0` → `serving_default_input_1_0`);
  // facts are keyed by the model's own names (Relay, metadata), with the C name beside them.
  const modelNames = [...(relay?.params.map((p) => p.name) ?? []), ...Object.keys(mainIo?.inputs ?? {})];
  const original = (c: string, known: readonly string[]) =>
    known.find((n) => n === c) ?? known.find((n) => sanitizeCName(n) === c) ?? c;
  const headerIn = header === null ? null : parseHeaderStruct(header, m.name, 'inputs');
  let inputNames = headerIn?.map((c) => original(c, modelNames)) ?? null;
  if (inputNames === null && relay !== null) {
    const declared = mainIo?.inputs;
    inputNames = relay.params
      .map((p) => p.name)
      .filter((n) => (declared ? Object.hasOwn(declared, n) : !paramNames.has(n)));
    // Relay also lists bound params; the AOT main's arity says how many are inputs (TVM puts them first).
    if (declared === undefined && aot !== null) inputNames = inputNames.slice(0, aot.main.inputs.length);
  }
  inputNames ??= Object.keys(mainIo?.inputs ?? {});
  const inputs = createDict<TensorFacts>();
  for (const name of inputNames) {
    const r = relay?.params.find((p) => p.name === name);
    const dtype = ownValue(mainIo?.inputs, name)?.dtype ?? r?.dtype ?? null;
    const shape = r?.shape ?? null;
    inputs[name] = {
      dtype,
      shape,
      bytes:
        ownValue(mainIo?.inputs, name)?.size ??
        (dtype !== null && shape !== null ? tensorBytesOrNull(dtype, shape) : null),
    };
    const c = sanitizeCName(name);
    if (c !== name) inputs[name].cName = c;
  }
  const outputKeys = Object.keys(mainIo?.outputs ?? {});
  const headerOut = header === null ? null : parseHeaderStruct(header, m.name, 'outputs');
  const inferred = typed?.analysis?.outputs ?? null;
  let outNames =
    headerOut?.map((c) => original(c, [...(typed?.analysis?.outputTensorNames ?? []), ...outputKeys])) ?? null;
  outNames ??= relay?.outputTensorNames ?? (outputKeys.length > 0 ? outputKeys : null);
  if (outNames === null || (inferred !== null && inferred.length !== outNames.length && headerOut === null)) {
    // TVM's names: `output` for one tensor, `output<i>` for tuple leaves (docs/format.md §5.3).
    const n = inferred?.length ?? 1;
    outNames = n === 1 ? ['output'] : Array.from({ length: n }, (_, i) => `output${i}`);
  }
  const ret = relay?.returns;
  // Return types written in the text, else inferred ones, line up with outputs by position.
  const written = ret !== null && ret !== undefined && ret.length === outNames.length ? ret : null;
  const notes: string[] = [];
  const outputs = outNames.map((name, i) => {
    const dtype = ownValue(mainIo?.outputs, name)?.dtype ?? written?.[i]?.dtype ?? inferred?.[i]?.dtype ?? null;
    const bytes = ownValue(mainIo?.outputs, name)?.size ?? null;
    let shape = written?.[i]?.shape ?? (inferred?.length === outNames.length ? knownShape(inferred[i]) : null);
    if (shape !== null && dtype !== null && bytes !== null && tensorBytesOrNull(dtype, shape) !== bytes) {
      // Never a wrong shape: one that disagrees with the recorded size is dropped.
      notes.push(
        `output ${name}: the Relay type gives ${dtype}[${shape.join(', ')}], metadata.json ${bytes} bytes; shape left unknown`,
      );
      shape = null;
    }
    const out: { name: string } & TensorFacts = {
      name,
      dtype,
      shape,
      bytes: bytes ?? (dtype !== null && shape !== null ? tensorBytesOrNull(dtype, shape) : null),
    };
    const c = sanitizeCName(name);
    if (c !== name) out.cName = c;
    return out;
  });
  const relayFacts =
    typed === null
      ? null
      : {
          expressions: typed.analysis?.program.nodes.length ?? 0,
          calls: typed.analysis?.program.nodes.filter((n) => n.kind === 'call').length ?? 0,
          notes: [...(typed.analysis?.inference.notes ?? []), ...notes],
          error: typed.error,
        };
  return { inputs, outputs, relay: relayFacts };
}

/** Relay text parsed and typed, or the reason it could not be (the text is informational). */
async function tryAnalyzeRelay(
  text: string,
  member: string,
): Promise<{ analysis: RelayAnalysis | null; error: string | null }> {
  const { analyzeRelay } = await import('../graph/relay-graph.js'); // on demand: AOT modules only
  try {
    return { analysis: analyzeRelay(text, { member }), error: null };
  } catch (e) {
    if (!isMlfError(e)) throw e;
    return { analysis: null, error: `${e.code} at byte ${e.offset ?? '?'}: ${e.message}` };
  }
}
