/**
 * The Relay reader on hostile text of hundreds of thousands of items: deep nesting is an error, not a
 * stack overflow, and the work is linear in the text (the rest: relay-infer.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { analyzeRelay } from '../../../src/core/graph/relay-graph.js';
import { growthRatio } from '../../helpers/growth.js';
import { relayCode as code, T } from '../../helpers/relay.js';

describe('hostile Relay text', () => {
  it('deep nesting is an error, not a stack overflow', () => {
    const deep = `def @main(%x: Tensor[(1), float32]) { ${'nn.relu('.repeat(100_000)}%x${')'.repeat(100_000)} }`;
    expect(code(deep)).toMatch(/^MLF-E311@/);
    const list = `def @main(%x: Tensor[(1), float32]) { reshape(%x, newshape=${'['.repeat(100_000)}${']'.repeat(100_000)}) }`;
    expect(code(list)).toMatch(/^MLF-E311@/);
  });

  it('work is linear in the text: four times the statements, about four times the time', () => {
    const program = (n: number) => {
      const lines = [`def @main(%x: ${T('1, 8')}) {`, '  %0 = nn.relu(%x);'];
      for (let i = 1; i < n; i++) lines.push(`  %${i} = add(%${i - 1}, %x) /* ty=Tensor[(1, 8), float32] */;`);
      lines.push(`  %${n - 1}`, '}');
      return lines.join('\n');
    };
    const ratio = growthRatio((text) => analyzeRelay(text), program(10_000), program(40_000));
    expect(ratio).toBeLessThan(8);
  });
});
