/**
 * Names what a file that is not an MLF container is, from its first bytes, so "not an archive"
 * can say "a zip file" rather than show hex. Only formats people plausibly hand us.
 */
const SIGNATURES: readonly (readonly [string, readonly number[]])[] = [
  ['a zip file (MLF archives are tar files; unzip it, or re-export as .tar)', [0x50, 0x4b, 0x03, 0x04]],
  ['an empty zip file', [0x50, 0x4b, 0x05, 0x06]],
  [
    'an xz-compressed file (unxz it first, or re-compress as .tar.gz or .tar.zst)',
    [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00],
  ],
  ['a bzip2-compressed file (bunzip2 it first, or re-compress as .tar.gz or .tar.zst)', [0x42, 0x5a, 0x68]],
  ['a 7z archive (extract it, then give the folder or a .tar)', [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]],
  ['a RAR archive (extract it, then give the folder or a .tar)', [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07]],
  ['an lz4-compressed file (decompress it first)', [0x04, 0x22, 0x4d, 0x18]],
  ['a NumPy .npy file, not an archive', [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]],
  ['a TVM .params file, not an archive (mlf params reads it)', [0xb7, 0x9c, 0x04, 0x05, 0x4f, 0x8d, 0xe5, 0xf7]],
  ['an ELF object, not an archive', [0x7f, 0x45, 0x4c, 0x46]],
];

/** What a non-MLF file is (`an empty file`, `a zip file …`), or undefined when unknown. */
export function describeForeignFile(head: Uint8Array, byteLength: number): string | undefined {
  if (byteLength === 0) return 'an empty file';
  for (const [what, magic] of SIGNATURES) if (magic.every((b, i) => head[i] === b)) return what;
  return undefined;
}
