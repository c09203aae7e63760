/**
 * Atomic writes: `mlf pack` is killed (SIGKILL) at several moments; the destination is always
 * either untouched or complete, never partial.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { TVM } from '../../helpers/archive.js';

const tmp = mkdtempSync(join(tmpdir(), 'mlf-atomic-'));
const folder = join(tmp, 'model');
const env = { ...process.env, SOURCE_DATE_EPOCH: '1700000000' };

function packKilledAfter(ms: number, dest: string, force: boolean): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/mlf.js', 'pack', folder, '-o', dest, ...(force ? ['--force'] : [])], {
      env,
      stdio: 'ignore',
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

describe('mlf pack killed mid-write', () => {
  // A valid model plus 48 MiB of incompressible bytes, so gzip takes a few seconds.
  spawnSync(process.execPath, ['bin/mlf.js', 'unpack', join(TVM, 'graph-cnn/model.tar'), '-o', folder]);
  mkdirSync(join(folder, 'extra'));
  writeFileSync(join(folder, 'extra/blob.bin'), randomBytes(48 * 1024 * 1024));
  const reference = join(tmp, 'reference.tgz');
  spawnSync(process.execPath, ['bin/mlf.js', 'pack', folder, '-o', reference], { env });
  const expected = readFileSync(reference);
  const delays = [30, 150, 400, 800, 1500, 2500, 4000, 60_000];

  it('a new destination is absent or complete', async () => {
    const seen = new Set<string>();
    for (const ms of delays) {
      const dest = join(tmp, `new-${ms}.tgz`);
      await packKilledAfter(ms, dest, false);
      if (!existsSync(dest)) seen.add('absent');
      else {
        expect(readFileSync(dest).equals(expected), `killed after ${ms} ms`).toBe(true);
        seen.add('complete');
      }
    }
    expect([...seen].sort()).toEqual(['absent', 'complete']);
  }, 180_000);

  it('an existing destination replaced with --force is old or new, never partial', async () => {
    const seen = new Set<string>();
    // --force replaces only an archive: the old destination is a (gzip) archive.
    const old = gzipSync(readFileSync(join(TVM, 'aot-mlp/model.tar')));
    for (const ms of delays) {
      const dest = join(tmp, `old-${ms}.tgz`);
      writeFileSync(dest, old);
      await packKilledAfter(ms, dest, true);
      const now = readFileSync(dest);
      if (now.equals(old)) seen.add('old');
      else {
        expect(now.equals(expected), `killed after ${ms} ms`).toBe(true);
        seen.add('new');
      }
    }
    expect([...seen].sort()).toEqual(['new', 'old']);
  }, 180_000);
});
