/**
 * DLDataType examples: parsing, formatting, TVM's VerifyDataType, sizes, NumPy descrs and bit
 * conversions (random strings, every valid dtype and all float16 patterns: dtype.system.test.ts).
 */
import { describe, expect, it } from 'vitest';
import {
  bfloat16ToFloat,
  checkNDArrayDType,
  type DLDataType,
  dtypeFileElementBytes,
  dtypeStorageBits,
  e4m3ToFloat,
  e5m2ToFloat,
  formatDType,
  fromNumpyDescr,
  parseDType,
  toNumpyDescr,
} from '../../../src/core/params/dtype.js';

const dt = (code: number, bits: number, lanes = 1): DLDataType => ({ code, bits, lanes });

describe('parseDType', () => {
  it.each([
    ['int8', dt(0, 8)],
    ['int', dt(0, 32)],
    ['int64', dt(0, 64)],
    ['int4', dt(0, 4)],
    ['int1', dt(0, 1)],
    ['uint', dt(1, 32)],
    ['uint8', dt(1, 8)],
    ['uint1', dt(1, 1)],
    ['bool', dt(1, 1)],
    ['float', dt(2, 32)],
    ['float16', dt(2, 16)],
    ['float64', dt(2, 64)],
    ['float8', dt(2, 8)],
    ['float32x4', dt(2, 32, 4)],
    ['intx4', dt(0, 32, 4)],
    ['int0', dt(0, 32)], // TVM keeps the default bits for a literal 0
    ['handle', dt(3, 64)],
    ['handle32', dt(3, 32)],
    ['void', dt(3, 0, 0)],
    ['bfloat16', dt(4, 16)],
    ['bfloat', dt(4, 16)],
    ['e4m3_float8', dt(6, 8)],
    ['e5m2_float8', dt(7, 8)],
    ['e4m3_float', dt(6, 8)],
    ['custom[130]16', dt(130, 16)],
    ['custom[255]', dt(255, 32)],
    ['float32xvscalex4', dt(2, 32, 65532)],
  ])('%s', (s, expected) => {
    expect(parseDType(s)).toEqual(expected);
  });

  it.each([
    '',
    'foo',
    'Int8',
    'int8 ',
    'int256',
    'float32x',
    'float32x0',
    'float32x65536',
    'float32y4',
    'boolx4',
    'bfloat32',
    'e4m3_float16',
    'custom[posit]16',
    'custom[128]8',
    'custom[256]8',
    'custom[130',
    'float32xvscalex',
    'int-8',
  ])('refuses %j with E206', (s) => {
    expect(() => parseDType(s)).toThrow(expect.objectContaining({ code: 'MLF-E206', name: 'MlfError' }));
  });

  it('uses a custom-type registry when given', () => {
    const customTypes = { posit: 131 };
    expect(parseDType('custom[posit]16', { customTypes })).toEqual(dt(131, 16));
    expect(formatDType(dt(131, 16), { customTypes })).toBe('custom[posit]16');
    expect(() => parseDType('custom[posit]16', { customTypes: { posit: 12 } })).toThrow(/129\.\.255/);
  });
});

describe('formatDType', () => {
  it.each([
    [dt(1, 1), 'bool'],
    [dt(1, 8), 'uint8'],
    [dt(0, 1), 'int1'],
    [dt(2, 32, 4), 'float32x4'],
    [dt(3, 64), 'handle'],
    [dt(3, 32, 4), 'handle'],
    [dt(3, 0, 0), 'void'],
    [dt(4, 16), 'bfloat16'],
    [dt(6, 8), 'e4m3_float8'],
    [dt(7, 8), 'e5m2_float8'],
    [dt(129, 8), 'custom[129]8'],
    [dt(200, 16, 2), 'custom[200]16x2'],
    [dt(2, 32, 65532), 'float32xvscalex4'],
    [dt(5, 64), 'unknown[5]64'],
    [dt(42, 8), 'unknown[42]8'],
    [dt(1, 1, 2), 'uint1x2'],
  ])('%j → %s', (t, s) => {
    expect(formatDType(t)).toBe(s);
  });
});

describe('checkNDArrayDType (VerifyDataType)', () => {
  it.each([
    dt(0, 1),
    dt(0, 4),
    dt(1, 1),
    dt(1, 4),
    dt(0, 8),
    dt(1, 64),
    dt(2, 16),
    dt(2, 8),
    dt(2, 32, 4),
    dt(4, 16),
    dt(6, 8),
    dt(7, 8),
    dt(130, 16),
    dt(0, 128),
  ])('accepts %j', (t) => expect(checkNDArrayDType(t)).toBeUndefined());
  it.each([
    [dt(2, 4), /multiple of 8/],
    [dt(2, 1), /multiple of 8/],
    [dt(0, 2), /multiple of 8/],
    [dt(0, 24), /power of two/],
    [dt(2, 48), /power of two/],
    [dt(0, 8, 0), /lanes/],
    [dt(3, 0, 0), /lanes/],
    [dt(0, 0), /bits must not be 0/],
    [dt(4, 32), /bfloat/],
    [dt(6, 16), /float8/],
    [dt(129, 4), /multiple of 8/],
    [dt(5, 64), /code 5/],
    [dt(100, 8), /code 100/],
    [dt(256, 8), /u8/],
  ])('refuses %j', (t, re) => expect(checkNDArrayDType(t)).toMatch(re));
});

describe('sizes', () => {
  it('uses (bits+7)>>3 for files and bits*lanes for storage', () => {
    expect(dtypeFileElementBytes(dt(1, 1))).toBe(1);
    expect(dtypeFileElementBytes(dt(0, 4))).toBe(1);
    expect(dtypeFileElementBytes(dt(2, 32, 4))).toBe(4);
    expect(dtypeFileElementBytes(dt(2, 64))).toBe(8);
    expect(dtypeStorageBits(dt(2, 32, 4))).toBe(128);
    expect(dtypeStorageBits(dt(0, 4))).toBe(4);
  });
});

describe('NumPy descr mapping', () => {
  it.each([
    ['float32', '<f4'],
    ['float16', '<f2'],
    ['float64', '<f8'],
    ['bool', '|b1'],
    ['int8', '|i1'],
    ['uint8', '|u1'],
    ['int16', '<i2'],
    ['uint32', '<u4'],
    ['int64', '<i8'],
    ['uint64', '<u8'],
  ])('%s ↔ %s', (name, descr) => {
    expect(toNumpyDescr(parseDType(name))).toBe(descr);
    expect(fromNumpyDescr(descr)).toEqual(parseDType(name));
  });
  it.each([
    'bfloat16',
    'e4m3_float8',
    'e5m2_float8',
    'custom[129]8',
    'float32x4',
    'int4',
    'int1',
    'handle',
    'float8',
    'int128',
  ])('%s has no descr', (name) => expect(toNumpyDescr(parseDType(name))).toBeUndefined());
  it.each(['>i4', '<c8', '<U3', '|S4', '<f16', 'f4', '<b2', 'O', '<M8[ns]'])('%s has no dtype', (descr) => {
    if (descr === 'f4') expect(fromNumpyDescr(descr)).toEqual(dt(2, 32));
    else expect(fromNumpyDescr(descr)).toBeUndefined();
  });
  it('accepts byte-order-free one-byte descrs', () => {
    expect(fromNumpyDescr('>i1')).toEqual(dt(0, 8));
    expect(fromNumpyDescr('u1')).toEqual(dt(1, 8));
  });
});

describe('bit conversions', () => {
  it('bfloat16 is the top half of a float32', () => {
    expect(bfloat16ToFloat(0x3f80)).toBe(1);
    expect(bfloat16ToFloat(0xc040)).toBe(-3);
    expect(bfloat16ToFloat(0x7f80)).toBe(Number.POSITIVE_INFINITY);
    expect(bfloat16ToFloat(0x7fc0)).toBeNaN();
    expect(bfloat16ToFloat(0x0001)).toBe(2 ** -133);
  });
  it('float8 e4m3fn and e5m2', () => {
    expect(e4m3ToFloat(0x38)).toBe(1);
    expect(e4m3ToFloat(0x7e)).toBe(448);
    expect(e4m3ToFloat(0xfe)).toBe(-448);
    expect(e4m3ToFloat(0x01)).toBe(2 ** -9);
    expect(e4m3ToFloat(0x7f)).toBeNaN();
    expect(e4m3ToFloat(0x78)).toBe(256);
    expect(e5m2ToFloat(0x3c)).toBe(1);
    expect(e5m2ToFloat(0x7b)).toBe(57344);
    expect(e5m2ToFloat(0x7c)).toBe(Number.POSITIVE_INFINITY);
    expect(e5m2ToFloat(0x7e)).toBeNaN();
    expect(e5m2ToFloat(0x01)).toBe(2 ** -16);
  });
});
