/**
 * The static plan of a graph-executor module: what TVM's graph executor does at load time
 * (mlf-spec §6.3), done once by the generator and written out as C.
 */
import type { MlfModule } from '../../../core/archive/archive.js';
import { MlfError } from '../../../core/errors/errors.js';
import { computeStoragePools, entryId, graphParamInputs } from '../../../core/graph/facts.js';
import type { GraphJson } from '../../../core/graph/graph.js';
import { elementBytes, type ModelInterface } from './interface.js';
import {
  bufferDecl,
  byteArray,
  cComment,
  cIdentifier,
  cString,
  dtypeInit,
  failureHelper,
  planExports,
  type PlanSymbols,
  planPrologue,
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
  /** What the plan exports (several plans in one program need distinct names). */
  symbols: PlanSymbols;
}

/** model_plan.c of a graph-executor module. */
export function graphPlan({ iface, module, embeddedParams, symbols }: GraphPlanOptions): string {
  const graph = iface.graph as GraphJson;
  checkSupported(graph, iface.module);
  const {
    shape: shapes,
    dltype: dtypes,
    storage_id: sids,
  } = { shape: graph.attrs.shape[1], dltype: graph.attrs.dltype[1], storage_id: graph.attrs.storage_id[1] };
  const pools = computeStoragePools(graph);
  const out: string[] = [planPrologue(iface, 'graph executor', workspaceArena(iface, module), symbols)];
  const x = planExports(symbols.prefix);

  out.push(
    '/* Storage: one buffer per storage id, as large as its largest tensor (as the graph executor sizes it). */',
  );
  for (const p of pools)
    out.push(bufferDecl(`storage_${p.storageId}`, p.bytes, `sid ${p.storageId}: entries ${p.entries.join(', ')}`));

  out.push('', '/* One tensor view per graph entry. */');
  const rows: string[] = [];
  dtypes.forEach((dt, e) => {
    const shape = shapes[e] ?? [];
    const decl = shapeDecl(`shape_${e}`, shape);
    if (decl !== null) out.push(decl);
    rows.push(
      `  {storage_${sids[e]}, {kDLCPU, 0}, ${shape.length}, ${dtypeInit(dt)}, ${decl === null ? 'NULL' : `shape_${e}`}, NULL, 0}, /* ${e}: ${dt} */`,
    );
  });
  out.push(`static DLTensor entries[${Math.max(1, rows.length)}] = {`, ...rows, '};', '');

  const ioRow = (t: (typeof iface.inputs)[number], e: number) => ({
    ...t,
    data: `storage_${sids[e]}`,
    shapeVar: (shapes[e] ?? []).length === 0 ? null : `shape_${e}`,
  });
  const inputEntries = graph.arg_nodes
    .filter((nid) => iface.inputs.some((t) => t.name === graph.nodes[nid]?.name))
    .map((nid) => entryId(graph, nid));
  out.push(
    tensorTable(
      x.inputs,
      x.numInputs,
      iface.inputs.map((t, i) => ioRow(t, inputEntries[i] ?? 0)),
    ),
  );
  out.push(
    tensorTable(
      x.outputs,
      x.numOutputs,
      iface.outputs.map((t, i) => ioRow(t, entryId(graph, graph.heads[i]?.[0] ?? 0, graph.heads[i]?.[1] ?? 0))),
    ),
    '',
  );

  out.push(...paramsSection(graph, iface, embeddedParams, x));
  out.push(...operatorsSection(graph, dtypes, shapes, x.run, iface.module));
  return `${out.join('\n')}\n`;
}

function checkSupported(graph: GraphJson, module: string): void {
  const bad = (why: string) => new MlfError('MLF-E507', `module "${module}": ${why}`);
  if (graph.attrs.storage_scope !== undefined) throw bad('the graph uses texture storage scopes, which need a GPU');
  const devices = graph.attrs.device_index?.[1] ?? [];
  if (devices.some((d) => d !== 1)) throw bad('the graph places tensors on devices other than the CPU (device type 1)');
  for (const n of graph.nodes) {
    if (n.op === 'tvm_op' && n.attrs?.flatten_data !== undefined && n.attrs.flatten_data !== '0')
      throw bad(`node ${n.name} asks for flattened data (flatten_data ${n.attrs.flatten_data})`);
  }
}

function paramsSection(
  graph: GraphJson,
  iface: ModelInterface,
  embedded: Uint8Array | null,
  x: ReturnType<typeof planExports>,
): string[] {
  const names = new Set(iface.params?.tensors.map((t) => t.name) ?? []);
  const slots = graphParamInputs(graph, names).map((t) => {
    const d = dtypeInit(t.dtype).slice(1, -1);
    return `  {${cString(t.name)}, storage_${t.storageId}, ${elementBytes(t.dtype) * count(t.shape)}, ${d}},`;
  });
  const out = ['/* Params: copied from the .params blob into their storage at init. */'];
  out.push(
    `static const mlf_param_slot param_slots[${Math.max(1, slots.length)}] = {`,
    ...(slots.length > 0 ? slots : ['  {NULL, NULL, 0, 0, 0, 0},']),
    '};',
  );
  if (embedded !== null) out.push(byteArray('embedded_params', embedded));
  out.push(`const int ${x.paramsRequired} = ${embedded === null && slots.length > 0 ? 1 : 0};`, '');
  const blob = embedded !== null ? 'embedded_params, sizeof embedded_params' : 'params, params_bytes';
  out.push(`int ${x.init}(const uint8_t* params, size_t params_bytes) {`);
  if (embedded !== null) out.push('  (void)params;', '  (void)params_bytes;');
  out.push('  mlf_workspace_init(workspace_arena, MLF_WORKSPACE_BYTES);');
  if (slots.length > 0) out.push(`  return mlf_params_load(${blob}, param_slots, ${slots.length});`);
  else
    out.push(
      ...(embedded === null ? ['  (void)params;', '  (void)params_bytes;'] : []),
      '  (void)param_slots;',
      '  return 0;',
    );
  out.push('}', '');
  return out;
}

function operatorsSection(
  graph: GraphJson,
  dtypes: string[],
  shapes: number[][],
  run: string,
  module: string,
): string[] {
  const out = ['/* Operators, called in node order through the packed-function ABI. */'];
  const declared = new Set<string>();
  const calls: string[] = [];
  let maxArgs = 1;
  graph.nodes.forEach((node, nid) => {
    if (node.op !== 'tvm_op') return;
    const fn = node.attrs?.func_name ?? '';
    const outputs = Number(node.attrs?.num_outputs ?? '1');
    const args = [
      ...node.inputs.map(([n, i]) => entryId(graph, n, i)),
      ...Array.from({ length: outputs }, (_, k) => entryId(graph, nid, k)),
    ];
    if (fn === '__nop') {
      calls.push(`  /* node ${nid} ${cComment(node.name)}: __nop (its output shares its input's storage) */`);
      return;
    }
    if (fn === '__copy') {
      const [src, dst] = [args[0] ?? 0, args[1] ?? 0];
      const bytes = elementBytes(dtypes[src] ?? 'uint8') * count(shapes[src] ?? []);
      calls.push(
        `  memcpy(entries[${dst}].data, entries[${src}].data, ${bytes}); /* node ${nid} ${cComment(node.name)}: __copy */`,
      );
      return;
    }
    if (!declared.has(fn)) {
      cIdentifier(fn, 'operator function', module);
      declared.add(fn);
      out.push(
        `int32_t ${fn}(TVMValue* args, int* type_codes, int num_args, TVMValue* ret, int* ret_code, void* resource_handle);`,
      );
    }
    maxArgs = Math.max(maxArgs, args.length);
    out.push(
      `static TVMValue args_${nid}[${args.length}] = {${args.map((e) => `{.v_handle = &entries[${e}]}`).join(', ')}};`,
    );
    calls.push(
      `  if (${fn}(args_${nid}, type_codes, ${args.length}, &ret, &ret_code, NULL) != 0) return failed(${cString(`node ${nid} ${fn}`)});`,
    );
  });
  out.push(
    `static int type_codes[${maxArgs}] = {${Array.from({ length: maxArgs }, () => DLTENSOR_HANDLE).join(', ')}};`,
    '',
  );
  out.push(failureHelper());
  out.push(
    `int ${run}(void) {`,
    '  TVMValue ret;',
    '  int ret_code;',
    '  TVMAPISetLastError("");',
    ...calls,
    '  (void)ret;',
    '  (void)ret_code;',
    '  return 0;',
    '}',
  );
  return out;
}
