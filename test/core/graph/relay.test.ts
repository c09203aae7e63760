import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseHeaderStruct, parseRelayMain } from '../../../src/core/graph/relay.js';
import { FIXTURES, tarMember } from '../../helpers/common.js';

const f32 = (name: string, ...shape: number[]) => ({ name, shape, dtype: 'float32' });

describe('parseRelayMain on fixture Relay texts', () => {
  it('tvm-0.18 aot-mlp src/default.relay', () => {
    const sig = parseRelayMain(tarMember('tvm-0.18/aot-mlp/model.tar', 'src/default.relay'));
    expect(sig).toEqual({
      params: [f32('x', 1, 64), f32('w1', 32, 64), f32('b1', 32), f32('w2', 10, 32), f32('b2', 10)],
      returns: null,
      outputTensorNames: null,
    });
  });

  it('tvm-0.18 multi-graph: one Relay file per module', () => {
    const mod1 = parseRelayMain(tarMember('tvm-0.18/multi-graph/model.tar', 'src/mod1.relay'))!;
    expect(mod1.params.map((p) => p.name)).toEqual(['input', 'conv_weight', 'conv_bias', 'fc_weight', 'fc_bias']);
    expect(mod1.params[0]).toEqual(f32('input', 1, 3, 16, 16));
    const mod2 = parseRelayMain(tarMember('tvm-0.18/multi-graph/model.tar', 'src/mod2.relay'))!;
    expect(mod2.params.map((p) => p.name)).toEqual(['x', 'w1', 'b1', 'w2', 'b2']);
  });

  it('tvm-0.18 mnist-graph src/mnist.relay', () => {
    const sig = parseRelayMain(tarMember('tvm-0.18/mnist-graph/model.tar', 'src/mnist.relay'))!;
    expect(sig.params[0]).toEqual(f32('Input3', 1, 1, 28, 28));
    expect(sig.params.at(-1)).toEqual(f32('fc_bias', 1, 10));
    expect(sig.params).toHaveLength(7);
  });

  it('hannah v7: /* span=... */ comments and output_tensor_names', () => {
    const sig = parseRelayMain(tarMember('wild/hannah-magicwand-v7-graph/model.tar', 'src/default.relay'))!;
    expect(sig.params).toEqual([
      f32('conv2d_input', 1, 128, 3, 1),
      f32('v_param_1', 4, 3, 1, 8),
      f32('v_param_2', 8),
      f32('v_param_3', 4, 1, 8, 16),
      f32('v_param_4', 16),
      f32('v_param_5', 16, 224),
      f32('v_param_6', 16),
      f32('v_param_7', 4, 16),
      f32('v_param_8', 4),
    ]);
    expect(sig.outputTensorNames).toEqual(['Identity']);
    expect(sig.returns).toBeNull();
  });

  it('guberti v5 src/relay.txt (int8/int32 params)', () => {
    const sig = parseRelayMain(tarMember('wild/guberti-arduino-kws-v5-aot-packed/model.tar', 'src/relay.txt'))!;
    expect(sig).toEqual({
      params: [
        { name: 'Reshape_1', shape: [1, 1960], dtype: 'int8' },
        { name: 'v_param_1', shape: [10, 8, 1, 8], dtype: 'int8' },
        { name: 'v_param_2', shape: [8], dtype: 'int32' },
        { name: 'v_param_3', shape: [4, 4000], dtype: 'int8' },
        { name: 'v_param_4', shape: [4], dtype: 'int32' },
      ],
      returns: null,
      outputTensorNames: null,
    });
  });

  it('linaro v5 src/relay.txt (TFLite output_tensor_names)', () => {
    const sig = parseRelayMain(readFileSync(join(FIXTURES, 'wild/linaro-sine-aot-v5-extdeps/src/relay.txt'), 'utf8'))!;
    expect(sig.params[0]).toEqual(f32('dense_4_input', 1, 1));
    expect(sig.params).toHaveLength(7);
    expect(sig.outputTensorNames).toEqual(['Identity']);
  });

  it('guberti v2: relay.txt at the archive root', () => {
    const sig = parseRelayMain(tarMember('wild/guberti-arduino-ic-v2-graph/output.tar', 'relay.txt'))!;
    expect(sig.params[0]).toEqual({ name: 'input_1_int8', shape: [1, 32, 32, 3], dtype: 'int8' });
    expect(sig.params.every((p) => p.shape !== null && p.dtype !== null)).toBe(true);
  });

  it('snuvlsi v7: two graph inputs around the params', () => {
    const sig = parseRelayMain(
      tarMember('wild/snuvlsi-conv-v7-graph-2inputs/lib_graph_system-lib.tar', 'src/default.relay'),
    )!;
    expect(sig.params.map((p) => p.name)).toEqual(['x1', 'weight', 'bias', 'x2']);
  });
});

describe('parseRelayMain on hand-written signatures', () => {
  it('reads a return type "-> Tensor[(1, 10), float32]"', () => {
    const text = `#[version = "0.0.5"]
def @main(%x: Tensor[(1, 64), float32], %w: Tensor[(10, 64), float32]) -> Tensor[(1, 10), float32] {
  nn.dense(%x, %w, units=10) /* ty=Tensor[(1, 10), float32] */
}
`;
    expect(parseRelayMain(text)).toEqual({
      params: [f32('x', 1, 64), f32('w', 10, 64)],
      returns: [f32('output', 1, 10)],
      outputTensorNames: null,
    });
  });

  it('scalars, dynamic dimensions, colons in names and untyped params', () => {
    const text =
      'def @main(%s: Tensor[(), int64], %d: Tensor[(?, 3), float16], %serving_default_input_1:0: Tensor[(1, 4), int8], %u) {\n  %s\n}';
    const sig = parseRelayMain(text)!;
    expect(sig.params).toEqual([
      { name: 's', shape: [], dtype: 'int64' },
      { name: 'd', shape: null, dtype: 'float16' },
      { name: 'serving_default_input_1:0', shape: [1, 4], dtype: 'int8' },
    ]);
    expect(sig.returns).toBeNull();
  });

  it('several output_tensor_names, with a comment holding a parenthesis', () => {
    const text =
      'def @main(%a: Tensor[(2), float32] /* span=a(0):0:0 */, %b: Tensor[(2), float32], output_tensor_names=["out_a", "out)b"]) -> (Tensor[(2), float32], Tensor[(2), float32]) {\n  (%a, %b)\n}';
    const sig = parseRelayMain(text)!;
    expect(sig.params).toEqual([f32('a', 2), f32('b', 2)]);
    expect(sig.outputTensorNames).toEqual(['out_a', 'out)b']);
  });

  it('text without @main gives null', () => {
    expect(parseRelayMain('')).toBeNull();
    expect(parseRelayMain('def @other(%x: Tensor[(1), float32]) {\n  %x\n}')).toBeNull();
    expect(parseRelayMain('primfn(A_1: handle) -> ()\n')).toBeNull();
  });

  it('an unterminated signature gives null', () => {
    expect(parseRelayMain('def @main(%x: Tensor[(1, 2), float32]')).toBeNull();
  });
});

describe('parseHeaderStruct', () => {
  const header = tarMember('tvm-0.18/aot-mlp/model.tar', 'codegen/host/include/tvmgen_default.h');

  it('reads the inputs and outputs structs of tvm-0.18 aot-mlp', () => {
    expect(parseHeaderStruct(header, 'default', 'inputs')).toEqual(['x']);
    expect(parseHeaderStruct(header, 'default', 'outputs')).toEqual(['output']);
  });

  it('returns null for a module the header does not declare', () => {
    expect(parseHeaderStruct(header, 'mod1', 'inputs')).toBeNull();
  });

  it('reads the linaro v5 header', () => {
    const linaro = readFileSync(
      join(FIXTURES, 'wild/linaro-sine-aot-v5-extdeps/codegen/host/include/tvmgen_default.h'),
      'utf8',
    );
    expect(parseHeaderStruct(linaro, 'default', 'inputs')).toEqual(['dense_4_input']);
    expect(parseHeaderStruct(linaro, 'default', 'outputs')).toEqual(['Identity']);
  });

  it('keeps field order and sanitises the module name', () => {
    const h =
      'struct tvmgen_my_mod_inputs {\n  void* input_1;\n  void *input_2;\n};\nstruct tvmgen_my_mod_outputs {\n  void* output0;\n  void* output1;\n};\n';
    expect(parseHeaderStruct(h, 'My-Mod', 'inputs')).toEqual(['input_1', 'input_2']);
    expect(parseHeaderStruct(h, 'my_mod', 'outputs')).toEqual(['output0', 'output1']);
  });
});

describe('return types', () => {
  it('names tuple leaves output<i> and honours output_tensor_names', () => {
    expect(
      parseRelayMain('def @main(%a: Tensor[(2), float32]) -> (Tensor[(2), float32], (Tensor[(3), int8],)) {\n  %a\n}')
        ?.returns,
    ).toEqual([
      { name: 'output0', shape: [2], dtype: 'float32' },
      { name: 'output1', shape: [3], dtype: 'int8' },
    ]);
    expect(
      parseRelayMain('def @main(%a: Tensor[(2), float32], output_tensor_names=["o"]) -> Tensor[(2), float32] {')
        ?.returns,
    ).toEqual([{ name: 'o', shape: [2], dtype: 'float32' }]);
  });

  it('reads a return type with no body after it', () => {
    expect(parseRelayMain('def @main(%a: Tensor[(2), float32]) -> Tensor[(2), float32]')?.returns).toEqual([
      { name: 'output', shape: [2], dtype: 'float32' },
    ]);
  });
});
