// Building blocks of the Relay type relations (relay-ops.ts): tensor types, attribute readers,
// NumPy broadcasting.
import type { RelayAttr, RelayTensorType, RelayType } from './relay-parse.js';

export type Dims = (number | null)[];
export type Attrs = Record<string, RelayAttr>;
/** An operator's type relation: argument types and attributes to the output type, or null. */
export type TypeRelation = (args: (RelayType | null)[], attrs: Attrs) => RelayType | null;

export const tensor = (shape: Dims | null, dtype: string | null): RelayTensorType => ({ kind: 'tensor', shape, dtype });
export const asTensor = (t: RelayType | null | undefined): RelayTensorType | null => (t?.kind === 'tensor' ? t : null);
/** The argument as a tensor with a known rank, else null. */
export const ranked = (t: RelayType | null | undefined): { shape: Dims; dtype: string | null } | null => {
  const x = asTensor(t);
  return x === null || x.shape === null ? null : { shape: x.shape, dtype: x.dtype };
};

export const int = (v: RelayAttr | undefined, fallback: number): number => (typeof v === 'number' ? v : fallback);
export const ints = (v: RelayAttr | undefined): number[] | null => {
  if (typeof v === 'number') return [v];
  if (!Array.isArray(v)) return null;
  return v.every((x) => typeof x === 'number') ? (v as number[]) : null;
};
export const str = (v: RelayAttr | undefined, fallback: string): string =>
  typeof v === 'string' && v !== '' ? v : fallback;
export const mul = (a: number | null, b: number | null) => (a === null || b === null ? null : a * b);
export const product = (d: Dims) => d.reduce<number | null>((a, x) => mul(a, x), 1);

/** Same type as the first argument. */
export const same: TypeRelation = (args) => asTensor(args[0]);
/** First argument's shape, another dtype. */
export const withDtype =
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

export const broadcast =
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
