/** A typed parameter of Relay's `@main`. */
export interface RelayParam {
  name: string;
  shape: number[] | null;
  dtype: string | null;
}

/** What the Relay text says about `@main`'s interface. */
export interface RelaySignature {
  params: RelayParam[];
  /** Return tensor type when the text carries `-> Tensor[...]` (type-annotated modules). */
  returns: RelayParam[] | null;
  /** The `output_tensor_names` attribute (TFLite frontend), when present. */
  outputTensorNames: string[] | null;
}

// Character classes exclude the opening delimiter too, so a run of unclosed openers is linear (no ReDoS).
const TENSOR = /Tensor\[\(([^()]*)\),\s*([A-Za-z0-9_]+)\]/;

function tensorType(text: string): { shape: number[] | null; dtype: string | null } {
  const m = TENSOR.exec(text);
  if (m === null) return { shape: null, dtype: null };
  const dims = (m[1] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const shape = dims.every((d) => /^\d+$/.test(d)) ? dims.map(Number) : null;
  return { shape, dtype: m[2] ?? null };
}

/**
 * Reads the signature of `def @main(...)` from Relay text. Relay text is informational and not
 * always parseable (fork-specific names such as `%x:0`, span comments), so this is a tolerant
 * scan that returns null when `@main` is not found.
 */
export function parseRelayMain(text: string): RelaySignature | null {
  const start = text.indexOf('def @main(');
  if (start < 0) return null;
  // Find the matching parenthesis, skipping /* comments */ and strings.
  let depth = 0;
  let i = start + 'def @main'.length;
  let end = -1;
  for (; i < text.length; i++) {
    const c = text[i];
    if (c === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      i = close < 0 ? text.length : close + 1;
    } else if (c === '"') {
      const close = text.indexOf('"', i + 1);
      i = close < 0 ? text.length : close;
    } else if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') {
      depth--;
      if (depth === 0 && c === ')') {
        end = i;
        break;
      }
    }
  }
  if (end < 0) return null;
  const inner = stripComments(text.slice(start + 'def @main('.length, end));
  const params: RelayParam[] = [];
  const paramRe = /%([^\s:,%]+(?::\d+)?)\s*:\s*(Tensor\[\([^()]*\),\s*[A-Za-z0-9_]+\])/g;
  for (let m = paramRe.exec(inner); m !== null; m = paramRe.exec(inner)) {
    params.push({ name: m[1] ?? '', ...tensorType(m[2] ?? '') });
  }
  const names = /output_tensor_names=\[([^\][]*)\]/.exec(inner);
  const outputTensorNames = names ? [...(names[1] ?? '').matchAll(/"([^"]*)"/g)].map((x) => x[1] ?? '') : null;
  const brace = text.indexOf('{', end);
  const after = text.slice(end + 1, brace < 0 ? undefined : brace);
  return { params, returns: returnTypes(after, outputTensorNames), outputTensorNames };
}

/** Drops `/* ... *\/` comments in one pass (a lazy regex rescans the rest from every unclosed `/*`). */
function stripComments(s: string): string {
  let out = '';
  let i = 0;
  for (;;) {
    const open = s.indexOf('/*', i);
    const close = open < 0 ? -1 : s.indexOf('*/', open + 2);
    if (close < 0) return out + s.slice(i);
    out += s.slice(i, open);
    i = close + 2;
  }
}

/**
 * `-> Tensor[...]` or a (nested) tuple of tensors after the parameter list. Names follow TVM's
 * rules (docs/format.md §5.3): `output` for one tensor, `output<i>` for tuple leaves in depth-first
 * order, or `output_tensor_names` when given.
 */
function returnTypes(after: string, names: string[] | null): RelayParam[] | null {
  const arrow = after.indexOf('->');
  if (arrow < 0) return null;
  const ret = after.slice(arrow + 2).trim();
  const leaves = [...ret.matchAll(new RegExp(TENSOR.source, 'g'))].map((m) => tensorType(m[0]));
  if (leaves.length === 0) return null;
  const tuple = ret.startsWith('(');
  return leaves.map((t, i) => ({ name: names?.[i] ?? (tuple ? `output${i}` : 'output'), ...t }));
}

/** Field names of `struct tvmgen_<m>_<which> { void* a; ... }` in a C interface header. */
export function parseHeaderStruct(header: string, moduleName: string, which: 'inputs' | 'outputs'): string[] | null {
  const re = new RegExp(
    `struct\\s+tvmgen_${moduleName.toLowerCase().replace(/[^a-z0-9_]/g, '_')}_${which}\\s*\\{([^{}]*)\\}`,
  );
  const m = re.exec(header);
  if (m === null) return null;
  return [...(m[1] ?? '').matchAll(/void\s*\*\s*([A-Za-z_][A-Za-z0-9_]*)\s*;/g)].map((x) => x[1] ?? '');
}
