/**
 * A large archive for memory tests: an extracted folder with one float32 param of `mib` MiB,
 * written by bench/lib/big-archive.js (the generator `npm run bench` uses; it needs `npm run
 * build`, as the CLI under test does), packed into a .tar by the CLI.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'vitest';
import { ROOT } from './common.js';

interface BigArchiveModule {
  writeBigArchiveFolder(dir: string, mib: number, seed?: number): { dir: string; paramsPath: string; bytes: number };
}

/** Writes `<dir>/<name>` (folder) and `<dir>/<name>.tar` with `mib` MiB of params from `seed`. */
export async function bigArchive(
  dir: string,
  name: string,
  mib: number,
  seed?: number,
): Promise<{ folder: string; tar: string; paramsPath: string }> {
  const lib = (await import(join(ROOT, 'bench', 'lib', 'big-archive.js'))) as BigArchiveModule;
  const folder = join(dir, name);
  const { paramsPath } = lib.writeBigArchiveFolder(folder, mib, seed);
  const tar = `${folder}.tar`;
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'mlf.js'), 'pack', folder, '-o', tar], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return { folder, tar, paramsPath };
}

/** Runs the CLI under test/helpers/maxrss.mjs: exit status, output, and the process's peak RSS in MB. */
export function measuredMlf(
  args: string[],
  env: Record<string, string> = {},
): { code: number | null; out: string; err: string; rssMb: number } {
  // Through a shell that forks it: a process started straight from this one would inherit the
  // test worker's peak RSS (Linux carries the high-water mark of the forked memory over exec).
  const r = spawnSync(
    'sh',
    ['-c', '"$@"; exit $?', 'sh', process.execPath, join(ROOT, 'test', 'helpers', 'maxrss.mjs'), ...args],
    {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', ...env },
      maxBuffer: 1 << 26,
    },
  );
  const rss = Number(/maxrss (\d+)\s*$/.exec(r.stderr)?.[1] ?? Number.NaN) / 1024;
  return { code: r.status, out: r.stdout, err: r.stderr, rssMb: rss };
}
