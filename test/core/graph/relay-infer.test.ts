/**
 * The Relay reader: every Relay text of the fixtures parses and its outputs get the types TVM
 * gave them (graph JSON heads, expected.json, or the same model's graph build); each operator
 * family against shapes worked out by hand from TVM's definitions; unknown operators; hostile text
 * (100 000-deep nesting and the linear-time check: relay-infer.system.test.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeRelay } from '../../../src/core/graph/relay-graph.js';
import { formatRelayType } from '../../../src/core/graph/relay-infer.js';
import { FIXTURES, tarMember } from '../../helpers/common.js';
import { relayCode as code, T } from '../../helpers/relay.js';

/** Every Relay text among the fixtures (test/fixtures holds byte-identical copies of /work/shared's). */
const RELAY_FILES: [fixture: string, member: string | null][] = [
  ['tvm-0.18/aot-mlp/model.tar', 'src/default.relay'],
  ['tvm-0.18/graph-cnn/model.tar', 'src/default.relay'],
  ['tvm-0.18/mnist-aot-usmp/model.tar', 'src/mnist.relay'],
  ['tvm-0.18/mnist-graph/model.tar', 'src/mnist.relay'],
  ['tvm-0.18/multi-graph/model.tar', 'src/mod1.relay'],
  ['tvm-0.18/multi-graph/model.tar', 'src/mod2.relay'],
  ['wild/guberti-arduino-ic-v2-graph/output.tar', 'relay.txt'],
  ['wild/guberti-arduino-ic-v2-graph-linkparams/output.tar', 'relay.txt'],
  ['wild/guberti-arduino-kws-v4-graph/model.tar', 'src/relay.txt'],
  ['wild/guberti-arduino-kws-v5-aot-packed/model.tar', 'src/relay.txt'],
  ['wild/hannah-magicwand-v7-graph/model.tar', 'src/default.relay'],
  ['wild/snuvlsi-conv-v7-graph-2inputs/lib_graph_system-lib.tar', 'src/default.relay'],
  ['wild/linaro-sine-aot-v5-extdeps/src/relay.txt', null],
];

const relayText = (fixture: string, member: string | null) =>
  member === null ? readFileSync(join(FIXTURES, fixture), 'utf8') : tarMember(fixture, member);

/** The graph executor's own output types: heads of the graph JSON TVM wrote. */
function graphHeads(fixture: string, member: string): string[] {
  const g = JSON.parse(tarMember(fixture, member));
  return g.heads.map(([nid, k]: number[]) => {
    const e = (g.node_row_ptr[nid as number] as number) + (k as number);
    return `${g.attrs.dltype[1][e]}[${(g.attrs.shape[1][e] as number[]).join(', ')}]`;
  });
}

const outputsOf = (text: string) => analyzeRelay(text).outputs.map(formatRelayType);

describe('every Relay text of the fixtures parses', () => {
  for (const [fixture, member] of RELAY_FILES) {
    it(`${fixture} ${member ?? ''}`, () => {
      const a = analyzeRelay(relayText(fixture, member));
      expect(a.inference.notes).toEqual([]);
      expect(a.outputs.length).toBeGreaterThan(0);
      expect(a.outputs.every((o) => o !== null && o.shape?.every((d) => d !== null))).toBe(true);
    });
  }
});

describe('inferred outputs are the types TVM gave them', () => {
  const GRAPHS: [string, string, string][] = [
    ['tvm-0.18/graph-cnn/model.tar', 'src/default.relay', 'executor-config/graph/default.graph'],
    ['tvm-0.18/mnist-graph/model.tar', 'src/mnist.relay', 'executor-config/graph/mnist.graph'],
    ['tvm-0.18/multi-graph/model.tar', 'src/mod1.relay', 'executor-config/graph/mod1.graph'],
    ['tvm-0.18/multi-graph/model.tar', 'src/mod2.relay', 'executor-config/graph/mod2.graph'],
    ['wild/guberti-arduino-ic-v2-graph/output.tar', 'relay.txt', 'runtime-config/graph/graph.json'],
    ['wild/guberti-arduino-kws-v4-graph/model.tar', 'src/relay.txt', 'runtime-config/graph/graph.json'],
    ['wild/hannah-magicwand-v7-graph/model.tar', 'src/default.relay', 'executor-config/graph/default.graph'],
    [
      'wild/snuvlsi-conv-v7-graph-2inputs/lib_graph_system-lib.tar',
      'src/default.relay',
      'executor-config/graph/default.graph',
    ],
  ];
  for (const [fixture, relay, graph] of GRAPHS) {
    it(`${fixture}: the graph JSON's heads`, () => {
      expect(outputsOf(tarMember(fixture, relay))).toEqual(graphHeads(fixture, graph));
    });
  }

  it('TVM 0.18 AOT fixtures: the shapes of expected.json (TVM executor outputs)', () => {
    for (const [fixture, module, relay] of [
      ['aot-mlp', 'default', 'src/default.relay'],
      ['mnist-aot-usmp', 'mnist', 'src/mnist.relay'],
    ] as const) {
      const expected = JSON.parse(readFileSync(join(FIXTURES, 'tvm-0.18', fixture, 'expected.json'), 'utf8'));
      const want = expected.modules[module].outputs.map(
        (o: { dtype: string; shape: number[] }) => `${o.dtype}[${o.shape.join(', ')}]`,
      );
      expect(outputsOf(tarMember(`tvm-0.18/${fixture}/model.tar`, relay))).toEqual(want);
    }
  });

  it('kws v5 AOT: the same model built for the graph executor (v4) has these heads', () => {
    expect(outputsOf(tarMember('wild/guberti-arduino-kws-v5-aot-packed/model.tar', 'src/relay.txt'))).toEqual(
      graphHeads('wild/guberti-arduino-kws-v4-graph/model.tar', 'runtime-config/graph/graph.json'),
    );
  });
});

/** The output type of `body` in a one-function program with the given parameters. */
function typeOf(params: string, body: string): string {
  const a = analyzeRelay(`def @main(${params}) {\n  ${body}\n}`);
  return a.outputs.map(formatRelayType).join(' ');
}

describe('operators, against shapes worked out from TVM definitions', () => {
  it('conv2d: NCHW and NHWC, strides, padding forms, dilation, groups, kernel from the weight', () => {
    // out = floor((224 + 3 + 3 - 7) / 2) + 1 = 112
    expect(
      typeOf(
        `%x: ${T('1, 3, 224, 224')}, %w: ${T('64, 3, 7, 7')}`,
        'nn.conv2d(%x, %w, strides=[2, 2], padding=[3, 3, 3, 3], channels=64, kernel_size=[7, 7])',
      ),
    ).toBe('float32[1, 64, 112, 112]');
    // NHWC / HWIO, 2-value padding (top/left both sides): (49 + 2 - 3) / 1 + 1 = 49
    expect(
      typeOf(
        `%x: ${T('1, 49, 40, 1', 'int8')}, %w: ${T('3, 3, 1, 8', 'int8')}`,
        'nn.conv2d(%x, %w, padding=[1, 1], data_layout="NHWC", kernel_layout="HWIO")',
      ),
    ).toBe('int8[1, 49, 40, 8]');
    // dilation 2: effective kernel 5, (32 - 5) / 1 + 1 = 28; depthwise groups=16 channels from the weight
    expect(
      typeOf(`%x: ${T('1, 16, 32, 32')}, %w: ${T('16, 1, 3, 3')}`, 'nn.conv2d(%x, %w, dilation=[2, 2], groups=16)'),
    ).toBe('float32[1, 16, 28, 28]');
    // asymmetric 4-value padding [top, left, bottom, right]: H = 10 + 4 + 5 - 10 + 1, W = 8 + 3 + 3 - 8 + 1 over stride 2
    expect(
      typeOf(
        `%x: ${T('1, 49, 40, 1', 'int8')}, %w: ${T('10, 8, 1, 8', 'int8')}`,
        'qnn.conv2d(%x, %w, -128, 0, 0.1f, 0.2f, strides=[2, 2], padding=[4, 3, 5, 3], channels=8, kernel_size=[10, 8], data_layout="NHWC", kernel_layout="HWIO", out_dtype="int32")',
      ),
    ).toBe('int32[1, 25, 20, 8]');
    // conv1d NCW
    expect(typeOf(`%x: ${T('1, 4, 100')}, %w: ${T('8, 4, 5')}`, 'nn.conv1d(%x, %w, strides=[2])')).toBe(
      'float32[1, 8, 48]',
    );
    // conv2d_transpose: (7 - 1) * 2 - (1 + 1) + 1 * (4 - 1) + output_padding 1 + 1 = 15
    expect(
      typeOf(
        `%x: ${T('1, 8, 7, 7')}, %w: ${T('8, 4, 4, 4')}`,
        'nn.conv2d_transpose(%x, %w, strides=[2, 2], padding=[1, 1, 1, 1], output_padding=[1, 1], channels=4)',
      ),
    ).toBe('float32[1, 4, 15, 15]');
  });

  it('dense, matmul, batch_matmul, bias_add, qnn.dense', () => {
    expect(typeOf(`%x: ${T('1, 64')}, %w: ${T('32, 64')}`, 'nn.dense(%x, %w, units=None)')).toBe('float32[1, 32]');
    expect(
      typeOf(
        `%x: ${T('1, 4000', 'int8')}, %w: ${T('4, 4000', 'int8')}`,
        'qnn.dense(%x, %w, -128, 0, 0.08f, 0.0004f, units=4, out_dtype="int32")',
      ),
    ).toBe('int32[1, 4]');
    expect(typeOf(`%a: ${T('2, 3, 5')}, %b: ${T('5, 7')}`, 'nn.matmul(%a, %b)')).toBe('float32[2, 3, 7]');
    expect(typeOf(`%a: ${T('4, 3, 5')}, %b: ${T('4, 6, 5')}`, 'nn.batch_matmul(%a, %b)')).toBe('float32[4, 3, 6]');
    expect(typeOf(`%x: ${T('1, 10')}, %b: ${T('10')}`, 'nn.bias_add(%x, %b)')).toBe('float32[1, 10]');
  });

  it('elementwise and broadcasting, comparisons to bool, cast, quantize/dequantize/requantize', () => {
    expect(typeOf(`%a: ${T('1, 8, 28, 28')}, %b: ${T('8, 1, 1')}`, 'add(%a, %b)')).toBe('float32[1, 8, 28, 28]');
    expect(typeOf(`%a: ${T('1, 32, 1, 1')}, %b: ${T('1, 32, 56, 56')}`, 'multiply(%a, %b)')).toBe(
      'float32[1, 32, 56, 56]',
    );
    expect(typeOf(`%a: ${T('3, 4')}, %b: ${T('4')}`, 'greater(%a, %b)')).toBe('bool[3, 4]');
    expect(typeOf(`%a: ${T('3, 4')}`, 'clip(sigmoid(tanh(nn.relu(%a))), a_min=0f, a_max=6f)')).toBe('float32[3, 4]');
    expect(typeOf(`%a: ${T('3, 4')}`, 'cast(%a, dtype="int16")')).toBe('int16[3, 4]');
    expect(typeOf(`%a: ${T('2', 'int8')}`, 'qnn.dequantize(%a, 0.1f, 3)')).toBe('float32[2]');
    expect(typeOf(`%a: ${T('2')}`, 'qnn.quantize(%a, 0.1f, 3, out_dtype="uint8")')).toBe('uint8[2]');
    expect(typeOf(`%a: ${T('2', 'int32')}`, 'qnn.requantize(%a, 0.1f, 0, 0.2f, 0)')).toBe('int8[2]');
    expect(
      typeOf(
        `%a: ${T('1, 4, 4, 8', 'int8')}, %b: ${T('1, 4, 4, 8', 'int8')}`,
        'qnn.add(%a, %b, 0.1f, 0, 0.1f, 0, 0.2f, 0)',
      ),
    ).toBe('int8[1, 4, 4, 8]');
    // Incompatible shapes: no type rather than a wrong one.
    expect(typeOf(`%a: ${T('3, 4')}, %b: ${T('5')}`, 'add(%a, %b)')).toBe('?');
  });

  it('pooling: max/avg with padding and ceil_mode, global, adaptive', () => {
    expect(
      typeOf(`%x: ${T('1, 8, 28, 28')}`, 'nn.max_pool2d(%x, pool_size=[2, 2], strides=[2, 2], padding=[0, 0, 0, 0])'),
    ).toBe('float32[1, 8, 14, 14]');
    // ceil((14 - 3) / 2) + 1 = 7 with ceil_mode, floor gives 6
    expect(
      typeOf(`%x: ${T('1, 8, 14, 14')}`, 'nn.max_pool2d(%x, pool_size=[3, 3], strides=[2, 2], ceil_mode=True)'),
    ).toBe('float32[1, 8, 7, 7]');
    expect(typeOf(`%x: ${T('1, 8, 14, 14')}`, 'nn.avg_pool2d(%x, pool_size=[3, 3], strides=[2, 2])')).toBe(
      'float32[1, 8, 6, 6]',
    );
    expect(
      typeOf(
        `%x: ${T('1, 32, 32, 64', 'int32')}`,
        'nn.avg_pool2d(%x, pool_size=[8, 8], strides=[8, 8], padding=[0, 0, 0, 0], layout="NHWC")',
      ),
    ).toBe('int32[1, 4, 4, 64]');
    expect(typeOf(`%x: ${T('1, 7, 7, 32')}`, 'nn.global_avg_pool2d(%x, layout="NHWC")')).toBe('float32[1, 1, 1, 32]');
    expect(typeOf(`%x: ${T('1, 32, 7, 7')}`, 'nn.adaptive_avg_pool2d(%x, output_size=[2, 3])')).toBe(
      'float32[1, 32, 2, 3]',
    );
  });

  it('reshape with 0, -1, -2, -3, -4; batch_flatten, squeeze, expand_dims, transpose', () => {
    expect(typeOf(`%x: ${T('1, 1960', 'int8')}`, 'reshape(%x, newshape=[-1, 49, 40, 1])')).toBe('int8[1, 49, 40, 1]');
    expect(typeOf(`%x: ${T('2, 3, 4')}`, 'reshape(%x, newshape=[0, -1])')).toBe('float32[2, 12]');
    expect(typeOf(`%x: ${T('2, 3, 4')}`, 'reshape(%x, newshape=[-2])')).toBe('float32[2, 3, 4]');
    expect(typeOf(`%x: ${T('2, 3, 4')}`, 'reshape(%x, newshape=[-3, 4])')).toBe('float32[6, 4]');
    expect(typeOf(`%x: ${T('6, 4')}`, 'reshape(%x, newshape=[-4, 2, -1, 4])')).toBe('float32[2, 3, 4]');
    expect(typeOf(`%x: ${T('2, 3, 4')}`, 'reshape(%x, newshape=[5, -1])')).toBe('?'); // 24 is not a multiple of 5
    expect(typeOf(`%x: ${T('1, 8, 8, 8')}`, 'nn.batch_flatten(%x)')).toBe('float32[1, 512]');
    expect(typeOf(`%x: ${T('1, 3, 1, 5')}`, 'squeeze(%x)')).toBe('float32[3, 5]');
    expect(typeOf(`%x: ${T('1, 3, 1, 5')}`, 'squeeze(%x, axis=[-2])')).toBe('float32[1, 3, 5]');
    expect(typeOf(`%x: ${T('3, 5')}`, 'expand_dims(%x, axis=0, num_newaxis=2)')).toBe('float32[1, 1, 3, 5]');
    expect(typeOf(`%x: ${T('3, 5')}`, 'expand_dims(%x, axis=-1)')).toBe('float32[3, 5, 1]');
    expect(typeOf(`%x: ${T('1, 3, 5, 7')}`, 'transpose(%x, axes=[0, 2, 3, 1])')).toBe('float32[1, 5, 7, 3]');
    expect(typeOf(`%x: ${T('2, 3')}`, 'transpose(%x)')).toBe('float32[3, 2]');
  });

  it('concatenate, split, tuples and projections, strided_slice, pad, take', () => {
    expect(typeOf(`%a: ${T('1, 3, 4')}, %b: ${T('1, 5, 4')}`, 'concatenate((%a, %b), axis=1)')).toBe(
      'float32[1, 8, 4]',
    );
    expect(typeOf(`%x: ${T('1, 6, 4')}`, 'split(%x, indices_or_sections=3, axis=1)')).toBe(
      'float32[1, 2, 4] float32[1, 2, 4] float32[1, 2, 4]',
    );
    expect(typeOf(`%x: ${T('1, 10')}`, '%0 = split(%x, indices_or_sections=[2, 7], axis=-1);\n  %0.2')).toBe(
      'float32[1, 3]',
    );
    expect(typeOf(`%x: ${T('10, 20')}`, 'strided_slice(%x, begin=[2, -5], end=[8, 20], strides=[3, 1])')).toBe(
      'float32[2, 5]',
    );
    expect(typeOf(`%x: ${T('10, 20')}`, 'strided_slice(%x, begin=[1], end=[-1], axes=[1])')).toBe('float32[10, 18]');
    expect(typeOf(`%x: ${T('10, 20')}`, 'strided_slice(%x, begin=[1, 2], end=[3, -1], slice_mode="size")')).toBe(
      'float32[3, 18]',
    );
    expect(typeOf(`%x: ${T('1, 3, 4, 4')}`, 'nn.pad(%x, 0f, pad_width=[[0, 0], [0, 0], [1, 2], [3, 4]])')).toBe(
      'float32[1, 3, 7, 11]',
    );
    expect(typeOf(`%x: ${T('5, 7')}, %i: ${T('2, 3', 'int32')}`, 'take(%x, %i, axis=1)')).toBe('float32[5, 2, 3]');
  });

  it('layout_transform, reductions, softmax', () => {
    expect(typeOf(`%x: ${T('1, 16, 14, 14')}`, 'layout_transform(%x, src_layout="NCHW", dst_layout="NCHW8c")')).toBe(
      'float32[1, 2, 14, 14, 8]',
    );
    expect(typeOf(`%x: ${T('1, 2, 14, 14, 8')}`, 'layout_transform(%x, src_layout="NCHW8c", dst_layout="NHWC")')).toBe(
      'float32[1, 14, 14, 16]',
    );
    expect(typeOf(`%x: ${T('2, 3, 4')}`, 'mean(%x, axis=[1, 2], keepdims=True)')).toBe('float32[2, 1, 1]');
    expect(typeOf(`%x: ${T('2, 3, 4')}`, 'sum(%x, axis=[1], exclude=True)')).toBe('float32[3]');
    expect(typeOf(`%x: ${T('2, 3, 4')}`, 'argmax(%x, axis=[-1])')).toBe('int32[2, 3]');
    expect(typeOf(`%x: ${T('1, 10')}`, 'nn.softmax(%x, axis=1)')).toBe('float32[1, 10]');
  });
});

describe('program forms', () => {
  it('version header, span comments, let, fn literals, calls of other globals, metadata section', () => {
    const text = `#[version = "0.0.5"]
def @main(%x: Tensor[(1, 8), float32] /* span=x:0:0 */, %w: Tensor[(4, 8), float32]) {
  let %a = nn.dense(%x, %w, units=4) /* span=dense:0:0 */;
  %0 = fn (%p0: Tensor[(1, 4), float32], Primitive=1) -> Tensor[(1, 4), float32] {
    nn.relu(%p0)
  };
  %1 = %0(%a);
  @tvmgen_default_ext_main_0(%1, meta[relay.Constant][0])
}

def @tvmgen_default_ext_main_0(%y: Tensor[(1, 4), float32], %c: Tensor[(4), float32], Compiler="ext") -> Tensor[(1, 4), int8] {
  cast(add(%y, %c), dtype="int8")
}

#[metadata]
{ "root": 1, "nodes": [] }
`;
    const a = analyzeRelay(text);
    expect(a.outputs.map(formatRelayType)).toEqual(['int8[1, 4]']);
    expect([...a.program.functions.keys()]).toEqual(['main', 'tvmgen_default_ext_main_0']);
    expect(a.program.lambdas).toHaveLength(1);
  });

  it('ty= annotations: used where the operator is unknown; a disagreement is noted and the text wins', () => {
    const unknown = analyzeRelay(
      `def @main(%x: ${T('4, 4')}) {\n  %0 = my.op(%x) /* ty=Tensor[(2, 8), float32] */;\n  nn.relu(%0)\n}`,
    );
    expect(unknown.outputs.map(formatRelayType)).toEqual(['float32[2, 8]']);
    expect(unknown.inference.notes).toEqual(['operator my.op is not known: the types after it are not inferred']);
    const wrong = analyzeRelay(`def @main(%x: ${T('4, 4')}) {\n  nn.relu(%x) /* ty=Tensor[(4, 5), float32] */\n}`);
    expect(wrong.outputs.map(formatRelayType)).toEqual(['float32[4, 5]']);
    expect(wrong.inference.notes[0]).toMatch(/nn.relu: inferred float32\[4, 4\], the text says float32\[4, 5\]/);
  });

  it('an unknown operator stops its branch only: a tuple output keeps the known part', () => {
    const a = analyzeRelay(`def @main(%x: ${T('2, 3')}) {\n  (vision.non_max_suppression(%x), nn.relu(%x))\n}`);
    expect(a.outputs.map(formatRelayType)).toEqual(['?']); // a tuple with an unknown field is unknown as a whole
    const b = analyzeRelay(`def @main(%x: ${T('2, 3')}) {\n  %0 = (vision.nms(%x), nn.relu(%x));\n  %0.1\n}`);
    expect(b.outputs.map(formatRelayType)).toEqual(['?']);
    const c = analyzeRelay(`def @main(%x: ${T('2, 3')}) {\n  %0 = vision.nms(%x);\n  %1 = nn.relu(%x);\n  %1\n}`);
    expect(c.outputs.map(formatRelayType)).toEqual(['float32[2, 3]']);
    expect(c.inference.notes).toHaveLength(1);
  });

  it('colons and dots in variable names; untyped parameters give unknown types, not errors', () => {
    const a = analyzeRelay(
      `def @main(%serving_default_input_1:0: ${T('1, 4', 'int8')}, %input.1: ${T('4')}, %u) {\n  %0 = add(%serving_default_input_1:0, %input.1);\n  (%0, %u)\n}`,
    );
    expect(a.params.map((p) => p.name)).toEqual(['serving_default_input_1:0', 'input.1', 'u']);
    expect(a.outputs.map(formatRelayType)).toEqual(['?']);
  });
});

describe('hostile Relay text', () => {
  it('errors name the offset: unterminated comment and string, undefined variables, garbage', () => {
    expect(code('def @main(%x: Tensor[(1), float32]) { /* open')).toBe('MLF-E311@38');
    expect(code('def @main() { "open }')).toBe('MLF-E311@14');
    expect(code('def @main() { nn.relu(%nope) }')).toBe('MLF-E311@22');
    expect(code('def @main() { $ }')).toBe('MLF-E311@14');
    expect(code('import os')).toBe('MLF-E311@0');
  });
});
