import { MlfError } from '../errors/errors.js';

/** DLPack's data type: `code` (see `DTYPE_CODE`), `bits` per lane (u8 on the wire), `lanes` (u16). */
export interface DLDataType {
  code: number;
  bits: number;
  lanes: number;
}

/** Type codes of TVM v0.18 (DLPack 0.7 plus TVM's float8 codes). */
export const DTYPE_CODE = {
  int: 0,
  uint: 1,
  float: 2,
  handle: 3,
  bfloat: 4,
  complex: 5,
  e4m3Float: 6,
  e5m2Float: 7,
  /** First code of user-registered custom types (`tvm.target.datatype.register`). */
  customBegin: 129,
} as const;

/** Options of `parseDType`/`formatDType`. */
export interface DTypeOptions {
  /**
   * Custom type registry, name → code (129..255), as `tvm.target.datatype.register` keeps it.
   * Without it `custom[<name>]` only accepts a decimal code, e.g. `custom[130]16`.
   */
  customTypes?: Readonly<Record<string, number>>;
}

// Base names by code, in TVM's DLDataTypeCode2Str.
const BASE_NAMES: Readonly<Record<number, string>> = {
  0: 'int',
  1: 'uint',
  2: 'float',
  3: 'handle',
  4: 'bfloat',
  6: 'e4m3_float',
  7: 'e5m2_float',
};

// Prefixes in the order String2DLDataType tries them; `bool` sits between handle and bfloat.
const PREFIXES: ReadonlyArray<readonly [string, number, number]> = [
  ['int', 0, 32],
  ['uint', 1, 32],
  ['float', 2, 32],
  ['handle', 3, 64],
  ['bfloat', 4, 16],
  ['e4m3_float', 6, 8],
  ['e5m2_float', 7, 8],
];

// <bits>? then x<lanes> or xvscalex<n>, all decimal.
const SUFFIX = /^(\d*)(?:x(\d+)|xvscalex(\d+))?$/;

function badDType(s: string, why: string): MlfError {
  return new MlfError('MLF-E206', `dtype: ${JSON.stringify(s)} is not a TVM dtype: ${why}`);
}

/**
 * Parses a TVM dtype string like TVM's `String2DLDataType`: `int8`, `uint` (= uint32), `float16`,
 * `bool` (= {1,1,1}), `bfloat16`, `e4m3_float8`, `e5m2_float8`, `handle` (= {3,64,1}), `void`,
 * `float32x4` (lanes), `float32xvscalex4` (scalable) and `custom[<name or code>]<bits>`.
 * Stricter than TVM where TVM would silently wrap: bits above 255, lanes 0 or above 65535, and
 * bfloat/float8 widths TVM's `DataType` constructor rejects are errors.
 * @throws MlfError `MLF-E206` for anything else.
 */
export function parseDType(s: string, options: DTypeOptions = {}): DLDataType {
  if (s === 'void') return { code: 3, bits: 0, lanes: 0 };
  if (s === 'bool') return { code: 1, bits: 1, lanes: 1 };
  let code: number | undefined;
  let bits = 32;
  let rest = '';
  if (s.startsWith('custom[')) {
    const close = s.indexOf(']');
    if (close < 0) throw badDType(s, 'missing "]"');
    const name = s.slice(7, close);
    const registered = options.customTypes?.[name];
    code = registered ?? (/^\d{1,3}$/.test(name) ? Number(name) : undefined);
    if (code === undefined) throw badDType(s, `custom type "${name}" is not registered (give its numeric code)`);
    if (code < DTYPE_CODE.customBegin || code > 255) throw badDType(s, `custom code ${code} is outside 129..255`);
    rest = s.slice(close + 1);
  } else {
    for (const [prefix, c, defaultBits] of PREFIXES) {
      if (s.startsWith(prefix)) {
        code = c;
        bits = defaultBits;
        rest = s.slice(prefix.length);
        break;
      }
    }
    if (code === undefined) throw badDType(s, 'unknown type');
  }
  const m = SUFFIX.exec(rest);
  if (!m) throw badDType(s, `unexpected "${rest}"`);
  const [, bitsText = '', lanesText, vscaleText] = m;
  let lanes = 1;
  if (bitsText !== '') {
    const b = Number(bitsText);
    if (b > 255) throw badDType(s, `${b} bits do not fit the u8 bits field`);
    if (b !== 0) bits = b; // TVM keeps the default for a literal 0
  }
  if (lanesText !== undefined) {
    lanes = Number(lanesText);
    if (lanes < 1 || lanes > 65535) throw badDType(s, `lanes ${lanesText} outside 1..65535`);
  } else if (vscaleText !== undefined) {
    const n = Number(vscaleText);
    if (n < 2 || n > 32768) throw badDType(s, `vscale factor ${vscaleText} outside 2..32768`);
    lanes = 65536 - n; // TVM stores (uint16)(-n)
  }
  if (code === DTYPE_CODE.bfloat && bits !== 16) throw badDType(s, 'bfloat must have 16 bits');
  if ((code === DTYPE_CODE.e4m3Float || code === DTYPE_CODE.e5m2Float) && bits !== 8) {
    throw badDType(s, 'float8 variants must have 8 bits');
  }
  return { code, bits, lanes };
}

/**
 * Formats a dtype like TVM's `operator<<(DLDataType)`: `bool` for {1,1,1}, `void`, `handle`
 * without bits, custom codes as `custom[<name or code>]<bits>`, `x<lanes>` when lanes > 1.
 * Total for any input: codes TVM cannot print (5 = complex, 8..128) give `unknown[<code>]<bits>`,
 * which `parseDType` refuses.
 */
export function formatDType(t: DLDataType, options: DTypeOptions = {}): string {
  const { code, bits, lanes } = t;
  if (code === 1 && bits === 1 && lanes === 1) return 'bool';
  if (code === 3 && bits === 0 && lanes === 0) return 'void';
  let base = BASE_NAMES[code];
  if (base === undefined) {
    if (code >= DTYPE_CODE.customBegin) {
      const name = Object.entries(options.customTypes ?? {}).find(([, c]) => c === code)?.[0];
      base = `custom[${name ?? code}]`;
    } else {
      base = `unknown[${code}]`;
    }
  }
  if (code === DTYPE_CODE.handle) return base;
  const signedLanes = lanes >= 32768 ? lanes - 65536 : lanes; // TVM reads lanes as int16
  if (signedLanes > 1) return `${base}${bits}x${signedLanes}`;
  if (signedLanes < -1) return `${base}${bits}xvscalex${-signedLanes}`;
  return `${base}${bits}`;
}

/** Bytes per element in a params file: `(bits + 7) >> 3`, lanes ignored (TVM's file formula, §5.4). */
export function dtypeFileElementBytes(t: DLDataType): number {
  return (t.bits + 7) >> 3;
}

/** Bits one element really occupies: `bits * lanes`. */
export function dtypeStorageBits(t: DLDataType): number {
  return t.bits * t.lanes;
}

/** True when `t` and `u` are the same type. */
export function sameDType(t: DLDataType, u: DLDataType): boolean {
  return t.code === u.code && t.bits === u.bits && t.lanes === u.lanes;
}

/**
 * Checks a dtype the way `NDArray::Empty` does (`VerifyDataType`, spec §5.5): lanes ≥ 1; float
 * bits a multiple of 8; other codes bits a multiple of 8 except int/uint 1 and 4; bits a power of
 * two. Stricter than TVM in two ways: bits 0 is refused, and so are codes TVM cannot name
 * (5 = complex, 8..128), which TVM loads but then aborts on when printing the dtype.
 * @returns an error message, or undefined when the dtype is valid.
 */
export function checkNDArrayDType(t: DLDataType): string | undefined {
  const { code, bits, lanes } = t;
  const name = formatDType(t);
  if (!Number.isInteger(code) || code < 0 || code > 255) return `type code ${code} is not a u8`;
  if (!Number.isInteger(bits) || bits < 0 || bits > 255) return `bits ${bits} is not a u8`;
  if (!Number.isInteger(lanes) || lanes < 0 || lanes > 65535) return `lanes ${lanes} is not a u16`;
  if (code === DTYPE_CODE.complex || (code > DTYPE_CODE.e5m2Float && code < DTYPE_CODE.customBegin)) {
    return `type code ${code} is not one TVM can name (${name})`;
  }
  // TVM reads lanes as an unsigned 16-bit value here, so scalable (negative) lanes pass.
  if (lanes < 1) return `${name}: lanes must be >= 1`;
  if (bits === 0) return `${name}: bits must not be 0`;
  const subByteOk = (code === DTYPE_CODE.int || code === DTYPE_CODE.uint) && (bits === 1 || bits === 4);
  if (!subByteOk && bits % 8 !== 0) return `${name}: bits must be a multiple of 8`;
  if ((bits & (bits - 1)) !== 0) return `${name}: bits must be a power of two`;
  if (code === DTYPE_CODE.bfloat && bits !== 16) return `${name}: bfloat must have 16 bits`;
  if ((code === DTYPE_CODE.e4m3Float || code === DTYPE_CODE.e5m2Float) && bits !== 8) {
    return `${name}: float8 variants must have 8 bits`;
  }
  return undefined;
}

const NUMPY_KINDS: Readonly<Record<number, string>> = { 0: 'i', 1: 'u', 2: 'f' };

/**
 * The NumPy `descr` of a dtype (`<f4`, `|u1`, `|b1` for bool, `<f2` for float16), or undefined for
 * dtypes NumPy has no native type for (bfloat16, float8, custom, handle, sub-byte ints, vectors).
 */
export function toNumpyDescr(t: DLDataType): string | undefined {
  if (t.lanes !== 1) return undefined;
  if (t.code === 1 && t.bits === 1) return '|b1';
  const kind = NUMPY_KINDS[t.code];
  if (kind === undefined) return undefined;
  const ok = t.code === 2 ? [16, 32, 64].includes(t.bits) : [8, 16, 32, 64].includes(t.bits);
  if (!ok) return undefined;
  const size = t.bits / 8;
  return `${size === 1 ? '|' : '<'}${kind}${size}`;
}

/**
 * The dtype of a NumPy `descr` such as `<f4`, `|b1` or `|i1`; undefined for anything else
 * (big-endian multi-byte types, complex, strings, records). `decodeNpy` turns `>` into `<`.
 */
export function fromNumpyDescr(descr: string): DLDataType | undefined {
  const m = /^([<|=>]?)([biuf])(\d+)$/.exec(descr);
  if (!m) return undefined;
  const [, order = '', kind = '', sizeText = ''] = m;
  const size = Number(sizeText);
  if ((order === '>' || order === '=') && size !== 1) return undefined;
  if (kind === 'b') return size === 1 ? { code: 1, bits: 1, lanes: 1 } : undefined;
  const code = kind === 'i' ? 0 : kind === 'u' ? 1 : 2;
  const ok = kind === 'f' ? [2, 4, 8].includes(size) : [1, 2, 4, 8].includes(size);
  return ok ? { code, bits: size * 8, lanes: 1 } : undefined;
}

// Scratch space for bit casts; a DataView is endianness-independent.
const scratch = new DataView(new ArrayBuffer(4));

/** IEEE 754 half (float16) bits to a number. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24; // zero and subnormals
  if (exp === 31) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** bfloat16 bits (the top half of a float32) to a number. */
export function bfloat16ToFloat(b: number): number {
  scratch.setUint32(0, (b & 0xffff) << 16);
  return scratch.getFloat32(0);
}

/** float8 e5m2 bits to a number: it is the top byte of a float16. */
export function e5m2ToFloat(b: number): number {
  return halfToFloat((b & 0xff) << 8);
}

/** float8 e4m3 bits ("fn" variant: no infinities, S.1111.111 is NaN) to a number. */
export function e4m3ToFloat(b: number): number {
  const sign = b & 0x80 ? -1 : 1;
  const exp = (b >> 3) & 0xf;
  const frac = b & 7;
  if (exp === 15 && frac === 7) return Number.NaN;
  if (exp === 0) return sign * frac * 2 ** -9;
  return sign * (1 + frac / 8) * 2 ** (exp - 7);
}
