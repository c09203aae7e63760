// The module I/O of an AOT main: which of an unpacked main's parameters are pools, the device
// context, inputs and outputs (the entry wrapper says, else the names and the count of declared
// outputs), which `args[k]` handles of a packed main are outputs (the last ones), what the
// buffers are called, and their sizes from their DLTensor. The statements between are aot-main.ts.
import { type CParam, elementSize } from './aot-callee.js';
import type { MainParamRole } from './aot-entry.js';
import { addIoBuffer, bufferOf, type MainState, type Value } from './aot-main-state.js';
import type { ScannedSources } from './aot-scan.js';

/** The module's input and output buffers in order, and the names given for them. */
export interface MainIo {
  inputs: number[];
  outputs: number[];
  /** Names in order (metadata, header or Relay); where one is missing TVM's default is used. */
  names: { inputs: readonly string[]; outputs: readonly string[] };
}

/** TVM's names where no list gives them: `output` / `output<i>` (docs/format.md §5.3), an input's parameter name. */
function defaultName(param: string, kind: 'input' | 'output', index: number, outputs: number): string {
  if (kind === 'output') return outputs === 1 ? 'output' : `output${index}`;
  return param.replace(/_buffer_var$/, '');
}

/** How many of the tensor parameters are outputs: the names say (`output…`), else `declared`, else 1. */
function splitOutputs(names: string[], declared: number): number {
  if (declared > 0) return Math.min(declared, names.length);
  const named = names.filter((n) => /^output\d*(_buffer_var)?$/.test(n)).length;
  return Math.min(names.length, named > 0 ? named : 1);
}

/** Size of a USMP pool array (`static uint8_t global_workspace[42048];`), or null. */
function poolBytes(scanned: ScannedSources, name: string): number | null {
  const a = scanned.arrays.get(name);
  return a !== undefined && a.struct === null ? a.count : null;
}

/**
 * Binds the parameters of an unpacked main in `env`: pools, the device context (a note), and the
 * tensors as module I/O, by the roles the entry wrapper gives (`roles`, null without a wrapper),
 * else the last ones as outputs.
 */
export function bindParams(
  st: MainState,
  params: readonly CParam[],
  roles: readonly MainParamRole[] | null,
  io: MainIo,
  env: Map<string, Value>,
  notes: string[],
): void {
  const tensorParams: { name: string; k: number; kind: 'input' | 'output' | null }[] = [];
  params.forEach((p, k) => {
    const role = roles?.[k];
    if (role?.kind === 'pool' || (role === undefined && /workspace/.test(p.name) && p.type === 'uint8_t')) {
      const name = role?.kind === 'pool' ? role.name : p.name.replace(/_\d+_var$/, '');
      env.set(p.name, { t: 'pool', pool: st.pools.length });
      st.pools.push({ name, kind: /const/.test(name) ? 'constant' : 'workspace', bytes: poolBytes(st.scanned, name) });
    } else if (role?.kind === 'device') {
      notes.push(`parameter ${p.name} is the device context ${role.name}`);
    } else
      tensorParams.push({
        name: p.name,
        k,
        kind: role?.kind === 'input' || role?.kind === 'output' ? role.kind : null,
      });
  });
  const nOut = splitOutputs(
    tensorParams.map((x) => x.name),
    io.names.outputs.length,
  );
  tensorParams.forEach(({ name: param, k, kind }, i) => {
    const kindOf = kind ?? (i >= tensorParams.length - nOut ? 'output' : 'input');
    const list = kindOf === 'input' ? io.inputs : io.outputs;
    const names = kindOf === 'input' ? io.names.inputs : io.names.outputs;
    const id = addIoBuffer(st, names[list.length] ?? defaultName(param, kindOf, list.length, nOut), kindOf);
    list.push(id);
    env.set(param, { t: 'buf', id });
    st.handles.set(k, id);
  });
  if (roles === null) notes.push(`no entry wrapper found; the last ${nOut} tensor parameter(s) are taken as outputs`);
}

/**
 * Names the I/O of a packed main once its body is read: the `args[k]` handles it used, in order of
 * `k`, inputs first and outputs last.
 */
export function namePackedIo(st: MainState, io: MainIo): void {
  const packedIo = st.packedIo.sort((a, b) => a.k - b.k);
  const nOut = splitOutputs(
    packedIo.map((x) => x.name),
    io.names.outputs.length,
  );
  packedIo.forEach((x, i) => {
    const out = i >= packedIo.length - nOut;
    const b = bufferOf(st, x.id);
    b.kind = out ? 'output' : 'input';
    (out ? io.outputs : io.inputs).push(x.id);
    const names = out ? io.names.outputs : io.names.inputs;
    const at = out ? io.outputs.length - 1 : io.inputs.length - 1;
    b.name = names[at] ?? defaultName(b.name, out ? 'output' : 'input', at, nOut);
  });
}

/** Sizes the I/O buffers whose DLTensor gave a dtype and shape but no byte count. */
export function sizeIo(st: MainState, io: MainIo): void {
  for (const id of [...io.inputs, ...io.outputs]) {
    const b = bufferOf(st, id);
    if (b.bytes === null && b.dtype !== null && b.shape !== null) {
      const size = elementSize(b.dtype);
      if (size !== null) {
        b.bytes = size * b.shape.reduce((x, y) => x * y, 1);
        b.bytesFrom = 'dltensor';
      }
    }
  }
}
