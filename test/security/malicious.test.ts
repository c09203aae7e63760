/**
 * The malicious-archive corpus: every case group of docs/security.md, "The malicious-archive corpus" (1-17) plus MLF-level
 * attacks, built here from code. For each case the reader (openArchive + readMlf + validateArchive,
 * via validateContents) gives the documented code; `mlf unpack` either refuses with a code and
 * leaves the sandbox exactly as it was, or writes only inside the destination; and both finish
 * in bounded time (test/helpers/corpus-check.ts). The cases marked `big` (16 MiB or more, tens of
 * thousands of items): malicious.system.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CASES } from '../helpers/corpus.js';
import { checkCase } from '../helpers/corpus-check.js';

const work = mkdtempSync(join(tmpdir(), 'mlf-malicious-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('malicious corpus (docs/security.md groups 1-17 and MLF-level)', () => {
  it('covers every group with at least 60 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(60);
    expect(new Set(CASES.map((c) => c.group))).toEqual(new Set(Array.from({ length: 17 }, (_, i) => i + 1)));
  });

  for (const c of CASES.filter((x) => !x.big)) {
    it(`group ${c.group}: ${c.name} → ${c.code}`, () => checkCase(c, work));
  }
});
