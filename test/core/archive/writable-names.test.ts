/**
 * Writers never produce what our reader refuses (issue 20): module names unsafe or equal after case
 * folding are refused when packages are assembled, and member names that collide after case folding
 * or have a segment over 255 bytes when a canonical tar is planned; the same names the reader
 * (readTarIndexSync) refuses, checked here against it.
 */
import { describe, expect, it } from 'vitest';
import { packCanonical, planCanonical } from '../../../src/core/archive/canonical.js';
import { assembleV6, assembleV7, readModulePackages, renamePackage } from '../../../src/core/archive/packages.js';
import { readTarIndexSync } from '../../../src/core/tar/read.js';
import { packTar } from '../../../src/core/tar/write.js';
import { readMlfPath } from '../../../src/node/read/open.js';
import { TVM } from '../../helpers/archive.js';
import { mlfError } from '../../helpers/common.js';

const plan = (...paths: string[]) => planCanonical(paths.map((path) => ({ path, size: 1 })));

describe('planCanonical refuses names the reader or unpack would refuse', () => {
  it.each<[string, string[], string]>([
    ['Metadata.json beside metadata.json', ['Metadata.json', 'metadata.json'], 'MLF-E006'],
    ['folders A/ and a/ (only their folder entries collide)', ['A/x.c', 'a/y.c'], 'MLF-E006'],
    ['straße.c beside strasse.c', ['src/straße.c', 'src/strasse.c'], 'MLF-E006'],
    ['a 256-byte name segment', [`src/${'x'.repeat(256)}`], 'MLF-E005'],
    ['a 256-byte folder name', [`${'é'.repeat(128)}/a.c`], 'MLF-E005'],
  ])('%s', (_name, paths, code) => {
    const e = mlfError(() => plan(...paths));
    expect([e.code, e.message]).toEqual([code, expect.stringMatching(/^pack: cannot write/)]);
    // The reader refuses the same names (checked on a tar written without the writer's check).
    if (code === 'MLF-E006') {
      // Entries as planCanonical lays them out: each folder first, then the file.
      const entries = paths.flatMap((path) => [
        ...(path.includes('/')
          ? [{ path: `${path.slice(0, path.lastIndexOf('/'))}/`, type: 'directory' as const }]
          : []),
        { path, type: 'file' as const, data: new Uint8Array(1) },
      ]);
      const unique = entries.filter((e, i) => entries.findIndex((f) => f.path === e.path) === i);
      expect(mlfError(() => readTarIndexSync(packTar(unique))).code).toBe('MLF-E006');
    }
  });

  it('accepts 255-byte segments and names that differ by more than case', () => {
    const tar = packCanonical(
      new Map([
        [`src/${'x'.repeat(255)}`, new Uint8Array(1)],
        ['src/a.c', new Uint8Array(1)],
        ['src/b.c', new Uint8Array(1)],
      ]),
    );
    expect(readTarIndexSync(tar).entries.filter((e) => e.type === 'file').length).toBe(3);
  });
});

describe('assembling packages refuses module names the reader refuses', async () => {
  const archive = await readMlfPath(`${TVM}/aot-mlp/model.tar`);
  const [p] = await readModulePackages(archive);
  await archive.contents.close?.();
  if (p === undefined) throw new Error('no package');

  it.each<[string, string, string]>([
    ['DEFAULT beside default (case folding)', 'DEFAULT', 'MLF-E411'],
    ['ＤＥＦＡＵＬＴ beside default (NFKC)', '\uff24\uff25\uff26\uff21\uff35\uff2c\uff34', 'MLF-E411'],
    ['default twice', 'default', 'MLF-E411'],
    ['../x', '../x', 'MLF-E105'],
    ['a/b', 'a/b', 'MLF-E105'],
  ])('%s', (_name, renamed, code) => {
    expect(mlfError(() => assembleV7([p, renamePackage(p, renamed)])).code).toBe(code);
  });

  it('v6: an unsafe name is refused too; distinct names pass', () => {
    expect(mlfError(() => assembleV6(renamePackage(p, 'C:x'))).code).toBe('MLF-E105');
    const files = assembleV7([p, renamePackage(p, 'second')]).files;
    expect(['parameters/second.params', 'src/second.relay'].map((f) => files.has(f))).toEqual([true, true]);
  });
});
