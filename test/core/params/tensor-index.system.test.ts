/**
 * The header-only params index gives decodeParams' error for every truncation prefix (the rest:
 * tensor-index.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { indexParamBytes } from '../../../src/core/params/tensor-index.js';
import { decodeParams } from '../../../src/core/params/codec.js';
import { outcome } from '../../helpers/common.js';
import { smallDict } from '../../helpers/params.js';

const synthetic = smallDict();

describe('indexParams (header-only)', () => {
  it('gives the same error as decodeParams for every truncation prefix', async () => {
    for (let n = 0; n < synthetic.byteLength; n++) {
      const prefix = synthetic.subarray(0, n);
      expect(await outcome(() => indexParamBytes(prefix))).toBe(await outcome(() => decodeParams(prefix)));
    }
  });
});
