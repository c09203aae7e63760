import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decompress } from '../../../src/core/compression/compression.js';
import { packTar } from '../../../src/core/tar/write.js';
import { type Compression, compressionForPath, compressTar } from '../../../src/node/write/compress.js';
import { openArchivePath } from '../../../src/node/read/open.js';
import { writeArchiveFile } from '../../../src/node/write/write-archive.js';
import { packFiles, TVM, TVM_FIXTURES, tarFiles } from '../../helpers/archive.js';
import { codeOf, same, sh } from '../../helpers/common.js';

const work = mkdtempSync(join(tmpdir(), 'mlf-write-archive-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let counter = 0;
const fresh = (name: string): string => join(mkdtempSync(join(work, `${counter++}-`)), name);

/** CLI commands that print the member list / one member of each kind of archive. */
const LIST: Record<Compression, string> = {
  none: 'tar -tf "$1"',
  gzip: 'gzip -dc "$1" | tar -tf -',
  zstd: 'zstd -dc "$1" | tar -tf -',
};
const CAT: Record<Compression, string> = {
  none: 'tar -xOf "$1" "$2"',
  gzip: 'gzip -dc "$1" | tar -xOf - "$2"',
  zstd: 'zstd -dc "$1" | tar -xOf - "$2"',
};
const EXTENSIONS: [string, Compression][] = [
  ['model.tar', 'none'],
  ['model.tgz', 'gzip'],
  ['model.tar.gz', 'gzip'],
  ['model.tar.zst', 'zstd'],
];

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
  for (const fixture of TVM_FIXTURES) {
    it(`round-trips ${fixture} through every container`, async () => {
      const files = tarFiles(join(TVM, fixture, 'model.tar'));
      const tar = packFiles(files);
      for (const [name, kind] of EXTENSIONS) {
        const path = fresh(name);
        await writeArchiveFile(path, tar);
        const written = new Uint8Array(readFileSync(path));
        expect(same(await compressTar(tar, kind), written)).toBe(true); // writing is compressing, nothing more

        const contents = await openArchivePath(path);
        try {
          expect(contents.container).toBe(kind === 'none' ? 'tar' : kind);
          expect([...contents.members.keys()].sort()).toEqual([...files.keys()].sort());
          for (const [p, data] of files) expect(same(await contents.members.get(p)!.read(), data)).toBe(true);
        } finally {
          await contents.close?.();
        }

        const listed = sh(LIST[kind], path)
          .toString()
          .split('\n')
          .filter((l) => l !== '' && !l.endsWith('/'));
        expect(listed.map((l) => l.replace(/^\.\//, '')).sort()).toEqual([...files.keys()].sort());
        const first = [...files.keys()].sort()[0]!;
        expect(same(sh(CAT[kind], path, `./${first}`), files.get(first)!)).toBe(true);

        if (kind !== 'zstd') {
          const py = sh(
            'python3 -c "import json, sys, tarfile; t = tarfile.open(sys.argv[1]); print(json.dumps([m.name for m in t.getmembers() if m.isfile()]))" "$1"',
            path,
          );
          expect((JSON.parse(py.toString()) as string[]).map((n) => n.replace(/^\.\//, '')).sort()).toEqual(
            [...files.keys()].sort(),
          );
        }
      }
    });
  }

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

  it('writes a large tar as several zstd frames that zstd(1) and our reader decode', async () => {
    const MiB = 1 << 20;
    const data = new Uint8Array(40 * MiB);
    for (let pos = 0; pos < data.byteLength; pos += 2 * MiB) data.set(randomBytes(MiB), pos); // random, then zeros
    const tar = packTar([{ path: 'parameters/default.params', type: 'file', data }]);
    const path = fresh('big.tar.zst');
    await writeArchiveFile(path, tar);
    const frames = /^\s*(\d+)\s/m.exec(sh('zstd -l "$1" | sed -n 2p', path).toString());
    expect(Number(frames?.[1])).toBeGreaterThanOrEqual(5);
    expect(same(sh('zstd -dc "$1"', path), tar)).toBe(true);
    const packed = new Uint8Array(readFileSync(path));
    expect(same(await decompress(packed, 'zstd'), tar)).toBe(true);
    expect(packed.byteLength).toBeLessThan(tar.byteLength * 0.6);
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
