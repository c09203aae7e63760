// Short operator names and categories from TVM's fused function names, for drawing labels:
// `tvmgen_m_fused_nn_contrib_conv2d_NCHWc_add_nn_relu_1` → `conv2d · add · relu`, category conv.
// TVM builds the name from the Relay ops it fused (dots turned into underscores), adds `_<n>` to
// tell apart functions with equal names, and past 80 characters cuts it and appends a hash.

/** What a drawn operator box is coloured by. */
export type OpCategory = 'conv' | 'elementwise' | 'layout' | 'pool' | 'quant' | 'other';

/** Every category, in legend order. */
export const OP_CATEGORIES: readonly OpCategory[] = ['conv', 'elementwise', 'layout', 'pool', 'quant', 'other'];

/** Readable names of the categories, for legends. */
export const OP_CATEGORY_LABELS: Readonly<Record<OpCategory, string>> = {
  conv: 'conv / dense',
  elementwise: 'elementwise',
  layout: 'layout / reshape',
  pool: 'pooling',
  quant: 'quantisation',
  other: 'other',
};

// Relay op names as they appear in fused names (`.` → `_`), by category. Longer names win.
const OPS: Record<OpCategory, string[]> = {
  conv: [
    'nn_conv1d',
    'nn_conv2d',
    'nn_conv3d',
    'nn_conv1d_transpose',
    'nn_conv2d_transpose',
    'nn_conv3d_transpose',
    'nn_contrib_conv2d_NCHWc',
    'nn_contrib_depthwise_conv2d_NCHWc',
    'nn_contrib_conv2d_winograd_without_weight_transform',
    'nn_contrib_conv2d_gemm_without_weight_transform',
    'nn_contrib_conv3d_winograd_without_weight_transform',
    'nn_deformable_conv2d',
    'nn_dense',
    'nn_contrib_dense_pack',
    'nn_matmul',
    'nn_batch_matmul',
    'nn_bitserial_conv2d',
    'nn_bitserial_dense',
  ],
  pool: [
    'nn_max_pool1d',
    'nn_max_pool2d',
    'nn_max_pool3d',
    'nn_avg_pool1d',
    'nn_avg_pool2d',
    'nn_avg_pool3d',
    'nn_global_max_pool2d',
    'nn_global_avg_pool2d',
    'nn_adaptive_max_pool1d',
    'nn_adaptive_max_pool2d',
    'nn_adaptive_avg_pool1d',
    'nn_adaptive_avg_pool2d',
    'nn_l2_pool2d',
  ],
  quant: [
    'fixed_point_multiply',
    'fixed_point_multiply_per_axis',
    'qnn_quantize',
    'qnn_dequantize',
    'qnn_requantize',
    'qnn_simulated_quantize',
    'qnn_simulated_dequantize',
  ],
  elementwise: [
    'add',
    'subtract',
    'multiply',
    'divide',
    'floor_divide',
    'floor_mod',
    'mod',
    'power',
    'maximum',
    'minimum',
    'negative',
    'abs',
    'sign',
    'exp',
    'fast_exp',
    'log',
    'sqrt',
    'rsqrt',
    'erf',
    'fast_erf',
    'tanh',
    'fast_tanh',
    'sigmoid',
    'round',
    'floor',
    'ceil',
    'trunc',
    'clip',
    'cast',
    'cast_like',
    'right_shift',
    'left_shift',
    'bitwise_and',
    'bitwise_or',
    'bitwise_xor',
    'logical_and',
    'logical_or',
    'logical_not',
    'equal',
    'not_equal',
    'less',
    'less_equal',
    'greater',
    'greater_equal',
    'where',
    'isnan',
    'isinf',
    'nn_relu',
    'nn_leaky_relu',
    'nn_prelu',
    'nn_bias_add',
    'nn_softmax',
    'nn_fast_softmax',
    'nn_log_softmax',
    'nn_batch_norm',
    'nn_layer_norm',
    'nn_group_norm',
    'nn_instance_norm',
    'nn_l2_normalize',
    'nn_lrn',
    'nn_dropout',
    'copy',
  ],
  layout: [
    'layout_transform',
    'reshape',
    'reshape_like',
    'expand_dims',
    'squeeze',
    'transpose',
    'concatenate',
    'split',
    'strided_slice',
    'slice_like',
    'take',
    'gather',
    'gather_nd',
    'scatter',
    'broadcast_to',
    'broadcast_to_like',
    'tile',
    'repeat',
    'reverse',
    'stack',
    'nn_batch_flatten',
    'nn_pad',
    'nn_upsampling',
    'nn_depth_to_space',
    'nn_space_to_depth',
    'image_resize2d',
    'one_hot',
    'device_copy',
  ],
  other: [
    'sum',
    'mean',
    'max',
    'min',
    'prod',
    'argmax',
    'argmin',
    'variance',
    'std',
    'all',
    'any',
    'cumsum',
    'cumprod',
    'sort',
    'argsort',
    'topk',
    'arange',
    'zeros',
    'ones',
    'full',
    'vision_non_max_suppression',
    'vision_get_valid_counts',
    'vision_multibox_prior',
    'vision_multibox_transform_loc',
    'vision_roi_align',
    'vision_roi_pool',
    'image_crop_and_resize',
  ],
};

/** Category of each known op; `qnn_*` ops not listed here are quantisation too. */
const CATEGORY = new Map<string, OpCategory>(
  Object.entries(OPS).flatMap(([c, names]) => names.map((n): [string, OpCategory] => [n, c as OpCategory])),
);
/** Words in the longest known op name: matching tries at most this many. */
const MAX_WORDS = Math.max(...[...CATEGORY.keys()].map((n) => n.split('_').length));

/** The ops a fused function name is made of, as written in the name (`nn_conv2d`, `add`, …). */
export interface FusedOps {
  ops: string[];
  /** TVM cut the name (it ends in a hash): the last op may be a fragment and more may follow. */
  truncated: boolean;
}

/** Splits a function name into the Relay ops it fused (unknown words become ops of their own). */
export function fusedOps(funcName: string): FusedOps {
  // A Relay op name (`nn.max_pool2d`) reads as it would in a fused name; C names have no dots.
  let s = funcName.replaceAll('.', '_');
  const fused = s.indexOf('fused_');
  if (fused >= 0) s = s.slice(fused + 'fused_'.length);
  else s = s.replace(/^tvmgen_[^_]*_/, '');
  // A cut name ends in `_<hash>_` (and maybe `_<n>`); otherwise only `_<n>` suffixes follow.
  const cut = /_\d{6,}_(?:_\d+)?$/.exec(s);
  s = cut === null ? s.replace(/(?:_\d+)+$/, '') : s.slice(0, cut.index);
  const words = s.split('_').filter((w) => w !== '');
  const ops: string[] = [];
  for (let i = 0; i < words.length;) {
    // Longest known op starting here, else an unknown one.
    let len = 0;
    for (let k = Math.min(MAX_WORDS, words.length - i); k > 0 && len === 0; k--)
      if (CATEGORY.has(words.slice(i, i + k).join('_'))) len = k;
    if (len === 0) len = unknownLength(words, i);
    ops.push(words.slice(i, i + len).join('_'));
    i += len;
  }
  return { ops, truncated: cut !== null };
}

/** Namespace words of Relay ops: an unknown op starting with one keeps its next word. */
const NAMESPACES = new Set(['qnn', 'nn', 'contrib', 'image', 'vision', 'random', 'dyn']);

/** Length in words of an unknown op at `i`: its namespaces and one more word. */
function unknownLength(words: string[], i: number): number {
  let k = i;
  while (k + 1 < words.length && NAMESPACES.has(words[k] as string)) k++;
  return k - i + 1;
}

/** Display name of one op: namespaces and layout suffixes dropped (`nn_contrib_conv2d_NCHWc` → `conv2d`). */
export function displayOp(op: string): string {
  if (op === '' || op === '__nop') return 'nop';
  const q = op.startsWith('qnn_');
  const short = op
    .replace(/^qnn_/, '')
    .replace(/^nn_/, '')
    .replace(/^contrib_/, '')
    .replace(/^(dense)_pack$/, '$1')
    .replace(/_(NCHWc|NHWC|NCHW)$/, '')
    .replace(/_without_weight_transform$/, '');
  return q ? `qnn.${short}` : short;
}

/** Category of one op as written in a fused name. */
export function opCategoryOf(op: string): OpCategory {
  const c = CATEGORY.get(op);
  if (c !== undefined) return c;
  if (op.startsWith('qnn_')) return /conv|dense|matmul/.test(op) ? 'conv' : 'quant';
  if (op === '__nop') return 'layout';
  return 'other';
}

const PRIORITY: readonly OpCategory[] = ['conv', 'pool', 'quant', 'elementwise', 'layout'];

/** Category of a fused function: its heaviest op's (conv/dense over pooling over quantisation, …). */
export function opCategory(funcName: string): OpCategory {
  if (funcName === '__nop') return 'layout';
  const cats = new Set(fusedOps(funcName).ops.map(opCategoryOf));
  return PRIORITY.find((c) => cats.has(c)) ?? 'other';
}

/** The first op of run `i` (runs group equal display names). */
function runOps(ops: string[], runs: { count: number }[], i: number): string {
  let k = 0;
  for (let j = 0; j < i; j++) k += (runs[j] as { count: number }).count;
  return ops[k] as string;
}

/**
 * A short label for a fused function: its ops joined with ` · ` (repeats as `op ×2`), as many as
 * fit in `maxChars` (at least one), then `+N` for the rest; a cut name ends in `…`. `__nop` (an
 * in-place reshape of the graph executor) is `nop`.
 */
export function shortOpName(funcName: string, maxChars = 34): string {
  const key = `${maxChars}:${funcName}`;
  const known = LABELS.get(key);
  if (known !== undefined) return known;
  // Graphs repeat function names (tens of thousands of nodes, a few hundred names); bounded.
  if (LABELS.size >= 20_000) LABELS.clear();
  const label = makeShortOpName(funcName, maxChars);
  LABELS.set(key, label);
  return label;
}

const LABELS = new Map<string, string>();

function makeShortOpName(funcName: string, maxChars: number): string {
  if (funcName === '__nop') return 'nop';
  const { ops, truncated } = fusedOps(funcName);
  if (ops.length === 0) return funcName;
  // Runs of one op become `op ×k`.
  const runs: { name: string; count: number }[] = [];
  for (const op of ops) {
    const name = displayOp(op);
    const prev = runs[runs.length - 1];
    if (prev !== undefined && prev.name === name) prev.count++;
    else runs.push({ name, count: 1 });
  }
  const text = (r: { name: string; count: number }) => (r.count > 1 ? `${r.name} ×${r.count}` : r.name);
  // The op that gives the function its category (conv over pool over quantisation) is always shown.
  const anchorCat = PRIORITY.slice(0, 3).find((c) => ops.some((o) => opCategoryOf(o) === c));
  const anchor =
    anchorCat === undefined ? -1 : runs.findIndex((r, i) => opCategoryOf(runOps(ops, runs, i)) === anchorCat);
  const anchorText = anchor < 0 ? '' : ` · … ${text(runs[anchor] as { name: string; count: number })}`;
  let shown = 0;
  let label = '';
  for (const r of runs) {
    const next = shown === 0 ? text(r) : `${label} · ${text(r)}`;
    const rest = runs.slice(shown + 1).reduce((a, x) => a + x.count, 0);
    const reserve = anchor > shown ? anchorText.length : 0;
    if (shown > 0 && [...next].length + reserve + (rest > 0 ? ` +${rest}`.length : 0) > maxChars) break;
    label = next;
    shown++;
  }
  let hidden = runs.slice(shown);
  if (anchor >= shown) {
    label += anchorText;
    hidden = hidden.filter((_, i) => i + shown !== anchor);
  }
  const more = hidden.reduce((a, r) => a + r.count, 0);
  return `${label}${more > 0 ? ` +${more}` : ''}${truncated ? '…' : ''}`;
}
