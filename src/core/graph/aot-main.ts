// Reads `tvmgen_<m>___tvm_main__` (or the early `tvmgen_<m>_run_model`) statement by statement:
// workspace allocations, USMP pool slices, packed-call TVMValue/DLTensor stacks, and the calls of
// fused operators with the buffers they pass. One pass over the tokens; statements of other
// shapes are skipped with a note rather than guessed at. Which buffers are the module's I/O, and
// their names, is aot-main-io.ts.
import { MlfError } from '../errors/errors.js';
import { type CTokens, isToken, TK, tokenText } from './aot-lex.js';
import { type CSource, findAotModules, type Located, type ScannedSources, scanSources } from './aot-scan.js';
import { functionParams, isPackedSignature } from './aot-callee.js';
import { readEntry } from './aot-entry.js';
import { bindParams, type MainIo, namePackedIo, sizeIo } from './aot-main-io.js';
import {
  addBuffer,
  type Arg,
  assignRoles,
  bufferOf,
  calleeFacts,
  constantBuffer,
  handleBuffer,
  learn,
  type MainState,
  packedArgs,
  poolSlice,
  RUNTIME,
  scratchBuffer,
  type Value,
} from './aot-main-state.js';
import type { AotBuffer, AotCall, AotMain } from './aot-model.js';
import { findTopToken, intValue, pathText, type PointerPath, pointerPath, type Range, splitTop } from './aot-syntax.js';

/** Options of {@link parseAotMain}. */
export interface AotParseOptions {
  /** Module name (`default`); when absent, the only `tvmgen_*___tvm_main__` is taken. */
  module?: string;
  /** Module input and output names in order (metadata, header or Relay), to name the I/O buffers. */
  inputs?: readonly string[];
  outputs?: readonly string[];
  /** Tokens per file before E309. */
  maxTokens?: number;
}

/**
 * Parses the AOT main of one module from its generated C files.
 * @throws MlfError MLF-E309 for C the tokenizer cannot read, MLF-E310 when no AOT main is defined.
 */
export function parseAotMain(input: readonly CSource[] | ScannedSources, options: AotParseOptions = {}): AotMain {
  const scanned = 'functions' in input ? input : scanSources(input, options.maxTokens);
  const names = options.module === undefined ? findAotModules(scanned) : [options.module, options.module.toLowerCase()];
  for (const m of names) {
    for (const fn of [`tvmgen_${m}___tvm_main__`, `tvmgen_${m}_run_model`]) {
      const f = scanned.functions.get(fn);
      if (f !== undefined && f.span.bodyOpen >= 0) return readMain(scanned, f, m, options);
    }
  }
  const what =
    options.module === undefined
      ? 'tvmgen_<module>___tvm_main__ (or tvmgen_<module>_run_model)'
      : `tvmgen_${options.module}___tvm_main__ (or tvmgen_${options.module}_run_model)`;
  throw new MlfError('MLF-E310', `no definition of ${what} in the generated C`, {
    member: scanned.sources[0]?.path,
  });
}

function readMain(scanned: ScannedSources, main: Located, module: string, options: AotParseOptions): AotMain {
  const t = scanned.tokens[main.file] as CTokens;
  const span = main.span;
  const notes: string[] = [];
  const calls: AotCall[] = [];
  const env = new Map<string, Value>();
  const st: MainState = {
    scanned,
    buffers: [],
    pools: [],
    mem: new Map(),
    facts: new Map(),
    constants: new Map(),
    poolSlices: new Map(),
    handles: new Map(),
    packedIo: [],
  };
  const { buffers, pools, mem } = st;
  let allocOrder = 0;

  const newBuffer = (b: Omit<AotBuffer, 'id'>): number => addBuffer(st, b);
  const buffer = (id: number) => bufferOf(st, id);

  // Parameters: module I/O, pools and (packed) the args array; the entry wrapper names them.
  const params = functionParams(t, span);
  const packed = isPackedSignature(params);
  const entry = readEntry(scanned, module, span.name);
  const io: MainIo = {
    inputs: [],
    outputs: [],
    names: { inputs: options.inputs ?? [], outputs: options.outputs ?? [] },
  };
  // A packed main's I/O are the `args[k]` handles its body reads: known only after the walk.
  if (!packed) bindParams(st, params, entry?.params ?? null, io, env, notes);
  walk(span.bodyOpen + 1, span.bodyClose);
  if (packed) namePackedIo(st, io);
  sizeIo(st, io);
  for (const b of buffers) {
    if (b.alloc !== null && b.alloc.freedAt === null) notes.push(`${b.name} is allocated but never freed`);
  }
  return {
    module,
    function: span.name,
    member: scanned.sources[main.file]?.path ?? '',
    abi: packed ? 'packed' : 'unpacked',
    entry: entry === null ? null : entry.entry,
    pools,
    buffers,
    calls,
    inputs: io.inputs,
    outputs: io.outputs,
    notes,
  };

  /** Statements of `[from, to)` in order; blocks are transparent. */
  function walk(from: number, to: number): void {
    let i = from;
    while (i < to) {
      if (isToken(t, i, '{') || isToken(t, i, '}') || isToken(t, i, ';')) {
        i++;
        continue;
      }
      const w = t.kind[i] === TK.ident ? tokenText(t, i) : '';
      if (w === 'if' && isToken(t, i + 1, '(')) {
        i = readIf(i + 1);
        continue;
      }
      if ((w === 'for' || w === 'while') && isToken(t, i + 1, '(')) {
        notes.push(`a ${w} loop in ${span.name}: the calls inside are listed once`);
        i = (t.match[i + 1] as number) + 1;
        continue;
      }
      if (w === 'return') {
        i = endOf(i, to) + 1;
        continue;
      }
      const end = endOf(i, to);
      readStatement(i, end);
      i = end + 1;
    }
  }

  /** The `;` ending the statement starting at `i` (brackets skipped), or `to`. */
  function endOf(i: number, to: number): number {
    for (let j = i; j < to; j++) {
      if (isToken(t, j, '(') || isToken(t, j, '[') || isToken(t, j, '{')) j = t.match[j] as number;
      else if (isToken(t, j, ';')) return j;
    }
    return to;
  }

  /** `if (cond) stmt` / `if (cond) {...}`: a call in cond is an operator call or a free; the branch is error handling. */
  function readIf(open: number): number {
    const close = t.match[open] as number;
    const call = firstCall(open + 1, close);
    let after = close + 1;
    const skipBranch = () => {
      for (let k = 0; k < 2; k++) {
        if (isToken(t, after, '{')) after = (t.match[after] as number) + 1;
        else after = endOf(after, span.bodyClose) + 1;
        if (k === 1 || !isToken(t, after, 'else')) break;
        notes.push(`an else branch in ${span.name} was skipped`);
        after++;
      }
    };
    if (call !== null) {
      handleCall(call);
      skipBranch();
      return after;
    }
    // `if (x == NULL)`, `if (!(x_strides == NULL))`: checks whose branch returns or is empty.
    if (findTopToken(t, open + 1, close, '==') >= 0 || findTopToken(t, open + 1, close, '!') >= 0) {
      skipBranch();
      return after;
    }
    notes.push(`a condition in ${span.name} at token ${tokenText(t, open + 1)} was read as unconditional`);
    return after;
  }

  /** The first `name(` call in `[from, to)`, as the index of its name. */
  function firstCall(from: number, to: number): number | null {
    for (let j = from; j < to; j++) if (t.kind[j] === TK.ident && isToken(t, j + 1, '(')) return j;
    return null;
  }

  function readStatement(from: number, to: number): void {
    const eq = findTopToken(t, from, to, '=');
    if (eq < 0) {
      // `(void)f(...)`, `f(...)`, or a declaration without initialiser (`TVMValue stack[2];`).
      let j = from;
      if (isToken(t, j, '(') && isToken(t, j + 1, 'void') && isToken(t, j + 2, ')')) j += 3;
      if (t.kind[j] === TK.ident && isToken(t, j + 1, '(') && t.match[j + 1] === to - 1) handleCall(j);
      return;
    }
    const declared = t.kind[eq - 1] === TK.ident && (isToken(t, eq - 2, '*') || t.kind[eq - 2] === TK.ident);
    const value = readValue(eq + 1, to, declared ? tokenText(t, eq - 1) : null);
    if (declared) {
      if (value !== null) env.set(tokenText(t, eq - 1), value);
      else env.delete(tokenText(t, eq - 1));
      return;
    }
    const lhs = pointerPath(t, from, eq);
    if (lhs === null) return;
    const key = lhs.root + pathText(lhs.steps);
    if (value === null) mem.delete(key);
    else mem.set(key, value);
  }

  /** The value of an initialiser; makes buffers for allocations and pool slices. */
  function readValue(from: number, to: number, declaredName: string | null): Value | null {
    const call = firstCall(from, to);
    if (call !== null && (tokenText(t, call) === 'TVMBackendAllocWorkspace' || !RUNTIME.has(tokenText(t, call)))) {
      if (tokenText(t, call) !== 'TVMBackendAllocWorkspace') {
        handleCall(call); // `ret = f(...)`
        return null;
      }
      const parts = splitTop(t, call + 1);
      const size = parts[2] === undefined ? null : intValue(t, parts[2][0], parts[2][1]);
      const id = newBuffer({
        name: declaredName ?? `alloc_${allocOrder}`,
        kind: 'intermediate',
        dtype: null, // the hint is (0, 8) for every block the main allocates: not the element type
        shape: null,
        bytes: size,
        bytesFrom: size === null ? null : 'alloc',
        pool: null,
        offset: null,
        alloc: { at: calls.length, freedAt: null, order: allocOrder++ },
      });
      return { t: 'buf', id };
    }
    if (call !== null && tokenText(t, call) === 'TVMBackendGetFuncFromEnv') {
      handleCall(call);
      return null;
    }
    const n = intValue(t, from, to);
    if (n !== null) return { t: 'int', v: n };
    const p = pointerPath(t, from, to);
    return p === null ? null : resolve(p, declaredName);
  }

  function resolve(p: PointerPath, declaredName: string | null): Value | null {
    const steps = pathText(p.steps);
    if (p.addressOf) {
      const base = env.get(p.root);
      const first = p.steps[0];
      const off = p.steps.length === 1 && first !== undefined && 'index' in first ? first.index : null;
      if (base?.t === 'pool' && off !== null) return { t: 'buf', id: poolSlice(st, base.pool, off, declaredName) };
      if (off !== null) return { t: 'addr', root: p.root, index: off };
      return null;
    }
    if (p.root === 'args' && /^\[\d+\]\.v_handle$/.test(steps)) {
      const k = (p.steps[0] as { index: number }).index;
      return { t: 'handle', arg: k };
    }
    const base = env.get(p.root);
    if (steps === '') {
      if (base !== undefined) return base;
      const arr = scanned.arrays.get(p.root);
      if (arr !== undefined && arr.struct === null) return { t: 'buf', id: constantBuffer(st, p.root) };
      return null;
    }
    const last = p.steps[p.steps.length - 1];
    if (p.steps.length === 1 && last !== undefined && 'plus' in last) return { t: 'slot', root: p.root, k: last.plus };
    if (steps === '[0].data' && base?.t === 'handle') return { t: 'buf', id: handleBuffer(st, base.arg, p.root) };
    if (steps === '[0].data' && base?.t === 'slot') return mem.get(`${base.root}[${base.k}].data`) ?? null;
    return mem.get(p.root + steps) ?? null;
  }

  function handleCall(nameAt: number): void {
    let callee = tokenText(t, nameAt);
    const open = nameAt + 1;
    const parts = splitTop(t, open);
    if (callee === 'TVMBackendFreeWorkspace') {
      const last = parts[parts.length - 1];
      const v = last === undefined ? null : readValue(last[0], last[1], null);
      if (v?.t === 'buf' && buffer(v.id).alloc !== null)
        (buffer(v.id).alloc as { freedAt: number | null }).freedAt = calls.length;
      return;
    }
    if (callee === 'TVMBackendGetFuncFromEnv') {
      // `TVMBackendGetFuncFromEnv(ctx, "name", &handle)` sets the handle a later TVMFuncCall uses.
      const name = parts[1] === undefined ? null : tokenText(t, parts[1][0]);
      const out = parts[2] === undefined ? null : pointerPath(t, parts[2][0], parts[2][1]);
      if (name !== null && name.startsWith('"') && out?.addressOf === true)
        env.set(out.root, { t: 'fn', name: name.slice(1, -1) });
      return;
    }
    if (callee === 'TVMFuncCall') {
      const h = parts[0] === undefined ? null : env.get(tokenText(t, parts[0][0]));
      if (h?.t !== 'fn') {
        notes.push(`a TVMFuncCall through an unknown handle in ${span.name} was skipped`);
        return;
      }
      callee = h.name;
      parts.shift();
    }
    if (RUNTIME.has(callee)) return;
    const f = calleeFacts(st, callee);
    const first = parts[0] === undefined ? null : pointerPath(t, parts[0][0], parts[0][1]);
    const viaStack = first !== null && first.cast === 'TVMValue' && first.steps.length === 0;
    const args = viaStack ? packedArgs(st, first.root) : parts.map((r) => unpackedArg(r));
    assignRoles(st, args, f);
    const call: AotCall = {
      index: calls.length,
      callee,
      args: args.map((a) => ({ buffer: a.buffer, role: a.role, text: a.text })),
      constants: (f?.constants ?? []).map((c) => constantBuffer(st, c)),
      scratch: [],
      workspaceBytes: f?.workspaceBytes ?? null,
      arenaBytes: f?.arenaBytes ?? null,
      packed: viaStack,
    };
    for (const s of f?.slices ?? []) {
      // The callee's pool parameter at `poolArg` receives the main's argument at the same place.
      const v = args[s.poolArg]?.value;
      const pool = v?.t === 'pool' ? pools[v.pool] : undefined;
      if (pool === undefined) continue;
      if (pool.kind === 'constant') call.constants.push(constantBuffer(st, s.name, pool.name, s.offset));
      else call.scratch.push(scratchBuffer(st, call, s, pool.name));
    }
    calls.push(call);
    learn(st, call, f);
  }

  function unpackedArg([a, b]: Range): Arg {
    const text = t.text.slice(t.start[a] as number, t.end[b - 1] as number);
    const v = readValue(a, b, null);
    if (v?.t === 'buf') return { buffer: v.id, role: 'read', text, value: v };
    return { buffer: null, role: v?.t === 'pool' ? 'pool' : 'other', text, value: v };
  }
}
