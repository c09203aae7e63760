/**
 * The cases of the malicious-archive corpus marked `big` (16 MiB or more of data, or tens of
 * thousands of entries, keys or records), checked as malicious.test.ts checks the others.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { CASES } from '../helpers/corpus.js';
import { checkCase } from '../helpers/corpus-check.js';

const work = mkdtempSync(join(tmpdir(), 'mlf-malicious-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('malicious corpus (docs/security.md groups 1-17 and MLF-level)', () => {
  for (const c of CASES.filter((x) => x.big)) {
    it(`group ${c.group}: ${c.name} → ${c.code}`, () => checkCase(c, work));
  }
});
