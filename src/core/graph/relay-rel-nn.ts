// Type relations of Relay's layout-aware operators: convolutions, pooling, dense and matmul.
import type { RelayAttr } from './relay-parse.js';
import {
  broadcastShapes,
  int,
  ints,
  mul,
  ranked,
  str,
  tensor,
  type Dims,
  type TypeRelation,
} from './relay-rel-util.js';

/** Axes of a layout string: `NCHW8c` → N, C, H, W, 8c. */
export function layoutAxes(layout: string): { letter: string; factor: number | null }[] | null {
  const out: { letter: string; factor: number | null }[] = [];
  let i = 0;
  while (i < layout.length) {
    let j = i;
    while (j < layout.length && /[0-9]/.test(layout[j] as string)) j++;
    const letter = layout[j];
    if (letter === undefined || !/[A-Za-z]/.test(letter)) return null;
    out.push({ letter, factor: j > i ? Number(layout.slice(i, j)) : null });
    i = j + 1;
  }
  return out;
}

/** Positions of primal axes (upper-case letters) in a layout without split axes; null otherwise. */
export function plainLayout(layout: string): Map<string, number> | null {
  const axes = layoutAxes(layout);
  if (axes === null || axes.some((a) => a.factor !== null || a.letter !== a.letter.toUpperCase())) return null;
  return new Map(axes.map((a, i) => [a.letter, i]));
}

/** `padding` as before/after per spatial axis (TVM: 1, n or 2n values). */
export function pads(v: RelayAttr | undefined, n: number): { before: number[]; after: number[] } | null {
  const p = ints(v) ?? Array.from({ length: n }, () => 0);
  if (p.length === 1) return { before: Array(n).fill(p[0]), after: Array(n).fill(p[0]) };
  if (p.length === n) return { before: p, after: p };
  if (p.length === 2 * n) return { before: p.slice(0, n), after: p.slice(n) };
  return null;
}

export const spatialOf = (n: number) => (n === 1 ? ['W'] : n === 2 ? ['H', 'W'] : ['D', 'H', 'W']);
export const defaultData = (n: number) => (n === 1 ? 'NCW' : n === 2 ? 'NCHW' : 'NCDHW');
export const defaultKernel = (n: number) => (n === 1 ? 'OIW' : n === 2 ? 'OIHW' : 'OIDHW');

/** Output extent of a sliding window. */
export function window(
  size: number | null,
  k: number,
  stride: number,
  dilation: number,
  pad: number,
  ceil = false,
): number | null {
  if (size === null) return null;
  const span = size + pad - dilation * (k - 1) - 1;
  const out = (ceil ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  return out >= 0 ? out : null;
}

/** Places logical N, C and spatial sizes into a layout (the input's, or `out_layout` when plain). */
export function arrange(layout: Map<string, number>, values: Map<string, number | null>, rank: number): Dims | null {
  const out: Dims = Array(rank).fill(null);
  for (const [letter, at] of layout) {
    if (!values.has(letter)) return null;
    out[at] = values.get(letter) as number | null;
  }
  return out;
}

export const conv =
  (n: number, defaultOut: string | null, transpose = false): TypeRelation =>
  (args, attrs) => {
    const data = ranked(args[0]);
    const weight = ranked(args[1]);
    if (data === null) return null;
    const dl = plainLayout(str(attrs.data_layout, defaultData(n)));
    const kl = plainLayout(str(attrs.kernel_layout, transpose ? (n === 2 ? 'IOHW' : 'IOW') : defaultKernel(n)));
    const ol = plainLayout(str(attrs.out_layout, str(attrs.data_layout, defaultData(n))));
    if (dl === null || kl === null || ol === null || data.shape.length !== dl.size) return null;
    const spatial = spatialOf(n);
    const kernel =
      ints(attrs.kernel_size) ?? (weight === null ? null : spatial.map((s) => weight.shape[kl.get(s) ?? -1] ?? null));
    if (kernel === null || kernel.length !== n || kernel.some((k) => typeof k !== 'number')) return null;
    const strides = ints(attrs.strides) ?? Array(n).fill(1);
    const dilation = ints(attrs.dilation) ?? Array(n).fill(1);
    const outPad = ints(attrs.output_padding) ?? Array(n).fill(0);
    const p = pads(attrs.padding, n);
    if (p === null) return null;
    const groups = int(attrs.groups, 1);
    let channels: number | null = typeof attrs.channels === 'number' ? attrs.channels : null;
    if (channels === null && weight !== null) {
      const o = weight.shape[kl.get('O') ?? -1] ?? null;
      channels = transpose ? mul(o, groups) : o;
    }
    const values = new Map<string, number | null>([
      ['N', data.shape[dl.get('N') ?? -1] ?? null],
      ['C', channels],
    ]);
    spatial.forEach((s, i) => {
      const size = data.shape[dl.get(s) ?? -1] ?? null;
      const k = kernel[i] as number;
      const st = strides[i] ?? strides[0] ?? 1;
      const dil = dilation[i] ?? dilation[0] ?? 1;
      const pad = (p.before[i] ?? 0) + (p.after[i] ?? 0);
      values.set(
        s,
        transpose
          ? size === null
            ? null
            : (size - 1) * st - pad + dil * (k - 1) + (outPad[i] ?? 0) + 1
          : window(size, k, st, dil, pad),
      );
    });
    const shape = arrange(ol, values, data.shape.length);
    const dtype = str(attrs.out_dtype, defaultOut ?? data.dtype ?? '');
    return shape === null ? null : tensor(shape, dtype === '' ? null : dtype);
  };

export const pool =
  (n: number): TypeRelation =>
  (args, attrs) => {
    const data = ranked(args[0]);
    if (data === null) return null;
    const layout = plainLayout(str(attrs.layout, defaultData(n)));
    if (layout === null) return null;
    const size = ints(attrs.pool_size);
    const strides = ints(attrs.strides) ?? Array(n).fill(1);
    const dilation = ints(attrs.dilation) ?? Array(n).fill(1);
    const p = pads(attrs.padding, n);
    if (size === null || p === null) return null;
    const shape = [...data.shape];
    const ceil = attrs.ceil_mode === true;
    spatialOf(n).forEach((s, i) => {
      const at = layout.get(s);
      if (at === undefined) return;
      shape[at] = window(
        data.shape[at] ?? null,
        size[i] ?? size[0] ?? 1,
        strides[i] ?? strides[0] ?? 1,
        dilation[i] ?? dilation[0] ?? 1,
        (p.before[i] ?? 0) + (p.after[i] ?? 0),
        ceil,
      );
    });
    return tensor(shape, data.dtype);
  };

export const globalPool =
  (n: number): TypeRelation =>
  (args, attrs) => {
    const data = ranked(args[0]);
    const layout = layoutAxes(str(attrs.layout, defaultData(n)));
    if (data === null || layout === null || layout.length !== data.shape.length) return null;
    return tensor(
      data.shape.map((d, i) => (spatialOf(n).includes(layout[i]?.letter ?? '') ? 1 : d)),
      data.dtype,
    );
  };

export const adaptivePool =
  (n: number): TypeRelation =>
  (args, attrs) => {
    const data = ranked(args[0]);
    const layout = plainLayout(str(attrs.layout, defaultData(n)));
    if (data === null || layout === null) return null;
    const raw = attrs.output_size;
    const size = Array.isArray(raw) ? raw : typeof raw === 'number' ? Array(n).fill(raw) : null;
    if (size === null) return null;
    const shape = [...data.shape];
    spatialOf(n).forEach((s, i) => {
      const at = layout.get(s);
      const v = size[i] ?? size[0];
      if (at !== undefined && typeof v === 'number') shape[at] = v;
    });
    return tensor(shape, data.dtype);
  };

export const dense: TypeRelation = (args, attrs) => {
  const data = ranked(args[0]);
  const weight = ranked(args[1]);
  if (data === null || data.shape.length === 0) return null;
  const units = typeof attrs.units === 'number' ? attrs.units : (weight?.shape[0] ?? null);
  const dtype = str(attrs.out_dtype, data.dtype ?? '');
  return tensor([...data.shape.slice(0, -1), units], dtype === '' ? null : dtype);
};

export const qDense: TypeRelation = (args, attrs) =>
  dense(args, { ...attrs, out_dtype: str(attrs.out_dtype, 'int32') });

export const matmul: TypeRelation = (args, attrs) => {
  const a = ranked(args[0]);
  const b = ranked(args[1]);
  if (a === null || b === null || a.shape.length < 2 || b.shape.length < 2) return null;
  const m = attrs.transpose_a === true ? a.shape.at(-1) : a.shape.at(-2);
  const n = attrs.transpose_b === true ? b.shape.at(-2) : b.shape.at(-1);
  const dtype = str(attrs.out_dtype, a.dtype ?? '');
  return tensor([...a.shape.slice(0, -2), m ?? null, n ?? null], dtype === '' ? null : dtype);
};

export const batchMatmul: TypeRelation = (args, attrs) => {
  const a = ranked(args[0]);
  const b = ranked(args[1]);
  if (a === null || b === null || a.shape.length !== 3 || b.shape.length !== 3) return null;
  const tb = attrs.transpose_b !== false; // default True
  const ta = attrs.transpose_a === true;
  const batch = broadcastShapes([a.shape[0] ?? null], [b.shape[0] ?? null]);
  if (batch === null) return null;
  const dtype = str(attrs.out_dtype, a.dtype ?? '');
  return tensor(
    [batch[0] ?? null, (ta ? a.shape[2] : a.shape[1]) ?? null, (tb ? b.shape[1] : b.shape[2]) ?? null],
    dtype === '' ? null : dtype,
  );
};
