import { SIGNATURE_MEMBER } from '../metadata/layout.js';
import { planTar } from '../tar/write.js';
import { storedDeflate } from '../compression/gzip-stored.js';

/**
 * The bytes that follow the signed part of an archive carrying an embedded signature
 * (docs/security.md, "What a signature covers"): the `.mlf/signature.json` entry, its padding and
 * the end of the archive, in the tar and in the file. They are a function of the signature
 * document and the signed length alone, so a verifier rebuilds them and compares byte for byte:
 * no slack is left where a byte could change unnoticed. Browser-safe.
 */

/** Container of a signed archive file. */
export type SignedContainer = 'tar' | 'gzip' | 'zstd';

const BLOCK = 512;
const RECORD = 20 * BLOCK;

/**
 * The tar bytes after `prefixBytes` bytes of signed tar: the canonical header of
 * `./.mlf/signature.json` (mode 0644, root/root, `mtime`: the document's own `mtime` field), the
 * document, zero padding to a block, the two end blocks and zeros up to a whole 10240-byte record.
 */
export function signatureTarTail(signature: Uint8Array, prefixBytes: number, mtime: number): Uint8Array {
  const plan = planTar([{ path: SIGNATURE_MEMBER, type: 'file', size: signature.byteLength }], { mtime });
  const header = (plan.entries[1] as { header: Uint8Array }).header; // [0] is the `./` root entry
  const body = header.byteLength + Math.ceil(signature.byteLength / BLOCK) * BLOCK;
  const end = Math.ceil((prefixBytes + body + 2 * BLOCK) / RECORD) * RECORD;
  const out = new Uint8Array(end - prefixBytes); // zeros: padding, end blocks, record padding
  out.set(header);
  out.set(signature, header.byteLength);
  return out;
}

/**
 * The tail as it follows the signed part of the file: as is in a `.tar`; in a `.tar.zst`, a zstd
 * frame with its content size, of raw blocks up to the last non-zero byte and RLE blocks of the
 * zeros after it; in a `.tgz`, the end of the archive's one gzip member: stored deflate blocks
 * (the signed part ends with a sync flush, byte-aligned) and the member's trailer, `gzipTrailer`
 * (CRC-32 and length of the whole tar, which the gzip decoder checks). Independent of any codec,
 * so every verifier rebuilds the same bytes.
 */
export function encodeSignedTail(container: SignedContainer, tail: Uint8Array, gzipTrailer?: Uint8Array): Uint8Array {
  if (container === 'tar') return tail;
  if (container === 'zstd') return rawZstd(tail);
  if (gzipTrailer?.byteLength !== 8) throw new TypeError('a gzip tail needs the 8-byte member trailer');
  const stored = storedDeflate(tail);
  const out = new Uint8Array(stored.byteLength + 8);
  out.set(stored);
  out.set(gzipTrailer, stored.byteLength);
  return out;
}

function rawZstd(data: Uint8Array): Uint8Array {
  const MAX = 128 * 1024; // Block_Maximum_Size: min(window = content size, 128 KiB)
  // Raw blocks up to the last non-zero byte, then RLE blocks of zeros (padding and end of archive).
  let text = data.byteLength;
  while (text > 0 && data[text - 1] === 0) text--;
  const blocks: [type: 0 | 1, start: number, end: number][] = [];
  for (let at = 0; at < text; at += MAX) blocks.push([0, at, Math.min(text, at + MAX)]);
  for (let at = text; at < data.byteLength; at += MAX) blocks.push([1, at, Math.min(data.byteLength, at + MAX)]);
  if (blocks.length === 0) blocks.push([0, 0, 0]);
  const wide = data.byteLength >= 2 ** 32;
  const head = 5 + (wide ? 8 : 4);
  const body = blocks.reduce((sum, [type, start, end]) => sum + 3 + (type === 0 ? end - start : 1), 0);
  const out = new Uint8Array(head + body); // RLE blocks repeat the byte 0: zeros already
  const view = new DataView(out.buffer);
  view.setUint32(0, 0xfd2fb528, true);
  out[4] = wide ? 0xe0 : 0xa0; // single segment, content size in 8 or 4 bytes, no checksum, no dictionary
  if (wide) view.setBigUint64(5, BigInt(data.byteLength), true);
  else view.setUint32(5, data.byteLength, true);
  let pos = head;
  blocks.forEach(([type, start, end], i) => {
    const bh = ((end - start) << 3) | (type << 1) | (i === blocks.length - 1 ? 1 : 0);
    out.set([bh & 0xff, (bh >> 8) & 0xff, (bh >> 16) & 0xff], pos);
    pos += 3;
    if (type === 0) out.set(data.subarray(start, end), pos);
    pos += type === 0 ? end - start : 1;
  });
  return out;
}
