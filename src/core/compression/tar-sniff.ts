import { MlfError } from '../errors/errors.js';

// Tar headers seen through compressed input: `detectContainer` sniffs plain tars, and compressed
// input that is also a tar is refused (docs/security.md, principle 5: one interpretation or none).

/**
 * Refuses compressed input whose first block is also a valid tar header: a reader that does not
 * know the compression (CPython before 3.14 for zstd) would list that tar instead. The checksum is
 * read as leniently as CPython's `nti` does (sign, underscores, `0o`, surrounding whitespace).
 */
export function refusePolyglot(head: Uint8Array, container: 'gzip' | 'zstd'): void {
  if (!looksLikeTarHeader(head)) return;
  throw new MlfError(
    'MLF-E016',
    `${container}: the first 512 bytes are also a tar header with a valid checksum; tar readers that do not decompress ${container} would list another archive`,
    { offset: 0 },
  );
}

/** Whether a block passes CPython tarfile's header checksum test (unsigned or signed sum). */
export function looksLikeTarHeader(h: Uint8Array): boolean {
  if (h.byteLength < 512) return false;
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < 512; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : (h[i] as number);
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  const f = h.subarray(148, 156);
  let stored: number;
  if (f[0] === 0x80 || f[0] === 0xff) {
    stored = 0;
    for (let i = 1; i < 8; i++) stored = stored * 256 + (f[i] as number);
    if (f[0] === 0xff) stored -= 256 ** 7;
  } else {
    const end = f.indexOf(0);
    const text = String.fromCharCode(...f.subarray(0, end < 0 ? 8 : end)).trim();
    const m = /^([+-]?)(?:0[oO]_?)?([0-7](?:_?[0-7])*)$/.exec(text === '' ? '0' : text);
    if (m === null) return false;
    stored = Number.parseInt((m[2] as string).replaceAll('_', ''), 8) * (m[1] === '-' ? -1 : 1);
  }
  return stored === unsigned || stored === signed;
}

/** Whether a block is a tar header by the strict checksum test (octal digits, unsigned sum). */
export function hasTarChecksum(h: Uint8Array): boolean {
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : (h[i] ?? 0);
  const text = String.fromCharCode(...h.subarray(148, 156))
    .replace(/[\0 ]+$/, '')
    .trimStart();
  return /^[0-7]{1,7}$/.test(text) && parseInt(text, 8) === sum;
}
