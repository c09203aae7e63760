/**
 * `validate` on swept and randomly mutated archives (the examples: validate.test.ts): truncated
 * params give E202 (or E201) at every swept length, and no mutation makes the reader throw anything
 * but a diagnostic. The params codec's own sweep: test/core/params/params.system.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { broken, errorCodes, packFiles, TVM, tarFiles, validateBytes } from '../../helpers/archive.js';

const GRAPH = `${TVM}/graph-cnn/model.tar`;
const PARAMS_FILE = 'parameters/default.params';

describe('broken archives give their code', () => {
  // The whole archive path is swept byte by byte over the headers and first tensors, then every 97th length.
  it('truncated params give E202 (or E201 for a cut magic) at every swept length', async () => {
    const files = tarFiles(GRAPH);
    const params = files.get(PARAMS_FILE)!;
    // Every prefix: a byte-level sweep over the whole (21 KiB) params file.
    const seen = new Set<string>();
    for (let n = 0; n < params.byteLength; n += n < 600 ? 1 : 97) {
      files.set(PARAMS_FILE, params.subarray(0, n));
      const codes = errorCodes(await validateBytes(packFiles(files)));
      expect(codes.length).toBeGreaterThan(0);
      for (const c of codes) expect(['MLF-E201', 'MLF-E202']).toContain(c);
      codes.forEach((c) => seen.add(c));
    }
    expect(seen.has('MLF-E202')).toBe(true);
  });

  it('no untyped exception escapes for mutated archives', async () => {
    const base = broken(GRAPH, () => {});
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(base.byteLength - 1), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 8,
        }),
        async (flips) => {
          const bytes = Uint8Array.from(base);
          for (const [i, v] of flips) bytes[i] = v;
          const r = await validateBytes(bytes); // throws only for non-MlfErrors, which fails the property
          expect(typeof r.valid).toBe('boolean');
        },
      ),
      { numRuns: 150, seed: 42 },
    );
  });
});
