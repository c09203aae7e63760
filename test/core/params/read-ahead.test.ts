import { describe, expect, it } from 'vitest';
import type { RangeRead } from '../../../src/core/params/tensor-index.js';
import { readAhead } from '../../../src/core/params/tensor-index.js';

const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) & 255);
const tick = () => new Promise((r) => setTimeout(r, 2));

/** A reader over `bytes` that counts reads in flight, answering after a timer. */
function counted(data = bytes) {
  const s = { inFlight: 0, most: 0, calls: [] as [number, number][] };
  const read: RangeRead = async (offset, length) => {
    s.calls.push([offset, length]);
    s.most = Math.max(s.most, ++s.inFlight);
    await tick();
    s.inFlight--;
    return data.slice(offset, Math.min(data.length, offset + length));
  };
  return { read, s };
}

async function collect(it: AsyncIterable<Uint8Array>): Promise<number[]> {
  const out: number[] = [];
  for await (const c of it) out.push(...c);
  return out;
}

describe('readAhead', () => {
  it('gives [offset, offset + length) in order, in chunk steps, for every chunk size', async () => {
    for (const chunk of [3, 7, 100, 333, 1000, 4096])
      for (const [offset, length] of [
        [0, 1000],
        [13, 500],
        [999, 1],
        [5, 0],
      ] as const) {
        const { read, s } = counted();
        expect(await collect(readAhead(read, offset, length, chunk))).toEqual([
          ...bytes.subarray(offset, offset + length),
        ]);
        expect(s.calls.every(([o, n], i) => o === offset + i * chunk && n <= chunk)).toBe(true);
        expect(s.most).toBeLessThanOrEqual(1); // one read at a time: the next starts when one ends
      }
  });

  it('reads the next chunk while the caller handles this one', async () => {
    const { read, s } = counted();
    const seen: number[] = [];
    for await (const c of readAhead(read, 0, 400, 100)) {
      await tick();
      await tick();
      seen.push(c.byteLength, s.calls.length);
    }
    // While chunk k is handled, chunk k + 1 has been asked for already.
    expect(seen).toEqual([100, 2, 100, 3, 100, 4, 100, 4]);
  });

  it('stops after a short read (the data ended)', async () => {
    const { read, s } = counted(bytes.subarray(0, 250));
    const chunks: number[] = [];
    for await (const c of readAhead(read, 0, 1000, 100)) chunks.push(c.byteLength);
    expect(chunks).toEqual([100, 100, 50]);
    expect(s.calls.length).toBe(3);
  });

  it('throws a failed read when its chunk is pulled, never as an unhandled rejection', async () => {
    const read: RangeRead = async (offset, length) => {
      if (offset >= 200) throw new Error(`no bytes at ${offset}`);
      return bytes.slice(offset, offset + length);
    };
    const got: number[] = [];
    const run = async () => {
      for await (const c of readAhead(read, 0, 1000, 100)) {
        await tick(); // the read of 200 fails meanwhile; vitest fails the test on unhandled rejections
        got.push(c.byteLength);
      }
    };
    await expect(run()).rejects.toThrow('no bytes at 200');
    expect(got).toEqual([100, 100]);
  });

  it('lets the read in flight end when the caller stops early', async () => {
    const { read, s } = counted();
    for await (const c of readAhead(read, 0, 1000, 100)) {
      expect(c.byteLength).toBe(100);
      break;
    }
    expect(s.inFlight).toBe(0);
  });
});
