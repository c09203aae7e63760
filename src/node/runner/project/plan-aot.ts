/**
 * Plans of modules that are called through one entry point: AOT (C interface, packed or raw
 * pointers, docs/format.md §8.2) and operator style (the PrimFunc itself, packed ABI: docs/format.md §8.1).
 */
import type { MlfModule } from '../../../core/archive/archive.js';
import { MlfError } from '../../../core/errors/errors.js';
import type { ModelInterface, RunnerTensor } from './interface.js';
import { sanitizeCName } from '../../../core/archive/cross-check.js';
import {
  bufferDecl,
  cIdent,
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

/** Options of {@link entryPlan}. */
export interface EntryPlanOptions {
  iface: ModelInterface;
  module: MlfModule;
  /** Basename of the C interface header (AOT C interface only). */
  header: string | null;
  /** What the plan exports (several plans in one program need distinct names). */
  symbols: PlanSymbols;
}

const KIND_TEXT = {
  'aot-c': 'AOT, C interface',
  'aot-packed': 'AOT, packed API',
  'aot-raw': 'AOT, raw pointers',
  operator: 'operator',
  graph: 'graph',
} as const;

/** model_plan.c of an AOT or operator-style module. */
export function entryPlan({ iface, module, header, symbols }: EntryPlanOptions): string {
  const names = planExports(symbols.prefix);
  const out = [planPrologue(iface, KIND_TEXT[iface.kind], workspaceArena(iface, module), symbols)];
  if (iface.kind === 'aot-c' && header !== null) {
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*\.h$/.test(header))
      throw new MlfError('MLF-E408', `header name ${JSON.stringify(header)} cannot be used in an #include`);
    out.push(`#include <${header}>`, '');
  }
  const io = [
    ...iface.inputs.map((t, i) => ({ t, v: `input_${i}` })),
    ...iface.outputs.map((t, i) => ({ t, v: `output_${i}` })),
  ];
  for (const { t, v } of io) {
    out.push(bufferDecl(`${v}_data`, t.bytes, `${t.name}: ${t.dtype}[${t.shape.join(', ')}]`)); // bufferDecl escapes the comment
    const decl = shapeDecl(`${v}_shape`, t.shape);
    if (decl !== null) out.push(decl);
  }
  const row = (t: RunnerTensor, v: string) => ({
    ...t,
    data: `${v}_data`,
    shapeVar: t.shape.length === 0 ? null : `${v}_shape`,
  });
  out.push(
    '',
    tensorTable(
      names.inputs,
      names.numInputs,
      iface.inputs.map((t, i) => row(t, `input_${i}`)),
    ),
  );
  out.push(
    tensorTable(
      names.outputs,
      names.numOutputs,
      iface.outputs.map((t, i) => row(t, `output_${i}`)),
    ),
    '',
  );
  out.push(`const int ${names.paramsRequired} = 0;`, '');
  out.push(
    `int ${names.init}(const uint8_t* params, size_t params_bytes) {`,
    '  (void)params;',
    '  (void)params_bytes;',
  );
  out.push('  mlf_workspace_init(workspace_arena, MLF_WORKSPACE_BYTES);', '  return 0;', '}', '');
  out.push(failureHelper());
  if (iface.kind === 'aot-c') out.push(...cInterfaceRun(iface, names.run));
  else if (iface.kind === 'aot-raw')
    out.push(
      ...rawRun(
        iface,
        io.map((x) => `${x.v}_data`),
        names.run,
      ),
    );
  else out.push(...packedRun(iface, io, names.run));
  return `${out.join('\n')}\n`;
}

function cInterfaceRun(iface: ModelInterface, run: string): string[] {
  // The header's struct names are lower-cased and sanitised like TVM does (docs/format.md §8.2).
  const m = sanitizeCName(iface.module).toLowerCase();
  cIdent(`tvmgen_${m}_inputs`, 'C interface struct');
  const fields = (list: RunnerTensor[], prefix: string) =>
    list.map((t, i) => `.${cIdent(t.cName ?? t.name, 'C interface field')} = ${prefix}_${i}_data`).join(', ');
  const entry = cIdent(iface.entry, 'entry point');
  return [
    `int ${run}(void) {`,
    `  struct tvmgen_${m}_inputs inputs = {${fields(iface.inputs, 'input')}};`,
    `  struct tvmgen_${m}_outputs outputs = {${fields(iface.outputs, 'output')}};`,
    '  TVMAPISetLastError("");',
    `  if (${entry}(&inputs, &outputs) != 0) return failed(${cString(iface.entry)});`,
    '  return 0;',
    '}',
  ];
}

function rawRun(iface: ModelInterface, buffers: string[], run: string): string[] {
  const entry = cIdent(iface.entry, 'entry point');
  return [
    `int32_t ${entry}(${buffers.map(() => 'void*').join(', ') || 'void'});`,
    '',
    `int ${run}(void) {`,
    '  TVMAPISetLastError("");',
    `  if (${entry}(${buffers.join(', ')}) != 0) return failed(${cString(iface.entry)});`,
    '  return 0;',
    '}',
  ];
}

/** Packed calls: one DLTensor per argument, inputs then outputs, type code 7 each. */
function packedRun(iface: ModelInterface, io: { t: RunnerTensor; v: string }[], run: string): string[] {
  const rows = io.map(
    ({ t, v }) =>
      `  {${v}_data, {kDLCPU, 0}, ${t.shape.length}, ${dtypeInit(t.dtype)}, ${t.shape.length === 0 ? 'NULL' : `${v}_shape`}, NULL, 0},`,
  );
  const n = io.length;
  return [
    `static DLTensor tensors[${Math.max(1, n)}] = {`,
    ...(rows.length > 0 ? rows : ['  {NULL, {kDLCPU, 0}, 0, {0, 0, 0}, NULL, NULL, 0},']),
    '};',
    `static TVMValue args[${Math.max(1, n)}] = {${io.map((_, i) => `{.v_handle = &tensors[${i}]}`).join(', ') || '{.v_handle = NULL}'}};`,
    `static int type_codes[${Math.max(1, n)}] = {${io.map(() => '7').join(', ') || '0'}};`,
    `int32_t ${cIdent(iface.entry, 'entry point')}(TVMValue* args, int* type_codes, int num_args, TVMValue* ret, int* ret_code, void* resource_handle);`,
    '',
    `int ${run}(void) {`,
    '  TVMValue ret;',
    '  int ret_code;',
    '  TVMAPISetLastError("");',
    `  if (${iface.entry}(args, type_codes, ${n}, &ret, &ret_code, NULL) != 0) return failed(${cString(iface.entry)});`,
    '  return 0;',
    '}',
  ];
}
