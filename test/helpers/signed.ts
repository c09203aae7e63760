/**
 * Signed archives for test/security/signed-bytes*.test.ts and test/node/trust/signing*.test.ts: a
 * small archive signed as `.tar`, `.tgz` and `.tar.zst`, embedded and detached, and what verify says
 * of changed bytes.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll } from 'vitest';
import { run as runCli } from '../../src/cli/main.js';
import { readTarIndexSync } from '../../src/core/tar/read.js';
import { signArchive, verifyArchive, writeSigningKeys } from '../../src/node/trust/sign.js';
import { packFiles } from './archive.js';
import { run } from './common.js';

export const SMALL = new Map([
  ['metadata.json', new TextEncoder().encode('{"version": 7, "modules": {}}')],
  ['codegen/host/src/default_lib0.c', new TextEncoder().encode('int tvmgen_default_x(void) { return 42; }\n')],
  ['parameters/default.params', Uint8Array.from({ length: 48 }, (_, i) => i * 7)],
]);
export const EVIL_C = new TextEncoder().encode(
  '__attribute__((constructor)) static void evil(void) { /* attacker */ }\n',
);

export type Ext = '.tar' | '.tgz' | '.tar.zst';
export type Mode = 'embedded' | 'detached';
export const EXTS: Ext[] = ['.tar', '.tgz', '.tar.zst'];
export const MODES: Mode[] = ['embedded', 'detached'];

export const zstd = (bytes: Uint8Array, ...args: string[]) => new Uint8Array(run('zstd', ['-c', '-q', ...args], bytes));
export const unzstd = (bytes: Uint8Array) => new Uint8Array(run('zstd', ['-d', '-c', '-q'], bytes));
export const compress = (tar: Uint8Array, ext: Ext) =>
  ext === '.tar' ? tar : ext === '.tgz' ? new Uint8Array(gzipSync(tar)) : zstd(tar);
export const decompress = (file: Uint8Array, ext: Ext) =>
  ext === '.tar' ? file : ext === '.tgz' ? new Uint8Array(gunzipSync(file)) : unzstd(file);

/** The tar without its trailing zero blocks (end marker and record padding). */
export function stripEnd(tar: Uint8Array): Uint8Array {
  let end = tar.byteLength;
  while (end >= 512 && tar.subarray(end - 512, end).every((x) => x === 0)) end -= 512;
  return tar.subarray(0, end);
}

/** A signed archive: its path, its bytes, and the verify options that find its signature. */
export interface Signed {
  file: string;
  bytes: Uint8Array;
  ext: Ext;
  mode: Mode;
  sig?: string;
}

/**
 * A key pair and SMALL signed in every container and mode (`signed`, keyed `${ext} ${mode}`, filled
 * before the tests), in a scratch folder removed after them. Call at the top level of a test file.
 */
export function signedScratch(prefix: string) {
  const work = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const key = join(work, 'key');
  let n = 0;
  const fresh = (name: string) => join(work, `${n++}-${name}`);

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

  /** The CLI's exit code for `mlf verify` of a file (in process). */
  async function cliVerify(file: string, sig?: string): Promise<number> {
    const args = ['verify', file, '--pubkey', `${key}.pub`, ...(sig === undefined ? [] : ['--signature', sig])];
    return runCli(args, { out: () => undefined, err: () => undefined });
  }

  const signed = new Map<string, Signed>();
  beforeAll(async () => {
    await writeSigningKeys(key);
    for (const ext of EXTS) for (const mode of MODES) signed.set(`${ext} ${mode}`, await makeSigned(ext, mode));
  });

  return { key, fresh, signed, verdict, cliVerify };
}

/** Data ranges of the members of a tar file (path → [start, end)). */
export function dataRanges(file: string): [string, number, number][] {
  return readTarIndexSync(new Uint8Array(readFileSync(file)))
    .entries.filter((e) => e.type === 'file' && e.size > 0)
    .map((e) => [e.path, e.dataOffset, e.dataOffset + e.size]);
}

/**
 * Two key pairs (`key`, `otherKey`, written before the tests) in a scratch folder removed after
 * them, fresh paths in it, and signing and verifying helpers. Call at the top level of a test file.
 */
export function signingScratch(prefix: string) {
  const work = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  let n = 0;
  const path = (name: string) => join(work, `${n++}-${name}`);
  const key = join(work, 'key');
  const otherKey = join(work, 'other');

  beforeAll(async () => {
    await writeSigningKeys(key);
    await writeSigningKeys(otherKey);
  });

  /** Copies bytes to a fresh file and signs it in place (embedded). */
  async function signedCopy(bytes: Uint8Array, name = 'model.tar'): Promise<string> {
    const p = path(name);
    writeFileSync(p, bytes);
    await signArchive(p, { key });
    return p;
  }

  /** Flips one byte of a file into a new file and verifies it: 'ok', the changed members, or the error code. */
  async function verifyFlipped(file: string, at: number, options: { signature?: string } = {}): Promise<string> {
    const bytes = new Uint8Array(readFileSync(file));
    bytes[at]! ^= 0xff;
    const p = path('flipped.tar');
    writeFileSync(p, bytes);
    try {
      const r = await verifyArchive(p, { publicKey: `${key}.pub`, ...options });
      return r.valid ? 'ok' : `E603 ${[...r.changed, ...r.added, ...r.removed].join(',')}`;
    } catch (e) {
      return (e as { code?: string }).code ?? String(e);
    } finally {
      rmSync(p);
    }
  }

  return { work, path, key, otherKey, signedCopy, verifyFlipped };
}
