// The layered layout is iterative: a 50k-node chain with skips does not overflow the stack (the
// viewer's other pure parts: viewer-unit.test.ts).
import { describe, expect, it } from 'vitest';
import { layeredLayout } from '../../src/core/graph/layered-layout.js';
import { edgeArrays as edges } from '../helpers/graphs.js';

describe('layered layout', () => {
  it('lays out a 50k-node chain with skips and leaves without recursion, quickly', () => {
    const pairs: [number, number][] = [];
    for (let v = 1; v < 50_000; v++) {
      pairs.push([v - 1, v]);
      if (v % 5 === 0 && v > 4) pairs.push([v - 4, v]);
    }
    const [from, to] = edges(pairs);
    const t0 = performance.now();
    const r = layeredLayout(50_000, from, to);
    expect(performance.now() - t0).toBeLessThan(5_000);
    expect(r.layers).toBe(50_000);
    expect(Number.isFinite(r.x[49_999]!)).toBe(true);
  });
});
