/**
 * The build cache verifies before it trusts (issue 13, item 11): a binary planted in a cache
 * entry is never run, an entry whose files differ from their record or from what would be built
 * is rebuilt, and a cache that other users could write into is refused (E521).
 */
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TVM } from '../../helpers/archive.js';
import { cli, tempDir } from '../../helpers/runner.js';

const tmp = tempDir('mlf-cache-test-');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const GRAPH = `${TVM}/graph-cnn/model.tar`;
const root = process.getuid?.() === 0;

function run(cache: string, ...extra: string[]) {
  const out = join(tmp, `out-${Math.random().toString(36).slice(2)}`);
  return cli(cache)('run', GRAPH, '--random-inputs', '1', '--output-dir', out, '--json', ...extra);
}

/** The one build folder of graph-cnn in a cache. */
function entryOf(cache: string): string {
  const [digest] = readdirSync(cache);
  const [entry] = readdirSync(join(cache, digest as string)).filter((n) => !n.endsWith('.tmp'));
  return join(cache, digest as string, entry as string);
}

const PLANT = `#!/bin/sh\ntouch "${tmp}/PWNED"\necho '{"ns":[1],"workspace_bytes":0,"workspace_peak":0}'\n`;

describe('a cached build is used only when it is what we built', () => {
  const cache = join(tmp, 'cache');
  mkdirSync(cache, { mode: 0o700 });

  it('first run builds, second reuses', () => {
    expect(JSON.parse(run(cache).out).build.cached).toBe(false);
    expect(JSON.parse(run(cache).out).build.cached).toBe(true);
  });

  it('a binary planted in the entry is never run: the entry is rebuilt, with a note', () => {
    const binary = join(entryOf(cache), 'build', 'mlf_model');
    writeFileSync(binary, PLANT, { mode: 0o755 });
    const r = run(cache);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.build.cached).toBe(false);
    expect(j.notes).toEqual([expect.stringMatching(/was rebuilt: build\/mlf_model changed after it was built/)]);
    expect(existsSync(join(tmp, 'PWNED'))).toBe(false);
    expect(JSON.parse(run(cache).out).build.cached).toBe(true);
  });

  it('a source that is not what we would build (record forged to match) is rebuilt', () => {
    const entry = entryOf(cache);
    const plan = join(entry, 'model_plan.c');
    writeFileSync(plan, 'int tampered;\n');
    const stampPath = join(entry, '.mlf-complete');
    // A forged record matching the tampered file: still not what this archive gives.
    const stamp = JSON.parse(readFileSync(stampPath, 'utf8'));
    stamp.files['model_plan.c'] = createHash('sha256').update('int tampered;\n').digest('hex');
    writeFileSync(stampPath, JSON.stringify(stamp));
    const j = JSON.parse(run(cache).out);
    expect(j.build.cached).toBe(false);
    expect(j.notes).toEqual([expect.stringMatching(/model_plan\.c is not the file we would build from/)]);
  });

  it('an extra file in the entry, or a missing one, is a mismatch too', () => {
    writeFileSync(join(entryOf(cache), 'build', 'extra.so'), 'x');
    expect(JSON.parse(run(cache).out).notes).toEqual([
      expect.stringMatching(/build\/extra\.so changed after it was built/),
    ]);
    rmSync(join(entryOf(cache), 'main.c'));
    expect(JSON.parse(run(cache).out).notes).toEqual([expect.stringMatching(/main\.c is missing/)]);
  });

  it('an entry left by an older mlf (empty stamp) is rebuilt', () => {
    writeFileSync(join(entryOf(cache), '.mlf-complete'), '');
    expect(JSON.parse(run(cache).out).notes).toEqual([expect.stringMatching(/record is missing or unreadable/)]);
  });
});

describe('a cache others could write into is refused (E521)', () => {
  const refused = (cache: string, pattern: RegExp) => {
    const r = run(cache);
    expect(r.code).toBe(1);
    const { error } = JSON.parse(r.out); // --json: the error is JSON on stdout
    expect(error.code).toBe('MLF-E521');
    expect(error.message).toMatch(pattern);
  };

  it('a cache folder writable by others', () => {
    const cache = join(tmp, 'open');
    mkdirSync(cache);
    chmodSync(cache, 0o777);
    refused(cache, /writable by its group \(mode 777\)/);
  });

  it('a folder above the cache that others can change (no sticky bit)', () => {
    const shared = join(tmp, 'shared');
    mkdirSync(shared);
    chmodSync(shared, 0o777);
    refused(join(shared, 'cache'), /above the cache folder .* can be changed by other users/);
  });

  it.runIf(root)('a cache folder, or an entry in it, that belongs to another user', () => {
    const cache = join(tmp, 'theirs');
    mkdirSync(cache, { mode: 0o700 });
    chownSync(cache, 65534, 65534);
    refused(cache, /belongs to user 65534/);
    const mine = join(tmp, 'mine');
    mkdirSync(mine, { mode: 0o700 });
    expect(run(mine).code).toBe(0);
    chownSync(join(entryOf(mine), 'build', 'mlf_model'), 65534, 65534);
    refused(mine, /mlf_model belongs to user 65534/);
  });

  it('a file in an entry made writable by others', () => {
    const cache = join(tmp, 'writable-entry');
    mkdirSync(cache, { mode: 0o700 });
    expect(run(cache).code).toBe(0);
    chmodSync(join(entryOf(cache), 'build', 'mlf_model'), 0o777);
    refused(cache, /mlf_model is writable by/);
    expect(existsSync(join(tmp, 'PWNED'))).toBe(false);
  });
});
