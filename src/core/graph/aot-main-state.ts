// The state the AOT main reader (aot-main.ts) builds and the steps that need only it: buffers
// (module I/O of packed mains, pool slices, constants, scratch), the arguments of packed calls
// through TVMValue/DLTensor stacks, which arguments a call writes, and what calls tell about
// their buffers' types and sizes.
import { analyzeCallee, type CalleeFacts, type CalleeSlice, dtypeOfCType, elementSize } from './aot-callee.js';
import type { CTokens } from './aot-lex.js';
import type { AotBuffer, AotCall, AotPool, ArgRole } from './aot-model.js';
import type { ScannedSources } from './aot-scan.js';

/** Runtime functions the main calls that are not operators. */
export const RUNTIME = new Set([
  'TVMBackendAllocWorkspace',
  'TVMBackendFreeWorkspace',
  'TVMAPISetLastError',
  'TVMBackendGetFuncFromEnv',
  'sizeof',
]);

/** A value the main's variables and stacks hold. */
export type Value =
  | { t: 'buf'; id: number }
  | { t: 'pool'; pool: number }
  | { t: 'handle'; arg: number }
  | { t: 'slot'; root: string; k: number }
  | { t: 'addr'; root: string; index: number }
  | { t: 'int'; v: number }
  | { t: 'fn'; name: string };

/** An argument of a call as read. */
export interface Arg {
  buffer: number | null;
  role: ArgRole;
  text: string;
  value: Value | null;
}

/** What the reader has built so far. */
export interface MainState {
  scanned: ScannedSources;
  buffers: AotBuffer[];
  pools: AotPool[];
  /** Stack memory: `stack_array[1].data`, `stack_shape[3]`, ... */
  mem: Map<string, Value>;
  facts: Map<string, CalleeFacts | null>;
  constants: Map<string, number>;
  /** Inline `&(pool[off])` arguments. */
  poolSlices: Map<string, number>;
  /** Packed arg k → buffer. */
  handles: Map<number, number>;
  packedIo: { name: string; k: number; id: number }[];
}

/** Adds a buffer; its id is its index. */
export function addBuffer(st: MainState, b: Omit<AotBuffer, 'id'>): number {
  st.buffers.push({ ...b, id: st.buffers.length });
  return st.buffers.length - 1;
}

/** A module input or output buffer: its name and kind known, its size filled in later. */
export function addIoBuffer(st: MainState, name: string, kind: 'input' | 'output'): number {
  return addBuffer(st, {
    name,
    kind,
    dtype: null,
    shape: null,
    bytes: null,
    bytesFrom: null,
    pool: null,
    offset: null,
    alloc: null,
  });
}

/** The buffer with id `id`. */
export function bufferOf(st: MainState, id: number): AotBuffer {
  return st.buffers[id] as AotBuffer;
}

export function handleBuffer(st: MainState, k: number, name: string): number {
  const known = st.handles.get(k);
  if (known !== undefined) return known;
  // Packed main: `void* x = args[k].v_handle`; inputs come first, outputs last.
  const id = addIoBuffer(st, name, 'input');
  st.packedIo.push({ name, k, id });
  st.handles.set(k, id);
  return id;
}

export function poolSlice(st: MainState, pool: number, offset: number, declaredName: string | null): number {
  const key = `${pool}:${offset}`;
  if (declaredName === null) {
    const known = st.poolSlices.get(key);
    if (known !== undefined) return known;
  }
  const id = addBuffer(st, {
    name: declaredName ?? `${st.pools[pool]?.name ?? 'pool'}[${offset}]`,
    kind: st.pools[pool]?.kind === 'constant' ? 'constant' : 'intermediate',
    dtype: null,
    shape: null,
    bytes: null,
    bytesFrom: null,
    pool: st.pools[pool]?.name ?? null,
    offset,
    alloc: null,
  });
  if (declaredName === null) st.poolSlices.set(key, id);
  return id;
}

export function constantBuffer(
  st: MainState,
  name: string,
  pool: string | null = null,
  offset: number | null = null,
): number {
  const known = st.constants.get(name);
  if (known !== undefined) return known;
  const arr = st.scanned.arrays.get(name);
  const dtype = dtypeOfCType(arr?.ctype ?? null);
  const size = elementSize(dtype);
  const id = addBuffer(st, {
    name,
    kind: 'constant',
    dtype,
    shape: null,
    bytes: arr !== undefined && size !== null ? arr.count * size : null,
    bytesFrom: arr !== undefined && size !== null ? 'declaration' : null,
    pool,
    offset,
    alloc: null,
  });
  st.constants.set(name, id);
  return id;
}

export function scratchBuffer(st: MainState, call: AotCall, s: CalleeSlice, pool: string): number {
  return addBuffer(st, {
    name: `${call.callee}:${s.name}`,
    kind: 'scratch',
    dtype: s.dtype,
    shape: null,
    bytes: s.writeBytes,
    bytesFrom: s.writeBytes === null ? null : 'writes',
    pool,
    offset: s.offset,
    alloc: null,
  });
}

/** Arguments of a packed call: `stack_value[k].v_handle` → DLTensor slot → data, shape, dtype. */
export function packedArgs(st: MainState, valueRoot: string): Arg[] {
  const out: Arg[] = [];
  for (let k = 0; k < 1024; k++) {
    const v = st.mem.get(`${valueRoot}[${k}].v_handle`);
    if (v === undefined) break;
    st.mem.delete(`${valueRoot}[${k}].v_handle`);
    if (v.t !== 'slot') {
      out.push({
        buffer: v.t === 'buf' ? v.id : null,
        role: v.t === 'buf' ? 'read' : 'other',
        text: `args[${k}]`,
        value: v,
      });
      continue;
    }
    const slot = `${v.root}[${v.k}]`;
    const data = st.mem.get(`${slot}.data`);
    if (data?.t !== 'buf') {
      out.push({ buffer: null, role: 'other', text: `${slot}.data`, value: data ?? null });
      continue;
    }
    const b = bufferOf(st, data.id);
    const int = (key: string) => {
      const x = st.mem.get(`${slot}${key}`);
      return x?.t === 'int' ? x.v : null;
    };
    const code = int('.dtype.code');
    const bits = int('.dtype.bits');
    const lanes = int('.dtype.lanes') ?? 1;
    const ndim = int('.ndim');
    const shapeAt = st.mem.get(`${slot}.shape`);
    if (b.dtype === null && code !== null && bits !== null) b.dtype = hintDtype(code, bits, lanes);
    if (b.shape === null && ndim !== null && shapeAt?.t === 'addr') {
      const dims: number[] = [];
      for (let d = 0; d < ndim; d++) {
        const x = st.mem.get(`${shapeAt.root}[${shapeAt.index + d}]`);
        if (x?.t !== 'int') break;
        dims.push(x.v);
      }
      if (dims.length === ndim) b.shape = dims;
    }
    out.push({ buffer: data.id, role: 'read', text: `${slot}.data`, value: data });
  }
  return out;
}

/** Reads are the default; the callee's body says which arguments it writes (else: the last buffer). */
export function assignRoles(st: MainState, args: Arg[], f: CalleeFacts | null): void {
  let any = false;
  args.forEach((a, k) => {
    if (a.buffer === null) return;
    if (f?.args[k]?.written === true) {
      a.role = 'write';
      any = true;
    }
  });
  if (any) return;
  for (let k = args.length - 1; k >= 0; k--) {
    const a = args[k] as Arg;
    if (a.buffer !== null && bufferOf(st, a.buffer).kind !== 'constant' && bufferOf(st, a.buffer).kind !== 'input') {
      a.role = 'write';
      return;
    }
  }
}

/** What a call tells about its buffers: element types, and for unsized slices the bytes written. */
export function learn(st: MainState, call: AotCall, f: CalleeFacts | null): void {
  call.args.forEach((a, k) => {
    if (a.buffer === null) return;
    const b = bufferOf(st, a.buffer);
    const info = f?.args[k];
    if (b.dtype === null && info?.dtype != null) b.dtype = info.dtype;
    if (a.role === 'write' && b.bytesFrom !== 'alloc' && b.bytesFrom !== 'declaration' && info?.writeBytes != null) {
      if (b.bytesFrom === null || b.bytesFrom === 'writes') {
        b.bytes = Math.max(b.bytes ?? 0, info.writeBytes);
        b.bytesFrom = 'writes';
      }
    }
  });
}

export function calleeFacts(st: MainState, name: string): CalleeFacts | null {
  if (st.facts.has(name)) return st.facts.get(name) ?? null;
  const loc = st.scanned.functions.get(name);
  const result =
    loc === undefined || loc.span.bodyOpen < 0
      ? null
      : analyzeCallee(st.scanned.tokens[loc.file] as CTokens, loc.span, {
          functions: new Map(),
          arrays: st.scanned.arrays,
        });
  st.facts.set(name, result);
  return result;
}

/** A TVM dtype from DLDataType code and bits (`(0, 8)` → `int8`). */
export function hintDtype(code: number, bits: number, lanes = 1): string | null {
  const base = code === 0 ? 'int' : code === 1 ? 'uint' : code === 2 ? 'float' : code === 4 ? 'bfloat' : null;
  if (base === null || bits <= 0) return null;
  return `${base}${bits}${lanes > 1 ? `x${lanes}` : ''}`;
}
