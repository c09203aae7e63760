/**
 * Params examples: the reference files and every params file of the fixtures round-trip, every
 * dtype TVM writes, each check with its code, tensor views and statistics (sweeps, fuzzing and
 * properties: params.system.test.ts).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDType } from '../../../src/core/params/dtype.js';
import type { MlfError } from '../../../src/core/errors/errors.js';
import { decodeParams, type ParamDict } from '../../../src/core/params/codec.js';
import { encodeParams, makeParamTensor, packedTensorBytes, paramByteSize } from '../../../src/core/params/encode.js';
import { tensorStats, tensorView } from '../../../src/core/params/tensor.js';
import { expectBytes, FIXTURES, mlfError } from '../../helpers/common.js';
import { EMPTY, f32, fromHex, threeTensors } from '../../helpers/params.js';

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const readBytes = (path: string): Uint8Array => new Uint8Array(readFileSync(path));

/** Expects `fn` to throw an MlfError with `code` and a `params: ` message, and returns it. */
function paramsError(fn: () => unknown, code: string): MlfError {
  const e = mlfError(fn);
  expect([e.code, e.message.startsWith('params: ')]).toEqual([code, true]);
  return e;
}

/** The value, failing the test when it is undefined. */
function defined<T>(v: T | undefined): T {
  expect(v).toBeDefined();
  return v as T;
}

function roundTrip(bytes: Uint8Array, options?: Parameters<typeof decodeParams>[1]): ParamDict {
  const dict = decodeParams(bytes, options);
  expectBytes(encodeParams(dict), bytes);
  return dict;
}

// Spec §5.1: {"p0": float32 [[2.0, 4.0]]}
const EXAMPLE = fromHex(`
  b7 9c 04 05 4f 8d e5 f7 00 00 00 00 00 00 00 00 01 00 00 00 00 00 00 00 02 00 00 00 00 00 00 00
  70 30 01 00 00 00 00 00 00 00 3f a1 b4 96 f0 40 5e dd 00 00 00 00 00 00 00 00 01 00 00 00 00 00
  00 00 02 00 00 00 02 20 01 00 01 00 00 00 00 00 00 00 02 00 00 00 00 00 00 00 08 00 00 00 00 00
  00 00 00 00 00 40 00 00 80 40`);

describe('decodeParams: reference files', () => {
  it('decodes and re-encodes the 106-byte example of spec §5.1', () => {
    expect(EXAMPLE.byteLength).toBe(106);
    const dict = roundTrip(EXAMPLE);
    expect(dict.reserved).toBe(0n);
    expect(dict.tensors).toHaveLength(1);
    const [t] = dict.tensors;
    expect(t).toMatchObject({
      name: 'p0',
      dtypeName: 'float32',
      shape: [1, 2],
      deviceType: 1,
      deviceId: 0,
      reserved: 0n,
      headerOffset: 0x2a,
      dataOffset: 0x62,
    });
    expect(t?.dtype).toEqual({ code: 2, bits: 32, lanes: 1 });
    expect(Array.from(tensorView(defined(t)) as Float32Array)).toEqual([2, 4]);
    expect(t?.data.buffer).toBe(EXAMPLE.buffer); // zero-copy
  });

  it('decodes the empty 32-byte dict', () => {
    expect(roundTrip(EMPTY)).toEqual({ reserved: 0n, tensors: [] });
    expect(encodeParams({ tensors: [] })).toEqual(EMPTY);
  });

  it('round-trips the standalone wild fixtures', () => {
    const nms = roundTrip(readBytes(join(FIXTURES, 'wild/kobeyu-nms-standalone-graph/nms.params')));
    expect(nms.tensors.map((t) => [t.name, t.dtypeName, t.shape])).toEqual([['p0', 'float32', []]]);
    expect(nms.tensors[0]?.data.byteLength).toBe(4);
    const sine = roundTrip(readBytes(join(FIXTURES, 'wild/linaro-sine-aot-v5-extdeps/parameters/default.params')));
    expect(sine.tensors).toEqual([]);
  });

  const tars = [
    ...readdirSync(join(FIXTURES, 'tvm-0.18')).map((d) => join('tvm-0.18', d, 'model.tar')),
    ...readdirSync(join(FIXTURES, 'wild')).flatMap((d) => {
      try {
        return readdirSync(join(FIXTURES, 'wild', d))
          .filter((f) => f.endsWith('.tar'))
          .map((f) => join('wild', d, f));
      } catch {
        return [];
      }
    }),
  ].filter((p) => {
    try {
      return readFileSync(join(FIXTURES, p)).byteLength > 0;
    } catch {
      return false;
    }
  });

  it('finds the fixture archives', () => expect(tars.length).toBeGreaterThanOrEqual(11));

  it.each(tars)('round-trips every params file in %s', (tar) => {
    const path = join(FIXTURES, tar);
    const members = execFileSync('tar', ['-tf', path], { encoding: 'utf8' })
      .split('\n')
      .filter((m) => /^\.\/parameters\/.+\.params$/.test(m));
    const expectedPath = join(path, '..', 'expected.json');
    const expected = tar.startsWith('tvm-0.18') ? JSON.parse(readFileSync(expectedPath, 'utf8')) : undefined;
    for (const member of members) {
      const bytes = new Uint8Array(execFileSync('tar', ['-xOf', path, member], { maxBuffer: 1 << 28 }));
      const dict = roundTrip(bytes);
      const module = member.slice('./parameters/'.length, -'.params'.length);
      const want = expected?.modules?.[module]?.params;
      if (expected === undefined) continue;
      expect(want, `${tar} ${module}`).toBeDefined();
      const got = Object.fromEntries(
        dict.tensors.map((t) => [t.name, { dtype: t.dtypeName, shape: t.shape, sha256: sha256(t.data) }]),
      );
      expect(got).toEqual(want);
    }
    if (expected?.modules) {
      for (const [m, info] of Object.entries<{ params?: object }>(expected.modules)) {
        if (info.params && Object.keys(info.params).length > 0) expect(members).toContain(`./parameters/${m}.params`);
      }
    }
  });
});

describe('every dtype TVM writes', () => {
  const cases: Array<[string, number[], number]> = [
    ['int1', [3], 3],
    ['int4', [2, 2], 4],
    ['int8', [5], 5],
    ['int16', [2], 4],
    ['int32', [2], 8],
    ['int64', [2], 16],
    ['uint1', [2], 2],
    ['uint4', [3], 3],
    ['uint8', [1], 1],
    ['uint16', [3], 6],
    ['uint32', [1], 4],
    ['uint64', [1], 8],
    ['float16', [4], 8],
    ['float32', [2, 2], 16],
    ['float64', [1], 8],
    ['bool', [4], 4],
    ['bfloat16', [3], 6],
    ['e4m3_float8', [2], 2],
    ['e5m2_float8', [2], 2],
    ['custom[129]8', [2], 2],
    ['custom[200]16', [2], 4],
    ['float32x4', [3], 12], // TVM's file formula ignores lanes: a quarter of the real tensor
    ['int8x16', [2], 2],
    ['float32', [], 4],
    ['int64', [], 8],
    ['float32', [0, 3], 0],
  ];
  it.each(cases)('%s %j holds %i bytes and round-trips', (name, shape, bytes) => {
    const dtype = parseDType(name);
    expect(paramByteSize(dtype, shape)).toBe(bytes);
    const data = Uint8Array.from({ length: bytes }, (_, i) => (i * 37 + 11) & 0xff);
    const encoded = encodeParams({ tensors: [makeParamTensor('x', name, shape, data)] });
    const [t] = decodeParams(encoded).tensors;
    expect(t?.dtype).toEqual(dtype);
    expect(t?.dtypeName).toBe(name === 'uint1' ? 'bool' : name);
    expect(t?.shape).toEqual(shape);
    expect(t?.data).toEqual(data);
    expect(encodeParams(decodeParams(encoded))).toEqual(encoded);
  });

  it('computes the metadata (packed) size separately', () => {
    expect(packedTensorBytes('int4', [3])).toBe(2);
    expect(packedTensorBytes('bool', [9])).toBe(2);
    expect(packedTensorBytes('float32x4', [3])).toBe(12);
    expect(paramByteSize('int4', [3])).toBe(3);
    expect(() => paramByteSize('float32', [-1])).toThrow(expect.objectContaining({ code: 'MLF-E207' }));
    expect(() => packedTensorBytes('float32', [1.5])).toThrow(expect.objectContaining({ code: 'MLF-E207' }));
  });
});

describe('decodeParams: checks', () => {
  const base = threeTensors();
  const dict = decodeParams(base);
  const patch = (edit: (v: DataView, d: ParamDict) => void, bytes = base): Uint8Array => {
    const copy = bytes.slice();
    edit(new DataView(copy.buffer), dict);
    return copy;
  };
  const h = (i: number): number => dict.tensors[i]?.headerOffset ?? -1;

  it('E201 list magic and array magic', () => {
    paramsError(() => decodeParams(patch((v) => v.setUint8(0, 0))), 'MLF-E201');
    paramsError(() => decodeParams(Uint8Array.of(1, 2, 3)), 'MLF-E201');
    paramsError(() => decodeParams(new TextEncoder().encode('{"nodes": []}')), 'MLF-E201');
    const e = paramsError(() => decodeParams(patch((v) => v.setUint8(h(1), 0))), 'MLF-E201');
    expect(e.message).toContain('entry 1 "b"');
    expect(e.offset).toBe(h(1));
  });
  it('E202 for a prefix of the magic and an empty input', () => {
    paramsError(() => decodeParams(new Uint8Array(0)), 'MLF-E202');
    paramsError(() => decodeParams(EMPTY.subarray(0, 5)), 'MLF-E202');
  });
  it('E203 array count differs from name count', () => {
    const at = h(0) - 8;
    const e = paramsError(() => decodeParams(patch((v) => v.setBigUint64(at, 2n, true))), 'MLF-E203');
    expect(e.offset).toBe(at);
  });
  it('E204 device, tolerated when not strict', () => {
    const bytes = patch((v) => v.setInt32(h(2) + 16, 2, true));
    const e = paramsError(() => decodeParams(bytes), 'MLF-E204');
    expect(e.message).toMatch(/entry 2 "s"/);
    expect(roundTrip(bytes, { strict: false }).tensors[2]?.deviceType).toBe(2);
    const id = patch((v) => v.setInt32(h(2) + 20, 7, true)); // device_id is not checked, like TVM
    expect(roundTrip(id).tensors[2]?.deviceId).toBe(7);
  });
  it('keeps reserved fields losslessly', () => {
    const bytes = patch((v) => {
      v.setBigUint64(8, 0xffffffffffffffffn, true);
      v.setBigUint64(h(0) + 8, 42n, true);
    });
    const d = roundTrip(bytes);
    expect(d.reserved).toBe(0xffffffffffffffffn);
    expect(d.tensors[0]?.reserved).toBe(42n);
  });
  it('E206 invalid dtypes', () => {
    for (const [code, bits, lanes] of [
      [2, 4, 1],
      [0, 24, 1],
      [2, 32, 0],
      [5, 64, 1],
      [4, 32, 1],
      [100, 8, 1],
    ] as const) {
      const e = paramsError(
        () =>
          decodeParams(
            patch((v) => {
              v.setUint8(h(0) + 28, code);
              v.setUint8(h(0) + 29, bits);
              v.setUint16(h(0) + 30, lanes, true);
            }),
          ),
        'MLF-E206',
      );
      expect(e.offset).toBe(h(0) + 28);
    }
  });
  it('E207 negative ndim and dims, E009 over limits', () => {
    paramsError(() => decodeParams(patch((v) => v.setInt32(h(0) + 24, -1, true))), 'MLF-E207');
    paramsError(() => decodeParams(patch((v) => v.setBigInt64(h(0) + 32, -2n, true))), 'MLF-E207');
    paramsError(() => decodeParams(patch((v) => v.setInt32(h(0) + 24, 0x7fffffff, true))), 'MLF-E009');
    paramsError(
      () =>
        decodeParams(
          patch((v) => v.setInt32(h(0) + 24, 0x7fffffff, true)),
          { limits: { maxNdim: 2 ** 31 } },
        ),
      'MLF-E202',
    );
    // 2^40 * 3 elements: over the default 2^40 limit; a product in BigInt cannot overflow.
    paramsError(() => decodeParams(patch((v) => v.setBigInt64(h(0) + 32, 1n << 40n, true))), 'MLF-E009');
    paramsError(
      () =>
        decodeParams(
          patch((v) => {
            v.setBigInt64(h(0) + 32, 1n << 62n, true);
            v.setBigInt64(h(0) + 40, 1n << 62n, true);
          }),
          { limits: { maxTensorElements: 2 ** 53 } },
        ),
      'MLF-E207',
    );
    paramsError(() => decodeParams(base, { limits: { maxParams: 2 } }), 'MLF-E009');
    paramsError(() => decodeParams(base, { limits: { maxTensorElements: 5 } }), 'MLF-E009');
  });
  it('E205 data_byte_size mismatch', () => {
    const at = h(0) + 32 + 16;
    const e = paramsError(() => decodeParams(patch((v) => v.setBigInt64(at, 20n, true))), 'MLF-E205');
    expect(e.offset).toBe(at);
    expect(e.message).toMatch(/entry 0 "weight".*expected 24/);
    paramsError(() => decodeParams(patch((v) => v.setBigInt64(at, -1n, true))), 'MLF-E205');
  });
  it('E202 for a truncated 0-d tensor (TVM misses it)', () => {
    paramsError(() => decodeParams(base.subarray(0, base.byteLength - 1)), 'MLF-E202');
  });
  it('E208 trailing bytes', () => {
    const e = paramsError(() => decodeParams(Uint8Array.of(...base, 0)), 'MLF-E208');
    expect(e.offset).toBe(base.byteLength);
  });
  it('E209 duplicate names and E210 non-UTF-8 names', () => {
    const dup = encodeParams({
      tensors: [
        makeParamTensor('ab', 'int8', [], Uint8Array.of(1)),
        makeParamTensor('cd', 'int8', [], Uint8Array.of(2)),
      ],
    });
    const e = paramsError(
      () =>
        decodeParams(
          patch((v) => {
            v.setUint8(42, 0x61);
            v.setUint8(43, 0x62);
          }, dup),
        ),
      'MLF-E209',
    );
    expect(e.message).toMatch(/name 1 "ab".*name 0/);
    paramsError(() => decodeParams(patch((v) => v.setUint8(32, 0xc3), dup)), 'MLF-E210');
    const unicode = roundTrip(encodeParams({ tensors: [makeParamTensor('ünï/😀', 'int8', [], Uint8Array.of(1))] }));
    expect(unicode.tensors[0]?.name).toBe('ünï/😀');
    for (const name of ['\ufeff', '\ufeffw', '\ufeff\ufeffw', '', '\0']) {
      expect(
        roundTrip(encodeParams({ tensors: [makeParamTensor(name, 'int8', [], Uint8Array.of(1))] })).tensors[0]?.name,
      ).toBe(name);
    }
  });
  it('lying counts fail fast without allocating', () => {
    const t0 = performance.now();
    for (const n of [1n << 62n, (1n << 64n) - 1n, 1n << 60n, 1000n]) {
      paramsError(() => decodeParams(patch((v) => v.setBigUint64(16, n, true))), 'MLF-E202');
    }
    paramsError(() => decodeParams(patch((v) => v.setBigUint64(24, 1n << 62n, true))), 'MLF-E202'); // name length
    paramsError(
      () =>
        decodeParams(
          patch((v) => v.setBigUint64(16, 3n, true), EMPTY.slice()),
          {},
        ),
      'MLF-E202',
    );
    expect(performance.now() - t0).toBeLessThan(200);
  });
});

describe('encodeParams', () => {
  it('validates its input', () => {
    expect(() => makeParamTensor('x', 'float32', [2], new Uint8Array(7))).toThrow(
      expect.objectContaining({ code: 'MLF-E205' }),
    );
    expect(() => makeParamTensor('x', 'float32', [-2], new Uint8Array(0))).toThrow(
      expect.objectContaining({ code: 'MLF-E207' }),
    );
    expect(() => makeParamTensor('x', 'float33', [2], new Uint8Array(8))).toThrow(
      expect.objectContaining({ code: 'MLF-E206' }),
    );
    expect(() => makeParamTensor('x', { code: 2, bits: 12, lanes: 1 }, [2], new Uint8Array(4))).toThrow(
      expect.objectContaining({ code: 'MLF-E206' }),
    );
    expect(() => makeParamTensor('\ud800', 'int8', [], new Uint8Array(1))).toThrow(
      expect.objectContaining({ code: 'MLF-E210' }),
    );
    const a = makeParamTensor('a', 'int8', [], new Uint8Array(1));
    expect(() => encodeParams({ tensors: [a, a] })).toThrow(expect.objectContaining({ code: 'MLF-E209' }));
    expect(() => encodeParams({ tensors: [{ ...a, deviceType: 2 ** 31 }] })).toThrow(
      expect.objectContaining({ code: 'MLF-E204' }),
    );
    expect(() => encodeParams({ reserved: -1n, tensors: [] })).toThrow(expect.objectContaining({ code: 'MLF-E901' }));
    expect(a).toMatchObject({ deviceType: 1, deviceId: 0, reserved: 0n, dtypeName: 'int8' });
  });
});

describe('tensorView', () => {
  it('is zero-copy when aligned and copies when misaligned', () => {
    const raw = f32(1.5, -2, 3);
    const buf = new Uint8Array(16);
    buf.set(raw, 4);
    const aligned = tensorView({ dtype: parseDType('float32'), data: buf.subarray(4, 16) });
    expect(aligned).toBeInstanceOf(Float32Array);
    expect(aligned.buffer).toBe(buf.buffer);
    expect(Array.from(aligned as Float32Array)).toEqual([1.5, -2, 3]);
    const odd = new Uint8Array(17);
    odd.set(raw, 1);
    const misaligned = tensorView({ dtype: parseDType('float32'), data: odd.subarray(1, 13) });
    expect(misaligned.buffer).not.toBe(odd.buffer);
    expect(Array.from(misaligned as Float32Array)).toEqual([1.5, -2, 3]);
  });
  it('picks the element type by dtype', () => {
    const v = (name: string, bytes: number[]) => tensorView({ dtype: parseDType(name), data: Uint8Array.from(bytes) });
    expect(v('int8', [0xff, 1])).toEqual(Int8Array.of(-1, 1));
    expect(v('int64', [0xfe, ...Array(7).fill(0xff)])).toEqual(BigInt64Array.of(-2n));
    expect(v('uint64', Array(8).fill(0xff))).toEqual(BigUint64Array.of((1n << 64n) - 1n));
    expect(v('float16', [0x00, 0x3c])).toEqual(Uint16Array.of(0x3c00));
    expect(v('bfloat16', [0x80, 0x3f])).toEqual(Uint16Array.of(0x3f80));
    expect(v('float64', [0, 0, 0, 0, 0, 0, 0xf0, 0x3f])).toEqual(Float64Array.of(1));
    expect(v('bool', [0, 1])).toEqual(Uint8Array.of(0, 1));
    expect(v('int4', [7, 8])).toBeInstanceOf(Uint8Array);
    expect(v('float32x4', [0, 0, 0x80, 0x3f])).toBeInstanceOf(Uint8Array);
  });
  it('views tensors decoded from a file (unaligned payloads)', () => {
    for (const t of decodeParams(threeTensors()).tensors) expect(tensorView(t).length).toBeGreaterThan(0);
    const [w] = decodeParams(threeTensors()).tensors;
    expect(Array.from(tensorView(defined(w)) as Float32Array)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe('tensorStats', () => {
  const stats = (name: string, data: Uint8Array) => tensorStats({ dtype: parseDType(name), data });
  it('float32 with NaN and Inf', () => {
    const s = stats('float32', f32(1, 2, 3, 0, Number.NaN, Number.POSITIVE_INFINITY));
    expect(s).toMatchObject({ count: 6, min: 0, max: 3, mean: 1.5, zeros: 1, nan: 1, inf: 1 });
    expect(s?.std).toBeCloseTo(Math.sqrt(1.25), 12);
  });
  it('float16, bfloat16, float8 through bit conversion', () => {
    expect(stats('float16', Uint8Array.of(0x00, 0x3c, 0x00, 0xc0))).toMatchObject({ min: -2, max: 1, mean: -0.5 });
    expect(stats('bfloat16', Uint8Array.of(0x80, 0x3f, 0x40, 0x40))).toMatchObject({ min: 1, max: 3, mean: 2 });
    expect(stats('e4m3_float8', Uint8Array.of(0x38, 0x7e, 0x7f))).toMatchObject({ min: 1, max: 448, nan: 1 });
    expect(stats('e5m2_float8', Uint8Array.of(0x3c, 0x7c))).toMatchObject({ min: 1, max: 1, inf: 1 });
  });
  it('integers and bool', () => {
    expect(stats('int8', Uint8Array.of(0xff, 1, 0))).toMatchObject({ min: -1, max: 1, mean: 0, zeros: 1 });
    expect(stats('int64', new Uint8Array(BigInt64Array.of(-5n, 5n).buffer))).toMatchObject({ min: -5, max: 5, std: 5 });
    expect(stats('bool', Uint8Array.of(1, 0, 1, 1))).toMatchObject({ count: 4, mean: 0.75, zeros: 1 });
    expect(stats('uint32', new Uint8Array(Uint32Array.of(4e9).buffer))).toMatchObject({ max: 4e9 });
  });
  it('empty tensors and unsupported dtypes', () => {
    expect(stats('float32', new Uint8Array(0))).toMatchObject({ count: 0, min: Number.NaN, mean: Number.NaN });
    for (const name of ['int4', 'custom[140]8', 'float32x4', 'float8', 'int1'])
      expect(stats(name, new Uint8Array(4))).toBeUndefined();
  });
});
