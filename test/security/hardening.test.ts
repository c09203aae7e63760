/**
 * Regression tests for the hostile-input findings fixed with the trust work (docs/security.md):
 * each once hung, overflowed the stack, ran out of memory or threw an untyped error. Inputs of
 * hundreds of thousands of items and linear-time checks: hardening.system.test.ts.
 */
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type ArchiveContents, loadGraph, readMlf, readText } from '../../src/core/archive/archive.js';
import { parseGraph } from '../../src/core/graph/graph.js';
import { parseMetadata } from '../../src/core/metadata/metadata.js';
import { parseHeaderStruct, parseRelayMain } from '../../src/core/graph/relay.js';
import { openArchivePath, readMlfPath } from '../../src/node/read/open.js';
import { unpackArchive, unsafeUnpackNameReason } from '../../src/node/write/unpack.js';
import { codeOf, mlfError } from '../helpers/common.js';
import { b, GRAPH_TAR, metadataWithSids, mlfEntries, mlfFiles, snapshot } from '../helpers/hostile.js';

const work = mkdtempSync(join(tmpdir(), 'mlf-hardening-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('Relay and header scans are linear (were quadratic regexes: 99 s for a 1.2 MB header)', () => {
  it('still reads comments, tensor types and struct fields', () => {
    const sig = parseRelayMain(
      'def @main(%x /* c */: Tensor[(1, 3), float32], %w: Tensor[(3), int8]) -> Tensor[(1), float32] {',
    );
    expect(sig?.params).toEqual([
      { name: 'x', shape: [1, 3], dtype: 'float32' },
      { name: 'w', shape: [3], dtype: 'int8' },
    ]);
    expect(parseHeaderStruct('struct tvmgen_m_inputs { void* a; void* b; };', 'm', 'inputs')).toEqual(['a', 'b']);
  });
});

describe('JSON bombs', () => {
  it('small files keep the count of further schema problems', () => {
    expect(mlfError(() => parseMetadata(metadataWithSids('[0, 0, 0]'))).message).toMatch(/\(and 2 more\)/);
  });

  it('nesting over maxJsonDepth and values over maxJsonValues give E009 before JSON.parse', () => {
    expect(mlfError(() => parseGraph(`${'['.repeat(65)}${']'.repeat(65)}`)).code).toBe('MLF-E009');
    expect(mlfError(() => parseGraph(`[${'{},'.repeat(100)}{}]`, { limits: { maxJsonValues: 50 } })).code).toBe(
      'MLF-E009',
    );
    expect(
      mlfError(() => parseGraph('{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\""}'))
        .code,
    ).toBe('MLF-E302'); // brackets in strings do not count
  });

  it('more modules than maxModules give E009', () => {
    const text = `{"version":7,"modules":{${Array.from({ length: 3 }, (_, i) => `"m${i}":{}`).join(',')}}}`;
    expect(mlfError(() => parseMetadata(text, { limits: { maxModules: 2 } })).code).toBe('MLF-E009');
  });
});

describe('size checks before decoding text (V8 strings stop at 512 MiB)', () => {
  it('loadGraph and readText refuse members over maxGraphBytes / maxTextBytes with E009', async () => {
    const archive = await readMlfPath(GRAPH_TAR);
    const m = archive.modules[0]!;
    expect(await codeOf(loadGraph(archive, m, { limits: { maxGraphBytes: 100 } }))).toBe('MLF-E009');
    expect(await codeOf(readText(archive, m.files.relay!, { limits: { maxTextBytes: 100 } }))).toBe('MLF-E009');
    await archive.contents.close?.();
  });
});

describe('extracted folders', () => {
  const folder = (): string => {
    const dir = mkdtempSync(join(work, 'folder-'));
    for (const [path, data] of mlfFiles()) {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), data);
    }
    return dir;
  };

  it('applies maxMemberBytes, maxTotalBytes and maxEntries (folders included) like a tar', async () => {
    const dir = folder();
    expect(await codeOf(openArchivePath(dir, { limits: { maxMemberBytes: 1000 } }))).toBe('MLF-E009');
    expect(await codeOf(openArchivePath(dir, { limits: { maxTotalBytes: 1000 } }))).toBe('MLF-E009');
    expect(await codeOf(openArchivePath(dir, { limits: { maxEntries: 6 } }))).toBe('MLF-E009'); // 6 files in 9 folders
  });

  it('a file swapped for a symlink after the walk is not followed (E902, not an untyped ELOOP)', async () => {
    const dir = folder();
    const contents: ArchiveContents = await openArchivePath(dir);
    const target = join(work, 'secret');
    writeFileSync(target, 'secret');
    unlinkSync(join(dir, 'metadata.json'));
    symlinkSync(target, join(dir, 'metadata.json'));
    expect(await codeOf(readMlf(contents))).toBe('MLF-E902');
    unlinkSync(join(dir, 'src', 'default.relay'));
    expect(await codeOf(contents.members.get('src/default.relay')!.read())).toBe('MLF-E902');
  });
});

describe('unpack', () => {
  it('never writes through a symlink already in the destination: a folder holding links is not replaced, even with force', async () => {
    const parent = mkdtempSync(join(work, 'unpack-'));
    const outside = mkdtempSync(join(work, 'outside-'));
    writeFileSync(join(outside, 'default.relay'), 'precious');
    const dest = join(parent, 'out');
    mkdirSync(dest);
    symlinkSync(outside, join(dest, 'src')); // an attacker's link where the archive writes src/default.relay
    symlinkSync(join(outside, 'metadata.json'), join(dest, 'metadata.json')); // and a dangling one
    const input = join(work, 'model.tar');
    writeFileSync(input, b.tar(mlfEntries()));
    const before = snapshot(outside);
    const destBefore = snapshot(dest);
    // --force replaces only a folder of plain files mlf writes (src/node/write/destination.ts): links are foreign.
    await expect(unpackArchive(input, dest, { force: true })).rejects.toMatchObject({ code: 'MLF-E904' });
    expect(snapshot(outside)).toEqual(before);
    expect(readFileSync(join(outside, 'default.relay'), 'utf8')).toBe('precious');
    expect(snapshot(dest)).toEqual(destBefore);
    expect(readdirSync(parent)).toEqual(['out']); // no temporary folder left behind
  });

  it('names no file system holds are refused before anything is created', () => {
    expect(unsafeUnpackNameReason(`a/${'n'.repeat(256)}`, false)).toMatch(/255 bytes/);
    expect(unsafeUnpackNameReason(`a/${'é'.repeat(127)}`, false)).toBeUndefined(); // 254 bytes
    for (const name of ['CON', 'nul.txt', 'a/COM1.c', 'LPT9', 'a:b', 'x?', 'dot.', 'space '])
      expect(unsafeUnpackNameReason(name, true), name).toBeDefined();
    for (const name of ['console.c', 'a/b.c', 'src/default.relay', 'nul_lib0.c'])
      expect(unsafeUnpackNameReason(name, true), name).toBeUndefined();
    expect(unsafeUnpackNameReason('CON', false)).toBeUndefined();
  });
});
