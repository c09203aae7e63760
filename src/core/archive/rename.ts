import { MlfError } from '../errors/errors.js';
import { isRecord } from '../common/json.js';
import { type FileData, type ModulePackage, renamePackage } from './packages.js';

/** Module names that are safe as C identifier parts and file names (TVM's own rule is looser; this is what renames produce). */
const SAFE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Renames a module with everything TVM derived from its name: files `<m>_lib<N>`, the header
 * `tvmgen_<m>.h`, and the identifiers `tvmgen_<m>_…` / `TVMGEN_<M>_…` in its C sources,
 * headers, graph JSON (func_name) and metadata (operator function names), so the renamed module
 * links and runs beside one that kept the name. Object files cannot be rewritten: a module with
 * `.o` code is refused (E415) rather than renamed half-way.
 * @throws MlfError E105 for a new name that is not a C identifier, E415 for object code.
 */
export function renameModule<P extends FileData>(p: ModulePackage<P>, to: string): ModulePackage<P> {
  if (!SAFE_NAME.test(to))
    throw new MlfError(
      'MLF-E105',
      `cannot rename module "${p.name}" to ${JSON.stringify(to)}: a new name must be a C identifier of at most 128 characters`,
    );
  const objects = p.codegen.filter((f) => f.path.endsWith('.o'));
  if (objects.length > 0)
    throw new MlfError(
      'MLF-E415',
      `cannot rename module "${p.name}": its object code (${objects.map((f) => f.path).join(', ')}) defines symbols mlf cannot rewrite`,
    );
  const lower = new RegExp(`\\btvmgen_${escapeRe(p.name)}(?=_|\\.h\\b|\\b)`, 'g');
  const upper = new RegExp(`\\bTVMGEN_${escapeRe(p.name.toUpperCase())}(?=_)`, 'g');
  const rewrite = (text: string) => text.replace(lower, `tvmgen_${to}`).replace(upper, `TVMGEN_${to.toUpperCase()}`);
  const dec = new TextDecoder('utf-8', { fatal: false });
  const enc = new TextEncoder();
  const renamed = renamePackage(p, to);
  const codegen = renamed.codegen.map((f) => {
    if (!/\.(c|cc|cpp|h)$/.test(f.path)) return f;
    const base = f.path.slice(f.path.lastIndexOf('/') + 1);
    const path =
      base === `tvmgen_${p.name}.h` ? `${f.path.slice(0, f.path.length - base.length)}tvmgen_${to}.h` : f.path;
    return { path, data: enc.encode(rewrite(dec.decode(f.data))) };
  });
  const graph = renamed.graph === null ? null : enc.encode(rewrite(dec.decode(renamed.graph)));
  return { ...renamed, codegen, graph, entry: rewriteEntry(renamed.entry, rewrite) };
}

/** The metadata entry with operator function names rewritten (other keys kept). */
function rewriteEntry(entry: Record<string, unknown>, rewrite: (s: string) => string): Record<string, unknown> {
  const out = structuredClone(entry);
  const memory = out.memory;
  const functions = isRecord(memory) ? memory.functions : undefined;
  const ops = isRecord(functions) ? functions.operator_functions : undefined;
  if (Array.isArray(ops))
    for (const f of ops)
      if (isRecord(f) && typeof f.function_name === 'string') f.function_name = rewrite(f.function_name);
  return out;
}
