/** C text helpers shared by the generated model plans. */
import type { FileBody } from '../../write/atomic.js';

export type { ChunkedFile } from '../../write/atomic.js';
import type { MlfModule } from '../../../core/archive/archive.js';
import { cIdentifierProblem, lexC } from '../../../core/archive/c-scan.js';
import { MlfError } from '../../../core/errors/errors.js';
import { parseDType } from '../../../core/params/dtype.js';
import type { ModelInterface, RunnerTensor } from './interface.js';

/** Alignment of every buffer and workspace block (TVM's kTempAllocaAlignment). */
export const ALIGN = 64;

/** The largest of `values`, 0 when empty (no spread: lists may be longer than the call stack allows). */
export function maxOf(values: Iterable<number>): number {
  let max = 0;
  for (const v of values) if (v > max) max = v;
  return max;
}

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
  return `static uint8_t ${name}[${Math.max(4, roundUp(bytes, 4))}] MLF_ALIGNED(${ALIGN}); /* ${cComment(comment)} */`;
}

/** `const mlf_tensor <name>[] = {...}` plus its count. */
export function tensorTable(
  name: string,
  tensors: readonly (RunnerTensor & { data: string; shapeVar: string | null })[],
): string {
  const rows = tensors.map(
    (t) =>
      `  {${cString(t.name)}, ${cString(t.dtype)}, ${t.shape.length}, ${t.shapeVar ?? 'NULL'}, ${t.bytes}, ${t.data}},`,
  );
  // C has no empty initialiser lists; a model without inputs gets one unused zero row.
  if (rows.length === 0) rows.push('  {NULL, NULL, 0, NULL, 0, NULL},');
  return [
    `const mlf_tensor ${name}[] = {`,
    ...rows,
    '};',
    `const int mlf_num_${name.replace(/^mlf_/, '')} = ${tensors.length};`,
  ].join('\n');
}

/** Content of a generated file: bytes, or chunks made on demand (params compiled in can be 100s of MB). */
export type ProjectFileData = FileBody;

/** A piece of a generated C file: text, or a byte array definition rendered in chunks. */
export type CPiece = string | { array: string; bytes: Uint8Array };

const enc = new TextEncoder();
const DECIMAL = Array.from({ length: 256 }, (_, b) => enc.encode(`${b},`));
const CHUNK = 1 << 20;

/** `static const uint8_t name[n] = {...};`, 32 decimal values per line, in chunks of about 1 MiB. */
function* arrayChunks(name: string, bytes: Uint8Array): Generator<Uint8Array> {
  yield enc.encode(`static const uint8_t ${name}[${Math.max(1, bytes.length)}] MLF_ALIGNED(8) = {\n`);
  if (bytes.length === 0) yield enc.encode('0\n');
  const buf = new Uint8Array(CHUNK + 64);
  let used = 0;
  for (let i = 0; i < bytes.length; i++) {
    const text = DECIMAL[bytes[i] as number] as Uint8Array;
    for (let k = 0; k < text.length; k++) buf[used++] = text[k] as number;
    if (i % 32 === 31 || i === bytes.length - 1) buf[used++] = 10;
    if (used >= CHUNK) {
      yield buf.slice(0, used);
      used = 0;
    }
  }
  if (used > 0) yield buf.slice(0, used);
  yield enc.encode('};\n');
}

/** Joins pieces into one file: plain bytes when there is no array, else a chunked file. */
export function joinPieces(pieces: readonly CPiece[]): ProjectFileData {
  if (pieces.every((p) => typeof p === 'string')) return enc.encode(pieces.join(''));
  return {
    *chunks() {
      for (const p of pieces) {
        if (typeof p === 'string') yield enc.encode(p);
        else yield* arrayChunks(p.array, p.bytes);
      }
    },
  };
}

/** Every chunk of a file's content. */
export async function* fileChunks(data: ProjectFileData): AsyncGenerator<Uint8Array> {
  if (data instanceof Uint8Array) yield data;
  else yield* data.chunks();
}

/**
 * Text that is safe inside a C block comment: printable ASCII, other bytes as `\xHH`, and no
 * comment delimiters (so a name from the archive cannot end the comment and become code).
 */
export function cComment(s: string): string {
  let out = '';
  for (const b of enc.encode(s))
    out += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  return out.replace(/\*\//g, '*\\/').replace(/\/\*/g, '/\\*');
}

/**
 * `name` itself when it is a C identifier; else E408. The last gate before a name from the
 * archive is written into generated C as code.
 */
export function cIdent(name: string, what: string): string {
  const problem = cIdentifierProblem(name);
  if (problem !== undefined)
    throw new MlfError('MLF-E408', `${what} ${JSON.stringify(name)} cannot be used in generated C: it ${problem}`);
  return name;
}

const ALLOC = 'TVMBackendAllocWorkspace';

/**
 * The byte count of every `TVMBackendAllocWorkspace(dev, id, [(uint64_t)]N, ...)` call site, 0
 * when it is not a literal. Each site is read through a window of at most 256 characters, so
 * the scan is linear however the text is laid out.
 */
export function allocationSizes(source: string): number[] {
  const sizes: number[] = [];
  for (let at = source.indexOf(ALLOC); at >= 0; at = source.indexOf(ALLOC, at + ALLOC.length)) {
    const prev = source.charCodeAt(at - 1);
    if (at > 0 && /[A-Za-z0-9_]/.test(String.fromCharCode(prev))) continue; // part of a longer name
    const window = source.slice(at + ALLOC.length, at + ALLOC.length + 256);
    const toks: string[] = [];
    const kinds: string[] = [];
    lexC(window, (kind, start, end) => {
      if (toks.length < 16) {
        toks.push(window.slice(start, end));
        kinds.push(kind);
      }
    });
    if (toks[0] !== '(') continue; // not a call (or a longer name)
    let j = 1;
    let commas = 0;
    for (; j < toks.length && commas < 2; j++) if (toks[j] === ',') commas++;
    let size = 0;
    if (commas === 2) {
      if (toks[j] === '(' && toks[j + 1] === 'uint64_t' && toks[j + 2] === ')') j += 3;
      const m = kinds[j] === 'number' ? /^\d+/.exec(toks[j] as string) : null;
      if (m !== null) size = Number(m[0]);
    }
    sizes.push(size);
  }
  return sizes;
}

/**
 * Size of the arena behind TVMBackendAllocWorkspace. Base: the metadata's figure (graph modules:
 * the largest operator workspace, since operators run one at a time and the plan holds the tensors
 * itself; AOT: `workspace_size_bytes`). Margin: 64 bytes per allocation call site, the most
 * alignment padding each live block can cost. Never below the largest literal allocation.
 */
export function workspaceArena(iface: ModelInterface, module: MlfModule): { bytes: number; why: string } {
  const sizes: number[] = [];
  for (const s of iface.sources.values()) for (const n of allocationSizes(s)) sizes.push(n);
  const margin = ALIGN * sizes.length;
  const largest = maxOf(sizes);
  const opMax = module.metadata.operatorFunctions?.length
    ? maxOf(module.metadata.operatorFunctions.flatMap((f) => f.workspace.map((w) => w.workspace_size_bytes)))
    : null;
  const mainWs = module.metadata.main?.[0]?.workspace_size_bytes ?? null;
  let base: number;
  let source: string;
  if (iface.kind === 'graph' && opMax !== null) [base, source] = [opMax, 'largest operator workspace'];
  else if (mainWs !== null && iface.kind !== 'graph') [base, source] = [mainWs, 'workspace_size_bytes'];
  else [base, source] = [sizes.reduce((a, b) => a + roundUp(b, ALIGN), 0), 'sum of the allocations in the code'];
  const bytes = Math.max(ALIGN, roundUp(base, ALIGN) + margin, roundUp(largest, ALIGN) + margin);
  return {
    bytes,
    why: `${source} ${base} B rounded to ${ALIGN} + ${ALIGN} B for each of ${sizes.length} allocation sites`,
  };
}

/** The opening of every plan file. */
export function planPrologue(iface: ModelInterface, what: string, arena: { bytes: number; why: string }): string {
  return `/*
 * Model plan of TVM module "${cComment(iface.module)}" (${what}), generated by \`mlf project\`.
 * Implements mlf_model.h. Regenerate rather than edit.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <tvm/runtime/c_backend_api.h>

#include "mlf_model.h"
#include "mlf_runtime.h"

/* Workspace arena: ${arena.why}. */
#ifndef MLF_WORKSPACE_BYTES
#define MLF_WORKSPACE_BYTES ${arena.bytes}
#endif
static uint8_t workspace_arena[MLF_WORKSPACE_BYTES] MLF_ALIGNED(${ALIGN});

const char mlf_model_name[] = ${cString(iface.module)};
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
