"""NumPy/Python references for bench/memory.js: what a Python user would run for the same jobs.

  export     PARAMS OUT.npz      tensors (np.memmap views of the .params) -> numpy.savez
  export-npy PARAMS DIR          tensors -> numpy.save, one .npy per tensor
  import     IN.npz OUT.params   numpy.load (each array in memory) -> a TVM .params file
  import-npy DIR OUT.params      numpy.load(mmap_mode='r') of each .npy -> a TVM .params file
  diff       A.params B.params   max |b - a| and ||b - a|| / ||a|| over finite pairs, float64, in
                                 16 Mi-element chunks of np.memmap views (mlf diff's figures)
  report     PARAMS [--embed ARCHIVE OUT]
                                 per tensor: SHA-256, min, max, mean, std, zeros, NaN, inf and a
                                 40-bin histogram (mlf report's figures), two chunked passes over
                                 np.memmap views; with --embed, the archive streamed as base64
                                 into OUT as well (mlf report --embed-archive)
Prints a small JSON summary (for tests) on stdout."""
import base64, hashlib, json, os, struct, sys
import numpy as np

DT = {(0, 8): 'i1', (0, 16): '<i2', (0, 32): '<i4', (0, 64): '<i8', (1, 8): 'u1', (1, 16): '<u2',
      (1, 32): '<u4', (1, 64): '<u8', (2, 16): '<f2', (2, 32): '<f4', (2, 64): '<f8', (1, 1): '?'}
CHUNK = 16 * 1024 * 1024  # elements


def index(path):
    """(name, dtype, shape, data offset) of every tensor, payloads skipped."""
    out = []
    with open(path, 'rb') as f:
        head = f.read(24)
        (count,) = struct.unpack_from('<Q', head, 16)
        names = []
        for _ in range(count):
            (n,) = struct.unpack('<Q', f.read(8))
            names.append(f.read(n).decode())
        f.read(8)
        for name in names:
            _, _, _, _, ndim, code, bits, lanes = struct.unpack('<QQiiiBBH', f.read(32))
            shape = struct.unpack('<%dq' % ndim, f.read(8 * ndim))
            (size,) = struct.unpack('<q', f.read(8))
            out.append((name, np.dtype(DT[(code, bits)]), shape, f.tell()))
            f.seek(size, os.SEEK_CUR)
    return out


def arrays(path):
    return {n: np.memmap(path, dtype=dt, mode='r', offset=off, shape=shape) for n, dt, shape, off in index(path)}


CODES = {'i': 0, 'u': 1, 'f': 2, 'b': 1}


def write_params(out, items):
    """items: (name, array) in order; the layout of TVM's save_param_dict."""
    with open(out, 'wb') as f:
        f.write(struct.pack('<QQQ', 0xF7E58D4F05049CB7, 0, len(items)))
        for name, _ in items:
            b = name.encode()
            f.write(struct.pack('<Q', len(b)) + b)
        f.write(struct.pack('<Q', len(items)))
        for _, a in items:
            bits = 1 if a.dtype.kind == 'b' else a.dtype.itemsize * 8
            f.write(struct.pack('<QQiiiBBH', 0xDD5E40F096B4A13F, 0, 1, 0, a.ndim, CODES[a.dtype.kind], bits, 1))
            f.write(struct.pack('<%dq' % a.ndim, *a.shape))
            f.write(struct.pack('<q', a.nbytes))
            np.ascontiguousarray(a).tofile(f)


def diff(pa, pb):
    out = {}
    b_arrays = arrays(pb)
    for name, a in arrays(pa).items():
        b = b_arrays[name]
        a, b = a.reshape(-1), b.reshape(-1)
        maxabs = diff2 = norm2 = 0.0
        changed = nonfinite = 0
        for i in range(0, a.size, CHUNK):
            x = a[i:i + CHUNK].astype(np.float64)
            y = b[i:i + CHUNK].astype(np.float64)
            fx, fy = np.isfinite(x), np.isfinite(y)
            xf = x[fx]
            norm2 += float(np.dot(xf, xf))
            same = (x == y) | (np.isnan(x) & np.isnan(y))
            changed += int(np.count_nonzero(~same))
            nonfinite += int(np.count_nonzero(~same & ~(fx & fy)))
            d = np.abs(y - x)[fx & fy & ~same]
            if d.size:
                maxabs = max(maxabs, float(d.max()))
                diff2 += float(np.dot(d, d))
        out[name] = {'maxAbsDiff': maxabs, 'relL2': (diff2 ** 0.5) / (norm2 ** 0.5) if norm2 else None,
                     'changedElements': changed, 'nonFiniteChanges': nonfinite}
    return out


def stats(a):
    a = a.reshape(-1)
    if a.dtype.kind == 'b':
        a = a.view(np.uint8)
    mn, mx, total, finite, zeros, nan, inf = np.inf, -np.inf, 0.0, 0, 0, 0, 0
    for i in range(0, a.size, CHUNK):
        x = a[i:i + CHUNK].astype(np.float64)
        fin = np.isfinite(x)
        nan += int(np.count_nonzero(np.isnan(x)))
        inf += int(x.size - np.count_nonzero(fin) - np.count_nonzero(np.isnan(x)))
        v = x[fin]
        if v.size:
            mn, mx = min(mn, float(v.min())), max(mx, float(v.max()))
            total += float(v.sum())
            finite += v.size
            zeros += int(np.count_nonzero(v == 0))
    mean = total / finite if finite else float('nan')
    sq, counts = 0.0, np.zeros(40, dtype=np.int64)
    for i in range(0, a.size, CHUNK):
        x = a[i:i + CHUNK].astype(np.float64)
        v = x[np.isfinite(x)]
        sq += float(np.sum((v - mean) ** 2))
        if finite:
            counts += np.histogram(v, bins=40, range=(mn, mx))[0]
    return {'count': int(a.size), 'min': mn if finite else None, 'max': mx if finite else None, 'mean': mean,
            'std': (sq / finite) ** 0.5 if finite else None, 'zeros': zeros, 'nan': nan, 'inf': inf,
            'histogram': counts.tolist() if finite else None}


def report(path, embed=None):
    out = {}
    for name, a in arrays(path).items():
        s = stats(a)
        s['sha256'] = hashlib.sha256(memoryview(np.ascontiguousarray(a)).cast('B')).hexdigest()
        out[name] = s
    if embed is not None:
        archive, dest = embed
        with open(archive, 'rb') as f, open(dest, 'wb') as o:
            o.write(b'<html><script type="application/json">' + json.dumps(out).encode() + b'</script><script>')
            while True:
                block = f.read(6 * 1024 * 1024)
                if not block:
                    break
                o.write(base64.b64encode(block))
            o.write(b'</script></html>')
    return out


def main(argv):
    cmd = argv[0]
    if cmd == 'export':
        np.savez(argv[2], **arrays(argv[1]))
    elif cmd == 'export-npy':
        os.makedirs(argv[2], exist_ok=True)
        for name, a in arrays(argv[1]).items():
            np.save(os.path.join(argv[2], name + '.npy'), a)
    elif cmd == 'import':
        with np.load(argv[1]) as z:
            write_params(argv[2], [(k, z[k]) for k in z.files])
    elif cmd == 'import-npy':
        files = sorted(f for f in os.listdir(argv[1]) if f.endswith('.npy'))
        write_params(argv[2], [(f[:-4], np.load(os.path.join(argv[1], f), mmap_mode='r')) for f in files])
    elif cmd == 'diff':
        print(json.dumps(diff(argv[1], argv[2])))
    elif cmd == 'report':
        print(json.dumps(report(argv[1], (argv[3], argv[4]) if len(argv) > 2 and argv[2] == '--embed' else None)))
    else:
        raise SystemExit('unknown command ' + cmd)


if __name__ == '__main__':
    main(sys.argv[1:])
