/**
 * A signature binds bytes, not only our reading of them (issue 13, items 1-4), exhaustively: every
 * change to a signed archive's bytes leaves `verifyArchive` failing, in each container (.tar, .tgz,
 * .tar.zst) and each mode (embedded, detached): every byte flipped, bytes inserted, appended and
 * prepended, the archive recompressed with extra members or frames. The attacks of issue 13:
 * signed-bytes.test.ts.
 */
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compress, decompress, EVIL_C, EXTS, MODES, signedScratch, stripEnd, zstd } from '../helpers/signed.js';
import * as b from '../helpers/tar-builder.js';

// Thousands of verifications: decode .tar.zst in process (fzstd) rather than spawn zstd(1) for
// each; the attacks in signed-bytes.test.ts run through zstd(1). Both decoders see the same frame checks.
const zstdCli = process.env.MLF_ZSTD_CLI;
beforeAll(() => {
  process.env.MLF_ZSTD_CLI = '0';
});
afterAll(() => {
  if (zstdCli === undefined) delete process.env.MLF_ZSTD_CLI;
  else process.env.MLF_ZSTD_CLI = zstdCli;
});
const { signed, verdict } = signedScratch('mlf-signed-bytes-system-');

describe.each(EXTS.flatMap((ext) => MODES.map((mode) => [ext, mode] as const)))('%s, %s signature', (ext, mode) => {
  const get = () => signed.get(`${ext} ${mode}`)!;

  it('verifies as signed, and every single byte flipped fails', async () => {
    const s = get();
    expect(await verdict(s, s.bytes)).toBe('valid');
    const passed: number[] = [];
    const codes = new Set<string>();
    for (let at = 0; at < s.bytes.byteLength; at++) {
      const bytes = s.bytes.slice();
      bytes[at]! ^= 0xff;
      const v = await verdict(s, bytes);
      codes.add(v);
      if (v === 'valid' || v.startsWith('untyped')) passed.push(at);
    }
    expect(passed, [...codes].join()).toEqual([]);
  }, 300_000);

  it('bytes inserted, appended or prepended fail', async () => {
    const s = get();
    const cases: Uint8Array[] = [];
    for (let at = 0; at <= s.bytes.byteLength; at += Math.max(1, Math.floor(s.bytes.byteLength / 300)))
      for (const v of [0, 0x41])
        cases.push(b.concat(s.bytes.subarray(0, at), new Uint8Array([v]), s.bytes.subarray(at)));
    for (const extra of [new Uint8Array(1), new Uint8Array(512), new Uint8Array(1024), new Uint8Array([1])]) {
      cases.push(b.concat(s.bytes, extra), b.concat(extra, s.bytes));
    }
    for (const bytes of cases) expect(await verdict(s, bytes)).not.toBe('valid');
  }, 120_000);

  it('the same tar recompressed, split into members or frames, or with extra ones fails', async () => {
    const s = get();
    const tar = decompress(s.bytes, ext);
    const extra = b.tar([b.file('./codegen/host/src/evil.c', EVIL_C)]);
    const variants: Uint8Array[] = [];
    const half = Math.floor(tar.byteLength / 1024) * 512;
    if (ext === '.tgz') {
      variants.push(
        new Uint8Array(gzipSync(tar, { level: 9 })),
        b.concat(gzipSync(tar.subarray(0, half)), gzipSync(tar.subarray(half))),
        b.concat(s.bytes, gzipSync(extra)),
        b.concat(s.bytes, gzipSync(new Uint8Array(0))),
        b.concat(s.bytes, new Uint8Array(1), gzipSync(extra)),
        b.concat(gzipSync(new Uint8Array(0)), s.bytes),
      );
    } else if (ext === '.tar.zst') {
      const skippable = new Uint8Array([0x50, 0x2a, 0x4d, 0x18, 4, 0, 0, 0, 1, 2, 3, 4]);
      variants.push(
        zstd(tar, '-19'),
        b.concat(zstd(tar.subarray(0, half)), zstd(tar.subarray(half))),
        b.concat(s.bytes, zstd(extra)),
        b.concat(s.bytes, zstd(new Uint8Array(0))),
        b.concat(s.bytes, skippable),
        b.concat(skippable, s.bytes),
      );
    } else {
      variants.push(b.concat(tar, extra), b.concat(tar.subarray(0, tar.byteLength - 1024), extra));
    }
    // The decoded tar with a member appended after (or in place of) its end marker.
    variants.push(compress(b.concat(tar, extra), ext), compress(b.concat(stripEnd(tar), extra), ext));
    for (const bytes of variants) expect(await verdict(s, bytes)).not.toBe('valid');
  }, 120_000);
});
