import { type DLDataType, formatDType, fromNumpyDescr, toNumpyDescr } from './dtype.js';
import { MlfError } from '../errors/errors.js';
import { type Limits, resolveLimits } from '../common/limits.js';
import { type ParamTensor, type ParamTensorInput } from './codec.js';
import { makeParamTensor } from './encode.js';

/** A NumPy array as stored in a `.npy` file: dtype `descr`, shape, and the raw element bytes. */
export interface NpyArray {
  /** NumPy's type string, e.g. `<f4`, `|u1`, `|b1`. */
  descr: string;
  shape: number[];
  /** True when `data` is in column-major order. */
  fortranOrder: boolean;
  data: Uint8Array;
}

/** Input of `encodeNpy`; `fortranOrder` defaults to false. */
export type NpyInput = Omit<NpyArray, 'fortranOrder'> & { fortranOrder?: boolean };

/** Options of `decodeNpy`/`decodeNpz`. */
export interface DecodeNpyOptions {
  limits?: Partial<Limits>;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"
const ALIGN = 64; // numpy's ARRAY_ALIGN
const GROWTH_AXIS_MAX_DIGITS = 21; // numpy pads so the header can grow in place

const bad = (message: string, offset?: number): MlfError =>
  new MlfError('MLF-E911', `npy: ${message}`, offset === undefined ? {} : { offset });

interface DescrInfo {
  order: string;
  itemsize: number;
  /** Size of the units to byte-swap for big-endian data (1 = none). */
  swapUnit: number;
}

// Simple (non-structured) descrs: byte order, kind, size, and a unit for datetimes (`<M8[ns]`).
const DESCR = /^([<>|=]?)([biufcmMSUV])(\d+)(\[\w+\])?$/;

function parseDescr(descr: string): DescrInfo | undefined {
  const m = DESCR.exec(descr);
  if (!m) return undefined;
  const [, order = '', kind = '', sizeText = '', unit] = m;
  if ((unit !== undefined) !== (kind === 'm' || kind === 'M')) return undefined;
  const n = Number(sizeText);
  if (kind === 'c' && n % 2 !== 0) return undefined;
  const itemsize = kind === 'U' ? 4 * n : n;
  if (!Number.isSafeInteger(itemsize) || itemsize > 2 ** 31) return undefined;
  if (itemsize === 0 && kind !== 'S' && kind !== 'U' && kind !== 'V') return undefined;
  const swapUnit = kind === 'S' || kind === 'V' || kind === 'b' ? 1 : kind === 'U' ? 4 : kind === 'c' ? n / 2 : n;
  return { order, itemsize, swapUnit };
}

function elementCount(shape: readonly number[]): bigint {
  let n = 1n;
  for (const d of shape) n *= BigInt(d);
  return n;
}

function pythonRepr(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

/**
 * Encodes a `.npy` file exactly as `numpy.save` lays it out: format 1.0 (2.0 when the header
 * exceeds 65535 bytes), sorted-key dict header with numpy's growth padding, data 64-byte aligned.
 * @throws MlfError `MLF-E911` for an unsupported descr, a bad shape or a data size mismatch.
 */
export function encodeNpy(array: NpyInput): Uint8Array {
  const header = encodeNpyHeader(array.descr, array.shape, array.fortranOrder ?? false, array.data.byteLength);
  const out = new Uint8Array(header.byteLength + array.data.byteLength);
  out.set(header, 0);
  out.set(array.data, header.byteLength);
  return out;
}

/**
 * The bytes `numpy.save` writes before the data of an array (see `encodeNpy`), for a writer that
 * streams the data after them.
 * @throws MlfError `MLF-E911` for an unsupported descr, a bad shape or a data size (`dataBytes`) mismatch.
 */
export function encodeNpyHeader(
  descr: string,
  shape: readonly number[],
  fortranOrder: boolean,
  dataBytes: number,
): Uint8Array {
  const info = parseDescr(descr);
  if (!info) throw bad(`unsupported descr ${JSON.stringify(descr)}`);
  for (const [i, d] of shape.entries()) {
    if (!Number.isSafeInteger(d) || d < 0) throw bad(`shape[${i}] = ${d} is not a non-negative integer`);
  }
  const expected = elementCount(shape) * BigInt(info.itemsize);
  if (BigInt(dataBytes) !== expected) {
    throw bad(`data has ${dataBytes} bytes, expected ${expected} for ${descr} ${pythonRepr(shape)}`);
  }
  let header = `{'descr': '${descr}', 'fortran_order': ${fortranOrder ? 'True' : 'False'}, 'shape': ${pythonRepr(shape)}, }`;
  if (shape.length > 0) {
    const growth = String(shape[fortranOrder ? shape.length - 1 : 0]);
    header += ' '.repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS - growth.length));
  }
  const hlen = header.length + 1; // + '\n'
  let lenBytes = 2;
  let padlen = ALIGN - ((MAGIC.length + 2 + lenBytes + hlen) % ALIGN);
  if (hlen + padlen > 0xffff) {
    lenBytes = 4;
    padlen = ALIGN - ((MAGIC.length + 2 + lenBytes + hlen) % ALIGN);
  }
  const prefix = MAGIC.length + 2 + lenBytes;
  const out = new Uint8Array(prefix + hlen + padlen);
  out.set(MAGIC, 0);
  out[6] = lenBytes === 2 ? 1 : 2;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (lenBytes === 2) view.setUint16(8, hlen + padlen, true);
  else view.setUint32(8, hlen + padlen, true);
  for (let i = 0; i < header.length; i++) out[prefix + i] = header.charCodeAt(i); // descr is ASCII
  out.fill(0x20, prefix + header.length, prefix + header.length + padlen);
  out[prefix + hlen + padlen - 1] = 0x0a;
  return out;
}

// ---- a tiny parser for the Python literal in the header ----

type PyValue = string | boolean | null | bigint | PyValue[] | Map<string, PyValue>;

/**
 * Parses the header's Python literal. `maxItems` bounds every tuple and list while parsing (the
 * shape's rank limit), so no header allocates more than its limits allow before it is refused.
 */
function parsePython(text: string, at: number, maxItems: number): PyValue {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && ' \t\r\n'.includes(text.charAt(i))) i++;
  };
  const value = (depth: number): PyValue => {
    if (depth > 32) throw bad('header nests too deeply', at);
    ws();
    const c = text.charAt(i);
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) throw bad('unterminated string in header', at + i);
      const s = text.slice(i + 1, end);
      if (s.includes('\\')) throw bad('escapes in header strings are not supported', at + i);
      i = end + 1;
      return s;
    }
    if (c === '{' || c === '(' || c === '[') {
      const close = c === '{' ? '}' : c === '(' ? ')' : ']';
      i++;
      const items: PyValue[] = [];
      const dict = new Map<string, PyValue>();
      for (;;) {
        ws();
        if (text.charAt(i) === close) break;
        const v = value(depth + 1);
        if (c === '{') {
          ws();
          if (text.charAt(i) !== ':' || typeof v !== 'string') throw bad('malformed header dict', at + i);
          i++;
          dict.set(v, value(depth + 1));
        } else {
          items.push(v);
          if (items.length > maxItems) {
            throw new MlfError(
              'MLF-E009',
              `npy: a header tuple or list has more than limits.maxNdim (${maxItems}) items`,
              { offset: at + i },
            );
          }
        }
        ws();
        if (text.charAt(i) === ',') i++;
        else if (text.charAt(i) !== close) throw bad(`expected "," or "${close}" in header`, at + i);
      }
      i++;
      return c === '{' ? dict : items;
    }
    const m = /^(-?\d+)L?|^(True|False|None)\b/.exec(text.slice(i, i + 64));
    if (!m) throw bad(`unexpected ${JSON.stringify(text.slice(i, i + 10))} in header`, at + i);
    i += m[0].length;
    if (m[1] !== undefined) return BigInt(m[1]);
    return m[2] === 'None' ? null : m[2] === 'True';
  };
  const v = value(0);
  ws();
  if (i !== text.length) throw bad('extra text after the header dict', at + i);
  return v;
}

/**
 * Checks the magic, version and header length of a `.npy` whose first bytes are `head` (at least
 * 12, or the whole file) and whose whole length is `length`: the header must fit the file and
 * `limits.maxNpyHeaderBytes` (NumPy's max_header_size). Lets a `.npz` member be refused from its
 * first bytes, before it is inflated.
 * @throws MlfError `MLF-E911` for a bad prefix, E009 for a header over the limit.
 */
export function readNpyPrefix(
  head: Uint8Array,
  length: number,
  limits: Pick<Limits, 'maxNpyHeaderBytes'>,
): { major: number; start: number; hlen: number } {
  if (head.byteLength < 10) throw bad('missing the \\x93NUMPY magic', 0);
  for (let i = 0; i < MAGIC.length; i++) if (head[i] !== MAGIC[i]) throw bad('missing the \\x93NUMPY magic', 0);
  const major = head[6] ?? 0;
  if (major < 1 || major > 3) throw bad(`unsupported format version ${major}.${head[7]}`, 6);
  const lenBytes = major === 1 ? 2 : 4;
  if (head.byteLength < 8 + lenBytes) throw bad('file ends inside the header length', 8);
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const hlen = lenBytes === 2 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = 8 + lenBytes;
  if (hlen > length - start)
    throw bad(`header of ${hlen} bytes at offset ${start} runs past the end (${length} bytes)`, 8);
  // NumPy refuses headers over max_header_size (10000) unless the file is trusted; so do we, before decoding.
  if (hlen > limits.maxNpyHeaderBytes) {
    throw new MlfError(
      'MLF-E009',
      `npy: header of ${hlen} bytes exceeds limits.maxNpyHeaderBytes (${limits.maxNpyHeaderBytes}, NumPy's max_header_size)`,
      { offset: 8 },
    );
  }
  return { major, start, hlen };
}

/** A `.npy` header: what the array is and where its data lie. */
export interface NpyHeader {
  /** The descr as `decodeNpy` reports it: big-endian and native orders turned little-endian. */
  descr: string;
  shape: number[];
  fortranOrder: boolean;
  /** Offset of the data in the file. */
  dataOffset: number;
  /** Bytes of data: elements × item size. */
  byteLength: number;
  /** Units to byte-swap the data in (big-endian files), 1 when the data are used as they are. */
  swapUnit: number;
}

/**
 * Reads a `.npy` header from `head`, the file's first bytes (at least the whole header: its
 * length is at bytes 8-11, and `limits.maxNpyHeaderBytes` bounds it), for a file of `length`
 * bytes. The checks of `decodeNpy`, data size against `length` included, with the same errors.
 * @throws MlfError `MLF-E911` for anything that is not a simple-dtype .npy, E009 above a limit.
 */
export function readNpyHeader(head: Uint8Array, length: number, options: DecodeNpyOptions = {}): NpyHeader {
  const limits = resolveLimits(options.limits);
  const { major, start, hlen } = readNpyPrefix(head, length, limits);
  if (head.byteLength < start + hlen) throw bad(`header of ${hlen} bytes at offset ${start} was not given whole`, 8);
  const raw = head.subarray(start, start + hlen);
  let text: string;
  if (major === 3) {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
    } catch {
      throw bad('header is not valid UTF-8', start);
    }
  } else {
    text = '';
    for (let i = 0; i < raw.length; i += 8192) text += String.fromCharCode(...raw.subarray(i, i + 8192)); // latin-1
  }
  const dict = parsePython(text, start, limits.maxNdim);
  if (!(dict instanceof Map)) throw bad('header is not a dict', start);
  const keys = [...dict.keys()].sort().join(',');
  if (keys !== 'descr,fortran_order,shape')
    throw bad(`header keys are {${keys}}, expected descr, fortran_order, shape`, start);
  const descr = dict.get('descr');
  const fortranOrder = dict.get('fortran_order');
  const shapeValue = dict.get('shape');
  if (typeof descr !== 'string') throw bad('structured dtypes are not supported', start);
  const info = parseDescr(descr);
  if (!info) throw bad(`unsupported descr ${JSON.stringify(descr)}`, start);
  if (typeof fortranOrder !== 'boolean') throw bad('fortran_order is not a bool', start);
  if (!Array.isArray(shapeValue) || shapeValue.some((d) => typeof d !== 'bigint' || d < 0n)) {
    throw bad('shape is not a tuple of non-negative integers', start);
  }
  const dims = shapeValue as bigint[];
  if (dims.length > limits.maxNdim) {
    throw new MlfError('MLF-E009', `npy: ${dims.length} dimensions exceed limits.maxNdim (${limits.maxNdim})`, {
      offset: start,
    });
  }
  const count = dims.reduce((a, b) => a * b, 1n);
  if (count > BigInt(limits.maxTensorElements)) {
    throw new MlfError(
      'MLF-E009',
      `npy: ${count} elements exceed limits.maxTensorElements (${limits.maxTensorElements})`,
      { offset: start },
    );
  }
  const dataStart = start + hlen;
  const size = count * BigInt(info.itemsize);
  if (size > BigInt(length - dataStart)) {
    throw bad(`data needs ${size} bytes at offset ${dataStart}, but only ${length - dataStart} remain`, dataStart);
  }
  if (dims.some((d) => d > BigInt(Number.MAX_SAFE_INTEGER))) throw bad('shape has a dimension too large', start);
  let outDescr = descr;
  let swapUnit = 1;
  if (info.order === '>' || info.order === '=') {
    if (info.order === '>' && info.swapUnit > 1) swapUnit = info.swapUnit;
    outDescr = (info.itemsize === 1 || info.swapUnit === 1 ? '|' : '<') + descr.replace(/^[<>|=]/, '');
  }
  return {
    descr: outDescr,
    shape: dims.map(Number),
    fortranOrder,
    dataOffset: dataStart,
    byteLength: Number(size),
    swapUnit,
  };
}

/**
 * Decodes a `.npy` file (format 1.0, 2.0 or 3.0). The header is capped at `limits.maxNpyHeaderBytes`
 * before it is decoded, and tuples at `limits.maxNdim` items while it is parsed. Big-endian data are byte-swapped into a copy
 * and the descr turned little-endian (`>i4` → `<i4`); otherwise `data` is a zero-copy view.
 * Fortran order is reported, not converted. Bytes after the data are ignored, as numpy does.
 * @throws MlfError `MLF-E911` for anything that is not a simple-dtype .npy, E009 above a limit.
 */
export function decodeNpy(bytes: Uint8Array, options: DecodeNpyOptions = {}): NpyArray {
  const h = readNpyHeader(bytes, bytes.byteLength, options);
  let data = bytes.subarray(h.dataOffset, h.dataOffset + h.byteLength);
  if (h.swapUnit > 1) data = swapBytes(data, h.swapUnit);
  return { descr: h.descr, shape: h.shape, fortranOrder: h.fortranOrder, data };
}

/** Byte-swaps `data` (a whole number of `unit`-byte items) into a copy: big-endian items made little-endian. */
export function swapBytes(data: Uint8Array, unit: number): Uint8Array {
  const out = new Uint8Array(data.byteLength);
  for (let i = 0; i < data.byteLength; i += unit) {
    for (let j = 0; j < unit; j++) out[i + j] = data[i + unit - 1 - j] ?? 0;
  }
  return out;
}

/** Reorders column-major element bytes into row-major order. */
function fortranToC(data: Uint8Array, shape: readonly number[], size: number): Uint8Array {
  const out = new Uint8Array(data.byteLength);
  const strides: number[] = [];
  let total = 1;
  for (const d of shape) {
    strides.push(total);
    total *= d;
  }
  if (total === 0) return out;
  const idx = shape.map(() => 0);
  let src = 0; // element index in column-major order
  for (let k = 0; k < total; k++) {
    out.set(data.subarray(src * size, src * size + size), k * size);
    for (let d = shape.length - 1; d >= 0; d--) {
      const stride = strides[d] ?? 0;
      const next = (idx[d] ?? 0) + 1;
      if (next < (shape[d] ?? 0)) {
        idx[d] = next;
        src += stride;
        break;
      }
      src -= stride * (next - 1);
      idx[d] = 0;
    }
  }
  return out;
}

/**
 * The param as a NumPy array (data shared, not copied): bool → `|b1`, float16 → `<f2`, etc.
 * @throws MlfError `MLF-E911` naming the tensor when NumPy has no such dtype (bfloat16,
 * float8, custom, sub-byte ints, vector lanes).
 */
export function paramToNpy(t: Pick<ParamTensor, 'name' | 'dtype' | 'shape' | 'data'>): NpyArray {
  const descr = toNumpyDescr(t.dtype);
  if (descr === undefined) {
    throw new MlfError(
      'MLF-E911',
      `npy: param ${JSON.stringify(t.name)} has dtype ${formatDType(t.dtype)}, which NumPy cannot represent`,
    );
  }
  return { descr, shape: [...t.shape], fortranOrder: false, data: t.data };
}

/**
 * A param from a NumPy array; Fortran-order data are reordered to row-major (a copy).
 * @throws MlfError `MLF-E911` naming the tensor when the descr has no TVM dtype (complex,
 * strings, big-endian), or E205/E207 from `makeParamTensor` for inconsistent arrays.
 */
export function npyToParam(name: string, npy: NpyInput): ParamTensorInput & { dtypeName: string } {
  const dtype: DLDataType | undefined = fromNumpyDescr(npy.descr);
  if (dtype === undefined) {
    throw new MlfError(
      'MLF-E911',
      `npy: array for param ${JSON.stringify(name)} has descr ${JSON.stringify(npy.descr)}, which has no TVM dtype`,
    );
  }
  const tensor = makeParamTensor(name, dtype, npy.shape, npy.data); // validates shape and size
  if (npy.fortranOrder === true && npy.shape.length > 1) {
    tensor.data = fortranToC(npy.data, tensor.shape, Math.max(1, dtype.bits / 8));
  }
  return tensor;
}
