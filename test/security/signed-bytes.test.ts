/**
 * A signature binds bytes, not only our reading of them (issue 13, items 1-4): each attack observed
 * against the old format leaves `mlf verify` non-zero, and a signed archive stays one gzip member
 * or zstd(1)-readable. Written against the CLI (in process) and `verifyArchive`, so the same file
 * runs against any version. Every byte flipped, inserted, appended and prepended, and every
 * recompression, in each container and mode: signed-bytes.system.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { Gunzip } from 'fflate';
import { describe, expect, it } from 'vitest';
import { openArchivePath } from '../../src/node/read/open.js';
import { verifyArchive } from '../../src/node/trust/sign.js';
import { readTarIndexSync, tarEntryData } from '../../src/core/tar/read.js';
import { pythonPath, run } from '../helpers/common.js';
import { decompress, EVIL_C, MODES, signedScratch, stripEnd, unzstd } from '../helpers/signed.js';
import * as b from '../helpers/tar-builder.js';

const { key, fresh, signed, cliVerify } = signedScratch('mlf-signed-bytes-');

/** A tar of one regular file (no root entry) without end marker, for smuggled members. */
const evilMember = (name = './codegen/host/src/default_lib0.c') => b.file(name, EVIL_C);

/** What Python's tarfile lists for a file (default mode or ignore_zeros), or its error. */
function tarfileNames(file: string, ignoreZeros = false): string {
  return execFileSync(pythonPath(), [
    '-c',
    'import sys,tarfile\ntry:\n print(" ".join(m.name for m in tarfile.open(sys.argv[1], ignore_zeros=sys.argv[2]=="1").getmembers()))\nexcept Exception as e: print("error", type(e).__name__)',
    file,
    ignoreZeros ? '1' : '0',
  ])
    .toString()
    .trim();
}

it('a signed .tgz is one gzip member (browsers decode only one) and a signed .tar.zst decodes with zstd(1)', async () => {
  const tgz = signed.get('.tgz embedded')!;
  let members = 1;
  const walker = new Gunzip(() => undefined);
  walker.onmember = () => members++;
  walker.push(tgz.bytes, true);
  expect(members).toBe(1);
  expect(run('gzip', ['-t'], tgz.bytes)).toBeDefined();
  const zst = signed.get('.tar.zst embedded')!;
  expect(unzstd(zst.bytes)).toEqual(decompress(zst.bytes, '.tar.zst'));
});

describe('the attacks of issue 13 against signed archives (each once passed verify)', () => {
  it('1: a zstd skippable frame holding a tar, before the signed .tar.zst', async () => {
    const s = signed.get('.tar.zst embedded')!;
    // A tar whose first name field starts with the frame header (magic, payload length): the whole
    // tar is one skippable frame, and tar readers that do not know the magic read it from offset 0.
    const inner = b.tar([b.file('placeholder', 'x'), evilMember()]);
    const len = inner.byteLength - 8;
    inner.set([0x50, 0x2a, 0x4d, 0x18, len & 0xff, (len >> 8) & 0xff, (len >> 16) & 0xff, len >>> 24]);
    b.fixChecksum(inner, 0);
    const polyglot = b.concat(inner, s.bytes);
    const file = fresh('polyglot.tar.zst');
    writeFileSync(file, polyglot);
    expect(tarfileNames(file)).toContain('codegen/host/src/default_lib0.c'); // what tarfile extracts
    expect(await cliVerify(file)).not.toBe(0);
    // The first block is also a tar header (E016), and a skippable frame (E012): either refuses.
    const err = await openArchivePath(file).catch((e: unknown) => e);
    expect(['MLF-E012', 'MLF-E016']).toContain((err as { code?: string }).code);
  });

  it('2: gzip members separated by a zero byte, the second one smuggling a member', async () => {
    const s = signed.get('.tgz embedded')!;
    const tar = stripEnd(decompress(s.bytes, '.tgz'));
    const attack = b.concat(gzipSync(tar), new Uint8Array(1), gzipSync(b.tar([evilMember()])));
    const file = fresh('zero-padded.tgz');
    writeFileSync(file, attack);
    expect(tarfileNames(file).split(' ')).toContain('./codegen/host/src/default_lib0.c');
    expect(await cliVerify(file)).not.toBe(0);
    await expect(openArchivePath(file)).rejects.toMatchObject({ code: 'MLF-E012' });
  });

  it('3: detached signature, then an empty PAX size= and a .mlf/signature.json holding a tar', async () => {
    const s = signed.get('.tar detached')!;
    const hidden = b.concat(evilMember(), b.zeroBlocks(2));
    const attack = b.tar([
      ...[stripEnd(s.bytes)],
      b.pax([['size', '']]),
      b.entry({ name: './.mlf/signature.json', size: hidden.byteLength }, hidden),
    ]);
    const file = fresh('empty-size.tar');
    writeFileSync(file, attack);
    expect(tarfileNames(file).split(' ')).toContain('./codegen/host/src/default_lib0.c');
    expect(await cliVerify(file, s.sig)).not.toBe(0);
    await expect(openArchivePath(file)).rejects.toMatchObject({ code: 'MLF-E015' });
  });

  it('4: members after the end-of-archive marker (tar -i, ignore_zeros=True)', async () => {
    for (const mode of MODES) {
      const s = signed.get(`.tar ${mode}`)!;
      const file = fresh('after-end.tar');
      writeFileSync(file, b.concat(s.bytes, evilMember(), b.zeroBlocks(2)));
      expect(tarfileNames(file, true).split(' ')).toContain('./codegen/host/src/default_lib0.c');
      expect(await cliVerify(file, s.sig)).not.toBe(0);
      await expect(openArchivePath(file)).rejects.toMatchObject({ code: 'MLF-E017' });
    }
  });

  it('an mlf-signature/1 document is refused with a hint to sign again (E606)', async () => {
    const s = signed.get('.tar detached')!;
    const old = fresh('old.sig');
    const doc = JSON.parse(readFileSync(s.sig!, 'utf8'));
    writeFileSync(
      old,
      JSON.stringify({
        algorithm: 'ed25519',
        format: 'mlf-signature/1',
        keyId: doc.keyId,
        manifest: doc.manifest,
        signature: doc.signature,
      }),
    );
    const err = await verifyArchive(s.file, { publicKey: `${key}.pub`, signature: old }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'MLF-E606', hint: expect.stringContaining('mlf sign') });
  });

  it('an embedded signature copied beside another archive, or given as detached, fails', async () => {
    const emb = signed.get('.tar embedded')!;
    const det = signed.get('.tar detached')!;
    const doc = fresh('embedded-doc.sig');
    const files = new Map<string, Uint8Array>();
    const bytes = new Uint8Array(readFileSync(emb.file));
    for (const e of readTarIndexSync(bytes).entries) if (e.type === 'file') files.set(e.path, tarEntryData(bytes, e));
    writeFileSync(doc, files.get('.mlf/signature.json')!);
    expect(await cliVerify(det.file, doc)).not.toBe(0);
    const copy = fresh('copy.tar');
    copyFileSync(emb.file, copy);
    expect(await cliVerify(copy)).toBe(0);
    expect(await cliVerify(copy, det.sig)).not.toBe(0);
  });
});
