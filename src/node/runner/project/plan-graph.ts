/**
 * The static plan of a graph-executor module: what TVM's graph executor does at load time
 * (docs/format.md §5.2), done once by the generator and written out as C.
 */
import type { MlfModule } from '../../../core/archive/archive.js';
import { MlfError } from '../../../core/errors/errors.js';
import { computeStoragePools, entryId, graphInputs, graphParamInputs } from '../../../core/graph/facts.js';
import type { GraphJson } from '../../../core/graph/graph.js';
import { elementBytes, type ModelInterface } from './interface.js';
import {
  bufferDecl,
  cComment,
  cIdent,
  cString,
  dtypeInit,
  failureHelper,
  joinPieces,
  planPrologue,
  type ProjectFileData,
  shapeDecl,
  tensorTable,
  workspaceArena,
} from './plan-common.js';

/** Type code of a DLTensor* argument (kTVMDLTensorHandle). */
const DLTENSOR_HANDLE = 7;

const count = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Options of {@link graphPlan}. */
export interface GraphPlanOptions {
  iface: ModelInterface;
  module: MlfModule;
  /** The .params file to compile in, or null to load it at run time. */
  embeddedParams: Uint8Array | null;
}

/** model_plan.c of a graph-executor module (chunked when params are compiled in). */
export function graphPlan({ iface, module, embeddedParams }: GraphPlanOptions): ProjectFileData {
  const graph = iface.graph as GraphJson;
  checkSupported(graph, iface.module);
  const shapes = graph.attrs.shape[1];
  const dtypes = graph.attrs.dltype[1];
  const sids = graph.attrs.storage_id[1];
  const pools = computeStoragePools(graph);
  // Lines are pushed one by one: graphs have more entries than a spread's arguments may hold.
  const out: string[] = [planPrologue(iface, 'graph executor', workspaceArena(iface, module))];

  out.push(
    '/* Storage: one buffer per storage id, as large as its largest tensor (as the graph executor sizes it). */',
  );
  for (const p of pools) {
    const listed =
      p.entries.slice(0, 16).join(', ') + (p.entries.length > 16 ? `, ... (${p.entries.length} in all)` : '');
    out.push(bufferDecl(`storage_${p.storageId}`, p.bytes, `sid ${p.storageId}: entries ${listed}`));
  }

  out.push('', '/* One tensor view per graph entry. */');
  const rows: string[] = [];
  dtypes.forEach((dt, e) => {
    const shape = shapes[e] ?? [];
    const decl = shapeDecl(`shape_${e}`, shape);
    if (decl !== null) out.push(decl);
    rows.push(
      `  {storage_${sids[e]}, {kDLCPU, 0}, ${shape.length}, ${dtypeInit(dt)}, ${decl === null ? 'NULL' : `shape_${e}`}, NULL, 0}, /* ${e}: ${cComment(dt)} */`,
    );
  });
  out.push(`static DLTensor entries[${Math.max(1, rows.length)}] = {`);
  for (const r of rows) out.push(r);
  out.push('};', '');

  const ioRow = (t: (typeof iface.inputs)[number], e: number) => ({
    ...t,
    data: `storage_${sids[e]}`,
    shapeVar: (shapes[e] ?? []).length === 0 ? null : `shape_${e}`,
  });
  // iface.inputs are graphInputs() in arg_nodes order, so positions line up.
  const paramNames = new Set(iface.params?.tensors.map((t) => t.name) ?? []);
  const inputEntries = graphInputs(graph, paramNames).map((t) => t.entryId);
  out.push(
    tensorTable(
      'mlf_inputs',
      iface.inputs.map((t, i) => ioRow(t, inputEntries[i] ?? 0)),
    ),
  );
  out.push(
    tensorTable(
      'mlf_outputs',
      iface.outputs.map((t, i) => ioRow(t, entryId(graph, graph.heads[i]?.[0] ?? 0, graph.heads[i]?.[1] ?? 0))),
    ),
    '',
  );

  const params = paramsSection(graph, iface, embeddedParams);
  for (const line of operatorsSection(graph, dtypes, shapes)) params.after.push(line);
  return joinPieces([
    `${out.join('\n')}\n${params.before.join('\n')}\n`,
    ...(embeddedParams === null ? [] : [{ array: 'embedded_params', bytes: embeddedParams }]),
    `${params.after.join('\n')}\n`,
  ]);
}

function checkSupported(graph: GraphJson, module: string): void {
  const bad = (why: string) => new MlfError('MLF-E507', `module "${module}": ${why}`);
  if (graph.attrs.storage_scope !== undefined) throw bad('the graph uses texture storage scopes, which need a GPU');
  const devices = graph.attrs.device_index?.[1] ?? [];
  if (devices.some((d) => d !== 1)) throw bad('the graph places tensors on devices other than the CPU (device type 1)');
  for (const n of graph.nodes) {
    if (n.op === 'tvm_op' && n.attrs?.flatten_data !== undefined && n.attrs.flatten_data !== '0')
      throw bad(`node ${cComment(n.name)} asks for flattened data (flatten_data ${cComment(n.attrs.flatten_data)})`);
  }
}

/** UTF-8 byte order, the order the C loader's binary search compares names in. */
const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/**
 * Param slots, sorted by name for the loader's binary search, and mlf_model_init. The embedded
 * params array (when any) goes between `before` and `after`.
 */
function paramsSection(
  graph: GraphJson,
  iface: ModelInterface,
  embedded: Uint8Array | null,
): { before: string[]; after: string[] } {
  const names = new Set(iface.params?.tensors.map((t) => t.name) ?? []);
  const tensors = graphParamInputs(graph, names).sort((a, b) => byBytes(a.name, b.name));
  const slots = tensors.map((t) => {
    const d = dtypeInit(t.dtype).slice(1, -1);
    const shape = t.shape.length === 0 ? 'NULL' : `shape_${t.entryId}`;
    return `  {${cString(t.name)}, storage_${t.storageId}, ${elementBytes(t.dtype) * count(t.shape)}, ${d}, ${t.shape.length}, ${shape}},`;
  });
  const before = ['/* Params: copied from the .params blob into their storage at init (slots sorted by name). */'];
  before.push(`static const mlf_param_slot param_slots[${Math.max(1, slots.length)}] = {`);
  for (const s of slots.length > 0 ? slots : ['  {NULL, NULL, 0, 0, 0, 0, 0, NULL},']) before.push(s);
  before.push('};', `static uint8_t param_seen[${Math.max(1, slots.length)}];`);
  const after = [`const int mlf_params_required = ${embedded === null && slots.length > 0 ? 1 : 0};`, ''];
  const blob = embedded !== null ? 'embedded_params, sizeof embedded_params' : 'params, params_bytes';
  after.push('int mlf_model_init(const uint8_t* params, size_t params_bytes) {');
  if (embedded !== null) after.push('  (void)params;', '  (void)params_bytes;');
  after.push('  mlf_workspace_init(workspace_arena, sizeof workspace_arena);');
  if (slots.length > 0) after.push(`  return mlf_params_load(${blob}, param_slots, param_seen, ${slots.length});`);
  else {
    if (embedded === null) after.push('  (void)params;', '  (void)params_bytes;');
    after.push('  (void)param_slots;', '  (void)param_seen;', '  return 0;');
  }
  after.push('}', '');
  return { before, after };
}

function operatorsSection(graph: GraphJson, dtypes: string[], shapes: number[][]): string[] {
  const out = ['/* Operators, called in node order through the packed-function ABI. */'];
  const declared = new Set<string>();
  const calls: string[] = [];
  let maxArgs = 0;
  graph.nodes.forEach((node, nid) => {
    if (node.op !== 'tvm_op') return;
    const fn = node.attrs?.func_name ?? '';
    const outputs = (graph.node_row_ptr[nid + 1] ?? 0) - (graph.node_row_ptr[nid] ?? 0);
    const args = node.inputs.map(([n, i]) => entryId(graph, n, i));
    for (let k = 0; k < outputs; k++) args.push(entryId(graph, nid, k));
    const label = `node ${nid} ${cComment(node.name)}`;
    if (fn === '__nop' || fn === '__copy') {
      if (node.inputs.length !== 1 || outputs !== 1)
        throw new MlfError(
          'MLF-E308',
          `node ${nid} (${fn}) has ${node.inputs.length} inputs and ${outputs} outputs; it needs 1 and 1`,
        );
      const [src, dst] = [args[0] as number, args[1] as number];
      const bytes = (e: number) => elementBytes(dtypes[e] ?? 'uint8') * count(shapes[e] ?? []);
      if (fn === '__nop') {
        calls.push(`  /* ${label}: __nop (its output shares its input's storage) */`);
        return;
      }
      // TVM's executor refuses copies between tensors of different sizes; so does the plan.
      if (bytes(src) !== bytes(dst))
        throw new MlfError(
          'MLF-E308',
          `node ${nid} (__copy) copies ${bytes(src)} bytes (entry ${src}) into ${bytes(dst)} bytes (entry ${dst})`,
        );
      calls.push(`  memcpy(entries[${dst}].data, entries[${src}].data, ${bytes(src)}); /* ${label}: __copy */`);
      return;
    }
    const name = cIdent(fn, `graph node ${nid} func_name`);
    if (!declared.has(name)) {
      declared.add(name);
      out.push(
        `int32_t ${name}(TVMValue* args, int* type_codes, int num_args, TVMValue* ret, int* ret_code, void* resource_handle);`,
      );
    }
    maxArgs = Math.max(maxArgs, args.length);
    out.push(
      `static TVMValue args_${nid}[${Math.max(1, args.length)}] = {${args.map((e) => `{.v_handle = &entries[${e}]}`).join(', ') || '{.v_handle = NULL}'}};`,
    );
    calls.push(
      `  if (${name}(args_${nid}, type_codes, ${args.length}, &ret, &ret_code, NULL) != 0) return failed(${cString(`node ${nid} ${name}`)});`,
    );
  });
  const packed = declared.size > 0;
  if (packed) {
    out.push(
      `static int type_codes[${maxArgs}] = {${Array.from({ length: maxArgs }, () => DLTENSOR_HANDLE).join(', ')}};`,
      '',
    );
    out.push(failureHelper());
  }
  out.push('int mlf_model_run(void) {');
  if (packed) out.push('  TVMValue ret;', '  int ret_code;');
  out.push('  TVMAPISetLastError("");', '  (void)entries; /* a graph of __nop nodes only uses none */');
  for (const c of calls) out.push(c);
  if (packed) out.push('  (void)ret;', '  (void)ret_code;');
  out.push('  return 0;', '}');
  return out;
}
