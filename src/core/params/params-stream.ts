import { concatBytes } from '../common/bytes.js';
import { MlfError } from '../errors/errors.js';
import { encodeParamsHead, encodeTensorHeader, type ParamTensorShape } from './encode.js';
import { fromNumpyDescr } from './dtype.js';
import { encodeNpyHeader, type NpyHeader, npyToParam, paramToNpy } from './npy.js';
import type { NpyWriteItem } from './npz-stream.js';
import type { ParamIndex } from './tensor-index.js';

/**
 * Param dicts to and from NumPy arrays without holding a tensor: `params export` writes each
 * tensor's `.npy` header and then copies its payload from the `.params` in chunks, and `params
 * import` writes the `.params` head from the arrays' headers and then each array's data as it is
 * read. Same checks, errors and bytes as `paramToNpy`/`encodeNpy` and `npyToParam`/`encodeParams`.
 */

/**
 * The `.npy` header and payload location of every tensor of an indexed param dict (see
 * `indexParams`), checked before anything is written.
 * @throws MlfError `MLF-E911` naming the tensor when NumPy has no such dtype.
 */
export function npyItemsOfParams(index: ParamIndex): NpyWriteItem[] {
  return index.tensors.map((t) => {
    const npy = paramToNpy({ ...t, data: new Uint8Array(0) }); // the dtype check, with its error
    try {
      return {
        name: t.name,
        header: encodeNpyHeader(npy.descr, npy.shape, false, t.byteLength),
        dataOffset: t.dataOffset,
        byteLength: t.byteLength,
      };
    } catch (e) {
      if (e instanceof MlfError) throw new MlfError(e.code, `${e.message} (array ${JSON.stringify(t.name)})`);
      throw e;
    }
  });
}

/** An array to import: its name as a tensor, its header, and its data (read when asked, once). */
export interface ImportArray {
  name: string;
  header: NpyHeader;
  /** The array's `header.byteLength` bytes, little-endian, in the header's order. */
  data(): AsyncIterable<Uint8Array>;
}

/**
 * The bytes of a `.params` file holding `arrays` in order: the head (names, counts) first, then
 * each tensor record and its data as `data()` yields them. Every array is checked (dtype, shape,
 * size, names) before the first byte. A Fortran-order array is reordered to row-major, which
 * needs it whole in memory (NumPy writes C order unless asked otherwise).
 * @throws MlfError `MLF-E911` naming the array when its descr has no TVM dtype, E205..E210 as
 *   `encodeParams`, E011 when an array yields another number of bytes than its header says.
 */
export async function* paramsChunks(arrays: readonly ImportArray[]): AsyncGenerator<Uint8Array> {
  const tensors: ParamTensorShape[] = arrays.map((a) => {
    const dtype = fromNumpyDescr(a.header.descr);
    if (dtype === undefined)
      throw new MlfError(
        'MLF-E911',
        `npy: array for param ${JSON.stringify(a.name)} has descr ${JSON.stringify(a.header.descr)}, which has no TVM dtype`,
      );
    return {
      name: a.name,
      dtype,
      shape: [...a.header.shape],
      deviceType: 1,
      deviceId: 0,
      reserved: 0n,
      data: { byteLength: a.header.byteLength },
    };
  });
  yield encodeParamsHead(tensors);
  for (const [i, a] of arrays.entries()) {
    const t = tensors[i] as ParamTensorShape;
    yield encodeTensorHeader(t, a.header.byteLength);
    let bytes = 0;
    if (a.header.fortranOrder && a.header.shape.length > 1) {
      const parts: Uint8Array[] = [];
      for await (const c of a.data()) {
        parts.push(c.slice());
        bytes += c.byteLength;
      }
      if (bytes === a.header.byteLength) {
        const { header } = a;
        yield npyToParam(a.name, { ...header, data: concatBytes(parts) }).data;
      }
    } else {
      for await (const c of a.data()) {
        bytes += c.byteLength;
        if (bytes > a.header.byteLength) break;
        yield c;
      }
    }
    if (bytes !== a.header.byteLength)
      throw new MlfError(
        'MLF-E011',
        `array ${JSON.stringify(a.name)}: ${bytes} bytes read, ${a.header.byteLength} expected; it changed while being read`,
      );
  }
}
