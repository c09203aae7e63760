// memberRangeChunks on a small member: one that ends early (it changed while being read) is E011.
// Reading ahead through 20 MiB: range-chunks.system.test.ts.
import { describe, expect, it } from 'vitest';
import { memberRangeChunks } from '../../../src/node/read/range-chunks.js';

const MiB = 1024 * 1024;

describe('memberRangeChunks', () => {
  it('refuses a member that ends early (it changed while being read), with E011', async () => {
    const short = { readInto: async (t: Uint8Array, o: number) => (o >= MiB ? 0 : Math.min(t.byteLength, MiB)) };
    const run = async () => {
      for await (const c of memberRangeChunks(short)(0, 3 * MiB)) void c;
    };
    await expect(run()).rejects.toMatchObject({ code: 'MLF-E011' });
  });
});
