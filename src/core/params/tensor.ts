import {
  bfloat16ToFloat,
  type DLDataType,
  DTYPE_CODE,
  dtypeFileElementBytes,
  e4m3ToFloat,
  e5m2ToFloat,
  halfToFloat,
} from './dtype.js';
import type { ParamTensor } from './codec.js';

/** A typed array over tensor elements. */
export type TypedArray =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

type TypedArrayCtor = {
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): TypedArray;
  BYTES_PER_ELEMENT: number;
};

// Element views by `code:bits`; float16/bfloat16 are viewed as their raw bits.
const VIEW_CTORS: Readonly<Record<string, TypedArrayCtor>> = {
  '0:8': Int8Array,
  '0:16': Int16Array,
  '0:32': Int32Array,
  '0:64': BigInt64Array,
  '1:8': Uint8Array,
  '1:16': Uint16Array,
  '1:32': Uint32Array,
  '1:64': BigUint64Array,
  '2:16': Uint16Array,
  '2:32': Float32Array,
  '2:64': Float64Array,
  '4:16': Uint16Array,
};

function viewCtor(t: DLDataType): TypedArrayCtor | undefined {
  return t.lanes === 1 ? VIEW_CTORS[`${t.code}:${t.bits}`] : undefined;
}

/**
 * A typed view of the elements (assumes a little-endian host, as every JS engine in use is):
 * Int8Array..BigInt64Array, Uint*Array, Float32Array/Float64Array; float16 and bfloat16 as
 * Uint16Array of raw bits. Zero-copy when `data.byteOffset` is a multiple of the element size,
 * otherwise a copy (TVM files do not align payloads). bool, int1/int4/uint4, float8, custom,
 * handle and vector (lanes > 1) dtypes give the raw `data` bytes.
 */
export function tensorView(t: Pick<ParamTensor, 'dtype' | 'data'>): TypedArray {
  const Ctor = viewCtor(t.dtype);
  if (Ctor === undefined || Ctor === Uint8Array || Ctor === Int8Array) {
    return Ctor === Int8Array ? new Int8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength) : t.data;
  }
  const size = Ctor.BYTES_PER_ELEMENT;
  const length = Math.floor(t.data.byteLength / size);
  if (t.data.byteOffset % size === 0) return new Ctor(t.data.buffer, t.data.byteOffset, length);
  const copy = t.data.slice(0, length * size); // slice copies into a fresh, aligned buffer
  return new Ctor(copy.buffer, 0, length);
}

/** Summary statistics of a tensor; min/max/mean/std are over finite values only (NaN if none). */
export interface TensorStats {
  count: number;
  min: number;
  max: number;
  mean: number;
  /** Population standard deviation. */
  std: number;
  zeros: number;
  nan: number;
  inf: number;
}

/**
 * The elements as numbers without decoding, where a typed view holds them as they are (float32,
 * float64, int/uint 8-32, bool as its bytes): loops read these faster than through
 * `tensorNumberReader`, with the same values. Undefined for other dtypes.
 */
export function tensorPlainValues(t: Pick<ParamTensor, 'dtype' | 'data'>): ArrayLike<number> | undefined {
  const { code, bits, lanes } = t.dtype;
  if (lanes !== 1) return undefined;
  const plain =
    code === DTYPE_CODE.float
      ? bits === 32 || bits === 64
      : (code === DTYPE_CODE.int || code === DTYPE_CODE.uint) &&
        (bits === 8 || bits === 16 || bits === 32 || (code === DTYPE_CODE.uint && bits === 1));
  return plain ? (tensorView(t) as ArrayLike<number>) : undefined;
}

/**
 * Element `i` of a tensor as a number, as `tensorStats` reads it (bool as its byte, 16-bit and
 * 8-bit floats decoded, 64-bit integers converted); undefined for dtypes it does not read.
 */
export function tensorNumberReader(t: Pick<ParamTensor, 'dtype' | 'data'>): ((i: number) => number) | undefined {
  const { code, bits, lanes } = t.dtype;
  if (lanes !== 1) return undefined;
  const v = tensorView(t);
  if (code === DTYPE_CODE.uint && bits === 1) return (i) => v[i] as number; // bool: raw byte values
  if (code === DTYPE_CODE.float && bits === 16) return (i) => halfToFloat(v[i] as number);
  if (code === DTYPE_CODE.bfloat) return (i) => bfloat16ToFloat(v[i] as number);
  if (code === DTYPE_CODE.e4m3Float) return (i) => e4m3ToFloat(v[i] as number);
  if (code === DTYPE_CODE.e5m2Float) return (i) => e5m2ToFloat(v[i] as number);
  if (viewCtor(t.dtype) === undefined) return undefined;
  return bits === 64 && code !== DTYPE_CODE.float ? (i) => Number(v[i] as bigint) : (i) => v[i] as number;
}

/**
 * Statistics for numeric dtypes: int/uint 8..64 (64-bit converted to number), float16/32/64,
 * bfloat16, both float8 variants and bool (as 0/1 bytes). Undefined for other dtypes.
 */
export function tensorStats(t: Pick<ParamTensor, 'dtype' | 'data'>): TensorStats | undefined {
  const read = tensorNumberReader(t);
  if (read === undefined) return undefined;
  const count = Math.floor(t.data.byteLength / dtypeFileElementBytes(t.dtype));
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let sum = 0;
  let finite = 0;
  let zeros = 0;
  let nan = 0;
  let inf = 0;
  for (let i = 0; i < count; i++) {
    const x = read(i);
    if (Number.isNaN(x)) nan++;
    else if (!Number.isFinite(x)) inf++;
    else {
      if (x === 0) zeros++;
      if (x < min) min = x;
      if (x > max) max = x;
      sum += x;
      finite++;
    }
  }
  const mean = finite ? sum / finite : Number.NaN;
  let sq = 0;
  for (let i = 0; i < count; i++) {
    const x = read(i);
    if (Number.isFinite(x)) sq += (x - mean) ** 2; // two passes: stable enough, no catastrophic cancellation
  }
  return {
    count,
    min: finite ? min : Number.NaN,
    max: finite ? max : Number.NaN,
    mean,
    std: finite ? Math.sqrt(sq / finite) : Number.NaN,
    zeros,
    nan,
    inf,
  };
}
