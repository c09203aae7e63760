/**
 * The AOT main reader on hostile C of hundreds of thousands of tokens: deep nesting costs no stack,
 * and the tokenizer is linear (the rest: aot.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { parseAotMain } from '../../../src/core/graph/aot-main.js';
import { tokenizeC } from '../../../src/core/graph/aot-lex.js';
import { sourcesOf } from '../../helpers/archive.js';
import { growthRatio } from '../../helpers/growth.js';

describe('hostile C', () => {
  it('deep nesting costs no stack: 200 000 parentheses in the main', () => {
    const deep = `int32_t tvmgen_m___tvm_main__(void* a, void* b) { ${'('.repeat(200_000)}a${')'.repeat(200_000)}; tvmgen_m_f(a, b); }`;
    const m = parseAotMain([{ path: 'x.c', text: deep }], { module: 'm' });
    expect(m.calls.map((c) => c.callee)).toEqual(['tvmgen_m_f']);
  });

  it('the tokenizer is linear: four times the input, about four times the time (also one long line)', () => {
    // Real code first, so the lexer is optimised for it before the hostile shapes come.
    const real = sourcesOf('tvm-0.18/mnist-aot-usmp/model.tar')[0]?.text ?? '';
    tokenizeC(real);
    const unit = 'void* sid_1 = (&(global_workspace_1_var[35712])); /* c */ x = ((a * 28) + b);\n';
    // Four times the input: about four times the time (quadratic would be sixteen).
    expect(growthRatio((s) => tokenizeC(s), unit.repeat(20_000), unit.repeat(80_000))).toBeLessThan(8);
    // One long line of brackets (no newline anywhere).
    const line = (n: number) => `${'('.repeat(n)}a${')'.repeat(n)}`;
    expect(growthRatio((s) => tokenizeC(s), line(200_000), line(800_000))).toBeLessThan(8);
  });
});
