/**
 * Small scans of TVM-generated C: entry-point signatures and the element types of their pointer
 * arguments. Generated code is regular (one function per definition, no macros in signatures),
 * so a token scan is enough; anything unexpected gives null. Every scan is linear in the sources
 * (src/core/archive/c-scan.ts), and the dtype search has a work budget proportional to them.
 */
import { type CTokenKind, lexC, scanCFunctions } from '../../../core/archive/c-scan.js';

/** A function definition found in generated C. */
export interface CFunction {
  name: string;
  /** Parameters as written: type text and name. */
  params: { type: string; name: string }[];
  body: string;
}

interface Token {
  kind: CTokenKind;
  text: string;
}

/** What a body does with its names, read once per function. */
interface BodyFacts {
  /** `void* dst = src;` in text order. */
  aliases: [string, string][];
  /** `((T*)name)` in text order. */
  casts: [string, string][];
  /** Calls `callee(a, b, ...)` without nested parentheses; arguments that are not one identifier are ''. */
  calls: { callee: string; args: string[] }[];
  /** Indices N of `((TVMValue*)args)[N]`. */
  packedArgs: number[];
}

interface SourceIndex {
  functions: Map<string, CFunction>;
  facts: Map<string, BodyFacts>;
  /** Tokens the dtype search may still read before it gives up (keeps it linear). */
  budget: number;
}

const indexes = new WeakMap<readonly string[], SourceIndex>();

function indexOf(sources: readonly string[]): SourceIndex {
  let index = indexes.get(sources);
  if (index !== undefined) return index;
  const functions = new Map<string, CFunction>();
  let size = 0;
  for (const text of sources) {
    size += text.length;
    for (const d of scanCFunctions(text)) {
      if (d.bodyEnd >= text.length || functions.has(d.name)) continue; // unclosed bodies are not definitions
      functions.set(d.name, {
        name: d.name,
        params: splitParams(d.params),
        body: text.slice(d.bodyStart + 1, d.bodyEnd),
      });
    }
  }
  index = { functions, facts: new Map(), budget: 4 * size + 4096 };
  indexes.set(sources, index);
  return index;
}

/** The definition (not a declaration) of `name` in any of `sources`, or null. */
export function findCFunction(sources: readonly string[], name: string): CFunction | null {
  return indexOf(sources).functions.get(name) ?? null;
}

function splitParams(list: string): { type: string; name: string }[] {
  const trimmed = list.trim();
  if (trimmed === '' || trimmed === 'void') return [];
  return trimmed.split(',').map((p) => {
    const s = p.trim();
    let i = s.length;
    while (i > 0 && /[A-Za-z0-9_]/.test(s[i - 1] as string)) i--;
    while (i < s.length && /[0-9]/.test(s[i] as string)) i++; // a name does not start with a digit
    return { type: s.slice(0, i).replace(/\s+/g, ' ').trim(), name: s.slice(i) };
  });
}

function tokens(text: string): Token[] {
  const out: Token[] = [];
  lexC(text, (kind, start, end) => out.push({ kind, text: text.slice(start, end) }));
  return out;
}

function bodyFacts(index: SourceIndex, fn: CFunction): BodyFacts {
  const known = index.facts.get(fn.name);
  if (known !== undefined) return known;
  const t = tokens(fn.body);
  const at = (i: number) => t[i]?.text ?? '';
  const ident = (i: number) => t[i]?.kind === 'ident';
  const facts: BodyFacts = { aliases: [], casts: [], calls: [], packedArgs: [] };
  for (let i = 0; i < t.length; i++) {
    if (at(i) === 'void' && at(i + 1) === '*' && ident(i + 2) && at(i + 3) === '=' && ident(i + 4) && at(i + 5) === ';')
      facts.aliases.push([at(i + 2), at(i + 4)]);
    if (at(i) === '(' && at(i + 1) === '(') {
      // ((T*)name) with T one or two words, or ((TVMValue*)args)[N]
      let j = i + 2;
      const words: string[] = [];
      while (ident(j) && words.length < 3) words.push(at(j++));
      if (words.length > 0 && at(j) === '*' && at(j + 1) === ')' && ident(j + 2) && at(j + 3) === ')') {
        facts.casts.push([at(j + 2), words.join(' ')]);
        if (words.join(' ') === 'TVMValue' && at(j + 2) === 'args' && at(j + 4) === '[' && t[j + 5]?.kind === 'number')
          if (at(j + 6) === ']' && /^\d+$/.test(at(j + 5))) facts.packedArgs.push(Number(at(j + 5)));
      }
    }
    if (ident(i) && at(i + 1) === '(') {
      const args: string[] = [];
      let arg: string[] = [];
      let j = i + 2;
      for (; j < t.length && at(j) !== ')' && at(j) !== '('; j++) {
        if (at(j) === ',') {
          args.push(arg.length === 1 && ident(j - 1) ? (arg[0] as string) : '');
          arg = [];
        } else arg.push(at(j));
      }
      if (at(j) !== ')') continue; // nested parentheses: not a simple call
      if (arg.length > 0 || args.length > 0) args.push(arg.length === 1 && ident(j - 1) ? (arg[0] as string) : '');
      facts.calls.push({ callee: at(i), args });
    }
  }
  index.facts.set(fn.name, facts);
  return facts;
}

/** Calls `callee(arg, ...)` in a function body, arguments as single identifiers ('' otherwise). */
export function findCalls(body: string): { callee: string; args: string[] }[] {
  const index: SourceIndex = { functions: new Map(), facts: new Map(), budget: 0 };
  return bodyFacts(index, { name: '', params: [], body }).calls.filter(
    (c) => !['if', 'for', 'while', 'return', 'sizeof'].includes(c.callee),
  );
}

const C_TYPES: ReadonlyMap<string, string> = new Map([
  ['float', 'float32'],
  ['double', 'float64'],
  ['int8_t', 'int8'],
  ['signed char', 'int8'],
  ['uint8_t', 'uint8'],
  ['unsigned char', 'uint8'],
  ['int16_t', 'int16'],
  ['uint16_t', 'uint16'],
  ['int32_t', 'int32'],
  ['uint32_t', 'uint32'],
  ['int64_t', 'int64'],
  ['uint64_t', 'uint64'],
  ['bool', 'bool'],
]);

/** The TVM dtype of a C pointer type such as `float*` or `int8_t *`; null for `void*` or others. */
export function pointerDtype(type: string): string | null {
  let t = type.trim();
  if (!t.endsWith('*')) return null;
  t = t.slice(0, -1).trim();
  if (t.startsWith('const ')) t = t.slice(6).trim();
  return C_TYPES.get(t.replace(/\s+/g, ' ')) ?? null;
}

const isVoidPointer = (type: string) => type.replace(/\s+/g, '') === 'void*';

/**
 * The element type behind parameter `index` of function `name`: its declared pointer type, or for
 * a `void*` the type it is cast to in the body (`((int8_t*)p)[i]`), or the type the parameter has
 * in a function it is passed to. Follows at most `depth` calls; gives up (null) once it has read
 * four times the sources' tokens.
 */
export function paramDtype(sources: readonly string[], name: string, index: number, depth = 4): string | null {
  const idx = indexOf(sources);
  const fn = idx.functions.get(name);
  const param = fn?.params[index];
  if (fn === undefined || param === undefined) return null;
  const declared = pointerDtype(param.type);
  if (declared !== null || !isVoidPointer(param.type)) return declared;
  const facts = bodyFacts(idx, fn);
  idx.budget -= facts.aliases.length + facts.casts.length + facts.calls.length + 1;
  if (idx.budget < 0) return null;
  const names = new Set([param.name]);
  for (const [dst, src] of facts.aliases) if (names.has(src)) names.add(dst);
  for (const [v, type] of facts.casts) {
    const t = C_TYPES.get(type);
    if (names.has(v) && t !== undefined) return t;
  }
  if (depth === 0) return null;
  for (const call of facts.calls) {
    idx.budget -= call.args.length;
    if (idx.budget < 0) return null;
    const at = call.args.findIndex((a) => names.has(a));
    if (at < 0 || call.callee === name) continue;
    const t = paramDtype(sources, call.callee, at, depth - 1);
    if (t !== null) return t;
  }
  return null;
}

/** How the AOT entry point `tvmgen_<m>_run` takes its arguments. */
export type AotEntry =
  /** C interface: `(struct tvmgen_<m>_inputs*, struct tvmgen_<m>_outputs*, ...)`. */
  | { style: 'c'; extraParams: string[]; inner: string | null }
  /** Packed: `(TVMValue* args, int* type_codes, int num_args, ...)`, `arity` DLTensor args. */
  | { style: 'packed'; arity: number; inner: string | null }
  /** Raw pointers: `(void* a, void* b, ...)`. */
  | { style: 'raw'; arity: number; inner: string | null };

/** Reads the signature of the AOT entry point; null when it is not defined in `sources`. */
export function readAotEntry(sources: readonly string[], entry: string): AotEntry | null {
  const idx = indexOf(sources);
  const fn = idx.functions.get(entry);
  if (fn === undefined) return null;
  const facts = bodyFacts(idx, fn);
  // The function the wrapper forwards to (`tvmgen_<m>___tvm_main__`, `tvmgen_<m>_run_model`).
  const inner = calledNames(fn.body).find(
    (c) => c !== entry && (c.startsWith('tvmgen_') || c.endsWith('__tvm_main__')),
  );
  if (fn.params[0]?.type.startsWith('struct')) {
    return { style: 'c', extraParams: fn.params.slice(2).map((p) => p.type), inner: inner ?? null };
  }
  const packed = fn.params.length === 6 && /^int(32_t)?$/.test(fn.params[2]?.type ?? '');
  if (packed) {
    let arity = 0;
    for (const n of facts.packedArgs) arity = Math.max(arity, n + 1);
    return { style: 'packed', arity, inner: inner ?? null };
  }
  return { style: 'raw', arity: fn.params.length, inner: inner ?? null };
}

/** Every identifier followed by `(`, in order (calls with any arguments). */
function calledNames(body: string): string[] {
  const out: string[] = [];
  let last: string | null = null;
  lexC(body, (kind, start, end) => {
    const text = body.slice(start, end);
    if (text === '(' && last !== null) out.push(last);
    last = kind === 'ident' ? text : null;
  });
  return out;
}
