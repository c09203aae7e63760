/**
 * Params compared and summarised in chunks (diff-params.ts `diffParamReaders`, param-summary.ts
 * `summariseTensorStreamed`) give exactly what the in-memory `diffParams` and `summariseTensor`
 * give (the same sums in the same order), for random tensors of every numeric dtype, NaN and
 * infinities, at chunk sizes that cut through elements' runs (against NumPy: params-stream.test.ts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeParams } from '../../../src/core/params/codec.js';
import { encodeParams, makeParamTensor } from '../../../src/core/params/encode.js';
import { indexParamBytes } from '../../../src/core/params/tensor-index.js';
import { diffParamReaders, diffParams } from '../../../src/core/report/diff-params.js';
import { summariseTensorStreamed } from '../../../src/core/report/param-summary.js';
import { summariseTensor } from '../../../src/core/report/view-data.js';
import { bytesReader as reader } from '../../helpers/params.js';

const DTYPES = [
  'float32',
  'float64',
  'float16',
  'bfloat16',
  'int8',
  'int16',
  'int32',
  'int64',
  'uint8',
  'uint16',
  'uint32',
  'uint64',
  'bool',
  'int4',
  'e4m3_float8',
  'e5m2_float8',
];

/** Bytes per element in a .params file. */
const width = (dtype: string) =>
  dtype === 'bool' || dtype === 'int4' || dtype.endsWith('float8') ? 1 : Number(/\d+/.exec(dtype)![0]) / 8;

/** Random payload bytes with NaN and infinities mixed in for the float types. */
const payload = (dtype: string, n: number) =>
  fc.uint8Array({ minLength: n * width(dtype), maxLength: n * width(dtype) }).map((b) => {
    if (dtype === 'float32' && n >= 3) {
      const f = new Float32Array(b.buffer);
      f[0] = Number.NaN;
      f[1] = Number.POSITIVE_INFINITY;
      f[2] = 0;
    }
    return b;
  });

const tensorPair = fc
  .record({ dtype: fc.constantFrom(...DTYPES), n: fc.integer({ min: 0, max: 70 }) })
  .chain(({ dtype, n }) =>
    fc.record({
      dtype: fc.constant(dtype),
      n: fc.constant(n),
      a: payload(dtype, n),
      // b: a with some bytes changed (or none)
      flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { maxLength: 5 }),
    }),
  );

describe('diff in chunks equals the in-memory diff', () => {
  it('for every dtype, NaN and infinities, at 8, 16 and 24-byte chunks', async () => {
    await fc.assert(
      fc.asyncProperty(tensorPair, fc.constantFrom(8, 16, 24), async ({ dtype, n, a, flips }, chunk) => {
        const b = a.slice();
        for (const [at, x] of flips) if (b.length > 0) b[at % b.length] = (b[at % b.length] as number) ^ x;
        const pa = encodeParams({
          tensors: [makeParamTensor('t', dtype, [n], a), makeParamTensor('only_a', 'int8', [1], new Uint8Array(1))],
        });
        const pb = encodeParams({
          tensors: [makeParamTensor('t', dtype, [n], b), makeParamTensor('only_b', 'int8', [2], new Uint8Array(2))],
        });
        const want = diffParams(decodeParams(pa), decodeParams(pb));
        const got = await diffParamReaders(
          { index: await indexParamBytes(pa), read: reader(pa) },
          { index: await indexParamBytes(pb), read: reader(pb) },
          chunk,
        );
        expect(got).toEqual(want);
      }),
      { numRuns: 300 },
    );
  });
});

describe('statistics in chunks equal the in-memory ones', () => {
  it('for every dtype, NaN and infinities, at 8, 16 and 24-byte chunks', async () => {
    await fc.assert(
      fc.asyncProperty(tensorPair, fc.constantFrom(8, 16, 24), async ({ dtype, n, a }, chunk) => {
        const params = encodeParams({ tensors: [makeParamTensor('t', dtype, [n], a)] });
        const t = decodeParams(params).tensors[0]!;
        const header = (await indexParamBytes(params)).tensors[0]!;
        expect(await summariseTensorStreamed(reader(params), header, { chunkSize: chunk })).toEqual(summariseTensor(t));
      }),
      { numRuns: 300 },
    );
  });
});
