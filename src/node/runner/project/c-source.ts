/**
 * Small scans of TVM-generated C: entry-point signatures and the element types of their pointer
 * arguments. Generated code is regular (one function per definition, no macros in signatures),
 * so regular expressions plus brace matching are enough; anything unexpected gives null.
 */

/** A function definition found in generated C. */
export interface CFunction {
  name: string;
  /** Parameters as written: type text and name. */
  params: { type: string; name: string }[];
  body: string;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The definition (not a declaration) of `name` in any of `sources`, or null. */
export function findCFunction(sources: readonly string[], name: string): CFunction | null {
  const re = new RegExp(`\\b${escape(name)}\\s*\\(([^)]*)\\)\\s*\\{`, 'g');
  for (const text of sources) {
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      const open = m.index + m[0].length - 1;
      const close = matchBrace(text, open);
      if (close < 0) continue;
      return { name, params: splitParams(m[1] ?? ''), body: text.slice(open + 1, close) };
    }
  }
  return null;
}

function matchBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i;
  }
  return -1;
}

function splitParams(list: string): { type: string; name: string }[] {
  const trimmed = list.trim();
  if (trimmed === '' || trimmed === 'void') return [];
  return trimmed.split(',').map((p) => {
    const m = /^(.*?)([A-Za-z_][A-Za-z0-9_]*)\s*$/.exec(p.trim());
    return { type: (m?.[1] ?? '').replace(/\s+/g, ' ').trim(), name: m?.[2] ?? '' };
  });
}

/** Calls `callee(arg, ...)` in a function body, arguments trimmed (no nested parentheses). */
export function findCalls(body: string): { callee: string; args: string[] }[] {
  const out: { callee: string; args: string[] }[] = [];
  for (const m of body.matchAll(/\b([A-Za-z_][A-Za-z0-9_]*)\s*\(([^()]*)\)/g)) {
    const callee = m[1] ?? '';
    if (['if', 'for', 'while', 'return', 'sizeof'].includes(callee)) continue;
    out.push({ callee, args: (m[2] ?? '').split(',').map((a) => a.trim()) });
  }
  return out;
}

const C_TYPES: Readonly<Record<string, string>> = {
  float: 'float32',
  double: 'float64',
  int8_t: 'int8',
  'signed char': 'int8',
  uint8_t: 'uint8',
  'unsigned char': 'uint8',
  int16_t: 'int16',
  uint16_t: 'uint16',
  int32_t: 'int32',
  uint32_t: 'uint32',
  int64_t: 'int64',
  uint64_t: 'uint64',
  bool: 'bool',
};

/** The TVM dtype of a C pointer type such as `float*` or `int8_t *`; null for `void*` or others. */
export function pointerDtype(type: string): string | null {
  const m = /^(?:const\s+)?(.+?)\s*\*$/.exec(type.trim());
  return m === null ? null : (C_TYPES[m[1] ?? ''] ?? null);
}

/**
 * The element type behind parameter `index` of function `name`: its declared pointer type, or for
 * a `void*` the type it is cast to in the body (`((int8_t*)p)[i]`), or the type the parameter has
 * in a function it is passed to. Follows at most `depth` calls.
 */
export function paramDtype(sources: readonly string[], name: string, index: number, depth = 4): string | null {
  const fn = findCFunction(sources, name);
  const param = fn?.params[index];
  if (fn === null || param === undefined) return null;
  const declared = pointerDtype(param.type);
  if (declared !== null || !/^void\s*\*$/.test(param.type)) return declared;
  const names = new Set([param.name]);
  for (const m of fn.body.matchAll(/void\s*\*\s*([A-Za-z_]\w*)\s*=\s*([A-Za-z_]\w*)\s*;/g)) {
    if (names.has(m[2] ?? '')) names.add(m[1] ?? '');
  }
  for (const m of fn.body.matchAll(/\(\(\s*([A-Za-z_][\w ]*?)\s*\*\s*\)\s*([A-Za-z_]\w*)\s*\)/g)) {
    if (names.has(m[2] ?? '')) {
      const t = C_TYPES[m[1] ?? ''];
      if (t !== undefined) return t;
    }
  }
  if (depth === 0) return null;
  for (const call of findCalls(fn.body)) {
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
  const fn = findCFunction(sources, entry);
  if (fn === null) return null;
  // The function the wrapper forwards to (`tvmgen_<m>___tvm_main__`, `tvmgen_<m>_run_model`).
  const inner =
    [...fn.body.matchAll(/\b([A-Za-z_]\w*)\s*\(/g)]
      .map((m) => m[1] ?? '')
      .find((c) => c !== entry && /^tvmgen_|__tvm_main__$/.test(c)) ?? null;
  if (fn.params[0]?.type.startsWith('struct')) {
    return { style: 'c', extraParams: fn.params.slice(2).map((p) => p.type), inner };
  }
  const packed = fn.params.length === 6 && /^int(32_t)?$/.test(fn.params[2]?.type ?? '');
  if (packed) {
    const used = [...fn.body.matchAll(/\(\(TVMValue\s*\*\)\s*args\)\s*\[\s*(\d+)\s*\]/g)].map((m) => Number(m[1]));
    return { style: 'packed', arity: used.length === 0 ? 0 : Math.max(...used) + 1, inner };
  }
  return { style: 'raw', arity: fn.params.length, inner };
}
