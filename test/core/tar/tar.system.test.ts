/**
 * The tar reader's coverage loops (the examples: tar.test.ts): every truncation of a small archive,
 * random byte flips of a fixture and arbitrary headers never throw anything but MlfError.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MlfError } from '../../../src/core/errors/errors.js';
import { bytesSource } from '../../../src/core/common/source.js';
import { normalizeMemberPath, readTarIndex, readTarIndexSync } from '../../../src/core/tar/read.js';
import { packTar } from '../../../src/core/tar/write.js';
import { fixtureTarPaths } from '../../helpers/archive.js';
import * as b from '../../helpers/tar-builder.js';

const fixtureTars = fixtureTarPaths();

describe('robustness', () => {
  const small = packTar([
    { path: 'dir', type: 'directory' },
    { path: `dir/${'long'.repeat(30)}.c`, type: 'file', data: new Uint8Array(700).fill(65) },
    { path: 'm.json', type: 'file', data: new TextEncoder().encode('{}') },
  ]);

  it('every truncation of a small archive reads with W001 or throws E002/E001', async () => {
    const seen = new Set<string>();
    for (let n = 0; n <= small.byteLength; n++) {
      const prefix = small.subarray(0, n);
      let outcome: string;
      try {
        const index = readTarIndexSync(prefix);
        outcome = index.endMarker ? 'end' : index.warnings.map((w) => w.code).join();
        if (!index.endMarker) expect(outcome).toBe('MLF-W001');
      } catch (e) {
        if (!(e instanceof MlfError)) throw e;
        outcome = e.code;
        expect(n === 0 ? ['MLF-E010'] : ['MLF-E002', 'MLF-E001']).toContain(e.code);
      }
      if (n % 97 === 0)
        await expect(
          readTarIndex(bytesSource(prefix)).then(
            () => 'ok',
            (e: MlfError) => e.code,
          ),
        ).resolves.toBeTypeOf('string');
      seen.add(outcome);
    }
    expect([...seen].sort()).toEqual(['MLF-E002', 'MLF-E010', 'MLF-W001', 'end']);
  });

  const fixture = new Uint8Array(readFileSync(fixtureTars.find((p) => p.includes('operator-add-i8'))!));
  const headerOffsets = (() => {
    const offs: number[] = [];
    for (let o = 0; o < fixture.byteLength; o += 512) if (fixture[o + 257] === 0x75) offs.push(o);
    return offs;
  })();

  const checkOutcome = (bytes: Uint8Array): void => {
    try {
      const index = readTarIndexSync(bytes);
      for (const e of index.entries) {
        expect(e.dataOffset + e.size).toBeLessThanOrEqual(bytes.byteLength);
        expect(normalizeMemberPath(e.path)).toBe(e.path);
      }
    } catch (e) {
      if (!(e instanceof MlfError)) throw e;
      expect(e.message).toMatch(/^tar: /);
    }
  };

  it('random byte flips of a fixture never throw anything but MlfError', () => {
    const flip = fc.record({
      header: fc.constantFrom(...headerOffsets),
      at: fc.integer({ min: 0, max: 1023 }),
      value: fc.integer({ min: 0, max: 255 }),
    });
    fc.assert(
      fc.property(fc.array(flip, { minLength: 1, maxLength: 8 }), fc.boolean(), (flips, fix) => {
        const bytes = fixture.slice();
        for (const f of flips) bytes[Math.min(f.header + f.at, bytes.length - 1)] = f.value;
        // Re-sealing the checksums lets mutations reach the field parsers instead of stopping at E001.
        if (fix) for (const o of headerOffsets) b.fixChecksum(bytes, o);
        checkOutcome(bytes);
      }),
      { numRuns: 3000 },
    );
  });

  it('arbitrary bytes and arbitrary valid-checksum headers never throw anything but MlfError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 3000 }), (bytes) => checkOutcome(bytes)),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 512, maxLength: 512 }), { minLength: 1, maxLength: 4 }),
        (blocks) => {
          for (const h of blocks) b.fixChecksum(h);
          checkOutcome(b.concat(...blocks, b.zeroBlocks(2)));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
