// Large synthetic TVM-shaped params and archives for benchmarks (run after `npm run build`): one
// float32 tensor of random bits from a seeded xorshift32, written to disk in 8 MiB chunks so the
// generator never holds it; and a runnable graph-executor archive around it (C code for its one
// operator), so the runner commands (footprint, project, run) can be measured at any size.
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { buildModelLibraryFormat } from '../../dist/core/archive/export.js';
import { NDARRAY_MAGIC, PARAMS_LIST_MAGIC } from '../../dist/core/params/codec.js';

const MiB = 1024 * 1024;

/** Seeded xorshift32 random float32 payload written straight to `fd` in 8 MiB chunks. */
export function writeRandomFloats(fd, bytes, seed) {
  let x = seed >>> 0 || 1;
  const chunk = new Uint32Array(2 * MiB);
  for (let done = 0; done < bytes; done += chunk.byteLength) {
    for (let i = 0; i < chunk.length; i++) {
      x ^= x << 13;
      x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      chunk[i] = (x & 0x807fffff) | 0x3c000000; // finite floats in about ±[2^-7, 2^1)
    }
    const n = Math.min(chunk.byteLength, bytes - done);
    writeSync(fd, new Uint8Array(chunk.buffer, 0, n));
  }
}

/** A param dict with one float32 tensor `name` of `bytes` bytes (random, from `seed`), written to `path`. */
export function writeBigParams(path, bytes, seed = 0x9e3779b9, name = 'p0') {
  const nameBytes = new TextEncoder().encode(name);
  const head = new DataView(new ArrayBuffer(24 + 8 + nameBytes.byteLength + 8 + 36 + 8 + 8));
  let o = 0;
  const u64 = (v) => {
    head.setBigUint64(o, BigInt(v), true);
    o += 8;
  };
  u64(PARAMS_LIST_MAGIC);
  u64(0);
  u64(1);
  u64(nameBytes.byteLength);
  new Uint8Array(head.buffer).set(nameBytes, o);
  o += nameBytes.byteLength;
  u64(1);
  u64(NDARRAY_MAGIC);
  u64(0);
  head.setInt32(o, 1, true);
  head.setInt32(o + 4, 0, true);
  head.setInt32(o + 8, 1, true);
  o += 12;
  head.setUint8(o, 2);
  head.setUint8(o + 1, 32);
  head.setUint16(o + 2, 1, true);
  o += 4;
  u64(bytes / 4);
  u64(bytes);
  const fd = openSync(path, 'w');
  writeSync(fd, new Uint8Array(head.buffer, 0, o));
  writeRandomFloats(fd, bytes, seed);
  closeSync(fd);
}

// The one operator: out[i] = data[i] + p0[i] for the 16 outputs (p0 may be any size).
const LIB = `// tvm target: c -keys=cpu -model=host
#define TVM_EXPORTS
#include "tvm/runtime/c_runtime_api.h"
#include "tvm/runtime/c_backend_api.h"
#include <math.h>
#include <stdbool.h>
#ifdef __cplusplus
extern "C"
#endif
TVM_DLL int32_t tvmgen_default_fused_add(void* args, int32_t* arg_type_ids, int32_t num_args, void* out_ret_value, int32_t* out_ret_tcode, void* resource_handle);
#ifdef __cplusplus
extern "C"
#endif
TVM_DLL int32_t tvmgen_default_fused_add(void* args, int32_t* arg_type_ids, int32_t num_args, void* out_ret_value, int32_t* out_ret_tcode, void* resource_handle) {
  void* p0 = (((TVMValue*)args)[0].v_handle);
  void* p1 = (((TVMValue*)args)[1].v_handle);
  void* T_add = (((TVMValue*)args)[2].v_handle);
  float* a = (float*)(((DLTensor*)p0)[0].data);
  float* b = (float*)(((DLTensor*)p1)[0].data);
  float* c = (float*)(((DLTensor*)T_add)[0].data);
  for (int32_t i = 0; i < 16; ++i) {
    c[i] = a[i] + b[i];
  }
  return 0;
}
`;

/** The graph: input "data" [16], param "p0" [n], one fused add with output [16]. */
function graph(n) {
  return JSON.stringify({
    nodes: [
      { op: 'null', name: 'data', inputs: [] },
      { op: 'null', name: 'p0', inputs: [] },
      {
        op: 'tvm_op',
        name: 'tvmgen_default_fused_add',
        attrs: { flatten_data: '0', func_name: 'tvmgen_default_fused_add', num_inputs: '2', num_outputs: '1' },
        inputs: [
          [0, 0, 0],
          [1, 0, 0],
        ],
      },
    ],
    arg_nodes: [0, 1],
    heads: [[2, 0, 0]],
    node_row_ptr: [0, 1, 2, 3],
    attrs: {
      dltype: ['list_str', ['float32', 'float32', 'float32']],
      shape: ['list_shape', [[16], [n], [16]]],
      storage_id: ['list_int', [0, 1, 2]],
    },
  });
}

/**
 * Writes an extracted archive folder `dir` of one graph module "default" whose params are one
 * float32 tensor "p0" of `mib` MiB (random from `seed`); returns the folder and its params path.
 * Two folders of the same size and another seed differ in the params' values only.
 */
export function writeBigArchiveFolder(dir, mib, seed = 0x9e3779b9) {
  const bytes = mib * MiB;
  const paramsPath = join(dir, 'parameters', 'default.params');
  mkdirSync(join(dir, 'parameters'), { recursive: true });
  writeBigParams(paramsPath, bytes, seed);
  const assembled = buildModelLibraryFormat(
    [
      {
        name: 'default',
        executor: 'graph',
        targets: ['c -keys=cpu'],
        graph: graph(bytes / 4),
        params: new Uint8Array(readFileSync(paramsPath)),
        codegen: [{ name: 'lib0.c', data: LIB }],
      },
    ],
    { sourceDateEpoch: 0 },
  );
  for (const [p, data] of assembled.files) {
    if (p === 'parameters/default.params') continue; // written above, the same bytes
    mkdirSync(join(dir, p, '..'), { recursive: true });
    writeFileSync(join(dir, p), data);
  }
  return { dir, paramsPath, bytes };
}
