/**
 * `mlf check --max-flash/--max-ram`: budgets on the figures `mlf footprint` measures, which needs
 * the host C compiler and arm-none-eabi-gcc (so it is not part of `npm run test:unit`).
 */
import { describe, expect, it } from 'vitest';
import { TVM } from '../../helpers/archive.js';
import { mlf } from '../../helpers/common.js';

const GRAPH = `${TVM}/graph-cnn/model.tar`;

describe('flash and RAM budgets (through mlf footprint)', () => {
  it('--max-flash/--max-ram gate on the figures mlf footprint reports, for the host and a Cortex-M4', () => {
    const env = ['--cc', 'arm-none-eabi-gcc', '--cflags', '-mcpu=cortex-m4 -mthumb -Os'];
    for (const cc of [[], env]) {
      const fp = JSON.parse(mlf('footprint', GRAPH, '--json', ...cc).out).modules[0];
      expect(fp.flash).toBeGreaterThan(0);
      expect(mlf('check', GRAPH, '--max-flash', String(fp.flash), '--max-ram', String(fp.ram), ...cc).code).toBe(0);
      const over = mlf('check', GRAPH, '--max-flash', String(fp.flash - 1), '--format', 'json', ...cc);
      expect(over.code).toBe(1);
      expect(JSON.parse(over.out).results[0]).toMatchObject({
        module: 'default',
        measure: 'flash',
        value: fp.flash,
        ok: false,
      });
    }
  });
});
