/**
 * Params coverage loops (the examples: params.test.ts): every prefix of a file is truncated, random
 * edits and garbage never throw anything but MlfError, random dicts round-trip byte for byte.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MlfError } from '../../../src/core/errors/errors.js';
import { decodeParams } from '../../../src/core/params/codec.js';
import { encodeParams, makeParamTensor, paramByteSize } from '../../../src/core/params/encode.js';
import { expectBytes } from '../../helpers/common.js';
import { EMPTY, threeTensors } from '../../helpers/params.js';

describe('decodeParams: checks', () => {
  const base = threeTensors();

  it('truncation sweep: every prefix fails with MlfError', () => {
    const codes = new Map<string, number>();
    for (let n = 0; n < base.byteLength; n++) {
      try {
        decodeParams(base.subarray(0, n));
        throw new Error(`prefix ${n} decoded`);
      } catch (e) {
        expect(e).toBeInstanceOf(MlfError);
        const code = (e as MlfError).code;
        codes.set(code, (codes.get(code) ?? 0) + 1);
      }
    }
    // Prefixes of a valid file are all "truncated", including the short prefixes of the magic.
    expect([...codes.entries()]).toEqual([['MLF-E202', base.byteLength]]);
  });

  it('mutation fuzz: random byte edits never throw anything but MlfError', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(base.byteLength - 1), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 6,
        }),
        fc.boolean(),
        (edits, strict) => {
          const bytes = base.slice();
          for (const [i, b] of edits) bytes[i] = b;
          try {
            const d = decodeParams(bytes, { strict });
            expectBytes(encodeParams(d), bytes);
          } catch (e) {
            if (!(e instanceof MlfError)) throw e;
          }
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('random garbage never throws anything but MlfError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (tail) => {
        for (const head of [EMPTY.subarray(0, 8), EMPTY.subarray(0, 16), new Uint8Array(0)]) {
          try {
            decodeParams(Uint8Array.of(...head, ...tail));
          } catch (e) {
            if (!(e instanceof MlfError)) throw e;
          }
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('encodeParams', () => {
  const dtypes = fc.constantFrom(
    'int8',
    'int4',
    'bool',
    'uint16',
    'int32',
    'int64',
    'float16',
    'float32',
    'float64',
    'bfloat16',
    'e4m3_float8',
    'custom[150]16',
    'float32x4',
  );
  const tensor = fc
    .record({
      name: fc.string({ unit: 'grapheme', maxLength: 12 }),
      dtype: dtypes,
      shape: fc.array(fc.nat(4), { maxLength: 4 }),
      deviceId: fc.integer({ min: -5, max: 5 }),
      reserved: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      seed: fc.nat(255),
    })
    .map(({ name, dtype, shape, deviceId, reserved, seed }) => {
      const size = paramByteSize(dtype, shape);
      const t = makeParamTensor(
        name,
        dtype,
        shape,
        Uint8Array.from({ length: size }, (_, i) => (seed + i * 7) & 0xff),
      );
      return { ...t, deviceId, reserved };
    });

  it('property: random dicts encode → decode → encode identically', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(tensor, { maxLength: 6, selector: (t) => t.name }),
        fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        (tensors, reserved) => {
          const bytes = encodeParams({ reserved, tensors });
          const d = decodeParams(bytes);
          expect(d.reserved).toBe(reserved);
          expect(
            d.tensors.map(({ name, dtype, shape, deviceType, deviceId, reserved: r, data }) => ({
              name,
              dtype,
              shape,
              deviceType,
              deviceId,
              reserved: r,
              data,
            })),
          ).toEqual(
            tensors.map(({ name, dtype, shape, deviceType, deviceId, reserved: r, data }) => ({
              name,
              dtype,
              shape,
              deviceType,
              deviceId,
              reserved: r,
              data,
            })),
          );
          expectBytes(encodeParams(d), bytes);
        },
      ),
      { numRuns: 500 },
    );
  });
});
