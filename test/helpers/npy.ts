/** .npy arrays and checks for test/core/params/npy*.test.ts. */
import { expect } from 'vitest';
import { MlfError } from '../../src/core/errors/errors.js';
import type { NpyArray } from '../../src/core/params/npy.js';

export const bytesOf = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** The MlfError (E911, or E009 over a limit) `fn` throws; fails on anything else. */
export function expectE911(fn: () => unknown): MlfError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(MlfError);
    expect((e as MlfError).code).toMatch(/^MLF-E(911|009)$/);
    return e as MlfError;
  }
  throw new Error('expected an MlfError');
}

/** One small array of each kind (and one of 1234567 elements). */
export const NPY_SAMPLES = {
  f4: { descr: '<f4', shape: [2, 3], fortranOrder: false, data: bytesOf(Float32Array.of(1, 2, 3, 4.5, -5, 6)) },
  f2: { descr: '<f2', shape: [3], fortranOrder: false, data: bytesOf(Uint16Array.of(0x3c00, 0xc000, 0x7c00)) },
  i8: { descr: '<i8', shape: [2], fortranOrder: false, data: bytesOf(BigInt64Array.of(-(2n ** 62n), 7n)) },
  b1: { descr: '|b1', shape: [4], fortranOrder: false, data: Uint8Array.of(1, 0, 0, 1) },
  u1: { descr: '|u1', shape: [2, 2], fortranOrder: true, data: Uint8Array.of(1, 2, 3, 4) },
  scalar: { descr: '<f8', shape: [], fortranOrder: false, data: bytesOf(Float64Array.of(Math.PI)) },
  empty: { descr: '<i4', shape: [0, 5], fortranOrder: false, data: new Uint8Array(0) },
  big: { descr: '<u2', shape: [1234567], fortranOrder: false, data: new Uint8Array(2 * 1234567).fill(7) },
} satisfies Record<string, NpyArray>;
