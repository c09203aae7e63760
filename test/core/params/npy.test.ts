/**
 * .npy and .npz examples against NumPy: our files load in NumPy with the same bytes, NumPy's files
 * decode, bad files are E911 (E009 over the limits), params map to and from .npy. Headers of 10 000
 * or more dimensions, sweeps, fuzzing and properties: npy.system.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDType } from '../../../src/core/params/dtype.js';
import { decodeNpy, encodeNpy, npyToParam, paramToNpy } from '../../../src/core/params/npy.js';
import { decodeNpz, encodeNpz } from '../../../src/core/params/npz.js';
import { makeParamTensor } from '../../../src/core/params/encode.js';
import { tensorView } from '../../../src/core/params/tensor.js';
import { expectBytes, pythonPath } from '../../helpers/common.js';
import { bytesOf, expectE911, NPY_SAMPLES as samples } from '../../helpers/npy.js';

const dir = mkdtempSync(join(tmpdir(), 'mlf-npy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs a Python script with numpy imported as np and `d` as the temp dir; returns stdout. */
function python(script: string): string {
  const r = spawnSync(pythonPath(), ['-c', `import numpy as np, json, sys\nd = ${JSON.stringify(dir)}\n${script}`], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return r.stdout.trim();
}
const file = (name: string): string => join(dir, name);
const read = (name: string): Uint8Array => new Uint8Array(readFileSync(file(name)));
/** The value, failing the test when it is undefined. */
function defined<T>(v: T | undefined): T {
  expect(v).toBeDefined();
  return v as T;
}

describe('encodeNpy', () => {
  it.each(Object.entries(samples))('%s is byte-identical to numpy.save and loads in NumPy', (name, a) => {
    writeFileSync(file(`${name}.npy`), encodeNpy(a));
    const out = python(`
a = np.load(d + '/${name}.npy')
np.save(d + '/${name}.ref.npy', a)
print(json.dumps({'dtype': a.dtype.str, 'shape': list(a.shape), 'f': bool(a.flags.f_contiguous and not a.flags.c_contiguous), 'bytes': a.tobytes(order='A').hex()[:64]}))`);
    const info = JSON.parse(out);
    expect(info.dtype).toBe(a.descr);
    expect(info.shape).toEqual(a.shape);
    expect(info.f).toBe(a.fortranOrder && a.shape.length > 1 && a.shape.every((d) => d > 1));
    expect(info.bytes).toBe(Buffer.from(a.data.subarray(0, 32)).toString('hex'));
    expectBytes(read(`${name}.npy`), read(`${name}.ref.npy`));
  });

  it('checks the data size and descr', () => {
    expectE911(() => encodeNpy({ descr: '<f4', shape: [3], data: new Uint8Array(8) }));
    expectE911(() => encodeNpy({ descr: 'float32', shape: [2], data: new Uint8Array(8) }));
    expectE911(() => encodeNpy({ descr: '<f4', shape: [-2], data: new Uint8Array(8) }));
  });
});

describe('decodeNpy', () => {
  it('reads what numpy writes: f2, >i4, >f8, >c8, bool, Fortran, 0-d, v2 and v3 headers', () => {
    python(`
np.save(d + '/n_f2.npy', np.array([1.0, -2.5, 65504], dtype='<f2'))
np.save(d + '/n_bi4.npy', np.array([[1, -2], [3, 2**31 - 1]], dtype='>i4'))
np.save(d + '/n_bf8.npy', np.array([1.5, -1e300], dtype='>f8'))
np.save(d + '/n_bc8.npy', np.array([1+2j, -3.5j], dtype='>c8'))
np.save(d + '/n_bool.npy', np.array([True, False, True]))
np.save(d + '/n_fortran.npy', np.asfortranarray(np.arange(6, dtype='<u2').reshape(2, 3)))
np.save(d + '/n_scalar.npy', np.int16(-7))
np.save(d + '/n_u10.npy', np.array(['ab', 'xyz'], dtype='>U3'))
from numpy.lib import format as f
for v in [(2, 0), (3, 0)]:
    with open(d + '/n_v%d.npy' % v[0], 'wb') as fh:
        f.write_array(fh, np.arange(5, dtype='<i2'), version=v)
`);
    const f2 = decodeNpy(read('n_f2.npy'));
    expect(f2).toMatchObject({ descr: '<f2', shape: [3], fortranOrder: false });
    expect(Array.from(new Uint16Array(f2.data.slice().buffer))).toEqual([0x3c00, 0xc100, 0x7bff]);
    const bi4 = decodeNpy(read('n_bi4.npy'));
    expect(bi4.descr).toBe('<i4');
    expect(Array.from(new Int32Array(bi4.data.slice().buffer))).toEqual([1, -2, 3, 2 ** 31 - 1]);
    expect(Array.from(new Float64Array(decodeNpy(read('n_bf8.npy')).data.slice().buffer))).toEqual([1.5, -1e300]);
    const c8 = decodeNpy(read('n_bc8.npy'));
    expect(c8.descr).toBe('<c8');
    expect(Array.from(new Float32Array(c8.data.slice().buffer))).toEqual([1, 2, -0, -3.5]);
    expect(decodeNpy(read('n_bool.npy'))).toMatchObject({ descr: '|b1', data: Uint8Array.of(1, 0, 1) });
    const fortran = decodeNpy(read('n_fortran.npy'));
    expect(fortran).toMatchObject({ descr: '<u2', shape: [2, 3], fortranOrder: true });
    expect(Array.from(new Uint16Array(fortran.data.slice().buffer))).toEqual([0, 3, 1, 4, 2, 5]);
    const scalar = decodeNpy(read('n_scalar.npy'));
    expect(scalar).toMatchObject({ descr: '<i2', shape: [] });
    expect(new Int16Array(scalar.data.slice().buffer)[0]).toBe(-7);
    const u = decodeNpy(read('n_u10.npy'));
    expect(u.descr).toBe('<U3');
    expect(u.data.byteLength).toBe(24);
    expect(u.data[0]).toBe(0x61);
    for (const v of [2, 3]) {
      const a = decodeNpy(read(`n_v${v}.npy`));
      expect(Array.from(new Int16Array(a.data.slice().buffer))).toEqual([0, 1, 2, 3, 4]);
    }
  });

  it('returns a zero-copy view for little-endian data', () => {
    const bytes = encodeNpy(samples.f4);
    expect(decodeNpy(bytes).data.buffer).toBe(bytes.buffer);
  });

  it('accepts Python 2 long suffixes and double quotes', () => {
    const header = '{"descr": "<i2", "fortran_order": False, "shape": (2L,), }';
    const padded = `${header}${' '.repeat(64 - ((10 + header.length + 1) % 64))}\n`;
    const bytes = Uint8Array.of(
      0x93,
      0x4e,
      0x55,
      0x4d,
      0x50,
      0x59,
      1,
      0,
      padded.length,
      0,
      ...new TextEncoder().encode(padded),
      1,
      0,
      2,
      0,
    );
    expect(decodeNpy(bytes)).toMatchObject({ descr: '<i2', shape: [2], data: Uint8Array.of(1, 0, 2, 0) });
  });

  it('refuses bad files with E911', () => {
    const good = encodeNpy(samples.f4);
    const header = (h: string): Uint8Array => {
      const padded = `${h}\n`;
      return Uint8Array.of(
        0x93,
        0x4e,
        0x55,
        0x4d,
        0x50,
        0x59,
        1,
        0,
        padded.length,
        0,
        ...new TextEncoder().encode(padded),
        ...new Uint8Array(64),
      );
    };
    expectE911(() => decodeNpy(new Uint8Array(0)));
    expectE911(() => decodeNpy(Uint8Array.of(...good.subarray(0, 6), 4, 0, ...good.subarray(8))));
    expectE911(() => decodeNpy(header("{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': (1,), }")));
    expectE911(() => decodeNpy(header("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }")));
    expectE911(() => decodeNpy(header("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }")));
    expectE911(() => decodeNpy(header("{'descr': '<f4', 'fortran_order': 0, 'shape': (1,), }")));
    expectE911(() => decodeNpy(header("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}")));
    expectE911(() => decodeNpy(header("{'descr': '<f4', 'fortran_order': False, 'shape': (100,), }")));
    expectE911(() => decodeNpy(header("{'descr': '<f4', 'fortran_order': False, 'shape': (1,) }} ")));
    expectE911(() => decodeNpy(header('['.repeat(100))));
    const huge = expectE911(() =>
      decodeNpy(header("{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627777,), }")),
    );
    expect(huge.code).toBe('MLF-E009');
  });

  it("caps the header at NumPy's max_header_size (10000) before decoding it, as np.load does", () => {
    // Headers of exactly 10000 and 10001 characters (format 2.0), padded with spaces after the dict.
    const at = (n: number) => {
      const dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }";
      const text = `${dict}${' '.repeat(n - dict.length - 1)}\n`;
      const lenBytes = new Uint8Array(4);
      new DataView(lenBytes.buffer).setUint32(0, n, true);
      return Uint8Array.of(
        0x93,
        0x4e,
        0x55,
        0x4d,
        0x50,
        0x59,
        2,
        0,
        ...lenBytes,
        ...new TextEncoder().encode(text),
        0,
        0,
        0x80,
        0x3f,
      );
    };
    writeFileSync(file('h10000.npy'), at(10000));
    writeFileSync(file('h10001.npy'), at(10001));
    const numpy = JSON.parse(
      python(`
out = []
for n in ('h10000', 'h10001'):
    try: out.append(np.load(d + '/' + n + '.npy').tolist())
    except ValueError as e: out.append(str(e).split('\\n')[0])
print(json.dumps(out))`),
    );
    expect(numpy).toEqual([[1], expect.stringContaining('Header info length (10001) is large')]);
    expect(decodeNpy(at(10000)).shape).toEqual([1]);
    const e = expectE911(() => decodeNpy(at(10001)));
    expect([e.code, e.message]).toEqual(['MLF-E009', expect.stringContaining('maxNpyHeaderBytes (10000')]);
    expect(decodeNpy(at(10001), { limits: { maxNpyHeaderBytes: 10001 } }).shape).toEqual([1]);
  });
});

describe('npz', () => {
  it('numpy loads our .npz (stored and compressed)', () => {
    writeFileSync(file('ours.npz'), encodeNpz({ weight: samples.f4, flags: samples.b1, s: samples.scalar }));
    writeFileSync(file('ours_c.npz'), encodeNpz({ weight: samples.f4, big: samples.big }, { compress: true }));
    const out = python(`
z = np.load(d + '/ours.npz')
c = np.load(d + '/ours_c.npz')
print(json.dumps([sorted(z.files), z['weight'].tolist(), z['flags'].tolist(), float(z['s']), sorted(c.files), int(c['big'].sum())]))`);
    expect(JSON.parse(out)).toEqual([
      ['flags', 's', 'weight'],
      [
        [1, 2, 3],
        [4.5, -5, 6],
      ],
      [true, false, false, true],
      Math.PI,
      ['big', 'weight'],
      7 * 1234567 * 257,
    ]);
  });

  it('decodes numpy savez and savez_compressed', () => {
    python(`
np.savez(d + '/n.npz', a=np.arange(4, dtype='<f4'), b=np.array(True))
np.savez_compressed(d + '/nc.npz', x=np.arange(1000, dtype='>i8').reshape(10, 100), y=np.zeros((0,), dtype='<f2'))`);
    const n = decodeNpz(read('n.npz'));
    expect(Object.keys(n).sort()).toEqual(['a', 'b']);
    expect(Array.from(new Float32Array(defined(n.a).data.slice().buffer))).toEqual([0, 1, 2, 3]);
    expect(n.b).toMatchObject({ descr: '|b1', shape: [], data: Uint8Array.of(1) });
    const nc = decodeNpz(read('nc.npz'));
    expect(nc.x).toMatchObject({ descr: '<i8', shape: [10, 100] });
    expect(new BigInt64Array(defined(nc.x).data.slice().buffer)[999]).toBe(999n);
    expect(nc.y).toMatchObject({ descr: '<f2', shape: [0] });
  });

  it('guards against bombs and corrupt zips', () => {
    const bomb = zipSync({ 'a.npy': new Uint8Array(10_000_000) }, { level: 9 });
    expect(expectE911(() => decodeNpz(bomb)).code).toBe('MLF-E009');
    expect(expectE911(() => decodeNpz(bomb, { limits: { maxMemberBytes: 1000 } })).code).toBe('MLF-E009');
    expect(expectE911(() => decodeNpz(Uint8Array.of(1, 2, 3))).code).toBe('MLF-E911');
    const bad = zipSync({ 'a.npy': Uint8Array.of(1, 2, 3), 'readme.txt': Uint8Array.of(1) });
    expect(expectE911(() => decodeNpz(bad)).message).toContain('a.npy');
    const proto = decodeNpz(encodeNpz(Object.fromEntries([['__proto__', samples.b1]])));
    expect(Object.getPrototypeOf(proto)).toBeNull();
    expect(Object.keys(proto)).toEqual(['__proto__']);
  });
});

describe('params ↔ npy', () => {
  it('maps bool to |b1 and float16 to <f2, sharing data', () => {
    const b = makeParamTensor('mask', 'bool', [3], Uint8Array.of(1, 0, 1));
    const npy = paramToNpy(b);
    expect(npy).toMatchObject({ descr: '|b1', shape: [3], fortranOrder: false });
    expect(npy.data).toBe(b.data);
    const h = makeParamTensor('h', 'float16', [2], Uint8Array.of(0, 0x3c, 0, 0xc0));
    expect(paramToNpy(h).descr).toBe('<f2');
    expect(npyToParam('mask', npy)).toMatchObject({
      name: 'mask',
      dtype: parseDType('bool'),
      dtypeName: 'bool',
      shape: [3],
    });
    expect(npyToParam('h', paramToNpy(h)).dtypeName).toBe('float16');
  });

  it.each(['bfloat16', 'e4m3_float8', 'e5m2_float8', 'custom[129]8', 'float32x4', 'int4'])(
    '%s has no NumPy form: E911 naming the tensor',
    (name) => {
      const t = makeParamTensor('conv.w', name, [2], new Uint8Array(2 * ((parseDType(name).bits + 7) >> 3)));
      const e = expectE911(() => paramToNpy(t));
      expect(e.message).toContain('"conv.w"');
      expect(e.message).toContain(name);
    },
  );

  it('refuses descrs without a TVM dtype, naming the tensor', () => {
    expect(expectE911(() => npyToParam('z', { descr: '<c8', shape: [1], data: new Uint8Array(8) })).message).toContain(
      '"z"',
    );
    expect(expectE911(() => npyToParam('z', { descr: '>i4', shape: [1], data: new Uint8Array(4) })).message).toContain(
      '>i4',
    );
  });

  it('reorders Fortran-order arrays to row-major', () => {
    python(`np.save(d + '/f3.npy', np.asfortranarray(np.arange(24, dtype='<i4').reshape(2, 3, 4)))`);
    const npy = decodeNpy(read('f3.npy'));
    expect(npy.fortranOrder).toBe(true);
    const t = npyToParam('x', npy);
    expect(Array.from(tensorView(t) as Int32Array)).toEqual(Array.from({ length: 24 }, (_, i) => i));
    expect(paramToNpy(t).fortranOrder).toBe(false);
  });

  it('numpy reads a param exported through paramToNpy', () => {
    const t = makeParamTensor('w', 'int64', [2, 2], bytesOf(BigInt64Array.of(1n, -2n, 3n, 2n ** 40n)));
    writeFileSync(file('param.npy'), encodeNpy(paramToNpy(t)));
    expect(JSON.parse(python(`print(json.dumps(np.load(d + '/param.npy').tolist()))`))).toEqual([
      [1, -2],
      [3, 2 ** 40],
    ]);
  });
});
