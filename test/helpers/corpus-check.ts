/**
 * Runs one case of the malicious-archive corpus (test/security/malicious*.test.ts): the reader
 * (openArchive + readMlf + validateArchive, via validateContents) gives the documented code;
 * `mlf unpack` (in process) either refuses with a code and leaves the sandbox exactly as it was,
 * or writes only inside the destination; and both finish in bounded time.
 */
import { closeSync, lstatSync, mkdtempSync, openSync, readdirSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { run as runCli } from '../../src/cli/main.js';
import { validateContents } from '../../src/core/archive/validate.js';
import { openArchivePath } from '../../src/node/read/open.js';
import type { Case, Made } from './corpus.js';
import { sandboxParent, snapshot } from './hostile.js';

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

/** Checks case `c` in a fresh sandbox under `work`. */
export async function checkCase(c: Case, work: string): Promise<void> {
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
}
