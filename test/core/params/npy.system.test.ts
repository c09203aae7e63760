/**
 * .npy coverage loops and big headers (the examples: npy.test.ts): format 2.0 for a 25 000-dimension
 * header, a 2 000 000-item shape tuple refused at once, every truncation, mutated and random inputs,
 * and encode → decode on random arrays.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MlfError } from '../../../src/core/errors/errors.js';
import { decodeNpy, encodeNpy } from '../../../src/core/params/npy.js';
import { npyWithHeader } from '../../helpers/hostile-inputs.js';
import { expectBytes } from '../../helpers/common.js';
import { expectE911, NPY_SAMPLES as samples } from '../../helpers/npy.js';

describe('encodeNpy', () => {
  it('switches to format 2.0 for headers over 64 KiB', () => {
    const shape = Array.from({ length: 25000 }, () => 1);
    const bytes = encodeNpy({ descr: '|u1', shape, data: Uint8Array.of(9) });
    expect(bytes[6]).toBe(2);
    const back = decodeNpy(bytes, { limits: { maxNdim: 100000, maxNpyHeaderBytes: 100_000 } });
    expect(back.shape).toEqual(shape);
    expect(back.data).toEqual(Uint8Array.of(9));
    expect((bytes.byteLength - 1) % 64).toBe(0);
  });
});

describe('decodeNpy', () => {
  it('stops parsing a shape tuple at limits.maxNdim items (a 4 MB tuple is refused at once)', () => {
    const tuple = (n: number) =>
      npyWithHeader(`{'descr': '|u1', 'fortran_order': False, 'shape': (${'1,'.repeat(n)}), }`, Uint8Array.of(7), 2);
    expect(decodeNpy(tuple(32)).shape.length).toBe(32);
    expect(expectE911(() => decodeNpy(tuple(33))).code).toBe('MLF-E009');
    const big = tuple(2_000_000);
    const t = performance.now();
    const e = expectE911(() => decodeNpy(big, { limits: { maxNpyHeaderBytes: 1e9 } }));
    expect([e.code, e.message]).toEqual(['MLF-E009', expect.stringContaining('more than limits.maxNdim (32) items')]);
    expect(performance.now() - t).toBeLessThan(2000); // was 2.9 GB and 37 s for 150 KB of "1,"
  });

  it('truncation sweep: every prefix fails with MlfError', () => {
    const good = encodeNpy(samples.f4);
    for (let n = 0; n < good.byteLength; n++) expectE911(() => decodeNpy(good.subarray(0, n)));
  });

  it('fuzz: mutated and random inputs never throw anything but MlfError', () => {
    const good = encodeNpy(samples.i8);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(good.byteLength - 1), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 4,
        }),
        (edits) => {
          const bytes = good.slice();
          for (const [i, b] of edits) bytes[i] = b;
          try {
            decodeNpy(bytes);
          } catch (e) {
            if (!(e instanceof MlfError)) throw e;
          }
        },
      ),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (h) => {
        const padded = `${h}\n`;
        const enc = new TextEncoder().encode(padded);
        try {
          decodeNpy(Uint8Array.of(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 3, 0, enc.length, 0, 0, 0, ...enc));
        } catch (e) {
          if (!(e instanceof MlfError)) throw e;
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('property: encodeNpy → decodeNpy is the identity', () => {
    const arb = fc
      .record({
        descr: fc.constantFrom('<f4', '<f2', '|u1', '|b1', '<i8', '<u4', '<c16'),
        shape: fc.array(fc.nat(3), { maxLength: 4 }),
        fortranOrder: fc.boolean(),
      })
      .chain((a) => {
        const size = Number(a.descr.slice(2)) * a.shape.reduce((x, y) => x * y, 1);
        return fc.uint8Array({ minLength: size, maxLength: size }).map((data) => ({ ...a, data }));
      });
    fc.assert(
      fc.property(arb, (a) => {
        const back = decodeNpy(encodeNpy(a));
        expect([back.descr, back.shape, back.fortranOrder]).toEqual([a.descr, a.shape, a.fortranOrder]);
        expectBytes(back.data, a.data);
      }),
      { numRuns: 300 },
    );
  });
});
