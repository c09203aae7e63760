/**
 * The malicious-archive corpus: every case group of docs/security.md, "The malicious-archive corpus" (1-17) plus MLF-level
 * attacks, built here from code. For each case the reader (openArchive + readMlf + validateArchive,
 * via validateContents) gives the documented code; `mlf unpack` either refuses with a code and
 * leaves the sandbox exactly as it was, or writes only inside the destination; and both finish
 * in bounded time.
 */
import { closeSync, lstatSync, mkdtempSync, openSync, readdirSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run as runCli } from '../../src/cli/main.js';
import { validateContents } from '../../src/core/archive/validate.js';
import { openArchivePath } from '../../src/node/read/open.js';
import { CASES, type Made } from '../helpers/corpus.js';
import { sandboxParent, snapshot } from '../helpers/hostile.js';

const work = mkdtempSync(join(tmpdir(), 'mlf-malicious-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function writeCase(path: string, made: Made): void {
  if (made instanceof Uint8Array) return writeFileSync(path, made);
  const fd = openSync(path, 'w');
  try {
    for (const [at, data] of made.blocks) writeSync(fd, data, 0, data.byteLength, at);
    writeSync(fd, new Uint8Array(1), 0, 1, made.size - 1);
  } finally {
    closeSync(fd);
  }
}

async function cli(...argv: string[]): Promise<{ code: number; err: string }> {
  let err = '';
  const code = await runCli(argv, { out: () => undefined, err: (t) => void (err += t) });
  return { code, err };
}

/** Per-case time bound (ms) for reading and for unpacking. */
const BOUND_MS = 10_000;

describe('malicious corpus (docs/security.md groups 1-17 and MLF-level)', () => {
  it('covers every group with at least 60 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(60);
    expect(new Set(CASES.map((c) => c.group))).toEqual(new Set(Array.from({ length: 17 }, (_, i) => i + 1)));
  });

  for (const c of CASES) {
    it(`group ${c.group}: ${c.name} → ${c.code}`, async () => {
      const parent = sandboxParent(work);
      const input = join(mkdtempSync(join(work, 'in-')), `evil${c.ext ?? '.tar'}`);
      writeCase(input, c.make());
      const dest = join(parent, 'out');

      let t = performance.now();
      const opts = c.limits === undefined ? {} : { limits: c.limits };
      let contents: Awaited<ReturnType<typeof openArchivePath>> | undefined;
      const report = await validateContents(async () => (contents = await openArchivePath(input, opts)), opts);
      await contents?.close?.();
      const readMs = performance.now() - t;
      const codes = report.diagnostics.map((d) => d.code);
      if (c.code === 'valid') expect(report.errors, codes.join()).toBe(0);
      else if (c.code.startsWith('MLF-W'))
        expect([report.errors, codes.includes(c.code as (typeof codes)[number])], codes.join()).toEqual([0, true]);
      else expect(report.diagnostics.find((d) => d.severity === 'error')?.code, codes.join()).toBe(c.code);

      const expected =
        c.unpack !== undefined
          ? c.unpack
          : c.limits === undefined && c.group <= 13 && c.code.startsWith('MLF-E')
            ? c.code
            : null;
      const before = snapshot(parent, expected === null ? 'out' : undefined);
      t = performance.now();
      const r = await cli('unpack', input, '-o', dest);
      const unpackMs = performance.now() - t;
      if (expected === null) {
        expect([r.code, r.err]).toEqual([0, expect.stringContaining('unpacked')]);
        expect(snapshot(parent, 'out')).toEqual(before); // nothing outside the destination changed
        for (const line of snapshot(dest)) expect(line).toMatch(/^\S+ (file 100644|dir 40755) /); // no links, fixed modes
      } else {
        expect(r.code).toBe(1);
        expect(r.err).toContain(expected);
        expect(r.err).not.toMatch(/\n\s+at .+:\d+:\d+/);
        expect(snapshot(parent)).toEqual(before); // not even a temporary folder was made
        expect(() => lstatSync(dest)).toThrow();
      }
      expect(readdirSync(parent).filter((n) => n.startsWith('.'))).toEqual([]);
      if (process.env.MLF_CORPUS_TIMES)
        console.log(`${c.name}: read ${readMs.toFixed(0)} ms, unpack ${unpackMs.toFixed(0)} ms`);
      // Bounded time, not a benchmark: about 1 s at most on an idle 2-core machine; the bound leaves
      // room for a CI machine loaded by other work while still catching hangs and blow-ups.
      expect(readMs).toBeLessThan(BOUND_MS);
      expect(unpackMs).toBeLessThan(BOUND_MS);
    });
  }
});
