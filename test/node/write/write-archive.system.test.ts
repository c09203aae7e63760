/**
 * Whole-archive writes, the system part (the rest: write-archive.test.ts): every TVM fixture through
 * every container, read back by our reader, tar, gzip, zstd and Python's tarfile; a 40 MiB tar as
 * several zstd frames.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decompress } from '../../../src/core/compression/compression.js';
import { packTar } from '../../../src/core/tar/write.js';
import { type Compression, compressTar } from '../../../src/node/write/compress.js';
import { openArchivePath } from '../../../src/node/read/open.js';
import { writeArchiveFile } from '../../../src/node/write/write-archive.js';
import { packFiles, TVM, TVM_FIXTURES, tarFiles } from '../../helpers/archive.js';
import { same, sh } from '../../helpers/common.js';
import { compressScratch, EXTENSIONS } from '../../helpers/compress-stream.js';

const { fresh } = compressScratch('mlf-write-archive-system-');

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
});
