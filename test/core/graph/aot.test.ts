/**
 * The AOT main reader on every AOT fixture's generated C: the calls it lists are the ones a plain
 * line scan of `__tvm_main__` finds, buffers carry the sizes and offsets the C spells out, and the
 * memory figures reconcile with metadata.json. Then the packed form, variants and hostile C
 * (200 000-deep nesting and the linear-time check: aot.system.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { parseAotMain } from '../../../src/core/graph/aot-main.js';
import { tokenizeC } from '../../../src/core/graph/aot-lex.js';
import { aotMemoryLayout } from '../../../src/core/graph/aot-memory.js';
import type { AotMain } from '../../../src/core/graph/aot-model.js';
import type { CSource } from '../../../src/core/graph/aot-scan.js';
import { aotGraphTable } from '../../../src/core/report/aot-view.js';
import { aotMemoryTimeline, liveBytes } from '../../../src/core/report/memory-timeline.js';
import { MlfError } from '../../../src/core/errors/errors.js';
import { sourcesOf } from '../../helpers/archive.js';

/** The lines of `main`'s body: from its definition line to the first line that is `}` (TVM's formatting). */
function mainLines(sources: CSource[], main: string): string[] {
  for (const s of sources) {
    const lines = s.text.split('\n');
    const start = lines.findIndex((l) => l.includes(`${main}(`) && l.trimEnd().endsWith('{'));
    if (start < 0) continue;
    const end = lines.indexOf('}', start);
    return lines.slice(start + 1, end);
  }
  throw new Error(`no ${main} in the fixture`);
}

/** Independent count: every `tvmgen_...(` in the main's lines, in order. */
const callsByLineScan = (lines: string[]) =>
  lines.flatMap((l) => [...l.matchAll(/\b(tvmgen_\w+)\s*\(/g)].map((m) => m[1]));

const AOT_FIXTURES = [
  ['tvm-0.18/aot-mlp/model.tar', 'default', 'tvmgen_default___tvm_main__'],
  ['tvm-0.18/mnist-aot-usmp/model.tar', 'mnist', 'tvmgen_mnist___tvm_main__'],
  ['wild/guberti-arduino-kws-v5-aot-packed/model.tar', 'default', 'tvmgen_default_run_model'],
  ['wild/linaro-sine-aot-v5-extdeps', 'default', 'tvmgen_default___tvm_main__'],
  ['wild/octoml-mlperftiny-kws-cmsisnn-codegen-only', 'default', 'tvmgen_default___tvm_main__'],
] as const;

describe('every AOT fixture: the calls of the main, in order', () => {
  for (const [fixture, module, fn] of AOT_FIXTURES) {
    it(fixture, () => {
      const sources = sourcesOf(fixture);
      const main = parseAotMain(sources, { module });
      expect(main.function).toBe(fn);
      const expected = callsByLineScan(mainLines(sources, fn));
      expect(expected.length).toBeGreaterThan(3);
      expect(main.calls.map((c) => c.callee)).toEqual(expected);
      // Without the module name the only AOT main is found all the same.
      expect(parseAotMain(sources).calls).toHaveLength(expected.length);
      // Every call writes one buffer and reads at least one (or a constant).
      for (const c of main.calls) {
        expect(c.args.filter((a) => a.role === 'write')).toHaveLength(1);
        expect(c.args.some((a) => a.role === 'read') || c.constants.length > 0).toBe(true);
      }
    });
  }
});

describe('buffers: sizes and offsets as the C spells them', () => {
  it('TVMBackendAllocWorkspace blocks carry their sizes (aot-mlp, kws v5, linaro, octoml)', () => {
    for (const [fixture, module, fn] of AOT_FIXTURES) {
      const sources = sourcesOf(fixture);
      const lines = mainLines(sources, fn);
      const sizes = lines.flatMap((l) =>
        [...l.matchAll(/TVMBackendAllocWorkspace\(\d+, \w+, \(uint64_t\)(\d+)/g)].map((m) => Number(m[1])),
      );
      const main = parseAotMain(sources, { module });
      const blocks = main.buffers.filter((b) => b.alloc !== null);
      expect(blocks.map((b) => b.bytes)).toEqual(sizes);
      expect(blocks.every((b) => b.bytesFrom === 'alloc')).toBe(true);
    }
  });

  it('USMP slices (mnist): pool and offset of every sid, sizes bounded by what the producer writes', () => {
    const sources = sourcesOf('tvm-0.18/mnist-aot-usmp/model.tar');
    const lines = mainLines(sources, 'tvmgen_mnist___tvm_main__');
    const offsets = new Map(
      lines.flatMap((l) =>
        [...l.matchAll(/void\* (sid_\d+_let) = \(&\(global_workspace_1_var\[(\d+)\]\)\);/g)].map((m) => [
          m[1],
          Number(m[2]),
        ]),
      ),
    );
    const main = parseAotMain(sources, { module: 'mnist' });
    expect(main.pools).toEqual([
      { name: 'global_const_workspace', kind: 'constant', bytes: null },
      { name: 'global_workspace', kind: 'workspace', bytes: 42048 },
    ]);
    const slices = main.buffers.filter((b) => b.kind === 'intermediate');
    expect(new Map(slices.map((b) => [b.name, b.offset]))).toEqual(offsets);
    expect(slices.every((b) => b.pool === 'global_workspace' && b.dtype === 'float32')).toBe(true);
    // Sizes from the Relay model by hand: conv1 out 8x28x28, pool1 8x14x14 (NCHW8c), conv2 out 16x14x14,
    // pool2 16x4x4, dense input 256, dense weight 10x256 packed; all float32.
    const size = (name: string) => slices.find((b) => b.name === name)?.bytes;
    expect(size('sid_4_let')).toBe(8 * 28 * 28 * 4);
    expect(size('sid_5_let')).toBe(8 * 14 * 14 * 4);
    expect(size('sid_8_let')).toBe(16 * 14 * 14 * 4);
    expect(size('sid_9_let')).toBe(16 * 4 * 4 * 4);
    expect(size('sid_10_let')).toBe(256 * 4);
    expect(size('sid_11_let')).toBe(10 * 256 * 4);
    expect(size('sid_1_let')).toBe(28 * 28 * 4);
    // Everything fits the pool the C declares.
    for (const b of slices) expect((b.offset as number) + (b.bytes as number)).toBeLessThanOrEqual(42048);
  });

  it('constants passed as arguments (octoml, kws) or read from a constant pool (mnist) are constant buffers', () => {
    const octo = parseAotMain(sourcesOf('wild/octoml-mlperftiny-kws-cmsisnn-codegen-only'), { module: 'default' });
    const c0 = octo.buffers.find((b) => b.name === 'constant_0');
    expect(c0).toMatchObject({ kind: 'constant', dtype: 'int8', bytes: 2560, bytesFrom: 'declaration' });
    const mnist = parseAotMain(sourcesOf('tvm-0.18/mnist-aot-usmp/model.tar'), { module: 'mnist' });
    // `float fused_constant_2_let[3200]` at offset 0 of the constant pool (the C comment says so too).
    expect(mnist.buffers.find((b) => b.name === 'fused_constant_2_let')).toMatchObject({
      kind: 'constant',
      pool: 'global_const_workspace',
      offset: 0,
      bytes: 12800,
    });
  });

  it('module inputs and outputs are named by the entry wrapper, outputs sized by their writes', () => {
    const mlp = parseAotMain(sourcesOf('tvm-0.18/aot-mlp/model.tar'), { module: 'default' });
    expect(mlp.entry).toEqual({ name: 'tvmgen_default_run', style: 'c', member: 'codegen/host/src/default_lib0.c' });
    expect(mlp.inputs.map((i) => mlp.buffers[i]?.name)).toEqual(['x']);
    expect(mlp.outputs.map((i) => mlp.buffers[i]?.name)).toEqual(['output']);
    expect(mlp.buffers[mlp.outputs[0] as number]).toMatchObject({ bytes: 40, bytesFrom: 'writes', dtype: 'float32' });
    const kws = parseAotMain(sourcesOf('wild/guberti-arduino-kws-v5-aot-packed/model.tar'), {
      module: 'default',
      inputs: ['Reshape_1', 'v_param_1'],
    });
    expect(kws.entry?.style).toBe('packed');
    expect(kws.inputs.map((i) => kws.buffers[i]?.name)).toEqual(['Reshape_1']);
    expect(kws.outputs.map((i) => kws.buffers[i]?.name)).toEqual(['output']);
    expect(kws.buffers[kws.outputs[0] as number]).toMatchObject({ dtype: 'int8', bytes: 4 });
  });
});

describe('memory layout and the workspace figure against metadata.json', () => {
  const layout = (fixture: string, module: string, metadataBytes: number | null, opWs?: Map<string, number>) =>
    aotMemoryLayout(parseAotMain(sourcesOf(fixture), { module }), {
      metadataWorkspaceBytes: metadataBytes,
      ...(opWs === undefined ? {} : { operatorWorkspace: opWs }),
    });

  it('TVM 0.18 fixtures reconcile exactly', () => {
    const mlp = layout('tvm-0.18/aot-mlp/model.tar', 'default', 8352);
    expect(mlp.planner).toBe('arena');
    expect(mlp.workspace.computedBytes).toBe(8352); // 8192 + 128 + the dense operators' 32
    const usmp = layout('tvm-0.18/mnist-aot-usmp/model.tar', 'mnist', 42048);
    expect(usmp.planner).toBe('usmp');
    expect(usmp.workspace.computedBytes).toBe(42048);
    expect(usmp.regions.find((r) => r.name === 'global_workspace')).toMatchObject({
      declaredBytes: 42048,
      usedBytes: 42048,
    });
    expect(usmp.unplaced).toEqual([]);
  });

  it('linaro v5 reconciles (64 + 64 + 1056); kws v5 does not: its main holds every block at once', () => {
    expect(layout('wild/linaro-sine-aot-v5-extdeps', 'default', 1184).workspace.computedBytes).toBe(1184);
    const kws = layout('wild/guberti-arduino-kws-v5-aot-packed/model.tar', 'default', 21312);
    // 8000 + 4000 + 16 + 16 allocated before the first call, plus the conv2d's 5336 + 4 (16-byte blocks).
    expect(kws.workspace.computedBytes).toBe(8000 + 4000 + 16 + 16 + 5344 + 16);
    expect(kws.workspace.metadataBytes).toBe(21312);
  });

  it('arena blocks are stacked in allocation order; an operator block sits on top during its call', () => {
    const kws = layout('wild/guberti-arduino-kws-v5-aot-packed/model.tar', 'default', null);
    const arena = kws.intervals.filter((iv) => iv.region === 'workspace');
    expect(arena.slice(0, 4).map((iv) => [iv.name, iv.offset, iv.bytes])).toEqual([
      ['sid_6', 0, 8000],
      ['sid_5', 8000, 4000],
      ['sid_3', 12000, 16],
      ['sid_2', 12016, 16],
    ]);
    const conv = arena.find((iv) => iv.kind === 'operator-workspace' && iv.start === 1);
    expect(conv).toMatchObject({ offset: 12032, bytes: 5360, end: 1 });
    expect(kws.peak).toEqual({ bytes: 12032 + 5360, step: 1 });
  });

  it('USMP: a slice is held from its first to its last use; scratch only during its call', () => {
    const usmp = layout('tvm-0.18/mnist-aot-usmp/model.tar', 'mnist', 42048);
    const iv = (name: string) => usmp.intervals.find((x) => x.name === name);
    expect(iv('sid_4_let')).toMatchObject({ offset: 0, bytes: 25088, start: 3, end: 4 });
    expect(iv('tvmgen_mnist_fused_nn_contrib_conv2d_NCHWc_add_nn_relu:data_pad_let')).toMatchObject({
      offset: 25088,
      start: 3,
      end: 3,
    });
  });
});

describe('bytes held over time, and the memory timeline the viewer draws', () => {
  /** Bytes held per step, by marking every byte of every live interval in a per-region bitmap. */
  const byteMarking = (l: ReturnType<typeof aotMemoryLayout>) =>
    l.steps.map((_, s) => {
      let held = 0;
      for (const r of l.regions) {
        if (r.kind === 'constant-pool') continue;
        const bytes = new Uint8Array(r.usedBytes);
        for (const iv of l.intervals)
          if (iv.region === r.name && iv.start <= s && s <= iv.end) bytes.fill(1, iv.offset, iv.offset + iv.bytes);
        held += bytes.reduce((a, b) => a + b, 0);
      }
      return held;
    });

  it('held bytes count each byte once: mnist stays within the 42048-byte pool its C declares', () => {
    const sources = sourcesOf('tvm-0.18/mnist-aot-usmp/model.tar');
    const declared = Number(
      /static uint8_t global_workspace\[(\d+)\]/.exec(sources.map((x) => x.text).join('\n'))?.[1],
    );
    expect(declared).toBe(42048);
    const l = aotMemoryLayout(parseAotMain(sources, { module: 'mnist' }));
    expect(l.live).toEqual(byteMarking(l));
    expect(Math.max(...l.live)).toBeLessThanOrEqual(declared);
    // The second conv's scratch reuses bytes of the input it consumed: a plain sum would exceed the pool.
    const at7 = l.intervals.filter((iv) => iv.region === 'global_workspace' && iv.start <= 7 && 7 <= iv.end);
    expect(at7.reduce((a, iv) => a + iv.bytes, 0)).toBeGreaterThan(declared);
    expect(l.peak).toEqual({ bytes: declared, step: 7 });
  });

  for (const [fixture, module, fn] of AOT_FIXTURES) {
    it(`${fixture}: one step per call, linked to its op node; pools and offsets as laid out`, () => {
      const sources = sourcesOf(fixture);
      const main = parseAotMain(sources, { module });
      const l = aotMemoryLayout(main);
      expect(l.live).toEqual(byteMarking(l));
      const table = aotGraphTable(main);
      const t = aotMemoryTimeline(l, table);
      expect(t.steps.map((x) => x.label)).toEqual(callsByLineScan(mainLines(sources, fn)));
      for (const [i, step] of t.steps.entries())
        expect(table.nodes[step.node as number]?.funcName).toBe(main.calls[i]?.callee);
      expect(t.buffers.map((b) => [b.label, b.pool, b.offset, b.bytes, b.firstStep, b.lastStep])).toEqual(
        l.intervals.map((iv) => [iv.name, iv.region, iv.offset, iv.bytes, iv.start, iv.end]),
      );
      expect(new Set(t.buffers.map((b) => b.id)).size).toBe(t.buffers.length);
      // Constant-pool data is a param; without params the timeline sums what the layout holds (no overlap outside USMP calls).
      const noParams = { ...t, buffers: t.buffers.filter((b) => b.kind !== 'param') };
      if (l.planner !== 'usmp') expect(Array.from(liveBytes(noParams))).toEqual(l.live);
    });
  }

  it('mnist: every USMP slice of the C main is on the timeline at its pool offset', () => {
    const sources = sourcesOf('tvm-0.18/mnist-aot-usmp/model.tar');
    const offsets = mainLines(sources, 'tvmgen_mnist___tvm_main__').flatMap((line) =>
      [...line.matchAll(/void\* (sid_\d+_let) = \(&\(global_workspace_1_var\[(\d+)\]\)\);/g)].map((m) => [
        m[1],
        Number(m[2]),
      ]),
    );
    expect(offsets.length).toBe(11);
    const main = parseAotMain(sources, { module: 'mnist' });
    const t = aotMemoryTimeline(aotMemoryLayout(main), aotGraphTable(main));
    for (const [name, offset] of offsets)
      expect(t.buffers.find((b) => b.label === name)).toMatchObject({
        pool: 'global_workspace',
        offset,
        kind: 'activation',
      });
    expect(t.buffers.filter((b) => b.pool === 'global_const_workspace').every((b) => b.kind === 'param')).toBe(true);
  });
});

describe('the node table of an AOT main', () => {
  it('aot-mlp: inputs, constants, one op per call; a reused block gives one tensor per write', () => {
    const t = aotGraphTable(parseAotMain(sourcesOf('tvm-0.18/aot-mlp/model.tar'), { module: 'default' }));
    const ops = t.nodes.filter((n) => n.kind === 'op');
    expect(ops.map((n) => n.funcName)).toEqual([
      'tvmgen_default_fused_layout_transform',
      'tvmgen_default_fused_nn_contrib_dense_pack_expand_dims_add_nn_relu',
      'tvmgen_default_fused_layout_transform_1',
      'tvmgen_default_fused_nn_contrib_dense_pack_expand_dims_add',
    ]);
    const [lt0, dense0, lt1, dense1] = ops;
    // sid_1 holds the first packed weight, then the second: each dense reads its own write.
    expect(dense0?.inputs).toContainEqual([lt0?.id, 0]);
    expect(dense1?.inputs).toContainEqual([lt1?.id, 0]);
    expect(dense1?.inputs).toContainEqual([dense0?.id, 0]);
    expect(t.heads).toEqual([[dense1?.id, 0]]);
  });

  it('linaro: a function called twice gets distinct node names', () => {
    const t = aotGraphTable(parseAotMain(sourcesOf('wild/linaro-sine-aot-v5-extdeps'), { module: 'default' }));
    const names = t.nodes.map((n) => n.name);
    expect(names).toContain('tvmgen_default_fused_reshape_1');
    expect(names).toContain('tvmgen_default_fused_reshape_1#2');
    expect(new Set(names).size).toBe(names.length);
  });
});

// ---------------------------------------------------------------------------------------------
// The packed form and other variants, written the way TVM's C codegen prints them.

/** A packed-API AOT module: main and operators take `(args, type codes, n, ...)`; calls go through TVMValue stacks. */
function packedModule(): CSource[] {
  const op = (name: string, out: string, n: number) => `
TVM_DLL int32_t ${name}(void* args, int32_t* arg_type_ids, int32_t num_args, void* out_ret_value, int32_t* out_ret_tcode, void* resource_handle) {
  void* p0 = (((TVMValue*)args)[0].v_handle);
  void* ${out} = (((TVMValue*)args)[1].v_handle);
  void* p0_1 = (((DLTensor*)p0)[0].data);
  void* ${out}_1 = (((DLTensor*)${out})[0].data);
  for (int32_t i = 0; i < ${n}; ++i) {
    ((float*)${out}_1)[i] = ((float*)p0_1)[i];
  }
  return 0;
}
`;
  const slot = (k: number, data: string, shapeAt: number, dims: number[]) =>
    [
      ...dims.map((d, i) => `  ((int64_t*)stack_shape)[${shapeAt + i}] = (int64_t)${d};`),
      `  (((DLTensor*)stack_array)[${k}].data) = ${data};`,
      `  (((DLTensor*)stack_array)[${k}].shape) = (&(((int64_t*)stack_shape)[${shapeAt}]));`,
      `  (((DLTensor*)stack_array)[${k}].ndim) = (uint32_t)${dims.length};`,
      `  (((DLTensor*)stack_array)[${k}].dtype.code) = (uint8_t)2;`,
      `  (((DLTensor*)stack_array)[${k}].dtype.bits) = (uint8_t)32;`,
      `  (((DLTensor*)stack_array)[${k}].dtype.lanes) = (uint16_t)1;`,
      `  (((TVMValue*)stack_value)[${k}].v_handle) = (((DLTensor*)stack_array) + ${k});`,
      `  ((int32_t*)stack_tcode)[${k}] = 7;`,
    ].join('\n');
  const main = `
TVM_DLL int32_t tvmgen_default___tvm_main__(void* args, int32_t* arg_type_ids, int32_t num_args, void* out_ret_value, int32_t* out_ret_tcode, void* resource_handle) {
  TVMValue stack[2];
  void* stack_tcode = stack;
  TVMValue stack_1[3];
  void* stack_value = stack_1;
  TVMValue stack_2[12];
  void* stack_array = stack_2;
  TVMValue stack_3[4];
  void* stack_shape = stack_3;
  void* x = (((TVMValue*)args)[0].v_handle);
  void* output = (((TVMValue*)args)[1].v_handle);
  void* x_buffer_var = (((DLTensor*)x)[0].data);
  void* output_buffer_var = (((DLTensor*)output)[0].data);
  void* sid_1 = TVMBackendAllocWorkspace(1, dev_id, (uint64_t)1024, 0, 8);
  if (sid_1 == NULL) {
    return -1;
  }
${slot(0, 'x_buffer_var', 0, [64, 4])}
${slot(1, 'sid_1', 2, [64, 4])}
  TVMValue ret_val;
  int ret_type_code;
  if (tvmgen_default_fused_copy( (TVMValue*) stack_value , (int*) stack_tcode, 1, &ret_val, &ret_type_code, NULL) != 0){
    return -1;
  }
${slot(0, 'sid_1', 0, [64, 4])}
${slot(1, 'output_buffer_var', 2, [1, 256])}
  TVMValue ret_val_1;
  int ret_type_code_1;
  if (tvmgen_default_fused_copy_1( (TVMValue*) stack_value , (int*) stack_tcode, 1, &ret_val_1, &ret_type_code_1, NULL) != 0){
    return -1;
  }
  if (TVMBackendFreeWorkspace(1, dev_id, sid_1) != 0) {
    return -1;
  }
  return 0;
}
`;
  return [
    {
      path: 'codegen/host/src/default_lib1.c',
      text: `#include "tvm/runtime/c_runtime_api.h"\n${op('tvmgen_default_fused_copy', 'T_copy', 256)}${op('tvmgen_default_fused_copy_1', 'T_out', 256)}${main}`,
    },
  ];
}

describe('the packed form and other variants', () => {
  it('packed main: calls through TVMValue stacks, DLTensor shapes and dtypes', () => {
    const m = parseAotMain(packedModule(), { module: 'default' });
    expect(m.abi).toBe('packed');
    expect(m.calls.map((c) => [c.callee, c.packed])).toEqual([
      ['tvmgen_default_fused_copy', true],
      ['tvmgen_default_fused_copy_1', true],
    ]);
    const byName = (n: string) => m.buffers.find((b) => b.name === n) as AotMain['buffers'][number];
    expect(byName('x')).toMatchObject({ kind: 'input', dtype: 'float32', shape: [64, 4], bytes: 1024 });
    expect(byName('output')).toMatchObject({ kind: 'output', shape: [1, 256] });
    expect(byName('sid_1')).toMatchObject({ bytes: 1024, shape: [64, 4], dtype: 'float32' });
    expect(m.calls[0]?.args.map((a) => [a.buffer, a.role])).toEqual([
      [byName('x').id, 'read'],
      [byName('sid_1').id, 'write'],
    ]);
    expect(m.calls[1]?.args.map((a) => a.role)).toEqual(['read', 'write']);
  });

  it('calls through TVMBackendGetFuncFromEnv + TVMFuncCall are named by the looked-up string', () => {
    const text = `
int32_t tvmgen_m___tvm_main__(float* a_buffer_var, float* output_buffer_var) {
  if (TVMBackendGetFuncFromEnv(__tvm_module_ctx, "tvmgen_m_fused_exp", &tvmgen_m_fused_exp_packed) != 0) {
    return -1;
  }
  (((TVMValue*)stack_value)[0].v_handle) = a_buffer_var;
  (((TVMValue*)stack_value)[1].v_handle) = output_buffer_var;
  if (TVMFuncCall(tvmgen_m_fused_exp_packed, (TVMValue*) stack_value, (int*) stack_tcode, 2, &ret_val, &ret_type_code) != 0) {
    return -1;
  }
  return 0;
}`;
    const m = parseAotMain([{ path: 'm_lib1.c', text }], { module: 'm' });
    expect(m.calls.map((c) => c.callee)).toEqual(['tvmgen_m_fused_exp']);
    expect(m.calls[0]?.args.map((a) => m.buffers[a.buffer as number]?.name)).toEqual(['a', 'output']);
  });

  it('(void) calls, `int32_t r = f(...)`, comments, preprocessor lines and odd spacing', () => {
    const text = `
#define X(a) \\
  a
/* int32_t tvmgen_m___tvm_main__(void) { tvmgen_m_fake(); } */
int32_t tvmgen_m___tvm_main__(void* arg0, void* arg1) {
  void* sid_1 = TVMBackendAllocWorkspace(1, 0, (uint64_t)64, 0, 8);  // block
  (void)tvmgen_m_fused_a(arg0, sid_1);
  int32_t r = tvmgen_m_fused_b( sid_1 ,arg1 );
  tvmgen_m_fused_c(arg1, "a string with ( and { and \\" inside", 'c');
  if (TVMBackendFreeWorkspace(1, 0, sid_1) != 0) return -1;
  return 0;
}`;
    const m = parseAotMain([{ path: 'm_lib1.c', text }], { module: 'm' });
    expect(m.calls.map((c) => c.callee)).toEqual(['tvmgen_m_fused_a', 'tvmgen_m_fused_b', 'tvmgen_m_fused_c']);
    expect(m.buffers.find((b) => b.name === 'sid_1')?.alloc).toEqual({ at: 0, freedAt: 3, order: 0 });
  });

  it('no AOT main: E310 naming the function; without a module name, the generic message', () => {
    const src = [{ path: 'a.c', text: 'int f(void) { return 0; }' }];
    const e = (() => {
      try {
        parseAotMain(src, { module: 'default' });
      } catch (x) {
        return x as MlfError;
      }
      throw new Error('no error');
    })();
    expect(e).toBeInstanceOf(MlfError);
    expect(e.code).toBe('MLF-E310');
    expect(e.message).toMatch(/tvmgen_default___tvm_main__/);
  });
});

describe('hostile C', () => {
  const code = (text: string) => {
    try {
      parseAotMain([{ path: 'x.c', text }], { module: 'm' });
      return 'ok';
    } catch (e) {
      if (!(e instanceof MlfError)) throw e;
      return `${e.code}@${e.offset}`;
    }
  };

  it('unterminated comments, strings and brackets are E309 with the offset', () => {
    expect(code('int a; /* never closed')).toBe('MLF-E309@7');
    expect(code('char* s = "open\nint x;')).toBe('MLF-E309@10');
    expect(code('int f() { (')).toMatch(/^MLF-E309@/);
    expect(code('int f() ) {')).toBe('MLF-E309@8');
  });

  it('a limit on tokens: E309 instead of unbounded memory', () => {
    expect(() => tokenizeC('a '.repeat(1000), { maxTokens: 100 })).toThrow(/more than 100 tokens/);
  });
});
