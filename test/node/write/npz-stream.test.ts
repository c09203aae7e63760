/**
 * Streamed `.npz` in process: npzChunks through 7-byte reads gives the bytes of encodeNpz, and the
 * Zip64 records are read back by Python's zipfile from a sparse file. The `params export` and
 * `params import` commands: npz-stream.system.test.ts.
 */
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bytesSource } from '../../../src/core/common/source.js';
import { decodeParams } from '../../../src/core/params/codec.js';
import { encodeParams } from '../../../src/core/params/encode.js';
import { encodeNpy, npyToParam, paramToNpy } from '../../../src/core/params/npy.js';
import { encodeNpz } from '../../../src/core/params/npz.js';
import { npzChunks } from '../../../src/core/params/npz-stream.js';
import { npyItemsOfParams } from '../../../src/core/params/params-stream.js';
import { indexParamBytes } from '../../../src/core/params/tensor-index.js';
import { rangeChunks, readZipIndexFrom } from '../../../src/core/params/zip-stream.js';
import { encodeZipDirectory, encodeZipLocalHeader } from '../../../src/core/params/zip-write.js';
import { fileSource } from '../../../src/node/read/source.js';
import { hex, python } from '../../helpers/common.js';

const dir = mkdtempSync(join(tmpdir(), 'mlf-npz-stream-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('params export (streamed)', () => {
  it('npzChunks through 7-byte reads gives the bytes of encodeNpz (records and data straddle every boundary)', async () => {
    const tensors = [
      { name: 'a', dtype: 'float32', shape: [3, 5], fill: 1 },
      { name: 'w\u00e9ight', dtype: 'int8', shape: [17], fill: 2 },
      { name: 'z', dtype: 'float64', shape: [0, 4], fill: 3 },
      { name: 's', dtype: 'uint16', shape: [], fill: 4 },
    ].map((t) => {
      const n = (t.shape.reduce((x, y) => x * y, 1) * Number(/\d+/.exec(t.dtype)![0])) / 8;
      return npyToParam(t.name, {
        descr: ({ float32: '<f4', int8: '|i1', float64: '<f8', uint16: '<u2' } as Record<string, string>)[t.dtype]!,
        shape: t.shape,
        data: Uint8Array.from({ length: n }, (_, i) => (i * 37 + t.fill) & 255),
      });
    });
    const params = encodeParams({ tensors });
    const items = npyItemsOfParams(await indexParamBytes(params));
    const parts: Uint8Array[] = [];
    for await (const c of npzChunks(items, rangeChunks(bytesSource(params), 7))) parts.push(c.slice());
    const got = Buffer.concat(parts);
    const want = encodeNpz(Object.fromEntries(decodeParams(params).tensors.map((t) => [t.name, paramToNpy(t)])));
    expect(hex(got)).toBe(hex(want));
  });
});

describe('Zip64 records (a sparse 4.1 GiB file: only the records are written)', () => {
  it('zipfile and our ranged reader agree on sizes and offsets past 4 GiB; NumPy loads the member there', async () => {
    const big = 2 ** 32 + 4096; // a member over 4 GiB (its data a hole of zeros)
    const small = encodeNpy({ descr: '<f4', shape: [3], data: new Uint8Array(new Float32Array([1, 2, 3]).buffer) });
    const { crc32 } = await import('node:zlib');
    const a = { name: 'big.npy', size: big, crc32: 0, offset: 0 };
    const la = encodeZipLocalHeader(a);
    const b = { name: 'small.npy', size: small.byteLength, crc32: crc32(small), offset: la.byteLength + big };
    const lb = encodeZipLocalHeader(b);
    const cdAt = b.offset + lb.byteLength + small.byteLength;
    const path = join(dir, 'zip64.npz');
    const fd = openSync(path, 'w');
    writeSync(fd, la, 0, la.byteLength, 0);
    writeSync(fd, lb, 0, lb.byteLength, b.offset);
    writeSync(fd, small, 0, small.byteLength, b.offset + lb.byteLength);
    const cd = encodeZipDirectory([a, b], cdAt);
    writeSync(fd, cd, 0, cd.byteLength, cdAt);
    closeSync(fd);
    const source = await fileSource(path);
    try {
      const limits = { maxMemberBytes: 2 ** 40, maxTotalBytes: 2 ** 40 };
      const ours = (await readZipIndexFrom(source, { limits })).map((e) => [e.name, e.size, e.headerOffset]);
      const theirs = JSON.parse(
        python(
          `z = zipfile.ZipFile(sys.argv[1]); print(json.dumps([[i.filename, i.file_size, i.header_offset] for i in z.infolist()]))`,
          path,
        ),
      );
      expect(ours).toEqual(theirs);
      expect(theirs).toEqual([
        ['big.npy', big, 0],
        ['small.npy', small.byteLength, la.byteLength + big],
      ]);
      expect(python(`z = zipfile.ZipFile(sys.argv[1]); print(np.load(z.open('small.npy')).tolist())`, path)).toBe(
        '[1.0, 2.0, 3.0]',
      );
    } finally {
      await source.close();
      rmSync(path);
    }
  });
});
