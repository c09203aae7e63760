/**
 * Every byte flip of a signed archive's members is detected: all of them in a small archive, a
 * sample in a large real one, embedded and detached (the rest: signing.test.ts).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SIGNATURE_MEMBER } from '../../../src/core/metadata/layout.js';
import { signArchive, verifyArchive } from '../../../src/node/trust/sign.js';
import { packFiles } from '../../helpers/archive.js';
import { FIXTURES } from '../../helpers/common.js';
import { dataRanges, signingScratch, SMALL } from '../../helpers/signed.js';

const { path, key, signedCopy, verifyFlipped } = signingScratch('mlf-signing-system-');
const LARGE = join(FIXTURES, 'wild/guberti-arduino-ic-v2-graph-linkparams/output.tar');

describe('byte flips are detected', () => {
  it('every byte of every member of a small signed archive (100%)', async () => {
    const file = await signedCopy(packFiles(SMALL));
    expect((await verifyArchive(file, { publicKey: `${key}.pub` })).valid).toBe(true);
    let flips = 0;
    for (const [member, start, end] of dataRanges(file)) {
      for (let at = start; at < end; at++) {
        const verdict = await verifyFlipped(file, at);
        // A member's flip is named; a flip inside the signature itself breaks the signature or its format.
        if (member === SIGNATURE_MEMBER) expect(['MLF-E602', 'MLF-E605']).toContain(verdict);
        else expect(verdict).toBe(`E603 ${member}`);
        flips++;
      }
    }
    expect(flips).toBeGreaterThan(100 + 400); // three members and the signature
  });

  it('sampled bytes of a large real archive, embedded and detached', async () => {
    const embedded = await signedCopy(new Uint8Array(readFileSync(LARGE)), 'large.tar');
    const ranges = dataRanges(embedded).filter(([m]) => m !== SIGNATURE_MEMBER);
    const total = ranges.reduce((s, [, a, b]) => s + b - a, 0);
    expect(total).toBeGreaterThan(500_000);
    let seed = 42;
    const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    for (let i = 0; i < 60; i++) {
      const [member, start, end] = ranges[Math.floor(rand() * ranges.length)]!;
      expect(await verifyFlipped(embedded, start + Math.floor(rand() * (end - start)))).toBe(`E603 ${member}`);
    }
    const plain = path('large.tar');
    writeFileSync(plain, readFileSync(LARGE));
    const sig = (await signArchive(plain, { key, detached: true })).output;
    expect(sig).toBe(`${plain}.sig`);
    for (let i = 0; i < 20; i++) {
      const [member, start, end] = ranges[Math.floor(rand() * ranges.length)]!;
      const offset = dataRanges(plain).find(([m]) => m === member)![1] - start;
      expect(await verifyFlipped(plain, offset + start + Math.floor(rand() * (end - start)), { signature: sig })).toBe(
        `E603 ${member}`,
      );
    }
  });
});
