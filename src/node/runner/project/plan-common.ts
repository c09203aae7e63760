/** C text helpers shared by the generated model plans. */
import type { MlfModule } from '../../../core/archive/archive.js';
import { MlfError } from '../../../core/errors/errors.js';
import { parseDType } from '../../../core/params/dtype.js';
import type { ModelInterface, RunnerTensor } from './interface.js';

/** Alignment of every buffer and workspace block (TVM's kTempAllocaAlignment). */
export const ALIGN = 64;

/** `n` rounded up to a multiple of `to`. */
export const roundUp = (n: number, to: number) => Math.ceil(n / to) * to;

/** A C string literal (ASCII; everything else escaped in octal). */
export function cString(s: string): string {
  let out = '"';
  for (const b of new TextEncoder().encode(s)) {
    const c = String.fromCharCode(b);
    if (c === '"' || c === '\\') out += `\\${c}`;
    else if (b >= 0x20 && b < 0x7f && c !== '?') out += c;
    else out += `\\${b.toString(8).padStart(3, '0')}`;
  }
  return `${out}"`;
}

const C_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,254}$/;

/**
 * A name from the archive that the plan writes into C as an identifier (a function, struct or
 * field name): returned when it is one, else E507, so archive text never becomes C code.
 */
export function cIdentifier(name: string, what: string, module: string): string {
  if (!C_IDENTIFIER.test(name)) {
    throw new MlfError(
      'MLF-E507',
      `module ${JSON.stringify(module)}: ${what} ${JSON.stringify(name)} is not a C identifier, so it cannot be called from C`,
    );
  }
  return name;
}

/** Text for inside a C comment: a C string literal of it, with any comment end broken up. */
export function cComment(s: string): string {
  return cString(s).replace(/\*\//g, '* /');
}

/** `{code, bits, lanes}` initialiser of a DLDataType. */
export function dtypeInit(dtype: string): string {
  const t = parseDType(dtype);
  return `{${t.code}, ${t.bits}, ${t.lanes}}`;
}

/** A static shape array, or null for 0-d tensors (the DLTensor then gets a NULL shape). */
export function shapeDecl(name: string, shape: readonly number[]): string | null {
  return shape.length === 0 ? null : `static int64_t ${name}[${shape.length}] = {${shape.join(', ')}};`;
}

/** A 64-byte aligned static buffer of at least `bytes` (rounded to 4 like TVM's float32 pools). */
export function bufferDecl(name: string, bytes: number, comment: string): string {
  return `static uint8_t ${name}[${Math.max(4, roundUp(bytes, 4))}] MLF_ALIGNED(${ALIGN}); /* ${comment.replace(/\*\//g, '* /')} */`;
}

/** `const mlf_tensor <name>[] = {...}` plus its count `const int <countName>`. */
export function tensorTable(
  name: string,
  countName: string,
  tensors: readonly (RunnerTensor & { data: string; shapeVar: string | null })[],
): string {
  const rows = tensors.map(
    (t) =>
      `  {${cString(t.name)}, ${cString(t.dtype)}, ${t.shape.length}, ${t.shapeVar ?? 'NULL'}, ${t.bytes}, ${t.data}},`,
  );
  // C has no empty initialiser lists; a model without inputs gets one unused zero row.
  if (rows.length === 0) rows.push('  {NULL, NULL, 0, NULL, 0, NULL},');
  return [`const mlf_tensor ${name}[] = {`, ...rows, '};', `const int ${countName} = ${tensors.length};`].join('\n');
}

/** A byte array initialiser, 16 bytes per line. */
export function byteArray(name: string, bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let i = 0; i < bytes.length; i += 16) {
    lines.push(`  ${[...bytes.subarray(i, i + 16)].map((b) => `0x${b.toString(16).padStart(2, '0')}`).join(', ')},`);
  }
  if (lines.length === 0) lines.push('  0');
  return [`static const uint8_t ${name}[${Math.max(1, bytes.length)}] MLF_ALIGNED(8) = {`, ...lines, '};'].join('\n');
}

const ALLOC_CALL = /TVMBackendAllocWorkspace\s*\([^,]*,[^,]*,\s*(?:\(\s*uint64_t\s*\)\s*)?(\d+)?/g;

/**
 * Size of the arena behind TVMBackendAllocWorkspace. Base: the metadata's figure (graph modules:
 * the largest operator workspace, since operators run one at a time and the plan holds the tensors
 * itself; AOT: `workspace_size_bytes`). Margin: 64 bytes per allocation call site, the most
 * alignment padding each live block can cost. Never below the largest literal allocation.
 */
export function workspaceArena(iface: ModelInterface, module: MlfModule): { bytes: number; why: string } {
  const sizes = [...iface.sources.values()].flatMap((s) =>
    [...s.matchAll(ALLOC_CALL)].map((m) => (m[1] === undefined ? 0 : Number(m[1]))),
  );
  const margin = ALIGN * sizes.length;
  const largest = Math.max(0, ...sizes);
  const opMax = module.metadata.operatorFunctions?.length
    ? Math.max(0, ...module.metadata.operatorFunctions.flatMap((f) => f.workspace.map((w) => w.workspace_size_bytes)))
    : null;
  const mainWs = module.metadata.main?.[0]?.workspace_size_bytes ?? null;
  let base: number;
  let source: string;
  if (sizes.length === 0 && module.files.objects.length === 0)
    [base, source] = [0, 'the code never calls TVMBackendAllocWorkspace (AOT with USMP keeps its pools itself):'];
  else if (iface.kind === 'graph' && opMax !== null) [base, source] = [opMax, 'largest operator workspace'];
  else if (mainWs !== null && iface.kind !== 'graph') [base, source] = [mainWs, 'workspace_size_bytes'];
  else [base, source] = [sizes.reduce((a, b) => a + roundUp(b, ALIGN), 0), 'sum of the allocations in the code'];
  const bytes = Math.max(ALIGN, roundUp(base, ALIGN) + margin, roundUp(largest, ALIGN) + margin);
  return {
    bytes,
    why: `${source} ${base} B rounded to ${ALIGN} + ${ALIGN} B for each of ${sizes.length} allocation sites`,
  };
}

/**
 * How a plan names what it exports, so that several plans link into one program: `mlf_` gives
 * mlf_model.h's names (mlf_inputs, mlf_model_run, ...), another prefix `<prefix>inputs`, ...
 */
export interface PlanSymbols {
  prefix: string;
  /** Use the program's one arena (`mlf_shared_arena`, defined in mlf_modules.c) instead of an own one. */
  sharedArena: boolean;
}

/** The plan of a single-module project: mlf_model.h's names and an arena of its own. */
export const DEFAULT_SYMBOLS: PlanSymbols = { prefix: 'mlf_', sharedArena: false };

/** The names a plan exports, for mlf_modules.c. */
export function planExports(prefix: string) {
  return {
    name: `${prefix}model_name`,
    inputs: `${prefix}inputs`,
    numInputs: `${prefix}num_inputs`,
    outputs: `${prefix}outputs`,
    numOutputs: `${prefix}num_outputs`,
    paramsRequired: `${prefix}params_required`,
    init: `${prefix}model_init`,
    run: `${prefix}model_run`,
  };
}

/** The opening of every plan file. */
export function planPrologue(
  iface: ModelInterface,
  what: string,
  arena: { bytes: number; why: string },
  symbols: PlanSymbols,
): string {
  const x = planExports(symbols.prefix);
  const declarations =
    symbols.prefix === 'mlf_'
      ? ''
      : `
/* This plan's part of mlf_modules.c's table (the names of mlf_model.h, prefixed). */
extern const char ${x.name}[];
extern const mlf_tensor ${x.inputs}[];
extern const int ${x.numInputs};
extern const mlf_tensor ${x.outputs}[];
extern const int ${x.numOutputs};
extern const int ${x.paramsRequired};
int ${x.init}(const uint8_t* params, size_t params_bytes);
int ${x.run}(void);
`;
  const storage = symbols.sharedArena
    ? `/* The program's one arena (mlf_modules.c), as large as the largest module needs. */
extern uint8_t mlf_shared_arena[];
static uint8_t* const workspace_arena = mlf_shared_arena;`
    : `static uint8_t workspace_arena[MLF_WORKSPACE_BYTES] MLF_ALIGNED(${ALIGN});`;
  return `/*
 * Model plan of TVM module ${cComment(iface.module)} (${what}), generated by \`mlf project\`.
 * Implements mlf_model.h. Regenerate rather than edit.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <tvm/runtime/c_backend_api.h>

#include "mlf_model.h"
#include "mlf_runtime.h"
${declarations}
/* Workspace arena: ${arena.why}. */
#ifndef MLF_WORKSPACE_BYTES
#define MLF_WORKSPACE_BYTES ${arena.bytes}
#endif
${storage}

const char ${x.name}[] = ${cString(iface.module)};
`;
}

/** `if (call != 0) return failure(name)`: the operator's own error text is kept. */
export function failureHelper(): string {
  return `static int failed(const char* what) {
  const char* why = TVMGetLastError();
  return mlf_fail(what, why[0] != '\\0' ? " failed: " : " failed", why);
}
`;
}
