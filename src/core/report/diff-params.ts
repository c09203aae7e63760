import {
  bfloat16ToFloat,
  DTYPE_CODE,
  dtypeFileElementBytes,
  e4m3ToFloat,
  e5m2ToFloat,
  halfToFloat,
} from '../params/dtype.js';
import type { ParamDict, ParamTensor, ParamTensorHeader } from '../params/codec.js';
import { type RangeRead, readAhead } from '../params/tensor-index.js';
import type { ParamsReader } from '../params/params-reader.js';
import { MlfError } from '../errors/errors.js';
import { tensorPlainValues, tensorView } from '../params/tensor.js';

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

const none = { maxAbsDiff: null, relL2: null, changedElements: null, nonFiniteChanges: null };

/** Running sums of a value comparison, element by element in order (so chunks add up to the whole). */
interface ValueSums {
  maxAbs: number;
  diff2: number;
  norm2: number;
  changed: number;
  nonFinite: number;
}

const newSums = (): ValueSums => ({ maxAbs: 0, diff2: 0, norm2: 0, changed: 0, nonFinite: 0 });

/** Elements of one side: a typed array read as it is, or a decoding reader (float16, int64...). */
type Values = ArrayLike<number> | ((i: number) => number);

/** The elements of a tensor as diff reads them; undefined for dtypes without numbers. */
function valuesOf(t: Pick<ParamTensor, 'dtype' | 'data'>): Values | undefined {
  return tensorPlainValues(t) ?? tensorElementReader(t);
}

/** Adds elements `[0, count)` of `a` and `b` to `s`. */
function addValues(s: ValueSums, a: Values, b: Values, count: number): void {
  if (typeof a !== 'function' && typeof b !== 'function') return addArrays(s, a, b, count);
  const ra = typeof a === 'function' ? a : (i: number) => a[i] as number;
  const rb = typeof b === 'function' ? b : (i: number) => b[i] as number;
  let { maxAbs, diff2, norm2, changed, nonFinite } = s;
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
  Object.assign(s, { maxAbs, diff2, norm2, changed, nonFinite });
}

/** `addValues` of two typed arrays: the same loop, indexed directly (several times faster than through closures). */
function addArrays(s: ValueSums, a: ArrayLike<number>, b: ArrayLike<number>, count: number): void {
  let { maxAbs, diff2, norm2, changed, nonFinite } = s;
  for (let i = 0; i < count; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
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
  Object.assign(s, { maxAbs, diff2, norm2, changed, nonFinite });
}

function valueFigures(
  s: ValueSums,
): Pick<ParamChange, 'maxAbsDiff' | 'relL2' | 'changedElements' | 'nonFiniteChanges'> {
  return {
    maxAbsDiff: s.maxAbs,
    relL2: s.norm2 === 0 ? null : Math.sqrt(s.diff2) / Math.sqrt(s.norm2),
    changedElements: s.changed,
    nonFiniteChanges: s.nonFinite,
  };
}

/**
 * Numeric difference of two tensors of the same dtype and shape, in float64 over the decoded
 * values. A NaN equals a NaN here: a build that keeps a NaN has not changed it.
 */
export function compareTensorValues(
  a: ParamTensor,
  b: ParamTensor,
): Pick<ParamChange, 'maxAbsDiff' | 'relL2' | 'changedElements' | 'nonFiniteChanges'> {
  const ra = valuesOf(a);
  const rb = valuesOf(b);
  if (ra === undefined || rb === undefined) return none;
  const sums = newSums();
  addValues(
    sums,
    ra,
    rb,
    a.shape.reduce((x, y) => x * y, 1),
  );
  return valueFigures(sums);
}

/** Compares two param dicts by name; tensors with identical bytes count as unchanged without decoding. */
export function diffParams(a: ParamDict | null, b: ParamDict | null): ParamsDiff | null {
  if (a === null && b === null) return null;
  const tensors = (d: ParamDict | null) => (d?.tensors ?? []).map((t) => ({ ...t, byteLength: t.data.byteLength }));
  const plan = pairByName(tensors(a), tensors(b));
  return plan.finish(
    plan.pairs.map(([ta, tb]) => (sameBytes(ta.data, tb.data) ? 'same' : compareTensorValues(ta, tb))),
  );
}

/** A tensor as the diff needs it: header facts. */
type Described = Pick<ParamTensor, 'name' | 'dtypeName' | 'shape'> & { byteLength: number };

/** What comparing the bytes of a pair gave. */
type PairResult = 'same' | ReturnType<typeof compareTensorValues>;

/**
 * Pairs tensors by name: additions, removals and dtype/shape changes are decided from headers;
 * `pairs` (same dtype and shape) wait for their bytes to be compared, one result each, in order.
 */
function pairByName<T extends Described>(
  leftList: readonly T[],
  rightList: readonly T[],
): { pairs: [T, T][]; finish(results: readonly PairResult[]): ParamsDiff } {
  const side = (t: T): ParamSide => ({ dtype: t.dtypeName, shape: t.shape, bytes: t.byteLength });
  const left = new Map(leftList.map((t) => [t.name, t]));
  const right = new Map(rightList.map((t) => [t.name, t]));
  const changed: ParamChange[] = [];
  const pairs: [T, T][] = [];
  for (const [name, ta] of left) {
    const tb = right.get(name);
    if (tb === undefined) changed.push({ name, change: 'removed', a: side(ta), b: null, ...none });
    else if (ta.dtypeName !== tb.dtypeName) changed.push({ name, change: 'dtype', a: side(ta), b: side(tb), ...none });
    else if (ta.shape.join(',') !== tb.shape.join(','))
      changed.push({ name, change: 'shape', a: side(ta), b: side(tb), ...none });
    else pairs.push([ta, tb]);
  }
  for (const [name, tb] of right)
    if (!left.has(name)) changed.push({ name, change: 'added', a: null, b: side(tb), ...none });
  return {
    pairs,
    finish(results) {
      let unchanged = 0;
      results.forEach((r, i) => {
        const [ta, tb] = pairs[i] as [T, T];
        if (r === 'same') unchanged++;
        else changed.push({ name: ta.name, change: 'values', a: side(ta), b: side(tb), ...r });
      });
      // File order is TVM's hash order; names read better sorted (p2 before p10).
      changed.sort((x, y) => x.name.localeCompare(y.name, 'en', { numeric: true }));
      return { changed, unchanged };
    },
  };
}

/**
 * Bytes of each tensor read per step by `diffParamReaders` (a multiple of every element size).
 * With reads ahead, 4 MiB chunks took a 200 MiB diff to 156 MB RSS (fresh buffers waiting for
 * the collector); 1 MiB stays at 107 MB at 1 GiB, as fast (measured).
 */
const DIFF_CHUNK = 1024 * 1024;

/**
 * `diffParams` over params read in chunks: tensors are paired from their headers, then the bytes
 * of each pair are compared a chunk of each side at a time; at the first chunk that differs, the
 * pair's values are summed from its start in the same order, so every figure equals `diffParams`'s.
 * Memory: two chunks, whatever the tensors' sizes.
 */
export async function diffParamReaders(
  a: ParamsReader | null,
  b: ParamsReader | null,
  chunkSize = DIFF_CHUNK,
): Promise<ParamsDiff | null> {
  if (a === null && b === null) return null;
  const plan = pairByName(a?.index.tensors ?? [], b?.index.tensors ?? []);
  const results: PairResult[] = [];
  for (const [ta, tb] of plan.pairs)
    results.push(await compareStreamed(ta, (a as ParamsReader).read, tb, (b as ParamsReader).read, chunkSize));
  return plan.finish(results);
}

/**
 * The two tensors' bytes in chunk pairs, each side reading its next chunk while this pair is
 * compared (`readAhead`: reads return fresh buffers). Stopping early waits for the reads in flight.
 * @throws MlfError E002 when a side gives fewer bytes than asked (the file changed since it was indexed).
 */
async function* chunkPairs(
  ta: ParamTensorHeader,
  readA: RangeRead,
  tb: ParamTensorHeader,
  readB: RangeRead,
  step: number,
): AsyncGenerator<[Uint8Array, Uint8Array]> {
  const size = ta.byteLength;
  const a = readAhead(readA, ta.dataOffset, size, step);
  const b = readAhead(readB, tb.dataOffset, size, step);
  const exactly = (r: IteratorResult<Uint8Array>, offset: number, n: number) => {
    const got = r.done === true ? 0 : r.value.byteLength;
    if (got !== n)
      throw new MlfError('MLF-E002', `params: needed ${n} bytes at offset ${offset}, got ${got}`, { offset });
    return r.value as Uint8Array;
  };
  try {
    for (let at = 0; at < size; at += step) {
      const n = Math.min(step, size - at);
      const [x, y] = await Promise.all([a.next(), b.next()]);
      yield [exactly(x, ta.dataOffset + at, n), exactly(y, tb.dataOffset + at, n)];
    }
  } finally {
    await Promise.all([a.return(undefined), b.return(undefined)]);
  }
}

async function compareStreamed(
  ta: ParamTensorHeader,
  readA: RangeRead,
  tb: ParamTensorHeader,
  readB: RangeRead,
  chunkSize: number,
): Promise<PairResult> {
  const step = Math.max(8, chunkSize - (chunkSize % 8));
  let differs = false;
  for await (const [x, y] of chunkPairs(ta, readA, tb, readB, step)) {
    if (!sameBytes(x, y)) {
      differs = true;
      break;
    }
  }
  if (!differs) return 'same';
  if (tensorElementReader({ dtype: ta.dtype, data: new Uint8Array(0) }) === undefined) return none;
  const sums = newSums();
  const width = dtypeFileElementBytes(ta.dtype);
  for await (const [x, y] of chunkPairs(ta, readA, tb, readB, step)) {
    addValues(
      sums,
      valuesOf({ dtype: ta.dtype, data: x }) as Values,
      valuesOf({ dtype: tb.dtype, data: y }) as Values,
      x.byteLength / width,
    );
  }
  return valueFigures(sums);
}
