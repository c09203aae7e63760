/**
 * Params compared and summarised in chunks (diff-params.ts `diffParamReaders`, param-summary.ts
 * `summariseTensorStreamed`) give exactly what the in-memory `diffParams` and `summariseTensor`
 * give, and their figures agree with NumPy's. Random tensors of every numeric dtype, NaN and
 * infinities, at chunk sizes that cut through elements' runs: params-stream.system.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeParams, makeParamTensor } from '../../../src/core/params/encode.js';
import { indexParamBytes } from '../../../src/core/params/tensor-index.js';
import { diffParamReaders } from '../../../src/core/report/diff-params.js';
import { summariseTensorStreamed } from '../../../src/core/report/param-summary.js';
import { pythonPath, ROOT } from '../../helpers/common.js';
import { bytesReader as reader } from '../../helpers/params.js';

const dir = mkdtempSync(join(tmpdir(), 'mlf-params-stream-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('diff in chunks equals the in-memory diff', () => {
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
      pythonPath(),
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

describe('diff in chunks refuses short reads', () => {
  for (const side of ['a', 'b'] as const)
    it(`a reader of side ${side} that gives fewer bytes than asked: MLF-E002 at its offset`, async () => {
      const values = new Float32Array(4096).map((_, i) => i);
      const pa = encodeParams({ tensors: [makeParamTensor('w', 'float32', [4096], new Uint8Array(values.buffer))] });
      const pb = encodeParams({
        tensors: [makeParamTensor('w', 'float32', [4096], new Uint8Array(values.map((x) => x + 1).buffer))],
      });
      const index = await indexParamBytes(pa);
      const cut = index.tensors[0]!.dataOffset + 3 * 4096; // the fourth chunk of 4096 bytes
      const short = (bytes: Uint8Array) => async (offset: number, n: number) =>
        bytes.slice(offset, offset + (offset === cut ? n - 1 : n));
      const read = { a: side === 'a' ? short(pa) : reader(pa), b: side === 'b' ? short(pb) : reader(pb) };
      const error = await diffParamReaders(
        { index, read: read.a },
        { index: await indexParamBytes(pb), read: read.b },
        4096,
      ).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'MLF-E002', offset: cut });
      expect(String((error as Error).message)).toContain(`needed 4096 bytes at offset ${cut}, got 4095`);
    });
});

describe('statistics in chunks equal the in-memory ones', () => {
  it('NumPy computes the same statistics and histogram (bench/ref_memory.py)', async () => {
    const n = 200_000;
    const v = new Float32Array(n).map((_, i) => Math.sin(i * 0.37) * 5 + (i % 11 === 0 ? 0.25 : 0));
    v[3] = Number.NaN;
    v[4] = Number.NEGATIVE_INFINITY;
    v[5] = 0;
    const params = encodeParams({ tensors: [makeParamTensor('w', 'float32', [n], new Uint8Array(v.buffer))] });
    writeFileSync(join(dir, 'w.params'), params);
    const r = spawnSync(pythonPath(), [join(ROOT, 'bench', 'ref_memory.py'), 'report', join(dir, 'w.params')], {
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    const numpy = JSON.parse(r.stdout).w;
    const header = (await indexParamBytes(params)).tensors[0]!;
    const got = await summariseTensorStreamed(reader(params), header, { chunkSize: 1 << 16 });
    // The page reads one chunk at a time (readAhead: false): the same figures.
    expect(await summariseTensorStreamed(reader(params), header, { chunkSize: 1 << 16, readAhead: false })).toEqual(
      got,
    );
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
