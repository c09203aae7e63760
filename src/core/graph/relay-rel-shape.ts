// Type relations of Relay's shape operators (reshape, squeeze, transpose, concatenate, split,
// strided_slice, layout_transform, pad, reductions, take, resize, ...).
import type { RelayType } from './relay-parse.js';
import {
  asTensor,
  int,
  ints,
  mul,
  product,
  ranked,
  str,
  tensor,
  type Dims,
  type TypeRelation,
} from './relay-rel-util.js';
import { layoutAxes, plainLayout } from './relay-rel-nn.js';

/** TVM's reshape with its special values 0 (copy), -1 (infer), -2 (copy the rest), -3 (merge two), -4 (split one). */
export function reshapeDims(input: Dims, newshape: number[], allowzero = false): Dims | null {
  const out: Dims = [];
  let src = 0;
  let infer = -1;
  for (let i = 0; i < newshape.length; i++) {
    const v = newshape[i] as number;
    if (v > 0 || (v === 0 && allowzero)) {
      out.push(v);
      src++;
    } else if (v === 0) {
      if (src >= input.length) return null;
      out.push(input[src++] ?? null);
    } else if (v === -1) {
      if (infer >= 0) return null;
      infer = out.length;
      out.push(null);
      src++;
    } else if (v === -2) {
      while (src < input.length) out.push(input[src++] ?? null);
    } else if (v === -3) {
      if (src + 1 >= input.length) return null;
      out.push(mul(input[src] ?? null, input[src + 1] ?? null));
      src += 2;
    } else if (v === -4) {
      const d = input[src++] ?? null;
      const a = newshape[++i];
      const b = newshape[++i];
      if (a === undefined || b === undefined) return null;
      if (a === -1 && b > 0) out.push(d === null ? null : d / b, b);
      else if (b === -1 && a > 0) out.push(a, d === null ? null : d / a);
      else out.push(a, b);
    } else return null;
  }
  if (infer >= 0) {
    const total = product(input);
    const known = product(out.filter((_, i) => i !== infer));
    if (total === null || known === null || known === 0 || total % known !== 0) return null;
    out[infer] = total / known;
  }
  return out;
}

export const reshape: TypeRelation = (args, attrs) => {
  const data = ranked(args[0]);
  const ns = ints(attrs.newshape);
  if (data === null || ns === null) return null;
  const shape = reshapeDims(data.shape, ns, attrs.allowzero === true || attrs.allowzero === 1);
  return shape === null ? null : tensor(shape, data.dtype);
};

export const normAxis = (a: number, rank: number) => (a < 0 ? a + rank : a);

export const squeeze: TypeRelation = (args, attrs) => {
  const data = ranked(args[0]);
  if (data === null) return null;
  const axes = attrs.axis === null || attrs.axis === undefined ? null : ints(attrs.axis);
  if (axes === null) {
    if (data.shape.some((d) => d === null)) return null;
    return tensor(
      data.shape.filter((d) => d !== 1),
      data.dtype,
    );
  }
  const drop = new Set(axes.map((a) => normAxis(a, data.shape.length)));
  return tensor(
    data.shape.filter((_, i) => !drop.has(i)),
    data.dtype,
  );
};

export const expandDims: TypeRelation = (args, attrs) => {
  const data = ranked(args[0]);
  if (data === null || typeof attrs.axis !== 'number') return null;
  const k = int(attrs.num_newaxis, 1);
  const at = attrs.axis < 0 ? attrs.axis + data.shape.length + 1 : attrs.axis;
  if (at < 0 || at > data.shape.length) return null;
  return tensor([...data.shape.slice(0, at), ...Array(k).fill(1), ...data.shape.slice(at)], data.dtype);
};

export const transpose: TypeRelation = (args, attrs) => {
  const data = ranked(args[0]);
  if (data === null) return null;
  const axes = ints(attrs.axes) ?? data.shape.map((_, i) => data.shape.length - 1 - i);
  if (axes.length !== data.shape.length) return null;
  return tensor(
    axes.map((a) => data.shape[normAxis(a, data.shape.length)] ?? null),
    data.dtype,
  );
};

export const concatenate: TypeRelation = (args, attrs) => {
  const tup = args[0];
  if (tup?.kind !== 'tuple' || tup.fields.length === 0) return null;
  const parts = tup.fields.map(ranked);
  const first = parts[0];
  if (first === null || first === undefined || parts.some((p) => p === null || p.shape.length !== first.shape.length))
    return null;
  const axis = normAxis(int(attrs.axis, 0), first.shape.length);
  const shape = [...first.shape];
  shape[axis] = parts.reduce<number | null>((a, p) => {
    const d = p?.shape[axis] ?? null;
    return a === null || d === null ? null : a + d;
  }, 0);
  return tensor(shape, first.dtype);
};

export const splitRelation: TypeRelation = (args, attrs) => {
  const data = ranked(args[0]);
  if (data === null) return null;
  const axis = normAxis(int(attrs.axis, 0), data.shape.length);
  const size = data.shape[axis] ?? null;
  const ios = attrs.indices_or_sections;
  const piece = (d: number | null) => {
    const s = [...data.shape];
    s[axis] = d;
    return tensor(s, data.dtype);
  };
  if (typeof ios === 'number') {
    const each = size === null ? null : size / ios;
    return { kind: 'tuple', fields: Array.from({ length: ios }, () => piece(each)) };
  }
  const idx = ints(ios);
  if (idx === null) return null;
  const bounds = [0, ...idx, size];
  const fields: RelayType[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const a = bounds[i] as number;
    const b = bounds[i + 1] as number | null;
    fields.push(piece(b === null ? null : b - a));
  }
  return { kind: 'tuple', fields };
};

export const stridedSlice: TypeRelation = (args, attrs) => {
  const data = ranked(args[0]);
  const begin = ints(attrs.begin);
  const end = ints(attrs.end);
  if (data === null || begin === null || end === null) return null;
  const rank = data.shape.length;
  const strides = ints(attrs.strides) ?? [1];
  const axes = attrs.axes === null || attrs.axes === undefined ? null : ints(attrs.axes);
  const sizeMode = str(attrs.slice_mode, 'end') === 'size';
  const shape = [...data.shape];
  const list = axes ?? begin.map((_, i) => i);
  for (let k = 0; k < list.length; k++) {
    const axis = normAxis(list[k] as number, rank);
    const dim = data.shape[axis] ?? null;
    if (dim === null) {
      shape[axis] = null;
      continue;
    }
    const s = sizeMode ? 1 : (strides[k] ?? (strides.length === 1 ? strides[0] : 1) ?? 1);
    if (s === 0) return null;
    let b = begin[k] ?? (s > 0 ? 0 : dim - 1);
    let e = end[k] ?? (s > 0 ? dim : -dim - 1);
    if (sizeMode) e = e < 0 ? dim : b + e;
    if (b < 0) b += dim;
    if (e < 0 && !sizeMode) e += dim;
    if (s > 0) {
      b = Math.min(Math.max(b, 0), dim);
      e = Math.min(Math.max(e, 0), dim);
      shape[axis] = Math.max(0, Math.ceil((e - b) / s));
    } else {
      b = Math.min(Math.max(b, -1), dim - 1);
      e = Math.min(Math.max(e, -1), dim - 1);
      shape[axis] = Math.max(0, Math.ceil((b - e) / -s));
    }
  }
  return tensor(shape, data.dtype);
};

export const layoutTransform: TypeRelation = (args, attrs) => {
  const data = ranked(args[0]);
  const src = layoutAxes(str(attrs.src_layout, ''));
  const dst = layoutAxes(str(attrs.dst_layout, ''));
  if (data === null || src === null || dst === null || src.length !== data.shape.length) return null;
  // Total size of each primal axis: the upper-case part times its split factor.
  const total = new Map<string, number | null>();
  src.forEach((a, i) => {
    const key = a.letter.toUpperCase();
    total.set(key, mul(total.get(key) ?? 1, data.shape[i] ?? null));
  });
  const inner = new Map(dst.filter((a) => a.factor !== null).map((a) => [a.letter.toUpperCase(), a.factor as number]));
  const shape: Dims = [];
  for (const a of dst) {
    const key = a.letter.toUpperCase();
    if (!total.has(key)) return null;
    if (a.factor !== null) shape.push(a.factor);
    else {
      const t = total.get(key) ?? null;
      const f = inner.get(key) ?? 1;
      shape.push(t === null ? null : Math.ceil(t / f));
    }
  }
  return tensor(shape, data.dtype);
};

export const pad: TypeRelation = (args, attrs) => {
  const data = ranked(args[0]);
  const width = attrs.pad_width;
  if (data === null || !Array.isArray(width) || width.length !== data.shape.length) return null;
  const shape: Dims = [];
  for (let i = 0; i < width.length; i++) {
    const pw = ints(width[i]);
    if (pw === null || pw.length !== 2) return null;
    const d = data.shape[i] ?? null;
    shape.push(d === null ? null : d + (pw[0] as number) + (pw[1] as number));
  }
  return tensor(shape, data.dtype);
};

export const reduce =
  (dtype: string | null = null): TypeRelation =>
  (args, attrs) => {
    const data = ranked(args[0]);
    if (data === null) return null;
    const rank = data.shape.length;
    const given = attrs.axis === null || attrs.axis === undefined ? null : ints(attrs.axis);
    let axes = new Set((given ?? data.shape.map((_, i) => i)).map((a) => normAxis(a, rank)));
    if (attrs.exclude === true) axes = new Set(data.shape.map((_, i) => i).filter((i) => !axes.has(i)));
    const keep = attrs.keepdims === true;
    const shape = data.shape.flatMap((d, i) => (axes.has(i) ? (keep ? [1] : []) : [d]));
    return tensor(shape, dtype ?? data.dtype);
  };

export const take: TypeRelation = (args, attrs) => {
  const data = ranked(args[0]);
  const idx = ranked(args[1]);
  if (data === null || idx === null) return null;
  if (typeof attrs.axis !== 'number') return tensor(idx.shape, data.dtype);
  const axis = normAxis(attrs.axis, data.shape.length);
  return tensor([...data.shape.slice(0, axis), ...idx.shape, ...data.shape.slice(axis + 1)], data.dtype);
};

export const batchFlatten: TypeRelation = (args) => {
  const data = ranked(args[0]);
  if (data === null || data.shape.length === 0) return null;
  return tensor([data.shape[0] ?? null, product(data.shape.slice(1))], data.dtype);
};

export const resize: TypeRelation = (args, attrs) => {
  const data = ranked(args[0]);
  const size = ints(attrs.size);
  const layout = plainLayout(str(attrs.layout, 'NCHW'));
  if (data === null || size === null || layout === null) return null;
  const shape = [...data.shape];
  const h = layout.get('H');
  const w = layout.get('W');
  if (h === undefined || w === undefined) return null;
  shape[h] = size[0] ?? null;
  shape[w] = size[1] ?? size[0] ?? null;
  return tensor(shape, str(attrs.out_dtype, data.dtype ?? ''));
};

export const upsampling: TypeRelation = (args, attrs) => {
  const data = ranked(args[0]);
  const layout = plainLayout(str(attrs.layout, 'NCHW'));
  if (data === null || layout === null) return null;
  const shape = [...data.shape];
  for (const [axis, key] of [
    ['H', 'scale_h'],
    ['W', 'scale_w'],
  ] as const) {
    const at = layout.get(axis);
    const s = attrs[key];
    if (at === undefined || typeof s !== 'number') return null;
    const d = shape[at] ?? null;
    shape[at] = d === null ? null : Math.round(d * s);
  }
  return tensor(shape, data.dtype);
};

export const depthToSpace =
  (inverse: boolean): TypeRelation =>
  (args, attrs) => {
    const data = ranked(args[0]);
    const layout = plainLayout(str(attrs.layout, 'NCHW'));
    const b = typeof attrs.block_size === 'number' ? attrs.block_size : null;
    if (data === null || layout === null || b === null) return null;
    const shape = [...data.shape];
    const [c, h, w] = [layout.get('C'), layout.get('H'), layout.get('W')];
    if (c === undefined || h === undefined || w === undefined) return null;
    const f = (d: number | null, x: number) => (d === null ? null : inverse ? d * x : d / x);
    const g = (d: number | null, x: number) => (d === null ? null : inverse ? d / x : d * x);
    shape[c] = f(shape[c] ?? null, b * b);
    shape[h] = g(shape[h] ?? null, b);
    shape[w] = g(shape[w] ?? null, b);
    return tensor(shape, data.dtype);
  };

export const tuple2: TypeRelation = (args) => {
  const x = asTensor(args[0]);
  return x === null ? null : { kind: 'tuple', fields: [x, x] };
};

export const batchNorm: TypeRelation = (args, attrs) => {
  const x = ranked(args[0]);
  if (x === null) return null;
  const c = x.shape[normAxis(int(attrs.axis, 1), x.shape.length)] ?? null;
  return { kind: 'tuple', fields: [tensor(x.shape, x.dtype), tensor([c], x.dtype), tensor([c], x.dtype)] };
};
