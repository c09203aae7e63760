"""Reference TVM param-dict reader (NumPy): names, dtypes, shapes and SHA-256 of every tensor.
Usage: python3 bench/ref_params.py FILE.params   (prints the tensor count)"""
import hashlib, struct, sys
import numpy as np

DT = {(0, 8): np.int8, (0, 16): np.int16, (0, 32): np.int32, (0, 64): np.int64, (1, 8): np.uint8,
      (1, 16): np.uint16, (1, 32): np.uint32, (1, 64): np.uint64, (2, 16): np.float16, (2, 32): np.float32, (2, 64): np.float64}

def read(path):
    with open(path, 'rb') as f:
        buf = memoryview(f.read())
    pos = 24
    (count,) = struct.unpack_from('<Q', buf, 16)
    names = []
    for _ in range(count):
        (n,) = struct.unpack_from('<Q', buf, pos); pos += 8
        names.append(bytes(buf[pos:pos + n]).decode()); pos += n
    pos += 8
    out = {}
    for name in names:
        _, _, _, _, ndim, code, bits, lanes = struct.unpack_from('<QQiiiBBH', buf, pos); pos += 32
        shape = struct.unpack_from('<%dq' % ndim, buf, pos); pos += 8 * ndim
        (size,) = struct.unpack_from('<q', buf, pos); pos += 8
        arr = np.frombuffer(buf[pos:pos + size], dtype=DT.get((code, bits), np.uint8)).reshape(shape if (code, bits) in DT else -1)
        out[name] = (arr.dtype.name, shape, hashlib.sha256(buf[pos:pos + size]).hexdigest())
        pos += size
    return out

if __name__ == '__main__':
    print(len(read(sys.argv[1])))
