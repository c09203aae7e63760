/**
 * Bounded memory, measured: with 200 MiB of params (more than the limit below), each command that
 * once held whole params or archives (params export and import, diff, report, report
 * --embed-archive) stays under LIMIT_MB of peak RSS in its own process. Before they streamed,
 * each peaked at several times the params' size (issue 18: 1.2 GB for import of 300 MB).
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bigArchive, measuredMlf } from '../helpers/big-archive.js';

const MIB = 200;
/** Node and the CLI start at ~50 MB; the params alone are 200 MiB. */
const LIMIT_MB = 150;

const dir = mkdtempSync(join(tmpdir(), 'mlf-memory-'));
let a: Awaited<ReturnType<typeof bigArchive>>;
let b: Awaited<ReturnType<typeof bigArchive>>;
beforeAll(async () => {
  a = await bigArchive(dir, 'a', MIB);
  b = await bigArchive(dir, 'b', MIB, 0x1234567);
}, 300_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe(`${MIB} MiB of params, peak RSS under ${LIMIT_MB} MB`, () => {
  const bounded =
    (args: () => string[], check: () => void = () => undefined) =>
    () => {
      const r = measuredMlf(args());
      expect(r.code, r.err).toBe(0);
      expect(r.rssMb, `peak RSS of mlf ${args().join(' ')}`).toBeLessThan(LIMIT_MB);
      check();
    };

  it(
    'params export -o .npz',
    bounded(
      () => ['params', 'export', a.tar, '-o', join(dir, 'x.npz')],
      () => {
        expect(statSync(join(dir, 'x.npz')).size).toBeGreaterThan(MIB * 2 ** 20);
      },
    ),
    120_000,
  );

  it(
    'params export -o folder',
    bounded(() => ['params', 'export', a.tar, '-o', join(dir, 'x-npy')]),
    120_000,
  );

  it(
    'params import .npz',
    bounded(
      () => ['params', 'import', join(dir, 'x.npz'), '-o', join(dir, 'x.params')],
      () => {
        // Back to the archive's params, byte for byte.
        expect(readFileSync(join(dir, 'x.params')).equals(readFileSync(a.paramsPath))).toBe(true);
      },
    ),
    120_000,
  );

  it(
    'params import folder',
    bounded(() => ['params', 'import', join(dir, 'x-npy'), '-o', join(dir, 'y.params')]),
    120_000,
  );

  it(
    'diff (every value changed)',
    bounded(() => ['diff', a.tar, b.tar, '--json']),
    120_000,
  );

  it(
    'report',
    bounded(() => ['report', a.tar, '-o', join(dir, 'r.html')]),
    120_000,
  );

  it(
    'report --embed-archive',
    bounded(
      () => ['report', a.tar, '-o', join(dir, 'e.html'), '--embed-archive'],
      () => {
        expect(statSync(join(dir, 'e.html')).size).toBeGreaterThan((MIB * 2 ** 20 * 4) / 3);
      },
    ),
    120_000,
  );

  it(
    'report --embed-archive of a folder (packed as it is streamed)',
    bounded(() => ['report', a.folder, '-o', join(dir, 'f.html'), '--embed-archive']),
    120_000,
  );
});
