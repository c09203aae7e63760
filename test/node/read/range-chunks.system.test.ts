// memberRangeChunks reads ahead through a 20 MiB member: a chunk stays unchanged until the next
// is pulled, and a consumer that stops early lets the read in flight end (a member that ends early:
// range-chunks.test.ts).
import { describe, expect, it } from 'vitest';
import { memberRangeChunks } from '../../../src/node/read/range-chunks.js';

const MiB = 1024 * 1024;
/** Bytes without a period (xorshift32), so a chunk read into the wrong buffer shows. */
const data = new Uint8Array(20 * MiB + 12345);
for (let i = 0, x = 2463534242; i < data.byteLength; i++) {
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  data[i] = x & 255;
}
const tick = () => new Promise((r) => setTimeout(r, 5));

/** A member read with `readInto` after a timer, counting reads in flight. */
function member() {
  const s = { inFlight: 0, most: 0 };
  return {
    s,
    readInto: async (target: Uint8Array, offset: number) => {
      s.most = Math.max(s.most, ++s.inFlight);
      await tick();
      const n = Math.min(target.byteLength, data.byteLength - offset);
      target.set(data.subarray(offset, offset + n));
      s.inFlight--;
      return n;
    },
  };
}

describe('memberRangeChunks', () => {
  it('keeps a chunk unchanged until the next is pulled, while the next is read ahead', async () => {
    for (const [offset, length] of [
      [0, data.byteLength],
      [777, 9 * MiB],
      [5, 100],
    ] as const) {
      const m = member();
      let at = offset;
      for await (const c of memberRangeChunks(m)(offset, length)) {
        await tick();
        await tick(); // the read ahead lands meanwhile: it must not be in this chunk's buffer
        expect(Buffer.from(c).equals(data.subarray(at, at + c.byteLength))).toBe(true);
        at += c.byteLength;
      }
      expect(at).toBe(offset + length);
      expect(m.s.most).toBe(1);
    }
  });

  it('lets the read in flight end when the consumer stops early', async () => {
    const m = member();
    for await (const c of memberRangeChunks(m)(0, data.byteLength)) {
      expect(c.byteLength).toBe(8 * MiB);
      break;
    }
    expect(m.s.inFlight).toBe(0);
  });
});
