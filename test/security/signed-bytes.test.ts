/**
 * A signature binds bytes, not only our reading of them (issue 13, items 1-4): every change to a
 * signed archive's bytes leaves `mlf verify` non-zero, in each container (.tar, .tgz, .tar.zst)
 * and each mode (embedded, detached): every byte flipped, bytes inserted, appended and prepended,
 * the archive recompressed with extra members or frames, and each attack observed against the old
 * format. Written against the CLI and `verifyArchive`, so the same file runs against any version.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Gunzip } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run as runCli } from '../../src/cli/main.js';
import { openArchivePath } from '../../src/node/read/open.js';
import { signArchive, verifyArchive, writeSigningKeys } from '../../src/node/trust/sign.js';
import { packFiles } from '../helpers/archive.js';
import { readTarIndexSync, tarEntryData } from '../../src/core/tar/read.js';
import { run } from '../helpers/common.js';
import * as b from '../helpers/tar-builder.js';

const work = mkdtempSync(join(tmpdir(), 'mlf-signed-bytes-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const key = join(work, 'key');
let n = 0;
const fresh = (name: string) => join(work, `${n++}-${name}`);

const SMALL = new Map([
  ['metadata.json', new TextEncoder().encode('{"version": 7, "modules": {}}')],
  ['codegen/host/src/default_lib0.c', new TextEncoder().encode('int tvmgen_default_x(void) { return 42; }\n')],
  ['parameters/default.params', Uint8Array.from({ length: 48 }, (_, i) => i * 7)],
]);
const EVIL_C = new TextEncoder().encode('__attribute__((constructor)) static void evil(void) { /* attacker */ }\n');

type Ext = '.tar' | '.tgz' | '.tar.zst';
type Mode = 'embedded' | 'detached';
const EXTS: Ext[] = ['.tar', '.tgz', '.tar.zst'];
const MODES: Mode[] = ['embedded', 'detached'];

const zstd = (bytes: Uint8Array, ...args: string[]) => new Uint8Array(run('zstd', ['-c', '-q', ...args], bytes));
const unzstd = (bytes: Uint8Array) => new Uint8Array(run('zstd', ['-d', '-c', '-q'], bytes));
const compress = (tar: Uint8Array, ext: Ext) =>
  ext === '.tar' ? tar : ext === '.tgz' ? new Uint8Array(gzipSync(tar)) : zstd(tar);
const decompress = (file: Uint8Array, ext: Ext) =>
  ext === '.tar' ? file : ext === '.tgz' ? new Uint8Array(gunzipSync(file)) : unzstd(file);

/** A signed archive: its path, its bytes, and the verify options that find its signature. */
interface Signed {
  file: string;
  bytes: Uint8Array;
  ext: Ext;
  mode: Mode;
  sig?: string;
}

async function makeSigned(ext: Ext, mode: Mode): Promise<Signed> {
  const file = fresh(`model${ext}`);
  writeFileSync(file, compress(packFiles(SMALL), ext));
  if (mode === 'embedded') await signArchive(file, { key });
  const sig = mode === 'detached' ? fresh('model.sig') : undefined;
  if (sig !== undefined) await signArchive(file, { key, detached: true, output: sig });
  return { file, bytes: new Uint8Array(readFileSync(file)), ext, mode, ...(sig === undefined ? {} : { sig }) };
}

/** `valid` when verify would exit 0 for these bytes in place of the signed file, else the failure. */
async function verdict(s: Signed, bytes: Uint8Array): Promise<string> {
  const file = fresh(`changed${s.ext}`);
  writeFileSync(file, bytes);
  try {
    const r = await verifyArchive(file, {
      publicKey: `${key}.pub`,
      ...(s.sig === undefined ? {} : { signature: s.sig }),
    });
    return r.valid ? 'valid' : 'E603';
  } catch (e) {
    return (e as { code?: string }).code ?? `untyped: ${String(e)}`;
  } finally {
    rmSync(file, { force: true });
  }
}

/** The CLI's exit code for `mlf verify` of a file. */
async function cliVerify(file: string, sig?: string): Promise<number> {
  const args = ['verify', file, '--pubkey', `${key}.pub`, ...(sig === undefined ? [] : ['--signature', sig])];
  return runCli(args, { out: () => undefined, err: () => undefined });
}

const signed = new Map<string, Signed>();
const zstdCli = process.env.MLF_ZSTD_CLI;
beforeAll(async () => {
  // Thousands of verifications: decode .tar.zst in process (fzstd) rather than spawn zstd(1) for
  // each; the attacks below run through zstd(1) again. Both decoders see the same frame checks.
  process.env.MLF_ZSTD_CLI = '0';
  await writeSigningKeys(key);
  for (const ext of EXTS) for (const mode of MODES) signed.set(`${ext} ${mode}`, await makeSigned(ext, mode));
});

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

/** The tar without its trailing zero blocks (end marker and record padding). */
function stripEnd(tar: Uint8Array): Uint8Array {
  let end = tar.byteLength;
  while (end >= 512 && tar.subarray(end - 512, end).every((x) => x === 0)) end -= 512;
  return tar.subarray(0, end);
}

/** A tar of one regular file (no root entry) without end marker, for smuggled members. */
const evilMember = (name = './codegen/host/src/default_lib0.c') => b.file(name, EVIL_C);

/** What Python's tarfile lists for a file (default mode or ignore_zeros), or its error. */
function tarfileNames(file: string, ignoreZeros = false): string {
  return execFileSync('python3', [
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
  beforeAll(() => {
    if (zstdCli === undefined) delete process.env.MLF_ZSTD_CLI;
    else process.env.MLF_ZSTD_CLI = zstdCli;
  });

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
