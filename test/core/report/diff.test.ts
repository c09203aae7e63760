/**
 * `diffArchives` and `diffParams` in process: one param changed (max |Δ| and relative L2 over the
 * values written), and param values by dtype. The CLI and the fixture pairs: diff.system.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { diffParams } from '../../../src/core/report/diff-params.js';
import { makeParamTensor } from '../../../src/core/params/encode.js';
import { changeParam, diff, edited, GRAPH } from '../../helpers/diff.js';

describe('archives changed in the test', () => {
  it('one param changed: max abs diff and relative L2 over the values written', async () => {
    let vals = { before: [] as number[], after: [] as number[] };
    const r = await diff(
      GRAPH,
      edited((files) => (vals = changeParam(files))),
    );
    const { before, after } = vals;
    const d = before.map((x, i) => after[i]! - x);
    const maxAbs = Math.max(...d.map(Math.abs));
    const relL2 = Math.sqrt(d.reduce((s, x) => s + x * x, 0)) / Math.sqrt(before.reduce((s, x) => s + x * x, 0));
    const m = r.modules[0]!;
    expect(m.params!.unchanged).toBe(3);
    expect(m.params!.changed).toHaveLength(1);
    const p = m.params!.changed[0]!;
    expect(p).toMatchObject({ name: 'p0', change: 'values', changedElements: 2, nonFiniteChanges: 0 });
    expect(p.maxAbsDiff).toBe(maxAbs);
    expect(p.relL2).toBeCloseTo(relL2, 14);
    expect(r.modules[0]!.memory.devices[0]!.workspace.delta).toBe(0);
  });
});

describe('param values by dtype (float64 over decoded values)', () => {
  const dict = (dtype: string, data: number[] | Uint8Array, bytesPer = 1) => {
    const raw = data instanceof Uint8Array ? data : new Uint8Array(new Uint16Array(data).buffer);
    return {
      reserved: 0n,
      tensors: [{ ...makeParamTensor('w', dtype, [raw.byteLength / bytesPer], raw), headerOffset: 0, dataOffset: 0 }],
    };
  };
  const one = (a: ReturnType<typeof dict>, b: ReturnType<typeof dict>) => diffParams(a, b)!.changed[0]!;

  it('float16 and bfloat16 through their bit patterns: [1, 2] → [1, 3]', () => {
    for (const [dtype, bits] of [
      ['float16', [0x3c00, 0x4000, 0x4200]],
      ['bfloat16', [0x3f80, 0x4000, 0x4040]],
    ] as const) {
      const p = one(dict(dtype, [bits[0], bits[1]], 2), dict(dtype, [bits[0], bits[2]], 2));
      expect([p.maxAbsDiff, p.relL2, p.changedElements]).toEqual([1, 1 / Math.sqrt(5), 1]);
    }
  });

  it('int8, int64 and uint8 as numbers; ||a|| = 0 gives relL2 null; NaN = NaN', () => {
    const i8 = one(
      dict('int8', new Uint8Array(new Int8Array([-128, 5]).buffer)),
      dict('int8', new Uint8Array(new Int8Array([127, 5]).buffer)),
    );
    expect([i8.maxAbsDiff, i8.relL2]).toEqual([255, 255 / Math.sqrt(128 * 128 + 25)]);
    const i64 = (v: bigint) => dict('int64', new Uint8Array(new BigInt64Array([v, 0n]).buffer), 8);
    const p64 = one(i64(2n ** 40n), i64(2n ** 40n + 1n));
    expect([p64.maxAbsDiff, p64.relL2]).toEqual([1, 1 / 2 ** 40]);
    const zero = one(dict('uint8', new Uint8Array([0, 0])), dict('uint8', new Uint8Array([1, 0])));
    expect([zero.maxAbsDiff, zero.relL2]).toEqual([1, null]);
    const f32 = (v: number[]) => dict('float32', new Uint8Array(new Float32Array(v).buffer), 4);
    const nan = one(f32([Number.NaN, 1]), f32([Number.NaN, 2]));
    expect([nan.changedElements, nan.maxAbsDiff, nan.relL2]).toEqual([1, 1, 1]);
    const inf = one(f32([1, 1]), f32([Number.POSITIVE_INFINITY, 1]));
    expect([inf.changedElements, inf.nonFiniteChanges, inf.maxAbsDiff]).toEqual([1, 1, 0]);
  });

  it('identical bytes are unchanged; dtype and shape changes; dtypes without numbers report bytes only', () => {
    const a = dict('uint8', new Uint8Array([1, 2]));
    expect(diffParams(a, dict('uint8', new Uint8Array([1, 2])))).toEqual({ changed: [], unchanged: 1 });
    expect(one(a, dict('int8', new Uint8Array([1, 2]))).change).toBe('dtype');
    expect(one(a, dict('uint8', new Uint8Array([1, 2, 3]))).change).toBe('shape');
    const i4 = one(dict('int4', new Uint8Array([1, 2])), dict('int4', new Uint8Array([1, 3])));
    expect([i4.change, i4.maxAbsDiff, i4.relL2, i4.changedElements]).toEqual(['values', null, null, null]);
  });
});
