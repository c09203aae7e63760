import { ByteReader, decodeUtf8 } from '../common/bytes.js';
import type { MlfCode } from '../errors/codes.js';
import { checkNDArrayDType, type DLDataType, dtypeFileElementBytes, formatDType } from './dtype.js';
import { MlfError } from '../errors/errors.js';
import { type Limits, resolveLimits } from '../common/limits.js';

/** `kTVMNDArrayListMagic`: first 8 bytes of a param dict. */
export const PARAMS_LIST_MAGIC = 0xf7e58d4f05049cb7n;
/** `kTVMNDArrayMagic`: first 8 bytes of each tensor record. */
export const NDARRAY_MAGIC = 0xdd5e40f096b4a13fn;

/** One tensor of a param dict, with every wire field kept so that re-encoding is lossless. */
export interface ParamTensor {
  name: string;
  dtype: DLDataType;
  /** `formatDType(dtype)`, e.g. `float32`. */
  dtypeName: string;
  shape: number[];
  /** DLPack device type; TVM always writes 1 (CPU). */
  deviceType: number;
  deviceId: number;
  /** The record's reserved u64; TVM writes 0. */
  reserved: bigint;
  /** The payload, `((bits+7)/8) * prod(shape)` bytes: a zero-copy view into the decoded input. */
  data: Uint8Array;
  /** Offset of the record's magic in the file. */
  headerOffset: number;
  /** Offset of the payload in the file. */
  dataOffset: number;
}

/** A decoded `.params` file. Tensors keep file order (TVM's order is a hash order, §5.2). */
export interface ParamDict {
  /** The list's reserved u64; TVM writes 0. */
  reserved: bigint;
  tensors: ParamTensor[];
}

/** What encoding needs of a tensor: the decoded form without positions and derived name. */
export type ParamTensorInput = Omit<ParamTensor, 'headerOffset' | 'dataOffset' | 'dtypeName'>;

/** What `encodeParams` accepts; a `ParamDict` is one. */
export interface ParamDictInput {
  /** Defaults to 0n. */
  reserved?: bigint;
  tensors: readonly ParamTensorInput[];
}

/** Options of `decodeParams`. */
export interface DecodeParamsOptions {
  limits?: Partial<Limits>;
  /** When false, tensors claiming a non-CPU device are accepted. Default true. */
  strict?: boolean;
}

// Smallest records: a name is a u64 length; a tensor is magic, reserved, device, ndim, dtype, size.
const MIN_NAME_BYTES = 8n;
const MIN_TENSOR_BYTES = 8n + 8n + 8n + 4n + 4n + 8n;

const fail = (code: MlfCode, message: string, offset: number): MlfError =>
  new MlfError(code, `params: ${message}`, { offset });

const hex = (n: number): string => `0x${n.toString(16)}`;

/**
 * Decodes a TVM param dict (`parameters/<m>.params`, spec §5.1) with every check of TVM's
 * `LoadParams`/`NDArray::Load` and more: truncated scalars, names (UTF-8, duplicates), limits and
 * trailing bytes. Counts are checked against the remaining bytes before anything is allocated.
 * Tensor data are zero-copy views into `bytes`.
 * @throws MlfError E201..E210 (see `CODES`), or E009 when a limit is exceeded.
 */
export function decodeParams(bytes: Uint8Array, options: DecodeParamsOptions = {}): ParamDict {
  const limits = resolveLimits(options.limits);
  const strict = options.strict ?? true;
  const r = new ByteReader(bytes, 'params', 'MLF-E202');
  if (bytes.byteLength < 8) throw shortParamsError(bytes);
  const { reserved, count } = readParamsHead(r, limits);
  const seen = new Map<string, number>();
  const names: string[] = [];
  for (let i = 0; i < count; i++) names.push(readParamName(r, i, seen));
  readArrayCount(r, count);
  const tensors: ParamTensor[] = [];
  for (let i = 0; i < count; i++) {
    const h = readTensorHeader(r, i, names[i] ?? '', limits, strict);
    const data = r.take(h.byteLength, `entry ${i} ${JSON.stringify(h.name)} data`);
    tensors.push({
      name: h.name,
      dtype: h.dtype,
      dtypeName: h.dtypeName,
      shape: h.shape,
      deviceType: h.deviceType,
      deviceId: h.deviceId,
      reserved: h.reserved,
      data,
      headerOffset: h.headerOffset,
      dataOffset: h.dataOffset,
    });
  }
  checkParamsEnd(r);
  return { reserved, tensors };
}

/** A tensor record without its payload: what a header-only reader sees. */
/** A tensor's header as the index reads it: everything but the data, and the data's size. */
export type ParamTensorHeader = Omit<ParamTensor, 'data'> & { byteLength: number };

/**
 * The bounds-checked cursor the record readers need. `ByteReader` is one; the header-only
 * reader (`params-index.ts`) supplies one that fetches windows of a larger source.
 */
export type ParamsCursor = Pick<
  ByteReader,
  'offset' | 'remaining' | 'need' | 'u8' | 'u16' | 'i32' | 'u64' | 'i64' | 'take'
>;

/** The error for a file shorter than the list magic: E202 when it is a prefix of it, else E201. */
export function shortParamsError(bytes: Uint8Array): MlfError {
  const magic = new Uint8Array(8);
  new DataView(magic.buffer).setBigUint64(0, PARAMS_LIST_MAGIC, true);
  const isPrefix = bytes.every((b, i) => b === magic[i]);
  return fail(
    isPrefix ? 'MLF-E202' : 'MLF-E201',
    `file is ${bytes.byteLength} bytes, shorter than the 8-byte magic`,
    0,
  );
}

/** Reads the list magic, reserved word and name count (checked against the bytes left and limits). */
export function readParamsHead(r: ParamsCursor, limits: Limits): { reserved: bigint; count: number } {
  const magic = r.u64('list magic');
  if (magic !== PARAMS_LIST_MAGIC) {
    throw fail('MLF-E201', `list magic is 0x${magic.toString(16)}, not 0x${PARAMS_LIST_MAGIC.toString(16)}`, 0);
  }
  const reserved = r.u64('list reserved');
  const countOffset = r.offset;
  const nameCount = r.u64('name count');
  const minBytes = nameCount * (MIN_NAME_BYTES + MIN_TENSOR_BYTES) + 8n;
  if (minBytes > BigInt(r.remaining)) {
    throw fail(
      'MLF-E202',
      `name count ${nameCount} at offset ${countOffset} needs at least ${minBytes} more bytes, but only ${r.remaining} remain`,
      countOffset,
    );
  }
  if (nameCount > BigInt(limits.maxParams)) {
    throw fail('MLF-E009', `${nameCount} params exceed limits.maxParams (${limits.maxParams})`, countOffset);
  }
  return { reserved, count: Number(nameCount) };
}

/** Reads name `i` (length-prefixed UTF-8, unique: `seen` maps names to their index). */
export function readParamName(r: ParamsCursor, i: number, seen: Map<string, number>): string {
  const at = r.offset;
  const len = r.u64(`name ${i} length`);
  if (len > BigInt(r.remaining)) {
    throw fail('MLF-E202', `name ${i} at offset ${at} claims ${len} bytes, but only ${r.remaining} remain`, at);
  }
  const name = decodeUtf8(r.take(Number(len), `name ${i}`));
  if (name === undefined) throw fail('MLF-E210', `name ${i} at offset ${at + 8} is not valid UTF-8`, at + 8);
  const first = seen.get(name);
  if (first !== undefined) {
    throw fail('MLF-E209', `name ${i} ${JSON.stringify(name)} at offset ${at} repeats name ${first}`, at);
  }
  seen.set(name, i);
  return name;
}

/** Reads the array count, which must equal the name count. */
export function readArrayCount(r: ParamsCursor, count: number): void {
  const arrayCountOffset = r.offset;
  const arrayCount = r.u64('array count');
  if (arrayCount !== BigInt(count)) {
    throw fail(
      'MLF-E203',
      `array count ${arrayCount} at offset ${arrayCountOffset} differs from name count ${count}`,
      arrayCountOffset,
    );
  }
}

/** Throws E208 when bytes follow the last record. */
export function checkParamsEnd(r: ParamsCursor): void {
  if (r.remaining > 0) {
    throw fail('MLF-E208', `${r.remaining} bytes follow the last record at offset ${r.offset}`, r.offset);
  }
}

/**
 * Reads one tensor record up to its payload (left unread: the cursor stops at `dataOffset`),
 * with every check of TVM's `NDArray::Load` (magic, device, ndim, shape, dtype, byte size).
 */
export function readTensorHeader(
  r: ParamsCursor,
  i: number,
  name: string,
  limits: Limits,
  strict: boolean,
): ParamTensorHeader {
  const where = `entry ${i} ${JSON.stringify(name)}`;
  const headerOffset = r.offset;
  const at = `${where} (record at ${headerOffset} = ${hex(headerOffset)})`;
  const magic = r.u64(`${where} magic`);
  if (magic !== NDARRAY_MAGIC) {
    throw fail(
      'MLF-E201',
      `${at}: magic is 0x${magic.toString(16)}, not 0x${NDARRAY_MAGIC.toString(16)}`,
      headerOffset,
    );
  }
  const reserved = r.u64(`${where} reserved`);
  const deviceOffset = r.offset;
  const deviceType = r.i32(`${where} device_type`);
  const deviceId = r.i32(`${where} device_id`);
  const ndimOffset = r.offset;
  const ndim = r.i32(`${where} ndim`);
  const dtypeOffset = r.offset;
  const dtype = {
    code: r.u8(`${where} dtype code`),
    bits: r.u8(`${where} dtype bits`),
    lanes: r.u16(`${where} dtype lanes`),
  };
  if (strict && deviceType !== 1) {
    throw fail(
      'MLF-E204',
      `${at}: device_type ${deviceType} at offset ${deviceOffset}; TVM only saves CPU (1) tensors`,
      deviceOffset,
    );
  }
  if (ndim < 0) throw fail('MLF-E207', `${at}: ndim ${ndim} at offset ${ndimOffset} is negative`, ndimOffset);
  if (ndim > limits.maxNdim) {
    throw fail(
      'MLF-E009',
      `${at}: ndim ${ndim} at offset ${ndimOffset} exceeds limits.maxNdim (${limits.maxNdim})`,
      ndimOffset,
    );
  }
  r.need(ndim * 8 + 8, `${where} shape and data_byte_size`);
  const shape: number[] = [];
  let elements = 1n;
  for (let d = 0; d < ndim; d++) {
    const dimOffset = r.offset;
    const dim = r.i64(`${where} shape[${d}]`);
    if (dim < 0n || dim > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw fail('MLF-E207', `${at}: shape[${d}] = ${dim} at offset ${dimOffset} is out of range`, dimOffset);
    }
    shape.push(Number(dim));
    elements *= dim;
  }
  const dtypeError = checkNDArrayDType(dtype);
  if (dtypeError !== undefined) {
    throw fail(
      'MLF-E206',
      `${at}: dtype {code ${dtype.code}, bits ${dtype.bits}, lanes ${dtype.lanes}} at offset ${dtypeOffset}: ${dtypeError}`,
      dtypeOffset,
    );
  }
  if (elements > BigInt(limits.maxTensorElements)) {
    throw fail(
      'MLF-E009',
      `${at}: shape [${shape.join(', ')}] has ${elements} elements, over limits.maxTensorElements (${limits.maxTensorElements})`,
      ndimOffset,
    );
  }
  const sizeOffset = r.offset;
  const size = r.i64(`${where} data_byte_size`);
  const expected = BigInt(dtypeFileElementBytes(dtype)) * elements;
  if (size !== expected) {
    throw fail(
      'MLF-E205',
      `${at}: data_byte_size ${size} at offset ${sizeOffset}, expected ${expected} for ${formatDType(dtype)} [${shape.join(', ')}]`,
      sizeOffset,
    );
  }
  const dataOffset = r.offset;
  return {
    name,
    dtype,
    dtypeName: formatDType(dtype),
    shape,
    deviceType,
    deviceId,
    reserved,
    byteLength: Number(size),
    headerOffset,
    dataOffset,
  };
}
