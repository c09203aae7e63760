// What an operator function does with its arguments, read from its body in one pass: which
// tensor arguments it writes and how many bytes (interval bounds of the indices), the element
// types it uses them as, its own TVMBackendAllocWorkspace stack, and the constants it reads.
import { type CFileScope, type CFunctionSpan, type CTokens, isToken, TK, tokenText } from './aot-lex.js';
import { evalInterval, type IntervalEnv } from './aot-interval.js';
import { findTopToken, intValue, isOpen, isTypeName, pathText, pointerPath, splitTop } from './aot-syntax.js';

/** One tensor argument of an operator as its body uses it. */
export interface CalleeArg {
  /** Parameter name (unpacked) or `args[k]` (packed). */
  name: string;
  dtype: string | null;
  written: boolean;
  /** Bytes from the first to the last element written (an upper bound); null when not bounded. */
  writeBytes: number | null;
}

/** A slice of a pool argument the body takes: `void* x_let = (&(pool_var[offset]));`. */
export interface CalleeSlice extends CalleeArg {
  /** Position of the pool parameter. */
  poolArg: number;
  offset: number | null;
}

/** The facts {@link analyzeCallee} reads. */
export interface CalleeFacts {
  name: string;
  /** Packed ABI `(void* args, int32_t* arg_type_ids, int32_t num_args, ...)`. */
  packed: boolean;
  /** Tensor arguments by position: parameters (unpacked) or `args[k]` (packed). */
  args: CalleeArg[];
  /** USMP: slices of pool parameters (constants in a constant pool, scratch in a workspace pool). */
  slices: CalleeSlice[];
  /**
   * Workspace as TVM counts it (metadata `operator_functions`): every allocation of the body, local
   * arrays and TVMBackendAllocWorkspace blocks, each rounded up to 16 bytes.
   */
  workspaceBytes: number;
  /** Peak of the body's TVMBackendAllocWorkspace stack (16-byte blocks): what the runtime arena holds. */
  arenaBytes: number;
  /** File-scope constant arrays the body reads. */
  constants: string[];
}

const C_TYPES: Readonly<Record<string, string>> = {
  float: 'float32',
  double: 'float64',
  int8_t: 'int8',
  uint8_t: 'uint8',
  int16_t: 'int16',
  uint16_t: 'uint16',
  int32_t: 'int32',
  uint32_t: 'uint32',
  int64_t: 'int64',
  uint64_t: 'uint64',
  bool: 'bool',
  'signed char': 'int8',
  'unsigned char': 'uint8',
  char: 'int8',
};

/** TVM dtype of a C element type word (`float` → `float32`), or null. */
export function dtypeOfCType(ctype: string | null): string | null {
  return ctype === null ? null : (C_TYPES[ctype] ?? null);
}

/** Bytes of one element of a TVM dtype as C stores it (bool = 1), or null. */
export function elementSize(dtype: string | null): number | null {
  if (dtype === null) return null;
  if (dtype === 'bool') return 1;
  const m = /^(?:u?int|float)(8|16|32|64)$/.exec(dtype);
  return m === null ? null : Number(m[1]) / 8;
}

/** A parameter: its type words (pointer stars dropped) and name. */
export interface CParam {
  type: string;
  pointer: boolean;
  name: string;
}

/** The parameters of a function span. */
export function functionParams(t: CTokens, f: CFunctionSpan): CParam[] {
  return splitTop(t, f.open).flatMap(([a, b]) => {
    const words: string[] = [];
    let pointer = false;
    for (let i = a; i < b; i++) {
      if (t.kind[i] === TK.ident) words.push(tokenText(t, i));
      else if (isToken(t, i, '*')) pointer = true;
    }
    if (words.length === 1 && words[0] === 'void' && !pointer) return [];
    // A prototype may omit names (`int8_t*, int8_t*`): then the name is empty.
    const named = words.length > 1 && t.kind[b - 1] === TK.ident;
    const name = named ? (words.pop() as string) : '';
    const type = words.filter((w) => w !== 'const' && w !== 'TVM_DLL' && w !== 'restrict').join(' ');
    return [{ type, pointer, name }];
  });
}

/** The words of a type range (`const float *` → `float`). */
function typeWords(t: CTokens, from: number, to: number): string {
  const words: string[] = [];
  for (let i = from; i < to; i++) {
    const w = tokenText(t, i);
    if (t.kind[i] === TK.ident && w !== 'const' && w !== 'volatile') words.push(w);
  }
  return words.join(' ');
}

/** True for the packed-ABI signature (six parameters, the third an int). */
export function isPackedSignature(params: readonly CParam[]): boolean {
  return params.length === 6 && /^(int|int32_t)$/.test(params[2]?.type ?? '') && !params[2]?.pointer;
}

const round16 = (n: number) => Math.ceil(n / 16) * 16;
/** Alias targets from here on are slices, not arguments. */
const SLICE = 1 << 24;

/**
 * Reads an operator function's body (see {@link CalleeFacts}). `scope` names the file-scope arrays
 * (constants). Work is linear in the body's tokens (each expression is evaluated once, bounded).
 */
export function analyzeCallee(t: CTokens, f: CFunctionSpan, scope: CFileScope): CalleeFacts {
  const params = functionParams(t, f);
  const packed = isPackedSignature(params);
  const args: CalleeArg[] = packed
    ? []
    : params.map((p) => ({
        name: p.name,
        dtype: p.pointer ? dtypeOfCType(p.type) : null,
        written: false,
        writeBytes: null,
      }));
  // Variable → tensor argument it points into.
  const alias = new Map<string, number>();
  if (!packed) params.forEach((p, k) => p.name !== '' && alias.set(p.name, k));
  const slices: CalleeSlice[] = [];
  const argAt = (k: number): CalleeArg => {
    if (k >= SLICE) return slices[k - SLICE] as CalleeSlice;
    while (args.length <= k) args.push({ name: `args[${args.length}]`, dtype: null, written: false, writeBytes: null });
    return args[k] as CalleeArg;
  };
  const env: IntervalEnv = new Map();
  const live = new Map<string, number>();
  let stack = 0;
  let peak = 0;
  const constants = new Set<string>();
  const unbounded = new Set<number>(); // arguments written at an index without bounds
  let total = 0;
  if (f.bodyOpen < 0) return { name: f.name, packed, args, slices, workspaceBytes: 0, arenaBytes: 0, constants: [] };

  for (let i = f.bodyOpen + 1; i < f.bodyClose; i++) {
    const k = t.kind[i];
    if (k === TK.ident) {
      const w = tokenText(t, i);
      if (w === 'for' && isToken(t, i + 1, '(')) {
        readLoop(t, i + 1, env);
        i = t.match[i + 1] as number; // the header's own `=` is the loop's, not a let
        continue;
      }
      if (w === 'TVMBackendFreeWorkspace' && isToken(t, i + 1, '(')) {
        const parts = splitTop(t, i + 1);
        const last = parts[parts.length - 1];
        const name = last === undefined ? '' : tokenText(t, last[0]);
        stack -= live.get(name) ?? 0;
        live.delete(name);
        continue;
      }
      const arr = scope.arrays.get(w);
      if (arr !== undefined && arr.struct === null && !isToken(t, i - 1, '.') && !isToken(t, i - 1, '->'))
        constants.add(w);
      const at = alias.get(w);
      if (at !== undefined && isToken(t, i - 1, ')')) {
        // `((int8_t*)x)`: the element type the body uses x as.
        const m = t.match[i - 1] as number;
        const dt = isTypeName(t, m + 1, i - 1) ? dtypeOfCType(typeWords(t, m + 1, i - 1)) : null;
        const a = argAt(at);
        if (a.dtype === null && dt !== null) a.dtype = dt;
      }
      continue;
    }
    if (k !== TK.punct) continue;
    if (isToken(t, i, '[') && t.kind[i - 1] === TK.ident && isToken(t, (t.match[i] as number) + 1, ';')) {
      // A local array `float compute_global[5];`: stack memory TVM counts as workspace.
      const size = elementSize(dtypeOfCType(tokenText(t, i - 2)));
      const n = intValue(t, i + 1, t.match[i] as number);
      if (size !== null && n !== null && t.kind[i - 2] === TK.ident) total += round16(size * n);
    }
    if (isOpen(t, i) && !isToken(t, i, '{')) continue; // descend: nested tokens are visited in turn
    const op = tokenText(t, i);
    if (op !== '=' && !ASSIGN.has(op)) continue;
    const end = statementEnd(t, i, f.bodyClose);
    const lhsName = t.kind[i - 1] === TK.ident ? tokenText(t, i - 1) : null;
    const declared = lhsName !== null && (isToken(t, i - 2, '*') || t.kind[i - 2] === TK.ident);
    if (op === '=' && declared && lhsName !== null) {
      readDeclaration(lhsName, i + 1, end);
    } else if (isToken(t, i - 1, ']')) {
      readWrite(i - 1);
    }
  }
  for (const k of unbounded) argAt(k).writeBytes = null;
  return { name: f.name, packed, args, slices, workspaceBytes: total, arenaBytes: peak, constants: [...constants] };

  function readDeclaration(name: string, from: number, to: number): void {
    // Integer lets feed index bounds; pointer lets alias arguments, pools or workspace blocks.
    if (isToken(t, from, 'TVMBackendAllocWorkspace') || findCall(from, to, 'TVMBackendAllocWorkspace')) {
      const call = findCallAt(from, to, 'TVMBackendAllocWorkspace');
      const size = call === null ? null : sizeArg(call);
      if (size !== null) {
        live.set(name, round16(size));
        stack += round16(size);
        total += round16(size);
        peak = Math.max(peak, stack);
      }
      return;
    }
    const path = isToken(t, from - 3, '*') ? pointerPath(t, from, to) : null;
    if (path === null) {
      // `int32_t cse_var_1 = (oc_block_c_1 + 4);`: an integer let.
      env.set(name, evalInterval(t, from, to, env));
      return;
    }
    const steps = pathText(path.steps);
    if (path.addressOf) {
      const poolArg = alias.get(path.root);
      const first = path.steps[0];
      const offset = path.steps.length === 1 && first !== undefined && 'index' in first ? first.index : null;
      if (poolArg !== undefined && poolArg < SLICE) {
        slices.push({ name, dtype: null, written: false, writeBytes: null, poolArg, offset });
        alias.set(name, SLICE + slices.length - 1);
      }
      return;
    }
    if (path.root === 'args' && /^\[\d+\]\.v_handle$/.test(steps)) {
      const k = (path.steps[0] as { index: number }).index;
      alias.set(name, k);
      argAt(k);
      return;
    }
    const at = alias.get(path.root);
    if (at !== undefined && (steps === '' || steps === '[0].data')) alias.set(name, at);
    else if (steps === '') {
      const v = env.get(path.root);
      if (v !== undefined) env.set(name, v);
    }
  }

  function readWrite(closeBracket: number): void {
    const open = t.match[closeBracket] as number;
    let root: string | null = null;
    let cast: string | null = null;
    if (t.kind[open - 1] === TK.ident) root = tokenText(t, open - 1);
    else if (isToken(t, open - 1, ')')) {
      const p = pointerPath(t, t.match[open - 1] as number, open);
      if (p !== null && p.steps.length === 0 && !p.addressOf) {
        root = p.root;
        cast = p.cast;
      }
    }
    const at = root === null ? undefined : alias.get(root);
    if (at === undefined) return;
    const a = argAt(at);
    a.written = true;
    const dt = dtypeOfCType(cast) ?? a.dtype;
    if (a.dtype === null) a.dtype = dt;
    const size = elementSize(dt);
    const idx = evalInterval(t, open + 1, closeBracket, env);
    if (idx === null || size === null || idx.lo < 0) unbounded.add(at);
    else a.writeBytes = Math.max(a.writeBytes ?? 0, (idx.hi + 1) * size);
  }

  function findCall(from: number, to: number, name: string): boolean {
    return findCallAt(from, to, name) !== null;
  }

  function findCallAt(from: number, to: number, name: string): number | null {
    for (let j = from; j < to; j++) if (isToken(t, j, name) && isToken(t, j + 1, '(')) return j + 1;
    return null;
  }

  function sizeArg(open: number): number | null {
    const parts = splitTop(t, open);
    const p = parts[2];
    return p === undefined ? null : intValue(t, p[0], p[1]);
  }
}

const ASSIGN = new Set(['+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '<<=', '>>=']);

/** The `;` ending the statement that contains token `i` (depth 0 from `i`), or `limit`. */
function statementEnd(t: CTokens, i: number, limit: number): number {
  for (let j = i + 1; j < limit; j++) {
    if (isToken(t, j, '(') || isToken(t, j, '[')) j = t.match[j] as number;
    else if (isToken(t, j, ';') || isToken(t, j, '{') || isToken(t, j, '}')) return j;
  }
  return limit;
}

/** `for (T v = A; v < B; ...)`: binds v to [A, B-1] (or [A, B] for `<=`); unknown when not of that form. */
function readLoop(t: CTokens, open: number, env: IntervalEnv): void {
  const close = t.match[open] as number;
  const parts = splitTop(t, open, ';');
  const [init, cond] = parts;
  if (init === undefined || cond === undefined) return;
  const eq = findTopToken(t, init[0], init[1], '=');
  if (eq < 0 || t.kind[eq - 1] !== TK.ident) return;
  const v = tokenText(t, eq - 1);
  const lo = evalInterval(t, eq + 1, init[1], env);
  let hi: number | null = null;
  if (cond[1] - cond[0] >= 3 && isToken(t, cond[0], v)) {
    const rel = tokenText(t, cond[0] + 1);
    const b = evalInterval(t, cond[0] + 2, cond[1], env);
    if (b !== null && rel === '<') hi = b.hi - 1;
    else if (b !== null && rel === '<=') hi = b.hi;
  }
  env.set(v, lo === null || hi === null || hi < lo.lo ? null : { lo: lo.lo, hi });
  void close;
}
