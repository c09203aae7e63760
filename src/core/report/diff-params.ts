import { bfloat16ToFloat, DTYPE_CODE, e4m3ToFloat, e5m2ToFloat, halfToFloat } from '../params/dtype.js';
import type { ParamDict, ParamTensor } from '../params/codec.js';
import { tensorView } from '../params/tensor.js';

/** A tensor's type as the diff shows it. */
export interface ParamSide {
  dtype: string;
  shape: number[];
  bytes: number;
}

/**
 * One param that differs between two builds. `change` is `dtype` when the dtype differs (the
 * shape may too), `shape` when only the shape does, `values` when both match but bytes differ.
 */
export interface ParamChange {
  name: string;
  change: 'added' | 'removed' | 'dtype' | 'shape' | 'values';
  a: ParamSide | null;
  b: ParamSide | null;
  /** `values` only: max |b - a| over finite pairs, in float64; null when the dtype is not numeric. */
  maxAbsDiff: number | null;
  /** `values` only: ||b - a|| / ||a|| (L2, float64); null when ||a|| = 0 or the dtype is not numeric. */
  relL2: number | null;
  /** `values` only: elements that differ; null when the dtype is not numeric. */
  changedElements: number | null;
  /** `values` only: differing pairs where a value is NaN or infinite (left out of the two norms). */
  nonFiniteChanges: number | null;
}

/** Params of two modules compared; `changed` omits tensors with identical bytes. */
export interface ParamsDiff {
  changed: ParamChange[];
  unchanged: number;
}

/** Reads element `i` of a tensor as a float64, or undefined for dtypes without a number form. */
export function tensorElementReader(t: Pick<ParamTensor, 'dtype' | 'data'>): ((i: number) => number) | undefined {
  const { code, bits, lanes } = t.dtype;
  if (lanes !== 1) return undefined;
  if (code === DTYPE_CODE.uint && bits === 1) return (i) => t.data[i] as number; // bool: one byte each
  if (code === DTYPE_CODE.e4m3Float) return (i) => e4m3ToFloat(t.data[i] as number);
  if (code === DTYPE_CODE.e5m2Float) return (i) => e5m2ToFloat(t.data[i] as number);
  const numeric =
    code === DTYPE_CODE.int || code === DTYPE_CODE.uint || code === DTYPE_CODE.float || code === DTYPE_CODE.bfloat;
  if (!numeric || ![8, 16, 32, 64].includes(bits) || (code === DTYPE_CODE.float && bits === 8)) return undefined;
  const v = tensorView(t);
  // float16 and bfloat16 come back as raw bits; 64-bit integers as bigints.
  if (code === DTYPE_CODE.float && bits === 16) return (i) => halfToFloat(v[i] as number);
  if (code === DTYPE_CODE.bfloat) return (i) => bfloat16ToFloat(v[i] as number);
  if (bits === 64 && code !== DTYPE_CODE.float) return (i) => Number(v[i] as bigint);
  return (i) => v[i] as number;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

const side = (t: ParamTensor): ParamSide => ({ dtype: t.dtypeName, shape: t.shape, bytes: t.data.byteLength });
const none = { maxAbsDiff: null, relL2: null, changedElements: null, nonFiniteChanges: null };

/**
 * Numeric difference of two tensors of the same dtype and shape, in float64 over the decoded
 * values. A NaN equals a NaN here: a build that keeps a NaN has not changed it.
 */
export function compareTensorValues(
  a: ParamTensor,
  b: ParamTensor,
): Pick<ParamChange, 'maxAbsDiff' | 'relL2' | 'changedElements' | 'nonFiniteChanges'> {
  const ra = tensorElementReader(a);
  const rb = tensorElementReader(b);
  if (ra === undefined || rb === undefined) return none;
  const count = a.shape.reduce((x, y) => x * y, 1);
  let maxAbs = 0;
  let diff2 = 0;
  let norm2 = 0;
  let changed = 0;
  let nonFinite = 0;
  for (let i = 0; i < count; i++) {
    const x = ra(i);
    const y = rb(i);
    if (Number.isFinite(x)) norm2 += x * x;
    if (x === y || (Number.isNaN(x) && Number.isNaN(y))) continue;
    changed++;
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      nonFinite++;
      continue;
    }
    const d = Math.abs(y - x);
    if (d > maxAbs) maxAbs = d;
    diff2 += d * d;
  }
  return {
    maxAbsDiff: maxAbs,
    relL2: norm2 === 0 ? null : Math.sqrt(diff2) / Math.sqrt(norm2),
    changedElements: changed,
    nonFiniteChanges: nonFinite,
  };
}

/** Compares two param dicts by name; tensors with identical bytes count as unchanged without decoding. */
export function diffParams(a: ParamDict | null, b: ParamDict | null): ParamsDiff | null {
  if (a === null && b === null) return null;
  const left = new Map((a?.tensors ?? []).map((t) => [t.name, t]));
  const right = new Map((b?.tensors ?? []).map((t) => [t.name, t]));
  const changed: ParamChange[] = [];
  let unchanged = 0;
  for (const [name, ta] of left) {
    const tb = right.get(name);
    if (tb === undefined) changed.push({ name, change: 'removed', a: side(ta), b: null, ...none });
    else if (ta.dtypeName !== tb.dtypeName) changed.push({ name, change: 'dtype', a: side(ta), b: side(tb), ...none });
    else if (ta.shape.join(',') !== tb.shape.join(','))
      changed.push({ name, change: 'shape', a: side(ta), b: side(tb), ...none });
    else if (sameBytes(ta.data, tb.data)) unchanged++;
    else changed.push({ name, change: 'values', a: side(ta), b: side(tb), ...compareTensorValues(ta, tb) });
  }
  for (const [name, tb] of right)
    if (!left.has(name)) changed.push({ name, change: 'added', a: null, b: side(tb), ...none });
  // File order is TVM's hash order; names read better sorted (p2 before p10).
  changed.sort((x, y) => x.name.localeCompare(y.name, 'en', { numeric: true }));
  return { changed, unchanged };
}
