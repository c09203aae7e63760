/**
 * Whole-archive writes in process: the container follows the extension, compressTar is
 * reproducible, and writeArchiveFile writes the same bytes twice, refuses what it must. Every
 * fixture through every container read back by tar, gzip, zstd and Python, and a 40 MiB tar:
 * write-archive.system.test.ts.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decompress } from '../../../src/core/compression/compression.js';
import { compressionForPath, compressTar } from '../../../src/node/write/compress.js';
import { writeArchiveFile } from '../../../src/node/write/write-archive.js';
import { packFiles, TVM, tarFiles } from '../../helpers/archive.js';
import { codeOf, same } from '../../helpers/common.js';
import { compressScratch, EXTENSIONS } from '../../helpers/compress-stream.js';

const { fresh } = compressScratch('mlf-write-archive-');

describe('compressionForPath', () => {
  it('maps the archive extensions and refuses others with E901', () => {
    expect(compressionForPath('a/m.tar')).toBe('none');
    expect(compressionForPath('m.tar.gz')).toBe('gzip');
    expect(compressionForPath('M.TGZ')).toBe('gzip');
    expect(compressionForPath('m.tar.zst')).toBe('zstd');
    expect(compressionForPath('m.tzst')).toBe('zstd');
    for (const bad of ['m.zip', 'm.gz', 'm.zst', 'model', 'm.tar.bz2']) {
      expect(() => compressionForPath(bad)).toThrow(
        expect.objectContaining({ code: 'MLF-E901', message: expect.stringContaining('.tar.zst') }),
      );
    }
  });
});

describe('compressTar', () => {
  const tar = readFileSync(join(TVM, 'graph-cnn/model.tar'));

  it('is reproducible: same input, same bytes', async () => {
    for (const kind of ['gzip', 'zstd'] as const) {
      const a = await compressTar(tar, kind);
      const b = await compressTar(new Uint8Array(tar), kind);
      expect(same(a, b)).toBe(true);
      expect(same(await decompress(a, kind), tar)).toBe(true);
    }
    expect(await compressTar(tar, 'none')).toBe(tar);
  });

  it('writes a gzip header without timestamp and with OS byte 255', async () => {
    for (const level of [1, 6, 9]) {
      const gz = await compressTar(tar, 'gzip', { level });
      expect([...gz.subarray(0, 4)]).toEqual([0x1f, 0x8b, 8, 0]);
      expect([...gz.subarray(4, 8)]).toEqual([0, 0, 0, 0]);
      expect(gz[9]).toBe(0xff);
    }
  });

  it('refuses levels out of range with E901', async () => {
    expect(await codeOf(compressTar(tar, 'gzip', { level: 10 }))).toBe('MLF-E901');
    expect(await codeOf(compressTar(tar, 'zstd', { level: 0 }))).toBe('MLF-E901');
    expect(await codeOf(compressTar(tar, 'zstd', { level: 2.5 }))).toBe('MLF-E901');
  });

  it('compresses an empty input to something that decodes to nothing', async () => {
    for (const kind of ['gzip', 'zstd'] as const)
      expect((await decompress(await compressTar(new Uint8Array(0), kind), kind)).byteLength).toBe(0);
  });
});

describe('writeArchiveFile', () => {
  it('writes the same bytes twice', async () => {
    const tar = packFiles(tarFiles(join(TVM, 'multi-graph/model.tar')));
    for (const [name] of EXTENSIONS) {
      const a = fresh(name);
      const b = fresh(name);
      await writeArchiveFile(a, tar);
      await writeArchiveFile(b, tar);
      expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
    }
  });

  it('refuses an existing destination with E904 unless forced', async () => {
    const tar = packFiles(tarFiles(join(TVM, 'aot-mlp/model.tar')));
    for (const [name] of EXTENSIONS) {
      const path = fresh(name);
      writeFileSync(path, 'keep me');
      expect(await codeOf(writeArchiveFile(path, tar))).toBe('MLF-E904');
      expect(readFileSync(path, 'utf8')).toBe('keep me');
      // --force replaces an archive, never another kind of file.
      expect(await codeOf(writeArchiveFile(path, tar, { force: true }))).toBe('MLF-E904');
      expect(readFileSync(path, 'utf8')).toBe('keep me');
      writeFileSync(path, tar.subarray(0, 512));
      await writeArchiveFile(path, tar, { force: true });
      expect(readFileSync(path).byteLength).toBeGreaterThan(100);
    }
  });

  it('takes an explicit compression, but not one that contradicts the extension', async () => {
    const tar = packFiles(tarFiles(join(TVM, 'aot-mlp/model.tar')));
    const path = fresh('model.bin');
    expect(await codeOf(writeArchiveFile(path, tar))).toBe('MLF-E901');
    await writeArchiveFile(path, tar, { compression: 'zstd' });
    expect(same(await decompress(new Uint8Array(readFileSync(path)), 'zstd'), tar)).toBe(true);
    expect(await codeOf(writeArchiveFile(fresh('model.tgz'), tar, { compression: 'none' }))).toBe('MLF-E901');
  });
});
