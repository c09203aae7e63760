/**
 * Checks that make a generated program safe to build from an archive (docs/security.md, "What
 * the generated program guarantees"): every name that becomes C is a C identifier and names
 * code the module itself defines, and every tensor size is the same in every place that states
 * it (graph, metadata.json, the C interface header, the Relay text). Used by `validateArchive`;
 * `mlf project` and `mlf run` refuse archives that fail them.
 */
import { type MlfArchive, type MlfModule, readMember, readText } from './archive.js';
import { cIdentifierProblem, scanCDefines, scanCFunctions, scanCStructFields } from './c-scan.js';
import { definedElfSymbols } from './elf-symbols.js';
import { type Diagnostic, diagnostic, isMlfError } from '../errors/errors.js';
import type { MlfCode } from '../errors/codes.js';
import { entryId } from '../graph/facts.js';
import type { GraphJson } from '../graph/graph.js';
import { parseRelayMain } from '../graph/relay.js';
import { parseDType } from '../params/dtype.js';
import { sanitizeCName } from '../graph/c-names.js';
import { packedTensorBytes } from '../params/encode.js';

/** Most diagnostics one check reports before it summarises the rest. */
const MAX_REPORTED = 20;

export { sanitizeCName };

/**
 * Why a module name is unsafe in generated build files and C, or undefined: ASCII letters,
 * digits, `_`, `.` and `-`, starting with a letter, digit or `_` (TVM sanitises the rest into
 * its C symbols; these never need quoting in a Makefile, CMake or a shell).
 */
export function moduleNameProblem(name: string): string | undefined {
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(name))
    return 'has characters other than ASCII letters, digits, "_", "." and "-" (or starts with "." or "-")';
  if (name.length > 200) return 'is longer than 200 characters';
  return undefined;
}

/** Functions a module's code defines for the linker: C definitions and object-file symbols. */
export interface ModuleCode {
  functions: Set<string>;
  /** False when an object file could not be read, so a missing name proves nothing. */
  complete: boolean;
  /** The module has any code (without it, E401 is the problem, not each missing function). */
  any: boolean;
}

/** Reads the non-static functions of a module's C sources and the symbols of its objects. */
export async function readModuleCode(archive: MlfArchive, m: MlfModule): Promise<ModuleCode> {
  const functions = new Set<string>();
  for (const p of m.files.sources) {
    if (!/\.(c|cc|cpp)$/.test(p)) continue;
    for (const d of scanCFunctions(await readText(archive, p))) if (!d.isStatic) functions.add(d.name);
  }
  let complete = true;
  for (const p of m.files.objects) {
    const names = definedElfSymbols(await readMember(archive, p));
    if (names === null) complete = false;
    else for (const n of names) functions.add(n);
  }
  return { functions, complete, any: m.files.sources.length + m.files.objects.length > 0 };
}

type Add = (code: MlfCode, message: string, where: { member?: string; jsonPath?: string }) => void;

function limited(out: Diagnostic[]): { add: Add; finish: () => void } {
  let count = 0;
  let last: MlfCode | null = null;
  return {
    add: (code, message, where) => {
      if (count++ < MAX_REPORTED) out.push(diagnostic(code, message, where));
      last = code;
    },
    finish: () => {
      if (count > MAX_REPORTED && last !== null)
        out.push(diagnostic(last, `${count - MAX_REPORTED} more problems of this kind not listed`));
    },
  };
}

const bytesOf = (dtype: string, shape: readonly number[]): number | null => {
  try {
    return packedTensorBytes(parseDType(dtype), shape);
  } catch {
    return null;
  }
};

/**
 * Cross-checks of one module. Errors become diagnostics; reading problems (a text member over
 * the limits) are reported as what they are.
 */
export async function crossCheckModule(
  archive: MlfArchive,
  m: MlfModule,
  graph: GraphJson | null,
  out: Diagnostic[],
): Promise<void> {
  const at = (suffix: string) => ({ member: 'metadata.json', jsonPath: `${m.metadata.jsonPath}${suffix}` });
  const nameProblem = moduleNameProblem(m.name);
  if (nameProblem !== undefined)
    out.push(diagnostic('MLF-E408', `module name ${JSON.stringify(m.name)} ${nameProblem}`, at('')));
  try {
    const code = await readModuleCode(archive, m);
    if (graph !== null && m.files.graph !== null) checkGraphCode(graph, m.files.graph, code, out);
    if (m.metadata.style === 'operator') checkOperatorNames(m, code, out, at);
    if (graph !== null && m.files.graph !== null) checkGraphOutputs(m, graph, out, at);
    if (m.executor === 'aot') await checkAotInterface(archive, m, out, at);
  } catch (e) {
    if (!isMlfError(e)) throw e;
    out.push(e.toDiagnostic());
  }
}

/** func_name of every tvm_op: a C identifier the module defines; __copy/__nop well-formed. */
function checkGraphCode(graph: GraphJson, member: string, code: ModuleCode, out: Diagnostic[]): void {
  const { add, finish } = limited(out);
  const checked = new Map<string, boolean>();
  const shapes = graph.attrs.shape[1];
  const dtypes = graph.attrs.dltype[1];
  graph.nodes.forEach((node, nid) => {
    if (node.op !== 'tvm_op') return;
    const fn = node.attrs?.func_name ?? '';
    const where = { member, jsonPath: `$.nodes[${nid}].attrs.func_name` };
    if (fn === '__nop' || fn === '__copy') {
      const outputs = (graph.node_row_ptr[nid + 1] ?? 0) - (graph.node_row_ptr[nid] ?? 0);
      if (node.inputs.length !== 1 || outputs !== 1) {
        add(
          'MLF-E308',
          `node ${nid} (${fn}) has ${node.inputs.length} inputs and ${outputs} outputs; it needs 1 and 1`,
          {
            member,
            jsonPath: `$.nodes[${nid}]`,
          },
        );
        return;
      }
      const [src, dst] = [entryId(graph, node.inputs[0]?.[0] ?? 0, node.inputs[0]?.[1] ?? 0), entryId(graph, nid)];
      const a = bytesOf(dtypes[src] ?? '', shapes[src] ?? []);
      const b = bytesOf(dtypes[dst] ?? '', shapes[dst] ?? []);
      if (fn === '__copy' && a !== b) {
        add(
          'MLF-E308',
          `node ${nid} (__copy) copies entry ${src}, ${dtypes[src]}[${(shapes[src] ?? []).join(', ')}] = ${a} bytes, into entry ${dst}, ${dtypes[dst]}[${(shapes[dst] ?? []).join(', ')}] = ${b} bytes`,
          { member, jsonPath: `$.nodes[${nid}]` },
        );
      }
      return;
    }
    if (checked.has(fn)) return;
    const problem = cIdentifierProblem(fn);
    checked.set(fn, problem === undefined);
    if (problem !== undefined) {
      add('MLF-E408', `node ${nid} calls func_name ${JSON.stringify(fn)}, which ${problem}`, where);
    } else if (!code.functions.has(fn) && code.any) {
      add(
        'MLF-E409',
        code.complete
          ? `node ${nid} calls ${fn}, which the module's generated code does not define`
          : `node ${nid} calls ${fn}, which the module's C sources do not define and its object files could not be read for`,
        where,
      );
    }
  });
  finish();
}

function checkOperatorNames(m: MlfModule, code: ModuleCode, out: Diagnostic[], at: (s: string) => object): void {
  const { add, finish } = limited(out);
  for (const fn of Object.keys(m.metadata.operatorBuffers ?? {})) {
    const problem = cIdentifierProblem(fn);
    if (problem !== undefined) add('MLF-E408', `operator function ${JSON.stringify(fn)} ${problem}`, at('.memory'));
    else if (!code.functions.has(fn) && code.any)
      add('MLF-E409', `operator function ${fn} is not defined by the module's generated code`, at('.memory'));
  }
  finish();
}

/** Graph heads against `memory.functions.main[0].outputs`: the same count and sizes. */
function checkGraphOutputs(m: MlfModule, graph: GraphJson, out: Diagnostic[], at: (s: string) => object): void {
  const declared = m.metadata.main?.[0]?.outputs;
  if (declared === undefined) return;
  const where = at('.memory.functions.main[0].outputs');
  const heads = graph.heads.map(([nid, index]) => {
    const e = entryId(graph, nid, index);
    const dtype = graph.attrs.dltype[1][e] ?? '';
    const shape = graph.attrs.shape[1][e] ?? [];
    return { e, text: `${dtype}[${shape.join(', ')}]`, bytes: bytesOf(dtype, shape) };
  });
  const entries = Object.entries(declared);
  if (entries.length !== heads.length) {
    out.push(
      diagnostic(
        'MLF-E420',
        `metadata.json lists ${entries.length} outputs, the graph (${m.files.graph}) has ${heads.length} heads`,
        where,
      ),
    );
    return;
  }
  const defaults = entries.every(([k]) => /^output\d+$/.test(k));
  if (heads.length === 1 || defaults) {
    // One output, or TVM's default names output0..N: positions are known.
    heads.forEach((h, i) => {
      const [name, info] = (defaults ? entries.find(([k]) => k === `output${i}`) : entries[0]) ?? [];
      if (info !== undefined && info.size !== h.bytes)
        out.push(
          diagnostic(
            'MLF-E420',
            `output ${JSON.stringify(name)} is ${info.size} bytes in metadata.json, but graph head ${i} (entry ${h.e}) is ${h.text} = ${h.bytes} bytes`,
            where,
          ),
        );
    });
    return;
  }
  // Named outputs are sorted in metadata.json, so only the sizes as a multiset can be compared.
  const a = entries.map(([, v]) => v.size).sort((x, y) => x - y);
  const b = heads.map((h) => h.bytes ?? -1).sort((x, y) => x - y);
  if (a.some((v, i) => v !== b[i]))
    out.push(
      diagnostic(
        'MLF-E420',
        `output sizes in metadata.json (${a.join(', ')} bytes) differ from the graph heads (${b.join(', ')} bytes)`,
        where,
      ),
    );
}

/**
 * AOT: metadata sizes against the header's `TVMGEN_<M>_<NAME>_SIZE` macros and struct fields, and
 * against the Relay text's parameter types.
 */
async function checkAotInterface(
  archive: MlfArchive,
  m: MlfModule,
  out: Diagnostic[],
  at: (s: string) => { member: string; jsonPath: string },
): Promise<void> {
  const main = m.metadata.main?.[0];
  const mod = sanitizeCName(m.name);
  const header = m.files.headers.find((p) => p.endsWith(`/tvmgen_${mod.toLowerCase()}.h`)) ?? null;
  const { add, finish } = limited(out);
  if (header !== null) {
    const text = await readText(archive, header);
    const macros = scanCDefines(text);
    const macro = (name: string) => `TVMGEN_${mod.toUpperCase()}_${sanitizeCName(name).toUpperCase()}_SIZE`;
    const numeric = (name: string) => {
      const v = macros.get(name);
      return v !== undefined && /^\d+$/.test(v) ? Number(v) : null;
    };
    const structs = {
      inputs: scanCStructFields(text, `tvmgen_${mod.toLowerCase()}_inputs`),
      outputs: null as string[] | null,
    };
    structs.outputs = scanCStructFields(text, `tvmgen_${mod.toLowerCase()}_outputs`);
    for (const kind of ['inputs', 'outputs'] as const) {
      const declared = main?.[kind];
      if (declared === undefined) continue;
      const where = at(`.memory.functions.main[0].${kind}`);
      for (const [name, info] of Object.entries(declared)) {
        const size = numeric(macro(name));
        if (size !== null && size !== info.size)
          add(
            'MLF-E420',
            `${kind.slice(0, -1)} ${JSON.stringify(name)} is ${info.size} bytes in metadata.json, but ${header} says ${macro(name)} ${size}`,
            where,
          );
      }
      const fields = structs[kind];
      if (fields !== null) {
        const names = Object.keys(declared).map(sanitizeCName).sort();
        const sorted = [...fields].sort();
        if (names.length !== sorted.length || names.some((n, i) => n !== sorted[i]))
          add(
            'MLF-E420',
            `metadata.json lists ${kind} ${names.join(', ') || 'none'}, but struct tvmgen_${mod.toLowerCase()}_${kind} in ${header} has ${sorted.join(', ') || 'none'}`,
            where,
          );
      }
    }
    const ws = numeric(`TVMGEN_${mod.toUpperCase()}_WORKSPACE_SIZE`);
    const clash = [...Object.keys(main?.inputs ?? {}), ...Object.keys(main?.outputs ?? {})].some(
      (n) => sanitizeCName(n).toUpperCase() === 'WORKSPACE',
    );
    if (ws !== null && main !== undefined && !clash && ws !== main.workspace_size_bytes)
      add(
        'MLF-E420',
        `workspace_size_bytes is ${main.workspace_size_bytes} in metadata.json, but ${header} says TVMGEN_${mod.toUpperCase()}_WORKSPACE_SIZE ${ws}`,
        at('.memory.functions.main[0].workspace_size_bytes'),
      );
  }
  if (m.files.relay !== null && main?.inputs !== undefined) {
    const relay = parseRelayMain(await readText(archive, m.files.relay));
    for (const p of relay?.params ?? []) {
      if (p.dtype === null || p.shape === null || !Object.hasOwn(main.inputs, p.name)) continue;
      const info = main.inputs[p.name];
      if (info === undefined) continue;
      const bytes = bytesOf(p.dtype, p.shape);
      if (bytes !== info.size || p.dtype !== info.dtype)
        add(
          'MLF-E420',
          `input ${JSON.stringify(p.name)} is ${info.dtype}, ${info.size} bytes in metadata.json, but ${m.files.relay} types it ${p.dtype}[${p.shape.join(', ')}] = ${bytes} bytes`,
          at('.memory.functions.main[0].inputs'),
        );
    }
  }
  finish();
}
