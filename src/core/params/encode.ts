import { ByteWriter, encodeUtf8 } from '../common/bytes.js';
import { checkNDArrayDType, type DLDataType, dtypeFileElementBytes, formatDType, parseDType } from './dtype.js';
import { MlfError } from '../errors/errors.js';
import { NDARRAY_MAGIC, PARAMS_LIST_MAGIC, type ParamDictInput, type ParamTensorInput } from './codec.js';

// Writing TVM's param-dict format (docs/format.md §6): the inverse of codec.ts, byte for byte.

const U64_MAX = (1n << 64n) - 1n;

/** Product of a shape as a bigint; throws E207 for entries that are not non-negative safe integers. */
function shapeElements(shape: readonly number[], what: string): bigint {
  let n = 1n;
  for (const [d, dim] of shape.entries()) {
    if (!Number.isSafeInteger(dim) || dim < 0) {
      throw new MlfError('MLF-E207', `params: ${what}: shape[${d}] = ${dim} is not a non-negative integer`);
    }
    n *= BigInt(dim);
  }
  return n;
}

function toDType(dtype: string | DLDataType): DLDataType {
  return typeof dtype === 'string' ? parseDType(dtype) : dtype;
}

function toSafe(n: bigint, what: string): number {
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw new MlfError('MLF-E009', `params: ${what}: ${n} bytes is too large`);
  return Number(n);
}

/** Bytes of a tensor in a params file: `((bits+7)/8) * prod(shape)` (lanes ignored, §5.4). */
export function paramByteSize(dtype: string | DLDataType, shape: readonly number[]): number {
  const t = toDType(dtype);
  return toSafe(BigInt(dtypeFileElementBytes(t)) * shapeElements(shape, 'paramByteSize'), 'paramByteSize');
}

/** Packed size as metadata.json reports it: `floor((bits * prod(shape) + 7) / 8)` (lanes ignored, §4.4). */
export function packedTensorBytes(dtype: string | DLDataType, shape: readonly number[]): number {
  const t = toDType(dtype);
  return toSafe((BigInt(t.bits) * shapeElements(shape, 'packedTensorBytes') + 7n) / 8n, 'packedTensorBytes');
}

/**
 * Builds a tensor for `encodeParams` with TVM's defaults (device 1/0, reserved 0n).
 * @throws MlfError E206 for a bad dtype, E207 for a bad shape, E205 when `data` has the wrong size.
 */
export function makeParamTensor(
  name: string,
  dtype: string | DLDataType,
  shape: readonly number[],
  data: Uint8Array,
): ParamTensorInput & { dtypeName: string } {
  const t = toDType(dtype);
  const tensor = {
    name,
    dtype: t,
    dtypeName: formatDType(t),
    shape: [...shape],
    deviceType: 1,
    deviceId: 0,
    reserved: 0n,
    data,
  };
  checkTensorInput(tensor, 0);
  return tensor;
}

function checkTensorInput(t: ParamTensorShape, i: number): void {
  const where = `entry ${i} ${JSON.stringify(t.name)}`;
  if (/\p{Cs}/u.test(t.name))
    throw new MlfError('MLF-E210', `params: ${where}: name has a lone surrogate, not encodable as UTF-8`);
  const dtypeError = checkNDArrayDType(t.dtype);
  if (dtypeError !== undefined) throw new MlfError('MLF-E206', `params: ${where}: ${dtypeError}`);
  const elements = shapeElements(t.shape, where);
  if (
    !Number.isInteger(t.deviceType) ||
    !Number.isInteger(t.deviceId) ||
    t.deviceType !== (t.deviceType | 0) ||
    t.deviceId !== (t.deviceId | 0)
  ) {
    throw new MlfError('MLF-E204', `params: ${where}: device ${t.deviceType}/${t.deviceId} does not fit i32`);
  }
  if (typeof t.reserved !== 'bigint' || t.reserved < 0n || t.reserved > U64_MAX) {
    throw new MlfError('MLF-E901', `params: ${where}: reserved must be a u64 bigint`);
  }
  const expected = BigInt(dtypeFileElementBytes(t.dtype)) * elements;
  if (BigInt(t.data.byteLength) !== expected) {
    throw new MlfError(
      'MLF-E205',
      `params: ${where}: data has ${t.data.byteLength} bytes, expected ${expected} for ${formatDType(t.dtype)} [${t.shape.join(', ')}]`,
    );
  }
}

/**
 * Encodes a param dict in exactly TVM's layout (spec §5.1). Lossless: for any file `b` that
 * `decodeParams` accepts, `encodeParams(decodeParams(b))` equals `b` byte for byte.
 * @throws MlfError E205..E210 for tensors TVM could not load (E204 if a device does not fit i32).
 */
export function encodeParams(dict: ParamDictInput): Uint8Array {
  const head = encodeParamsHead(dict.tensors, dict.reserved);
  const records = dict.tensors.map((t) => encodeTensorHeader(t, t.data.byteLength));
  let total = head.byteLength;
  for (const [i, t] of dict.tensors.entries()) total += (records[i] as Uint8Array).byteLength + t.data.byteLength;
  const out = new Uint8Array(Math.max(total, 1)).subarray(0, total);
  out.set(head, 0);
  let at = head.byteLength;
  for (const [i, t] of dict.tensors.entries()) {
    const record = records[i] as Uint8Array;
    out.set(record, at);
    out.set(t.data, at + record.byteLength);
    at += record.byteLength + t.data.byteLength;
  }
  return out;
}

/** What the head of a param dict needs of each tensor (its data may still be elsewhere). */
export type ParamTensorShape = Omit<ParamTensorInput, 'data'> & { data: { byteLength: number } };

/**
 * The bytes of a param dict before its first tensor record: magic, reserved word, names and the
 * array count, after every check `encodeParams` makes of the tensors (their data sizes included),
 * so a writer can stream each record (`encodeTensorHeader`, then the data) after it.
 * @throws MlfError as `encodeParams`.
 */
export function encodeParamsHead(tensors: readonly ParamTensorShape[], reserved = 0n): Uint8Array {
  if (typeof reserved !== 'bigint' || reserved < 0n || reserved > U64_MAX) {
    throw new MlfError('MLF-E901', 'params: dict reserved must be a u64 bigint');
  }
  const seen = new Set<string>();
  const names: Uint8Array[] = [];
  let total = 32;
  for (const [i, t] of tensors.entries()) {
    checkTensorInput(t, i);
    if (seen.has(t.name)) throw new MlfError('MLF-E209', `params: entry ${i} ${JSON.stringify(t.name)} repeats a name`);
    seen.add(t.name);
    const name = encodeUtf8(t.name);
    names.push(name);
    total += 8 + name.byteLength;
  }
  const w = new ByteWriter(total);
  w.u64(PARAMS_LIST_MAGIC);
  w.u64(reserved);
  w.u64(BigInt(names.length));
  for (const name of names) {
    w.u64(BigInt(name.byteLength));
    w.bytes(name);
  }
  w.u64(BigInt(tensors.length));
  return w.finish();
}

/** A tensor record up to its payload (`dataBytes` follow it); the tensor is checked by `encodeParamsHead`. */
export function encodeTensorHeader(t: Omit<ParamTensorInput, 'data'>, dataBytes: number): Uint8Array {
  const w = new ByteWriter(40 + 8 * t.shape.length);
  w.u64(NDARRAY_MAGIC);
  w.u64(t.reserved);
  w.i32(t.deviceType);
  w.i32(t.deviceId);
  w.i32(t.shape.length);
  w.u8(t.dtype.code);
  w.u8(t.dtype.bits);
  w.u16(t.dtype.lanes);
  for (const dim of t.shape) w.i64(BigInt(dim));
  w.i64(BigInt(dataBytes));
  return w.finish();
}

/** {@link packedTensorBytes}, or null for a dtype or shape without a size (validate reports it). */
export function tensorBytesOrNull(dtype: string, shape: readonly number[]): number | null {
  try {
    return packedTensorBytes(dtype, shape);
  } catch {
    return null;
  }
}
