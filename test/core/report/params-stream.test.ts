/**
 * Params compared and summarised in chunks (diff-params.ts `diffParamReaders`, param-summary.ts
 * `summariseTensorStreamed`) give exactly what the in-memory `diffParams` and `summariseTensor`
 * give (the same sums in the same order), for every numeric dtype, NaN and infinities, at chunk
 * sizes that cut through elements' runs; and their figures agree with NumPy's.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeParams } from '../../../src/core/params/codec.js';
import { encodeParams, makeParamTensor } from '../../../src/core/params/encode.js';
import { indexParamBytes } from '../../../src/core/params/tensor-index.js';
import { diffParamReaders, diffParams } from '../../../src/core/report/diff-params.js';
import { summariseTensorStreamed } from '../../../src/core/report/param-summary.js';
import { summariseTensor } from '../../../src/core/report/view-data.js';
import { ROOT } from '../../helpers/common.js';

const dir = mkdtempSync(join(tmpdir(), 'mlf-params-stream-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

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

const reader = (bytes: Uint8Array) => async (o: number, n: number) => bytes.subarray(o, o + n);

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

  it('NumPy computes the same max |Δ| and relative L2 (bench/ref_memory.py, float64)', async () => {
    const n = 100_000;
    const a = new Float32Array(n).map((_, i) => Math.sin(i) * 3);
    const b = a.map((x, i) => (i % 7 === 0 ? x + Math.cos(i) / 100 : x));
    b[5] = Number.NaN; // a non-finite change, left out of the norms
    const pa = encodeParams({ tensors: [makeParamTensor('w', 'float32', [n], new Uint8Array(a.buffer))] });
    const pb = encodeParams({ tensors: [makeParamTensor('w', 'float32', [n], new Uint8Array(b.buffer))] });
    writeFileSync(join(dir, 'a.params'), pa);
    writeFileSync(join(dir, 'b.params'), pb);
    const r = spawnSync(
      'python3',
      [join(ROOT, 'bench', 'ref_memory.py'), 'diff', join(dir, 'a.params'), join(dir, 'b.params')],
      { encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    const numpy = JSON.parse(r.stdout).w;
    const got = (await diffParamReaders(
      { index: await indexParamBytes(pa), read: reader(pa) },
      { index: await indexParamBytes(pb), read: reader(pb) },
      4096,
    ))!.changed[0]!;
    expect(got.maxAbsDiff).toBe(numpy.maxAbsDiff); // a max of exact float64 differences
    expect(got.relL2).toBeCloseTo(numpy.relL2, 12);
    expect([got.changedElements, got.nonFiniteChanges]).toEqual([numpy.changedElements, numpy.nonFiniteChanges]);
  });
});

describe('statistics in chunks equal the in-memory ones', () => {
  it('for every dtype, NaN and infinities, at 8, 16 and 24-byte chunks', async () => {
    await fc.assert(
      fc.asyncProperty(tensorPair, fc.constantFrom(8, 16, 24), async ({ dtype, n, a }, chunk) => {
        const params = encodeParams({ tensors: [makeParamTensor('t', dtype, [n], a)] });
        const t = decodeParams(params).tensors[0]!;
        const header = (await indexParamBytes(params)).tensors[0]!;
        expect(await summariseTensorStreamed(reader(params), header, chunk)).toEqual(summariseTensor(t));
      }),
      { numRuns: 300 },
    );
  });

  it('NumPy computes the same statistics and histogram (bench/ref_memory.py)', async () => {
    const n = 200_000;
    const v = new Float32Array(n).map((_, i) => Math.sin(i * 0.37) * 5 + (i % 11 === 0 ? 0.25 : 0));
    v[3] = Number.NaN;
    v[4] = Number.NEGATIVE_INFINITY;
    v[5] = 0;
    const params = encodeParams({ tensors: [makeParamTensor('w', 'float32', [n], new Uint8Array(v.buffer))] });
    writeFileSync(join(dir, 'w.params'), params);
    const r = spawnSync('python3', [join(ROOT, 'bench', 'ref_memory.py'), 'report', join(dir, 'w.params')], {
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    const numpy = JSON.parse(r.stdout).w;
    const header = (await indexParamBytes(params)).tensors[0]!;
    const got = await summariseTensorStreamed(reader(params), header, 1 << 16);
    const s = got.stats!;
    expect([s.count, s.min, s.max, s.zeros, s.nan, s.inf]).toEqual([
      numpy.count,
      numpy.min,
      numpy.max,
      numpy.zeros,
      numpy.nan,
      numpy.inf,
    ]);
    expect(s.mean).toBeCloseTo(numpy.mean, 12);
    expect(s.std).toBeCloseTo(numpy.std, 12);
    // np.histogram bins by (x - min) * (bins / (max - min)), we by (x - min) / width: a value on a
    // bin edge may land one bin apart, so the counts agree to a few values.
    const h = got.histogram!.counts;
    expect(h.reduce((x, y) => x + y, 0)).toBe(numpy.histogram.reduce((x: number, y: number) => x + y, 0));
    expect(h.reduce((d, c, i) => d + Math.abs(c - numpy.histogram[i]), 0)).toBeLessThanOrEqual(4);
  });
});
