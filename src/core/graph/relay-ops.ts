// Output types of the Relay operators real MLF models use, from their argument types and
// attributes, following TVM's type relations. An operator not listed here, or an argument whose
// type is unknown, gives null: inference stops on that branch, it never guesses.
import type { RelayAttr, RelayTensorType, RelayType } from './relay-parse.js';

type Dims = (number | null)[];
type Attrs = Record<string, RelayAttr>;
/** An operator's type relation: argument types and attributes to the output type, or null. */
export type TypeRelation = (args: (RelayType | null)[], attrs: Attrs) => RelayType | null;

const tensor = (shape: Dims | null, dtype: string | null): RelayTensorType => ({ kind: 'tensor', shape, dtype });
const asTensor = (t: RelayType | null | undefined): RelayTensorType | null => (t?.kind === 'tensor' ? t : null);
/** The argument as a tensor with a known rank, else null. */
const ranked = (t: RelayType | null | undefined): { shape: Dims; dtype: string | null } | null => {
  const x = asTensor(t);
  return x === null || x.shape === null ? null : { shape: x.shape, dtype: x.dtype };
};

const int = (v: RelayAttr | undefined, fallback: number): number => (typeof v === 'number' ? v : fallback);
const ints = (v: RelayAttr | undefined): number[] | null => {
  if (typeof v === 'number') return [v];
  if (!Array.isArray(v)) return null;
  return v.every((x) => typeof x === 'number') ? (v as number[]) : null;
};
const str = (v: RelayAttr | undefined, fallback: string): string => (typeof v === 'string' && v !== '' ? v : fallback);
const mul = (a: number | null, b: number | null) => (a === null || b === null ? null : a * b);
const product = (d: Dims) => d.reduce<number | null>((a, x) => mul(a, x), 1);

/** Same type as the first argument. */
const same: TypeRelation = (args) => asTensor(args[0]);
/** First argument's shape, another dtype. */
const withDtype =
  (pick: (attrs: Attrs, input: string | null) => string | null): TypeRelation =>
  (args, attrs) => {
    const x = asTensor(args[0]);
    return x === null ? null : tensor(x.shape, pick(attrs, x.dtype));
  };

/** NumPy broadcasting of two shapes; null when a dimension is unknown where it matters or they do not match. */
export function broadcastShapes(a: Dims, b: Dims): Dims | null {
  const n = Math.max(a.length, b.length);
  const out: Dims = [];
  for (let i = 0; i < n; i++) {
    const x = i < n - a.length ? 1 : (a[i - (n - a.length)] as number | null);
    const y = i < n - b.length ? 1 : (b[i - (n - b.length)] as number | null);
    if (x === 1) out.push(y);
    else if (y === 1) out.push(x);
    else if (x === null || y === null) out.push(x ?? y);
    else if (x === y) out.push(x);
    else return null;
  }
  return out;
}

const broadcast =
  (dtype: ((lhs: string | null) => string | null) | null = null, count = 2, first = 0): TypeRelation =>
  (args) => {
    let shape: Dims | null = [];
    let dt: string | null = null;
    for (let k = first; k < first + count; k++) {
      const t = ranked(args[k]);
      if (t === null || shape === null) return null;
      if (k === first) dt = t.dtype;
      shape = broadcastShapes(shape, t.shape);
    }
    if (shape === null) return null;
    return tensor(shape, dtype === null ? dt : dtype(dt));
  };

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
function plainLayout(layout: string): Map<string, number> | null {
  const axes = layoutAxes(layout);
  if (axes === null || axes.some((a) => a.factor !== null || a.letter !== a.letter.toUpperCase())) return null;
  return new Map(axes.map((a, i) => [a.letter, i]));
}

/** `padding` as before/after per spatial axis (TVM: 1, n or 2n values). */
function pads(v: RelayAttr | undefined, n: number): { before: number[]; after: number[] } | null {
  const p = ints(v) ?? Array.from({ length: n }, () => 0);
  if (p.length === 1) return { before: Array(n).fill(p[0]), after: Array(n).fill(p[0]) };
  if (p.length === n) return { before: p, after: p };
  if (p.length === 2 * n) return { before: p.slice(0, n), after: p.slice(n) };
  return null;
}

const spatialOf = (n: number) => (n === 1 ? ['W'] : n === 2 ? ['H', 'W'] : ['D', 'H', 'W']);
const defaultData = (n: number) => (n === 1 ? 'NCW' : n === 2 ? 'NCHW' : 'NCDHW');
const defaultKernel = (n: number) => (n === 1 ? 'OIW' : n === 2 ? 'OIHW' : 'OIDHW');

/** Output extent of a sliding window. */
function window(size: number | null, k: number, stride: number, dilation: number, pad: number, ceil = false): number | null {
  if (size === null) return null;
  const span = size + pad - dilation * (k - 1) - 1;
  const out = (ceil ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  return out >= 0 ? out : null;
}

/** Places logical N, C and spatial sizes into a layout (the input's, or `out_layout` when plain). */
function arrange(layout: Map<string, number>, values: Map<string, number | null>, rank: number): Dims | null {
  const out: Dims = Array(rank).fill(null);
  for (const [letter, at] of layout) {
    if (!values.has(letter)) return null;
    out[at] = values.get(letter) as number | null;
  }
  return out;
}

const conv =
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
      ints(attrs.kernel_size) ??
      (weight === null ? null : spatial.map((s) => weight.shape[kl.get(s) ?? -1] ?? null));
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

const pool =
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

const globalPool =
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

const adaptivePool =
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

const dense: TypeRelation = (args, attrs) => {
  const data = ranked(args[0]);
  const weight = ranked(args[1]);
  if (data === null || data.shape.length === 0) return null;
  const units = typeof attrs.units === 'number' ? attrs.units : (weight?.shape[0] ?? null);
  const dtype = str(attrs.out_dtype, data.dtype ?? '');
  return tensor([...data.shape.slice(0, -1), units], dtype === '' ? null : dtype);
};

const qDense: TypeRelation = (args, attrs) => dense(args, { ...attrs, out_dtype: str(attrs.out_dtype, 'int32') });

const matmul: TypeRelation = (args, attrs) => {
  const a = ranked(args[0]);
  const b = ranked(args[1]);
  if (a === null || b === null || a.shape.length < 2 || b.shape.length < 2) return null;
  const m = attrs.transpose_a === true ? a.shape.at(-1) : a.shape.at(-2);
  const n = attrs.transpose_b === true ? b.shape.at(-2) : b.shape.at(-1);
  const dtype = str(attrs.out_dtype, a.dtype ?? '');
  return tensor([...a.shape.slice(0, -2), m ?? null, n ?? null], dtype === '' ? null : dtype);
};

const batchMatmul: TypeRelation = (args, attrs) => {
  const a = ranked(args[0]);
  const b = ranked(args[1]);
  if (a === null || b === null || a.shape.length !== 3 || b.shape.length !== 3) return null;
  const tb = attrs.transpose_b !== false; // default True
  const ta = attrs.transpose_a === true;
  const batch = broadcastShapes([a.shape[0] ?? null], [b.shape[0] ?? null]);
  if (batch === null) return null;
  const dtype = str(attrs.out_dtype, a.dtype ?? '');
  return tensor([batch[0] ?? null, (ta ? a.shape[2] : a.shape[1]) ?? null, (tb ? b.shape[1] : b.shape[2]) ?? null], dtype === '' ? null : dtype);
};

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

const reshape: TypeRelation = (args, attrs) => {
  const data = ranked(args[0]);
  const ns = ints(attrs.newshape);
  if (data === null || ns === null) return null;
  const shape = reshapeDims(data.shape, ns, attrs.allowzero === true || attrs.allowzero === 1);
  return shape === null ? null : tensor(shape, data.dtype);
};

const normAxis = (a: number, rank: number) => (a < 0 ? a + rank : a);

const squeeze: TypeRelation = (args, attrs) => {
  const data = ranked(args[0]);
  if (data === null) return null;
  const axes = attrs.axis === null || attrs.axis === undefined ? null : ints(attrs.axis);
  if (axes === null) {
    if (data.shape.some((d) => d === null)) return null;
    return tensor(data.shape.filter((d) => d !== 1), data.dtype);
  }
  const drop = new Set(axes.map((a) => normAxis(a, data.shape.length)));
  return tensor(data.shape.filter((_, i) => !drop.has(i)), data.dtype);
};

const expandDims: TypeRelation = (args, attrs) => {
  const data = ranked(args[0]);
  if (data === null || typeof attrs.axis !== 'number') return null;
  const k = int(attrs.num_newaxis, 1);
  const at = attrs.axis < 0 ? attrs.axis + data.shape.length + 1 : attrs.axis;
  if (at < 0 || at > data.shape.length) return null;
  return tensor([...data.shape.slice(0, at), ...Array(k).fill(1), ...data.shape.slice(at)], data.dtype);
};

const transpose: TypeRelation = (args, attrs) => {
  const data = ranked(args[0]);
  if (data === null) return null;
  const axes = ints(attrs.axes) ?? data.shape.map((_, i) => data.shape.length - 1 - i);
  if (axes.length !== data.shape.length) return null;
  return tensor(
    axes.map((a) => data.shape[normAxis(a, data.shape.length)] ?? null),
    data.dtype,
  );
};

const concatenate: TypeRelation = (args, attrs) => {
  const tup = args[0];
  if (tup?.kind !== 'tuple' || tup.fields.length === 0) return null;
  const parts = tup.fields.map(ranked);
  const first = parts[0];
  if (first === null || first === undefined || parts.some((p) => p === null || p.shape.length !== first.shape.length)) return null;
  const axis = normAxis(int(attrs.axis, 0), first.shape.length);
  const shape = [...first.shape];
  shape[axis] = parts.reduce<number | null>((a, p) => {
    const d = p?.shape[axis] ?? null;
    return a === null || d === null ? null : a + d;
  }, 0);
  return tensor(shape, first.dtype);
};

const split: TypeRelation = (args, attrs) => {
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

const stridedSlice: TypeRelation = (args, attrs) => {
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
    if (e < 0 && !(sizeMode)) e += dim;
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

const layoutTransform: TypeRelation = (args, attrs) => {
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

const pad: TypeRelation = (args, attrs) => {
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

const reduce =
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

const take: TypeRelation = (args, attrs) => {
  const data = ranked(args[0]);
  const idx = ranked(args[1]);
  if (data === null || idx === null) return null;
  if (typeof attrs.axis !== 'number') return tensor(idx.shape, data.dtype);
  const axis = normAxis(attrs.axis, data.shape.length);
  return tensor([...data.shape.slice(0, axis), ...idx.shape, ...data.shape.slice(axis + 1)], data.dtype);
};

const batchFlatten: TypeRelation = (args) => {
  const data = ranked(args[0]);
  if (data === null || data.shape.length === 0) return null;
  return tensor([data.shape[0] ?? null, product(data.shape.slice(1))], data.dtype);
};

const resize: TypeRelation = (args, attrs) => {
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

const upsampling: TypeRelation = (args, attrs) => {
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

const depthToSpace =
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

const tuple2: TypeRelation = (args) => {
  const x = asTensor(args[0]);
  return x === null ? null : { kind: 'tuple', fields: [x, x] };
};

const batchNorm: TypeRelation = (args, attrs) => {
  const x = ranked(args[0]);
  if (x === null) return null;
  const c = x.shape[normAxis(int(attrs.axis, 1), x.shape.length)] ?? null;
  return { kind: 'tuple', fields: [tensor(x.shape, x.dtype), tensor([c], x.dtype), tensor([c], x.dtype)] };
};

const UNARY = [
  'nn.relu',
  'clip',
  'sigmoid',
  'tanh',
  'exp',
  'log',
  'log2',
  'log10',
  'sqrt',
  'rsqrt',
  'negative',
  'abs',
  'round',
  'floor',
  'ceil',
  'trunc',
  'sign',
  'erf',
  'sin',
  'cos',
  'fast_exp',
  'fast_tanh',
  'fast_erf',
  'copy',
  'nn.leaky_relu',
  'nn.prelu',
  'nn.softmax',
  'nn.log_softmax',
  'nn.fast_softmax',
  'nn.bias_add',
  'nn.layer_norm',
  'nn.instance_norm',
  'nn.group_norm',
  'nn.l2_normalize',
  'nn.lrn',
  'annotation.stop_fusion',
  'stop_gradient',
  'fixed_point_multiply',
  'fixed_point_multiply_per_axis',
  'reverse',
  'zeros_like',
  'ones_like',
  'qnn.leaky_relu',
  'qnn.sigmoid',
  'qnn.tanh',
  'qnn.hardswish',
  'qnn.rsqrt',
  'qnn.exp',
  'qnn.log',
  'qnn.abs',
  'qnn.softmax',
];

const BINARY = [
  'add',
  'subtract',
  'multiply',
  'divide',
  'power',
  'maximum',
  'minimum',
  'floor_divide',
  'floor_mod',
  'trunc_divide',
  'trunc_mod',
  'mod',
  'right_shift',
  'left_shift',
  'bitwise_and',
  'bitwise_or',
  'bitwise_xor',
  'logical_and',
  'logical_or',
];

const COMPARE = ['equal', 'not_equal', 'less', 'less_equal', 'greater', 'greater_equal'];

/** The type relations by operator name. */
export const RELATIONS: ReadonlyMap<string, TypeRelation> = new Map<string, TypeRelation>([
  ...UNARY.map((op) => [op, same] as [string, TypeRelation]),
  ...BINARY.map((op) => [op, broadcast()] as [string, TypeRelation]),
  ...COMPARE.map((op) => [op, broadcast(() => 'bool')] as [string, TypeRelation]),
  // qnn binary ops: (lhs, rhs, scales and zero points...) → lhs dtype.
  ...['qnn.add', 'qnn.subtract', 'qnn.mul'].map((op) => [op, broadcast()] as [string, TypeRelation]),
  ['where', broadcast(null, 2, 1)],
  ['logical_not', same],
  ['isnan', withDtype(() => 'bool')],
  ['cast', withDtype((a) => str(a.dtype, ''))],
  ['cast_like', (args) => (asTensor(args[0]) === null ? null : tensor(asTensor(args[0])?.shape ?? null, asTensor(args[1])?.dtype ?? null))],
  ['qnn.quantize', withDtype((a) => str(a.out_dtype, 'int8'))],
  ['qnn.dequantize', withDtype((a) => str(a.out_dtype, 'float32'))],
  ['qnn.requantize', withDtype((a) => str(a.out_dtype, 'int8'))],
  ['nn.conv1d', conv(1, null)],
  ['nn.conv2d', conv(2, null)],
  ['nn.conv3d', conv(3, null)],
  ['qnn.conv2d', conv(2, 'int32')],
  ['nn.conv1d_transpose', conv(1, null, true)],
  ['nn.conv2d_transpose', conv(2, null, true)],
  ['qnn.conv2d_transpose', conv(2, 'int32', true)],
  ['nn.dense', dense],
  ['qnn.dense', qDense],
  ['nn.matmul', matmul],
  ['nn.batch_matmul', batchMatmul],
  ['qnn.batch_matmul', (args, attrs) => batchMatmul(args, { ...attrs, out_dtype: str(attrs.out_dtype, 'int32') })],
  ['nn.max_pool1d', pool(1)],
  ['nn.max_pool2d', pool(2)],
  ['nn.max_pool3d', pool(3)],
  ['nn.avg_pool1d', pool(1)],
  ['nn.avg_pool2d', pool(2)],
  ['nn.avg_pool3d', pool(3)],
  ['qnn.avg_pool2d', pool(2)],
  ['nn.global_max_pool2d', globalPool(2)],
  ['nn.global_avg_pool2d', globalPool(2)],
  ['nn.adaptive_avg_pool1d', adaptivePool(1)],
  ['nn.adaptive_avg_pool2d', adaptivePool(2)],
  ['nn.adaptive_max_pool2d', adaptivePool(2)],
  ['nn.adaptive_avg_pool3d', adaptivePool(3)],
  ['reshape', reshape],
  ['nn.batch_flatten', batchFlatten],
  ['squeeze', squeeze],
  ['expand_dims', expandDims],
  ['transpose', transpose],
  ['concatenate', concatenate],
  ['qnn.concatenate', concatenate],
  ['split', split],
  ['strided_slice', stridedSlice],
  ['layout_transform', layoutTransform],
  ['nn.pad', pad],
  ['mean', reduce()],
  ['sum', reduce()],
  ['max', reduce()],
  ['min', reduce()],
  ['prod', reduce()],
  ['variance', reduce()],
  ['std', reduce()],
  ['all', reduce('bool')],
  ['any', reduce('bool')],
  ['argmax', reduce('int32')],
  ['argmin', reduce('int32')],
  ['take', take],
  ['image.resize2d', resize],
  ['nn.upsampling', upsampling],
  ['nn.depth_to_space', depthToSpace(false)],
  ['nn.space_to_depth', depthToSpace(true)],
  ['reshape_like', (args) => (asTensor(args[0]) === null ? null : tensor(asTensor(args[1])?.shape ?? null, asTensor(args[0])?.dtype ?? null))],
  ['broadcast_to', (args, attrs) => (asTensor(args[0]) === null || ints(attrs.shape) === null ? null : tensor(ints(attrs.shape), asTensor(args[0])?.dtype ?? null))],
  ['nn.dropout', tuple2],
  ['nn.batch_norm', batchNorm],
]);
