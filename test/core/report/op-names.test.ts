// Short operator names and categories, on function names taken from the fixtures (TVM 0.18 and
// archives from the wild, including names TVM cut at 80 characters and ended with a hash).
import { describe, expect, it } from 'vitest';
import { fusedOps, opCategory, shortOpName } from '../../../src/core/report/op-names.js';

describe('operator names', () => {
  it.each([
    // The example: namespace, layout suffix and the _1 of a repeated name go.
    ['tvmgen_m_fused_nn_contrib_conv2d_NCHWc_add_nn_relu_1', 'conv2d · add · relu', 'conv'],
    ['tvmgen_default_fused_nn_max_pool2d', 'max_pool2d', 'pool'],
    ['tvmgen_default_fused_nn_global_max_pool2d', 'global_max_pool2d', 'pool'],
    ['tvmgen_mnist_fused_layout_transform_reshape', 'layout_transform · reshape', 'layout'],
    ['tvmgen_default_fused_expand_dims_expand_dims_layout_transform', 'expand_dims ×2 · layout_transform', 'layout'],
    ['tvmgen_default_fused_layout_transform_add_layout_transform', 'layout_transform · add +1', 'elementwise'],
    ['tvmgen_mnist_fused_nn_contrib_dense_pack_add', 'dense · add', 'conv'],
    ['tvmgen_default_fused_nn_softmax', 'softmax', 'elementwise'],
    ['fused_cast_subtract_1', 'cast · subtract', 'elementwise'],
    ['__nop', 'nop', 'layout'],
    // A module name with underscores does not leak into the label.
    ['tvmgen_my_model_fused_qnn_conv2d_qnn_requantize', 'qnn.conv2d · qnn.requantize', 'conv'],
    ['tvmgen_default_fused_qnn_quantize', 'qnn.quantize', 'quant'],
    ['tvmgen_default_fused_vision_non_max_suppression', 'vision_non_max_suppression', 'other'],
    ['tvmgen_default_fused_divide_add_round_cast_clip_cast', 'divide · add · round · cast +2', 'elementwise'],
    // Cut names: the op giving the category is always shown; the label ends in … .
    [
      'fused_nn_conv2d_add_cast_multiply_add_right_shift_cast_add_clip_cast_clip_cast_s_9959535092109263429__2',
      'conv2d · add · cast · multiply +9…',
      'conv',
    ],
    [
      'fused_cast_subtract_fixed_point_multiply_add_nn_conv2d_add_cast_multiply_add_rig_6094505598157483839_',
      'cast · subtract · … conv2d +7…',
      'conv',
    ],
    [
      'tvmgen_default_fused_reshape_cast_subtract_fixed_point_multiply_add_clip_cast',
      'reshape · … fixed_point_multiply +5',
      'quant',
    ],
  ])('%s → %s (%s)', (name, label, category) => {
    expect(shortOpName(name)).toBe(label);
    expect(opCategory(name)).toBe(category);
  });

  it('splits fused names into ops, unknown words included', () => {
    expect(fusedOps('tvmgen_default_fused_nn_conv2d_add_nn_relu_3')).toEqual({
      ops: ['nn_conv2d', 'add', 'nn_relu'],
      truncated: false,
    });
    expect(fusedOps('tvmgen_default_fused_nn_frobnicate_add').ops).toEqual(['nn_frobnicate', 'add']);
    expect(fusedOps('fused_nn_dense_add_rig_12345678901234567_').truncated).toBe(true);
    expect(shortOpName('tvmgen_default_fused_')).toBe('tvmgen_default_fused_');
  });

  it("reads Relay op names (the viewer's Relay level) as their fused spelling", () => {
    expect([shortOpName('nn.max_pool2d'), opCategory('nn.max_pool2d')]).toEqual(['max_pool2d', 'pool']);
    expect([shortOpName('nn.conv2d'), opCategory('nn.conv2d')]).toEqual(['conv2d', 'conv']);
    expect([shortOpName('qnn.requantize'), opCategory('qnn.requantize')]).toEqual(['qnn.requantize', 'quant']);
    expect(shortOpName('add')).toBe('add');
  });
});
