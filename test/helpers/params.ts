/** Param files for test/core/params/params*.test.ts. */
import { encodeParams, makeParamTensor } from '../../src/core/params/encode.js';

/** Bytes from hex text (whitespace ignored). */
export const fromHex = (s: string): Uint8Array =>
  Uint8Array.from(s.replace(/\s+/g, '').match(/../g) ?? [], (h) => Number.parseInt(h, 16));
/** float32 values as little-endian bytes. */
export const f32 = (...xs: number[]): Uint8Array => new Uint8Array(Float32Array.from(xs).buffer);
/** The empty dict: magic, reserved, zero names, zero arrays. */
export const EMPTY = fromHex(`b79c04054f8de5f7${'00'.repeat(24)}`);

/** A 3-tensor file used by the sweeps. */
export function threeTensors(): Uint8Array {
  return encodeParams({
    tensors: [
      makeParamTensor('weight', 'float32', [2, 3], f32(1, 2, 3, 4, 5, 6)),
      makeParamTensor('b', 'int8', [4], Uint8Array.of(1, 2, 0xff, 0)),
      makeParamTensor('s', 'float16', [], Uint8Array.of(0x00, 0x3c)),
    ],
  });
}
