/**
 * The header-only params index agrees with decodeParams on every fixture and on broken files
 * (every truncation prefix: tensor-index.system.test.ts).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { indexParamBytes } from '../../../src/core/params/tensor-index.js';
import { decodeParams } from '../../../src/core/params/codec.js';
import { encodeParams, makeParamTensor } from '../../../src/core/params/encode.js';
import { FIXTURES, outcome } from '../../helpers/common.js';
import { smallDict } from '../../helpers/params.js';

function findParams(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? findParams(p) : p.endsWith('.params') ? [p] : [];
  });
}

const files = findParams(FIXTURES);
const synthetic = smallDict();

describe('indexParams (header-only)', () => {
  it('finds fixture .params files', () => expect(files.length).toBeGreaterThan(0));

  for (const file of files) {
    it(`agrees with decodeParams on ${file.slice(FIXTURES.length + 1)}`, async () => {
      const bytes = new Uint8Array(readFileSync(file));
      const dict = decodeParams(bytes);
      const index = await indexParamBytes(bytes);
      expect(index.reserved).toBe(dict.reserved);
      expect(
        index.tensors.map(({ byteLength, ...t }) => ({
          ...t,
          data: bytes.subarray(t.dataOffset, t.dataOffset + byteLength),
        })),
      ).toEqual(dict.tensors.map((t) => ({ ...t })));
    });
  }

  it('gives the same error as decodeParams for trailing bytes and corrupt fields', async () => {
    const cases: Uint8Array[] = [new Uint8Array([...synthetic, 0])];
    for (const at of [0, 8, 16, 30, 40, 60, 70, 80, 90]) {
      const c = synthetic.slice();
      c[at] = (c[at] ?? 0) ^ 0xff;
      cases.push(c);
    }
    for (const c of cases) expect(await outcome(() => indexParamBytes(c))).toBe(await outcome(() => decodeParams(c)));
  });

  it('reads through windows when names and headers span many of them', async () => {
    const tensors = Array.from({ length: 3000 }, (_, i) =>
      makeParamTensor(`param_${'x'.repeat(i % 50)}_${i}`, 'float32', [4], new Uint8Array(16)),
    );
    const bytes = encodeParams({ tensors });
    const reads: number[] = [];
    const { indexParams } = await import('../../../src/core/params/tensor-index.js');
    const index = await indexParams(async (o, n) => (reads.push(n), bytes.subarray(o, o + n)), bytes.byteLength);
    expect(index.tensors.map((t) => t.name)).toEqual(tensors.map((t) => t.name));
    expect(reads.length).toBeGreaterThan(1);
  });
});
