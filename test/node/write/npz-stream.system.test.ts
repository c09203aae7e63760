/**
 * `params export` and `params import` stream (src/node/write/npz-stream.ts), through the built
 * CLI: what they write equals what the in-memory encoders wrote before (encodeNpz, encodeNpy,
 * encodeParams of the decoded arrays), NumPy loads our files to the arrays we hold, and our import
 * of NumPy's savez/savez_compressed/save equals the arrays NumPy gives (all its dtypes, big-endian,
 * Fortran order, 0-d, empty). In process (npzChunks, the Zip64 records): npz-stream.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadParams } from '../../../src/core/archive/archive.js';
import { decodeParams } from '../../../src/core/params/codec.js';
import { encodeParams } from '../../../src/core/params/encode.js';
import { decodeNpy, encodeNpy, npyToParam, paramToNpy } from '../../../src/core/params/npy.js';
import { decodeNpz, encodeNpz } from '../../../src/core/params/npz.js';
import { readZipIndex } from '../../../src/core/params/zip.js';
import { withMlfPath } from '../../../src/node/read/open.js';
import { FIXTURES, hex, mlf, python } from '../../helpers/common.js';

const dir = mkdtempSync(join(tmpdir(), 'mlf-npz-stream-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const TVM = join(FIXTURES, 'tvm-0.18');
const ARCHIVES = ['graph-cnn', 'mnist-graph', 'multi-graph'].map((n) => join(TVM, n, 'model.tar'));

/** The in-memory export of before: every module's tensors as encodeNpz's bytes and encodeNpy's files. */
async function inMemoryExport(archive: string, module?: string) {
  return withMlfPath(archive, async (a) => {
    const m = a.modules.find((x) => (module === undefined ? x.files.params !== null : x.name === module))!;
    const dict = (await loadParams(a, m))!;
    const arrays = dict.tensors.map((t) => [t.name, paramToNpy(t)] as const);
    return { npz: encodeNpz(Object.fromEntries(arrays)), npy: new Map(arrays.map(([n, x]) => [n, encodeNpy(x)])) };
  });
}

describe('params export (streamed)', () => {
  it.each(ARCHIVES)('%s: the .npz has the bytes encodeNpz gave, the .npy files those of encodeNpy', async (tar) => {
    const npz = join(dir, `${tar.split('/').at(-2)}.npz`);
    const folder = join(dir, `${tar.split('/').at(-2)}-npy`);
    const module = tar.includes('multi-graph') ? ['--module', 'mod2'] : [];
    expect(mlf('params', 'export', tar, '-o', npz, ...module).code).toBe(0);
    expect(mlf('params', 'export', tar, '-o', folder, ...module).code).toBe(0);
    const old = await inMemoryExport(tar, module[1]);
    expect(hex(new Uint8Array(readFileSync(npz)))).toBe(hex(old.npz));
    expect(readdirSync(folder).sort()).toEqual([...old.npy.keys()].map((n) => `${n}.npy`).sort());
    for (const [name, bytes] of old.npy) expect(hex(readFileSync(join(folder, `${name}.npy`))), name).toBe(hex(bytes));
  });

  it('NumPy loads the .npz and the .npy files to the tensors of the archive (SHA-256 of each)', async () => {
    const tar = join(TVM, 'mnist-graph', 'model.tar');
    const npz = join(dir, 'oracle.npz');
    const folder = join(dir, 'oracle-npy');
    expect(mlf('params', 'export', tar, '-o', npz).code).toBe(0);
    expect(mlf('params', 'export', tar, '-o', folder).code).toBe(0);
    const ours = await withMlfPath(tar, async (a) =>
      Object.fromEntries(
        (await loadParams(a, a.modules[0]!))!.tensors.map((t) => [
          t.name,
          { shape: t.shape, sha: hashOf(t.data), dtype: paramToNpy(t).descr },
        ]),
      ),
    );
    const fromNpz = JSON.parse(
      python(
        `z = np.load(sys.argv[1]); print(json.dumps({k: {'shape': list(z[k].shape), 'sha': hashlib.sha256(z[k].tobytes()).hexdigest(), 'dtype': z[k].dtype.str} for k in z.files}))`,
        npz,
      ),
    );
    const fromNpy = JSON.parse(
      python(
        `d = sys.argv[1]; a = {f[:-4]: np.load(os.path.join(d, f)) for f in os.listdir(d) if f.endswith('.npy')}
print(json.dumps({k: {'shape': list(v.shape), 'sha': hashlib.sha256(v.tobytes()).hexdigest(), 'dtype': v.dtype.str} for k, v in a.items()}))`,
        folder,
      ),
    );
    expect(fromNpz).toEqual(ours);
    expect(fromNpy).toEqual(ours);
  });

  it('to standard output: the same bytes as to a file', () => {
    const tar = join(TVM, 'graph-cnn', 'model.tar');
    const file = join(dir, 'stdout-cmp.npz');
    expect(mlf('params', 'export', tar, '-o', file).code).toBe(0);
    const r = spawnSync(process.execPath, [
      join(FIXTURES, '..', '..', 'bin', 'mlf.js'),
      'params',
      'export',
      tar,
      '-o',
      '-',
    ]);
    expect(r.status).toBe(0);
    expect(hex(new Uint8Array(r.stdout))).toBe(hex(new Uint8Array(readFileSync(file))));
  });

  it('a tensor NumPy cannot hold (bfloat16) is refused before anything is written', () => {
    const params = join(dir, 'bf16.params');
    writeParams(params, [npyToParam('x', { descr: '<u2', shape: [2], data: new Uint8Array(4) })], (t) => ({
      ...t,
      dtype: { code: 4, bits: 16, lanes: 1 },
    }));
    const r = mlf('params', 'export', params, '-o', join(dir, 'bf16.npz'));
    expect([r.code, r.err]).toEqual([1, expect.stringMatching(/MLF-E911[\s\S]*bfloat16/)]);
    expect(readdirSync(dir).filter((f) => f.startsWith('bf16.npz') || f.startsWith('.bf16.npz'))).toEqual([]);
  });
});

function hashOf(b: Uint8Array): string {
  return (spawnSync('sha256sum', { input: b }).stdout.toString().split(' ')[0] ?? '').trim();
}

function writeParams(
  path: string,
  tensors: ReturnType<typeof npyToParam>[],
  change: (t: ReturnType<typeof npyToParam>) => ReturnType<typeof npyToParam> = (t) => t,
): void {
  const fd = openSync(path, 'w');
  writeSync(fd, encodeParams({ tensors: tensors.map(change) }));
  closeSync(fd);
}

/** Arrays NumPy writes for the import tests: every dtype .params holds, big-endian, Fortran, 0-d, empty. */
const ARRAYS = `
rng = np.random.default_rng(7)
arrays = {
  'f4': rng.standard_normal((3, 4)).astype('<f4'),
  'f2': rng.standard_normal(7).astype('<f2'),
  'f8': rng.standard_normal((2, 2, 2)),
  'i1': rng.integers(-128, 127, 9).astype('i1'),
  'i2': rng.integers(-3000, 3000, 5).astype('<i2'),
  'i4': rng.integers(-2**31, 2**31 - 1, 6).astype('<i4'),
  'i8': rng.integers(-2**62, 2**62, 3).astype('<i8'),
  'u1': rng.integers(0, 255, 11).astype('u1'),
  'u2': rng.integers(0, 65535, 4).astype('<u2'),
  'u4': rng.integers(0, 2**32 - 1, 4).astype('<u4'),
  'u8': rng.integers(0, 2**63, 2).astype('<u8'),
  'b1': rng.integers(0, 2, 13).astype('?'),
  'big_f4': rng.standard_normal((5, 3)).astype('>f4'),
  'big_i8': rng.integers(-2**40, 2**40, 7).astype('>i8'),
  'fortran': np.asfortranarray(rng.standard_normal((4, 6)).astype('<f4')),
  'scalar': np.array(3.5, dtype='<f4'),
  'empty': np.zeros((0, 3), dtype='<f4'),
  'long': rng.standard_normal(300_000).astype('<f4'),
}
`;

describe('params import (streamed)', () => {
  const npzPlain = join(dir, 'np-savez.npz');
  const npzZ = join(dir, 'np-savez-compressed.npz');
  const npyDir = join(dir, 'np-save');
  const want = (): Record<string, { descr: string; shape: number[]; hex: string }> =>
    JSON.parse(
      python(
        `${ARRAYS}
np.savez(sys.argv[1], **arrays)
np.savez_compressed(sys.argv[2], **arrays)
os.makedirs(sys.argv[3], exist_ok=True)
for k, v in arrays.items(): np.save(os.path.join(sys.argv[3], k + '.npy'), v)
# What a .params holds: little-endian, row-major bytes.
print(json.dumps({k: {'descr': v.dtype.newbyteorder('<').str if v.dtype.itemsize > 1 else v.dtype.str, 'shape': list(v.shape), 'hex': np.ascontiguousarray(v.astype(v.dtype.newbyteorder('<'))).tobytes().hex()} for k, v in arrays.items()}))`,
        npzPlain,
        npzZ,
        npyDir,
      ),
    );
  let expected: ReturnType<typeof want>;

  it.each([
    ['numpy.savez', () => npzPlain],
    ['numpy.savez_compressed', () => npzZ],
    ['numpy.save, a folder', () => npyDir],
  ])('%s: the .params holds exactly the arrays NumPy gives, and the bytes the in-memory import wrote', (_n, input) => {
    expected ??= want();
    const out = join(dir, `${_n.replace(/\W/g, '_')}.params`);
    const r = mlf('params', 'import', input(), '-o', out);
    expect(r.code, r.err).toBe(0);
    const bytes = new Uint8Array(readFileSync(out));
    const got = decodeParams(bytes).tensors;
    expect(got.map((t) => t.name).sort()).toEqual(Object.keys(expected).sort());
    for (const t of got) {
      const w = expected[t.name]!;
      expect({ descr: paramToNpy(t).descr, shape: t.shape, hex: hex(t.data) }, t.name).toEqual(w);
    }
    // The old path: decode whole, npyToParam, encodeParams (folder: sorted names; npz: member order).
    const arrays = input().endsWith('.npz')
      ? Object.entries(decodeNpz(new Uint8Array(readFileSync(input()))))
      : readdirSync(input())
          .sort()
          .map((f) => [f.slice(0, -4), decodeNpy(new Uint8Array(readFileSync(join(input(), f))))] as const);
    const old = encodeParams({ tensors: arrays.map(([n, a]) => npyToParam(n, a)) });
    expect(hex(bytes)).toBe(hex(old));
  });

  it('an .npz member whose CRC-32 fails is refused, and nothing is written', () => {
    const src = new Uint8Array(readFileSync(npzPlain));
    const entry = readZipIndex(src).find((e) => e.name === 'long.npy')!;
    src[entry.dataOffset + entry.size - 5]! ^= 1; // a data byte near the end: the header still parses
    const bad = join(dir, 'crc.npz');
    writeAll(bad, src);
    const out = join(dir, 'crc.params');
    const r = mlf('params', 'import', bad, '-o', out);
    expect([r.code, r.err]).toEqual([1, expect.stringMatching(/MLF-E911[\s\S]*CRC-32[\s\S]*long\.npy/)]);
    expect(readdirSync(dir).filter((f) => f.includes('crc.params'))).toEqual([]);
  });
});

function writeAll(path: string, bytes: Uint8Array): void {
  const fd = openSync(path, 'w');
  writeSync(fd, bytes);
  closeSync(fd);
}

mkdirSync(dir, { recursive: true });
