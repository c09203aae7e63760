/**
 * Streaming param decode, the coverage loops (the examples: scanner.test.ts): every chunking of every
 * fixture's params gives decodeParams' headers and payload bytes, and every truncation prefix,
 * corrupt field and random dict the same result as decodeParams.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { indexParamBytes } from '../../../src/core/params/tensor-index.js';
import { decodeParams } from '../../../src/core/params/codec.js';
import { encodeParams, makeParamTensor } from '../../../src/core/params/encode.js';
import { outcome } from '../../helpers/common.js';
import { fixtureParams, scanChunked, scannerDict } from '../../helpers/params.js';

const samples = fixtureParams();
const synthetic = scannerDict();

describe('createParamsScanner', () => {
  for (const { name, bytes } of samples) {
    it(`gives decodeParams' headers and payloads for every chunking of ${name}`, async () => {
      const dict = decodeParams(bytes);
      const index = await indexParamBytes(bytes);
      for (const size of [1, 7, 61, 4096, 65536, bytes.byteLength]) {
        const r = scanChunked(bytes, size);
        expect(r.index).toEqual(index);
        expect(r.seen).toEqual(dict.tensors.map((t) => t.name));
        expect(r.payloads).toEqual(dict.tensors.map((t) => t.data));
      }
    });
  }

  it('gives the same error as decodeParams for every truncation prefix, pushed whole or byte by byte', async () => {
    for (let n = 0; n < synthetic.byteLength; n++) {
      const prefix = synthetic.subarray(0, n);
      const want = await outcome(() => decodeParams(prefix));
      expect(want).not.toBe('ok');
      expect(await outcome(() => scanChunked(prefix, Math.max(1, n)))).toBe(want);
      expect(await outcome(() => scanChunked(prefix, 1))).toBe(want);
    }
  });

  it('gives the same error as decodeParams for trailing bytes and corrupt fields', async () => {
    const cases: Uint8Array[] = [new Uint8Array([...synthetic, 0])];
    for (let at = 0; at < synthetic.byteLength; at += 3) {
      const c = synthetic.slice();
      c[at] = (c[at] ?? 0) ^ 0xff;
      cases.push(c);
    }
    for (const c of cases) {
      const want = await outcome(() => decodeParams(c));
      for (const size of [1, 5, c.byteLength]) expect(await outcome(() => scanChunked(c, size))).toBe(want);
    }
  });

  it('matches decodeParams on random dicts split at random points (property)', () => {
    const dtypes = ['float32', 'int8', 'uint16', 'float64'] as const;
    const tensor = fc.record({
      name: fc.string({ minLength: 0, maxLength: 40 }),
      dtype: fc.constantFrom(...dtypes),
      shape: fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 3 }),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(tensor, { maxLength: 6, selector: (t) => t.name }),
        fc.integer({ min: 1, max: 300 }),
        (specs, size) => {
          const bytesPer = { float32: 4, int8: 1, uint16: 2, float64: 8 };
          const tensors = specs.map((s, i) => {
            const n = s.shape.reduce((a, b) => a * b, 1) * bytesPer[s.dtype];
            return makeParamTensor(
              s.name,
              s.dtype,
              s.shape,
              new Uint8Array(n).map((_, j) => (i * 31 + j) & 0xff),
            );
          });
          const bytes = encodeParams({ tensors });
          const r = scanChunked(bytes, size);
          expect(r.payloads).toEqual(decodeParams(bytes).tensors.map((t) => t.data));
        },
      ),
      { numRuns: 200 },
    );
  });
});
