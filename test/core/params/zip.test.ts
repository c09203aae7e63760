/**
 * The zip reader behind `decodeNpz`: what NumPy writes (savez, savez_compressed, savez to a pipe
 * with data descriptors, Zip64 end records from zipfile) decodes to what NumPy loads; every
 * structural lie is refused with MLF-E911 (NumPy refuses the ones zipfile checks too), limits with
 * MLF-E009, before anything is inflated. 65537 members and a 120 MB header: zip.system.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import type { Limits } from '../../../src/core/common/limits.js';
import { decodeNpz } from '../../../src/core/params/npz.js';
import { crc32 } from '../../../src/core/common/crc32.js';
import { FIXTURES, mlfError, pythonPath } from '../../helpers/common.js';
import { decodeNpzStreamed, outcome } from '../../helpers/npz-streamed.js';
import {
  cat,
  centralEntry,
  crc32Slow,
  endRecord,
  HOSTILE_NPZ,
  le,
  localHeader,
  SMALL_NPY as NPY,
  npyWithHeader,
  storedZip,
} from '../../helpers/hostile-inputs.js';

const dir = mkdtempSync(join(tmpdir(), 'mlf-zip-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function python(script: string): string {
  const r = spawnSync(pythonPath(), ['-c', `import numpy as np, json, sys, zlib\n${script}`], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return r.stdout.trim();
}

/** A .npy of 1000 zero bytes (1128 bytes in all), for deflated members. */
const ZEROS = npyWithHeader("{'descr': '|u1', 'fortran_order': False, 'shape': (1000,), }", new Uint8Array(1000));
const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

describe('what NumPy writes', () => {
  it.each(['savez.npz', 'savez-compressed.npz', 'savez-stream.npz'])(
    '%s decodes to what numpy.load gives',
    async (file) => {
      const path = join(FIXTURES, 'npz', file);
      const want = JSON.parse(
        python(`
z = np.load(${JSON.stringify(path)})
print(json.dumps({k: {'descr': z[k].dtype.str, 'shape': list(z[k].shape), 'fortran': bool(z[k].flags.f_contiguous and not z[k].flags.c_contiguous), 'hex': z[k].tobytes(order='A').hex()} for k in z.files}))`),
      );
      const got = decodeNpz(new Uint8Array(readFileSync(path)));
      expect(await decodeNpzStreamed(new Uint8Array(readFileSync(path)))).toEqual(got);
      expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
      expect(Object.keys(got)).toContain('w\u00e9ight'); // the UTF-8 flagged name
      for (const [k, a] of Object.entries(got)) {
        expect({ descr: a.descr, shape: a.shape, fortran: a.fortranOrder, hex: hex(a.data) }, k).toEqual(want[k]);
      }
    },
  );

  it('savez-stream.npz really has data descriptors, and savez.npz Zip64 local fields', () => {
    const stream = new Uint8Array(readFileSync(join(FIXTURES, 'npz', 'savez-stream.npz')));
    expect(stream[6]! & 8).toBe(8);
    const plain = new Uint8Array(readFileSync(join(FIXTURES, 'npz', 'savez.npz')));
    expect(new DataView(plain.buffer).getUint32(18, true)).toBe(0xffffffff); // sizes in the Zip64 field
  });

  it('crc32 equals zlib.crc32 and a bitwise CRC-32', () => {
    const data = new Uint8Array(1 << 20);
    for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
    const want = Number(python(`print(zlib.crc32(bytes.fromhex('${hex(data.subarray(0, 4096))}')))`));
    expect(crc32(data.subarray(0, 4096))).toBe(want);
    expect(crc32(data)).toBe(crc32Slow(data));
    expect(crc32(new Uint8Array(0))).toBe(0);
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926); // the check value of CRC-32/ISO-HDLC
  });
});

/** A zip of one deflated member. */
function deflatedZip(name: string, data: Uint8Array, o: { usize?: number; cut?: number } = {}): Uint8Array {
  let compressed = new Uint8Array(deflateRawSync(data));
  if (o.cut !== undefined) compressed = compressed.subarray(0, compressed.length - o.cut);
  const e = { name, method: 8, crc: crc32Slow(data), csize: compressed.length, usize: o.usize ?? data.length };
  const local = cat(localHeader(e), compressed);
  const cd = centralEntry({ ...e, offset: 0 });
  return cat(local, cd, endRecord(1, cd.length, local.length));
}

const stored = (members: [string, Uint8Array][]) => storedZip(members);
const one = () => stored([['a.npy', NPY]]);
const CD = (zip: Uint8Array) => new DataView(zip.buffer).getUint32(zip.length - 6, true); // central directory offset
const patch = (zip: Uint8Array, at: number, ...bytes: number[]) => {
  const out = zip.slice();
  out.set(bytes, at);
  return out;
};

/** Structural lies: our message, and whether NumPy (zipfile) refuses the file too. */
const LIES: [string, () => Uint8Array, RegExp, boolean][] = [
  ['not a zip', () => new TextEncoder().encode('hello'), /too few/, true],
  ['no end record', () => new Uint8Array(100), /no end of central directory/, true],
  ['garbage after the end record', () => cat(one(), new Uint8Array(10)), /followed by 10 bytes/, false],
  ['bytes prepended (self-extractor layout)', () => cat(new Uint8Array(7), one()), /does not end where/, false],
  [
    'entry count larger than the directory holds',
    () => {
      const z = one();
      return patch(z, z.length - 14, 0xff, 0x00, 0xff, 0x00);
    },
    /255 entries claimed, but a 51-byte central directory holds at most 1/,
    false,
  ], // zipfile ignores the count
  [
    'fewer entries counted than the directory holds',
    () => {
      const z = stored([
        ['a.npy', NPY],
        ['b.npy', NPY],
      ]);
      return patch(z, z.length - 14, 1, 0, 1, 0);
    },
    /bytes after its 1 entries/,
    false,
  ],
  ['central entry signature broken', () => patch(one(), CD(one()), 0), /entry 0 is malformed/, true],
  [
    'local header names another member',
    () => {
      const z = one();
      return patch(z, 30, 0x62); // "b.npy" in the local header only
    },
    /names another member/,
    false,
  ],
  [
    'local sizes disagree with the directory',
    () => patch(one(), 18, 1),
    /disagrees with the central directory on its CRC or sizes/,
    false,
  ],
  ['local flags disagree with the directory', () => patch(one(), 6, 8), /on flags or method/, false],
  [
    "a local header inside another member's data (overlap)",
    () => {
      // b.npy's local header and data are placed inside a.npy's stored data, as a bomb would.
      const inner = cat(localHeader({ name: 'b.npy', crc: crc32Slow(NPY), csize: NPY.length, usize: NPY.length }), NPY);
      const outer = cat(new Uint8Array(5), inner, new Uint8Array(5));
      const crcA = crc32Slow(outer);
      const local = cat(localHeader({ name: 'a.npy', crc: crcA, csize: outer.length, usize: outer.length }), outer);
      const cd = cat(
        centralEntry({ name: 'a.npy', crc: crcA, csize: outer.length, usize: outer.length, offset: 0 }),
        centralEntry({ name: 'b.npy', crc: crc32Slow(NPY), csize: NPY.length, usize: NPY.length, offset: 30 + 5 + 5 }),
      );
      return cat(local, cd, endRecord(2, cd.length, local.length));
    },
    /overlap/,
    false,
  ], // zipfile of Python 3.11 loads it; 3.12 added the same check
  [
    'member data running into the directory',
    () => {
      const z = one();
      const cd = CD(z);
      const out = patch(z, 18, 0xff, 0xff, 0, 0, 0xff, 0xff, 0, 0);
      return patch(out, cd + 20, 0xff, 0xff, 0, 0, 0xff, 0xff, 0, 0);
    },
    /runs into the central directory/,
    true,
  ],
  [
    'compression method 12 (bzip2)',
    () => {
      const z = one();
      return patch(patch(z, 8, 12), CD(z) + 10, 12);
    },
    /compression method 12/,
    false,
  ],
  ['stored member whose sizes differ', () => patch(one(), CD(one()) + 24, 0), /sizes differ/, false],
  [
    'deflated member inflating past its declared size',
    () => deflatedZip('a.npy', ZEROS, { usize: 500 }),
    /more than its declared 500/,
    true,
  ],
  [
    'deflated member shorter than declared',
    () => deflatedZip('a.npy', ZEROS, { usize: 2000 }),
    /inflates to 1128 bytes, not its declared 2000/,
    false,
  ], // zipfile checks the CRC, not the size
  [
    'truncated deflate stream',
    () => deflatedZip('a.npy', NPY, { cut: 3 }),
    /not a valid deflate stream|inflates to/,
    true,
  ],
  [
    'name flagged UTF-8 that is not',
    () => {
      const z = one();
      const cd = CD(z);
      return patch(patch(patch(z, 7, 8), cd + 9, 8), cd + 46, 0xff);
    },
    /flagged UTF-8 but is not/,
    false,
  ],
  [
    'non-ASCII name without the UTF-8 flag',
    () => {
      const z = one();
      return patch(patch(z, 30, 0xe9), CD(z) + 46, 0xe9);
    },
    /not ASCII and not flagged UTF-8/,
    false,
  ],
  [
    'the same member twice',
    () =>
      stored([
        ['a.npy', NPY],
        ['a.npy', NPY],
      ]),
    /appears twice/,
    false,
  ],
  [
    '"a" beside "a.npy" (numpy.load would return the bytes of "a")',
    () =>
      stored([
        ['a.npy', NPY],
        ['a', NPY],
      ]),
    /both the key "a"/,
    false,
  ],
  [
    'data descriptor disagreeing with the directory',
    () => {
      const e = { name: 'a.npy', flags: 8, crc: 0, csize: 0, usize: 0 };
      const dd = le([4, 0x08074b50], [4, crc32Slow(NPY) ^ 1], [4, NPY.length], [4, NPY.length]);
      const local = cat(localHeader(e), NPY, dd);
      const cd = centralEntry({ ...e, crc: crc32Slow(NPY), csize: NPY.length, usize: NPY.length, offset: 0 });
      return cat(local, cd, endRecord(1, cd.length, local.length));
    },
    /data descriptor/,
    false,
  ],
  [
    'Zip64 locator pointing elsewhere',
    () => {
      const z = one();
      const cdOffset = CD(z);
      const cdSize = z.length - 22 - cdOffset;
      const rec = le(
        [4, 0x06064b50],
        [8, 44],
        [2, 45],
        [2, 45],
        [4, 0],
        [4, 0],
        [8, 1],
        [8, 1],
        [8, cdSize],
        [8, cdOffset],
      );
      return cat(
        z.subarray(0, z.length - 22),
        rec,
        le([4, 0x07064b50], [4, 0], [8, 3], [4, 1]),
        z.subarray(z.length - 22),
      );
    },
    /does not point at a Zip64 end record/,
    false,
  ],
  [
    'Zip64 end record disagreeing with the end record',
    () => {
      const z = one();
      const cdOffset = CD(z);
      const cdSize = z.length - 22 - cdOffset;
      const at = z.length - 22;
      const rec = le(
        [4, 0x06064b50],
        [8, 44],
        [2, 45],
        [2, 45],
        [4, 0],
        [4, 0],
        [8, 2],
        [8, 2],
        [8, cdSize],
        [8, cdOffset],
      );
      return cat(z.subarray(0, at), rec, le([4, 0x07064b50], [4, 0], [8, at], [4, 1]), z.subarray(at));
    },
    /disagree/,
    false,
  ],
  [
    'several disks',
    () => {
      const z = one();
      return patch(z, z.length - 18, 1);
    },
    /several disks/,
    false,
  ], // zipfile reads disk numbers only from a Zip64 locator
  [
    'strong encryption flag',
    () => {
      const z = one();
      return patch(patch(z, 6, 0x40), CD(z) + 8, 0x40);
    },
    /unsupported zip feature/,
    true,
  ],
  ['only other members', () => stored([['README.txt', NPY]]), /no .npy arrays/, false],
  ...Object.entries(HOSTILE_NPZ)
    .filter(([name]) => !name.includes('npy header'))
    .map(([name, make]): [string, () => Uint8Array, RegExp, boolean] => [
      `issue 20: ${name}`,
      make,
      /./,
      !name.startsWith('empty'),
    ]),
];

describe('structural lies give MLF-E911', () => {
  it.each(LIES)('%s', (_name, make, message) => {
    const e = mlfError(() => decodeNpz(make()));
    expect([e.code, e.message]).toEqual(['MLF-E911', expect.stringMatching(message)]);
  });

  it.each(LIES)('%s: the streamed reader (ranged reads, 7-byte chunks) refuses it the same way', async (name, make) => {
    const streamed = await outcome(decodeNpzStreamed(make()));
    // It reads each .npy header before the data: a header asking for more than the member
    // declares is refused there, before the inflater would pass the declared size.
    if (name === 'deflated member inflating past its declared size')
      expect(streamed).toEqual({ code: 'MLF-E911', message: expect.stringMatching(/data needs 1000 bytes.*only 372/) });
    else expect(streamed).toEqual(await outcome(() => decodeNpz(make())));
  });

  it('NumPy (numpy.load, or zipfile.testzip) refuses the ones zipfile checks, too', () => {
    const files = LIES.filter(([, , , numpyRefuses]) => numpyRefuses).map(([name, make], i) => {
      const path = join(dir, `lie-${i}.npz`);
      writeFileSync(path, make());
      return [name, path];
    });
    const verdicts = JSON.parse(
      python(
        `
out = {}
for name, path in json.loads(sys.argv[1]):
    try:
        z = np.load(path)
        for k in z.files: z[k]
        # numpy reads only the bytes an array needs, so zipfile checks sizes and CRCs in testzip
        import zipfile
        bad = zipfile.ZipFile(path).testzip()
        out[name] = 'loaded' if bad is None else 'testzip: ' + bad
    except Exception as e:
        out[name] = type(e).__name__
print(json.dumps(out))`.replace('sys.argv[1]', `'''${JSON.stringify(files)}'''`),
      ),
    );
    expect(Object.entries(verdicts).filter(([, v]) => v === 'loaded')).toEqual([]);
  });
});

describe('limits apply to the declared sizes, before inflating', () => {
  it.each<[string, () => Uint8Array, Partial<Limits>]>([
    [
      'maxEntries counts every member, not only arrays',
      () =>
        stored([
          ['a.npy', NPY],
          ['x', NPY],
          ['y', NPY],
        ]),
      { maxEntries: 2 },
    ],
    ['maxMemberBytes', () => one(), { maxMemberBytes: 50 }],
    [
      'maxTotalBytes',
      () =>
        stored([
          ['a.npy', NPY],
          ['b.npy', NPY],
        ]),
      { maxTotalBytes: NPY.length + 1 },
    ],
    ['maxCompressionRatio', () => deflatedZip('a.npy', new Uint8Array(100_000)), { maxCompressionRatio: 50 }],
  ])('%s', async (_name, make, limits) => {
    expect(mlfError(() => decodeNpz(make(), { limits })).code).toBe('MLF-E009');
    expect(() => decodeNpz(make())).not.toThrow(/limits/);
    expect(await outcome(decodeNpzStreamed(make(), { limits }))).toEqual(
      await outcome(() => decodeNpz(make(), { limits })),
    );
  });

  it('a deflated member declaring 4 GiB + 1 is refused before any allocation', () => {
    // The size goes in a Zip64 extra field (the 32-bit field says 0xffffffff).
    const compressed = new Uint8Array(deflateRawSync(NPY));
    const e = { name: 'a.npy', method: 8, crc: crc32Slow(NPY), csize: compressed.length, usize: 0xffffffff };
    const extra = le([2, 1], [2, 8], [8, 2 ** 32 + 1]);
    const local = cat(localHeader({ ...e, extra }), compressed);
    const entry = centralEntry({ ...e, offset: 0, extra });
    const zip = cat(local, entry, endRecord(1, entry.length, local.length));
    const err = mlfError(() => decodeNpz(zip, { limits: { maxCompressionRatio: 1e12, maxMemberBytes: 2 ** 40 } }));
    expect([err.code, err.message]).toEqual(['MLF-E009', expect.stringContaining('declares 4294967297 bytes')]);
  });
});
