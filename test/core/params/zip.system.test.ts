/**
 * The zip reader behind `decodeNpz` at scale (the rest: zip.test.ts): a Zip64 end record and
 * locator as zipfile writes them for 65537 members, and a deflated .npy whose 120 MB header is
 * refused from its first 12 bytes.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeNpz } from '../../../src/core/params/npz.js';
import { readZipIndex } from '../../../src/core/params/zip.js';
import { readZipEntry, readZipEntryHead } from '../../../src/core/params/zip-read.js';
import { hex, mlfError, python } from '../../helpers/common.js';
import { HOSTILE_NPZ, SMALL_NPY as NPY } from '../../helpers/hostile-inputs.js';

const dir = mkdtempSync(join(tmpdir(), 'mlf-zip-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('what NumPy writes', () => {
  it('a Zip64 end record and locator as zipfile writes them for 65537 members', () => {
    const path = join(dir, 'many.zip');
    python(`
import zipfile
with zipfile.ZipFile(${JSON.stringify(path)}, 'w') as z:
    for i in range(65536): z.writestr(f'{i}.txt', b'')
    z.writestr('a.npy', bytes.fromhex(${JSON.stringify(hex(NPY))}))`);
    const bytes = new Uint8Array(readFileSync(path));
    expect(new DataView(bytes.buffer).getUint32(bytes.length - 22 - 20, true)).toBe(0x07064b50); // a locator
    const entries = readZipIndex(bytes);
    expect(entries.length).toBe(65537);
    expect(hex(readZipEntry(bytes, entries[65536]!))).toBe(hex(NPY));
    expect(Object.keys(decodeNpz(bytes))).toEqual(['a']);
  });
});

describe('limits apply to the declared sizes, before inflating', () => {
  it('a deflated .npy with a 120 MB header is refused from its first 12 bytes (maxNpyHeaderBytes)', () => {
    const zip = HOSTILE_NPZ['deflated npy header of a 60-million-entry shape tuple']!();
    const entry = readZipIndex(zip)[0]!;
    expect(entry.size).toBeGreaterThan(120_000_000);
    const head = readZipEntryHead(zip, entry, 12);
    expect(hex(head.subarray(0, 8))).toBe('934e554d50590200'); // \x93NUMPY 2.0
    expect(new DataView(head.buffer, head.byteOffset).getUint32(8, true)).toBe(entry.size - 12 - 1); // header length
    const t = performance.now();
    const e = mlfError(() => decodeNpz(zip));
    expect([e.code, e.message]).toEqual(['MLF-E009', expect.stringContaining('maxNpyHeaderBytes')]);
    expect(performance.now() - t).toBeLessThan(1000); // the member is never inflated whole (120 MB)
  });
});
