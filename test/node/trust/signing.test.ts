/**
 * Integrity manifests and Ed25519 signatures: every byte flip of a signed archive's members is
 * detected, tampering with the manifest or the signature (embedded and detached) is detected,
 * the CLI round trip works, and a wrong key fails.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openArchive } from '../../../src/core/archive/archive.js';
import { SIGNATURE_MEMBER } from '../../../src/core/metadata/layout.js';
import { canonicalJson, computeManifest, encodeManifest, parseManifest } from '../../../src/core/integrity/manifest.js';
import { bytesSource } from '../../../src/core/common/source.js';
import { readTarIndexSync } from '../../../src/core/tar/read.js';
import { run as runCli } from '../../../src/cli/main.js';
import { hashMember } from '../../../src/node/read/member-chunks.js';
import { openArchivePath } from '../../../src/node/read/open.js';
import { writeSigned } from '../../../src/node/trust/sign-write.js';
import { signArchive, verifyArchive, writeSigningKeys } from '../../../src/node/trust/sign.js';
import { packFiles, tarFiles, validateBytes } from '../../helpers/archive.js';
import { codeOf, FIXTURES } from '../../helpers/common.js';
import { GRAPH_TAR } from '../../helpers/hostile.js';

const work = mkdtempSync(join(tmpdir(), 'mlf-signing-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let n = 0;
const path = (name: string) => join(work, `${n++}-${name}`);
const LARGE = join(FIXTURES, 'wild/guberti-arduino-ic-v2-graph-linkparams/output.tar');
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

/** Data ranges of the members of a tar file (path → [start, end)). */
function dataRanges(file: string): [string, number, number][] {
  return readTarIndexSync(new Uint8Array(readFileSync(file)))
    .entries.filter((e) => e.type === 'file' && e.size > 0)
    .map((e) => [e.path, e.dataOffset, e.dataOffset + e.size]);
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

const SMALL = new Map([
  ['metadata.json', new TextEncoder().encode('{"version": 7, "modules": {}}')],
  ['codegen/host/src/default_lib0.c', new TextEncoder().encode('int tvmgen_default_x(void) { return 42; }\n')],
  ['parameters/default.params', Uint8Array.from({ length: 48 }, (_, i) => i * 7)],
]);

describe('byte flips are detected', () => {
  it('every byte of every member of a small signed archive (100%)', async () => {
    const file = await signedCopy(packFiles(SMALL));
    expect((await verifyArchive(file, { publicKey: `${key}.pub` })).valid).toBe(true);
    let flips = 0;
    for (const [member, start, end] of dataRanges(file)) {
      for (let at = start; at < end; at++) {
        const verdict = await verifyFlipped(file, at);
        // A member's flip is named; a flip inside the signature itself breaks the signature or its format.
        if (member === SIGNATURE_MEMBER) expect(['MLF-E602', 'MLF-E605']).toContain(verdict);
        else expect(verdict).toBe(`E603 ${member}`);
        flips++;
      }
    }
    expect(flips).toBeGreaterThan(100 + 400); // three members and the signature
  });

  it('sampled bytes of a large real archive, embedded and detached', async () => {
    const embedded = await signedCopy(new Uint8Array(readFileSync(LARGE)), 'large.tar');
    const ranges = dataRanges(embedded).filter(([m]) => m !== SIGNATURE_MEMBER);
    const total = ranges.reduce((s, [, a, b]) => s + b - a, 0);
    expect(total).toBeGreaterThan(500_000);
    let seed = 42;
    const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    for (let i = 0; i < 60; i++) {
      const [member, start, end] = ranges[Math.floor(rand() * ranges.length)]!;
      expect(await verifyFlipped(embedded, start + Math.floor(rand() * (end - start)))).toBe(`E603 ${member}`);
    }
    const plain = path('large.tar');
    writeFileSync(plain, readFileSync(LARGE));
    const sig = (await signArchive(plain, { key, detached: true })).output;
    expect(sig).toBe(`${plain}.sig`);
    for (let i = 0; i < 20; i++) {
      const [member, start, end] = ranges[Math.floor(rand() * ranges.length)]!;
      const offset = dataRanges(plain).find(([m]) => m === member)![1] - start;
      expect(await verifyFlipped(plain, offset + start + Math.floor(rand() * (end - start)), { signature: sig })).toBe(
        `E603 ${member}`,
      );
    }
  });
});

describe('tampering with the manifest or the signature', () => {
  /** The signature document of a signed archive, and a way to re-pack the archive with another one. */
  const embeddedParts = async () => {
    const file = await signedCopy(packFiles(SMALL));
    const files = tarFiles(file);
    const doc = JSON.parse(new TextDecoder().decode(files.get(SIGNATURE_MEMBER)));
    const repack = (newDoc: string | undefined, edit: (f: Map<string, Uint8Array>) => void = () => {}) => {
      const f = new Map(files);
      if (newDoc === undefined) f.delete(SIGNATURE_MEMBER);
      else f.set(SIGNATURE_MEMBER, new TextEncoder().encode(newDoc));
      edit(f);
      const p = path('tampered.tar');
      writeFileSync(p, packFiles(f));
      return verifyArchive(p, { publicKey: `${key}.pub` });
    };
    return { doc, repack };
  };

  it('inside the archive', async () => {
    const { doc, repack } = await embeddedParts();
    const withManifest = (edit: (m: any) => void) => {
      const d = structuredClone(doc);
      edit(d.manifest);
      return canonicalJson(d);
    };
    // A manifest edited to match a changed member no longer matches its signature.
    expect(await codeOf(repack(withManifest((m) => (m.members['metadata.json'].size += 1))))).toBe('MLF-E602');
    expect(await codeOf(repack(withManifest((m) => (m.members['metadata.json'].sha256 = '0'.repeat(64)))))).toBe(
      'MLF-E602',
    );
    expect(await codeOf(repack(withManifest((m) => delete m.members['parameters/default.params'])))).toBe('MLF-E602');
    expect(await codeOf(repack(canonicalJson({ ...doc, signature: `A${doc.signature.slice(1)}` })))).toBe('MLF-E602');
    expect(await codeOf(repack(canonicalJson({ ...doc, keyId: `sha256:${'0'.repeat(64)}` })))).toBe('MLF-E602');
    expect(await codeOf(repack(JSON.stringify(doc, null, 1)))).toBe('MLF-E605'); // not canonical
    expect(await codeOf(repack(canonicalJson({ ...doc, extra: 1 })))).toBe('MLF-E605');
    expect(await codeOf(repack(canonicalJson({ ...doc, algorithm: 'rsa' })))).toBe('MLF-E605');
    expect(await codeOf(repack('{'))).toBe('MLF-E605');
    expect(await codeOf(repack(undefined))).toBe('MLF-E601');
    // The untouched signature still verifies and names members added or removed.
    const added = await repack(canonicalJson(doc), (f) => f.set('src/new.txt', new Uint8Array(1)));
    expect([added.valid, added.added]).toEqual([false, ['src/new.txt']]);
    const removed = await repack(canonicalJson(doc), (f) => f.delete('metadata.json'));
    expect([removed.valid, removed.removed]).toEqual([false, ['metadata.json']]);
  });

  it('a signature moved to another archive names every member that differs', async () => {
    const { doc } = await embeddedParts();
    const other = tarFiles(GRAPH_TAR);
    other.set(SIGNATURE_MEMBER, new TextEncoder().encode(canonicalJson(doc)));
    const p = path('moved.tar');
    writeFileSync(p, packFiles(other));
    const r = await verifyArchive(p, { publicKey: `${key}.pub` });
    expect(r.valid).toBe(false);
    expect(r.changed).toEqual(['codegen/host/src/default_lib0.c', 'metadata.json', 'parameters/default.params']);
  });

  it('detached', async () => {
    const p = path('model.tar');
    writeFileSync(p, packFiles(SMALL));
    const sig = path('model.sig');
    await signArchive(p, { key, detached: true, output: sig });
    const doc = JSON.parse(readFileSync(sig, 'utf8'));
    const check = (text: string) => {
      writeFileSync(sig, text);
      return verifyArchive(p, { publicKey: `${key}.pub`, signature: sig });
    };
    expect((await check(canonicalJson(doc))).valid).toBe(true);
    const d = structuredClone(doc);
    d.manifest.members['metadata.json'].sha256 = 'f'.repeat(64);
    expect(await codeOf(check(canonicalJson(d)))).toBe('MLF-E602');
    expect(
      await codeOf(
        check(canonicalJson({ ...doc, signature: `${doc.signature.slice(0, 10)}B${doc.signature.slice(11)}` })),
      ),
    ).toBe('MLF-E602');
    expect(await codeOf(check(`${canonicalJson(doc)}\n`))).toBe('MLF-E605');
    expect(await codeOf(check(canonicalJson(doc).slice(0, -1)))).toBe('MLF-E605');
    // Every single-byte change of the detached file is caught.
    const text = canonicalJson(doc);
    for (let i = 0; i < text.length; i += 7) {
      const bytes = new TextEncoder().encode(text);
      bytes[i]! ^= 0x01;
      writeFileSync(sig, bytes);
      expect(['MLF-E602', 'MLF-E605']).toContain(
        await codeOf(verifyArchive(p, { publicKey: `${key}.pub`, signature: sig })),
      );
    }
  });

  it('a wrong key fails, and so do key files that are not Ed25519 keys', async () => {
    const file = await signedCopy(packFiles(SMALL));
    expect(await codeOf(verifyArchive(file, { publicKey: `${otherKey}.pub` }))).toBe('MLF-E602');
    const bad = path('bad.pem');
    writeFileSync(bad, 'not a key');
    expect(await codeOf(verifyArchive(file, { publicKey: bad }))).toBe('MLF-E604');
    expect(await codeOf(signArchive(file, { key: `${key}.pub` }))).toBe('MLF-E604'); // a public key cannot sign
    expect(await codeOf(signArchive(file, { key: path('missing') }))).toBe('MLF-E902');
  });
});

describe('signed archives stay MLF archives', () => {
  it('member bytes are kept, the signature is no extra file, validation is unchanged', async () => {
    const before = tarFiles(GRAPH_TAR);
    const file = await signedCopy(new Uint8Array(readFileSync(GRAPH_TAR)));
    const after = tarFiles(file);
    expect([...after.keys()].sort()).toEqual([...before.keys(), SIGNATURE_MEMBER].sort());
    for (const [p, data] of before) expect(Buffer.from(after.get(p)!).equals(data)).toBe(true);
    const [a, b] = [
      await validateBytes(new Uint8Array(readFileSync(GRAPH_TAR))),
      await validateBytes(new Uint8Array(readFileSync(file))),
    ];
    expect(b.diagnostics).toEqual(a.diagnostics);
    await signArchive(file, { key }); // re-signing replaces the signature
    expect([...tarFiles(file).keys()].filter((p) => p === SIGNATURE_MEMBER)).toHaveLength(1);
  });

  it('signing a .tgz in place keeps it gzip', async () => {
    const p = path('model.tgz');
    writeFileSync(p, spawnSync('gzip', ['-c'], { input: readFileSync(GRAPH_TAR) }).stdout);
    await signArchive(p, { key });
    const bytes = new Uint8Array(readFileSync(p));
    expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b]);
    expect(readTarIndexSync(new Uint8Array(gunzipSync(bytes))).entries.some((e) => e.path === SIGNATURE_MEMBER)).toBe(
      true,
    );
    expect((await verifyArchive(p, { publicKey: `${key}.pub` })).valid).toBe(true);
  });
});

describe('streamed hashing and signing', () => {
  /** Independent digest: sha256sum of the member piped out by GNU tar. */
  const tarSha = (file: string, member: string) => {
    const name = spawnSync('tar', ['-tf', file], { encoding: 'utf8' })
      .stdout.split('\n')
      .find((n) => n === member || n === `./${member}`);
    return spawnSync('sh', ['-c', 'tar -xOf "$1" "$2" | sha256sum', 'sh', file, name ?? member], {
      encoding: 'utf8',
    }).stdout.split(' ')[0];
  };

  it("hashMember gives the members' SHA-256 through readInto, readRange and read, for tar files and folders", async () => {
    const contents = await openArchivePath(LARGE);
    const folder = path('unpacked');
    spawnSync('mkdir', ['-p', folder]);
    spawnSync('tar', ['-xf', LARGE, '-C', folder]);
    const loose = await openArchivePath(folder);
    try {
      const m = [...contents.members.values()].sort((a, b) => b.size - a.size)[0]!;
      expect(m.readInto).toBeDefined(); // a tar on disk: members are read into one buffer
      const want = tarSha(LARGE, m.path);
      expect(await hashMember(m)).toBe(want);
      expect(await hashMember({ path: m.path, size: m.size, read: m.read, readRange: m.readRange! })).toBe(want);
      expect(await hashMember({ path: m.path, size: m.size, read: m.read })).toBe(want);
      expect(await hashMember(loose.members.get(m.path)!)).toBe(want);
      // The streamed manifest equals core's WebCrypto one, member for member.
      expect(await computeManifest(contents, { hashMember })).toEqual(await computeManifest(contents));
    } finally {
      await contents.close?.();
      await loose.close?.();
    }
  });

  it('a folder file that shrinks after it was listed is refused (E011), by the streamed and the whole hasher', async () => {
    const folder = path('shrinking');
    spawnSync('mkdir', ['-p', folder]);
    writeFileSync(join(folder, 'a.bin'), new Uint8Array(3 * 1024 * 1024));
    const contents = await openArchivePath(folder);
    writeFileSync(join(folder, 'a.bin'), new Uint8Array(1000));
    await expect(computeManifest(contents, { hashMember })).rejects.toMatchObject({
      code: 'MLF-E011',
      member: 'a.bin',
    });
    await expect(computeManifest(contents)).rejects.toMatchObject({ code: 'MLF-E011', member: 'a.bin' });
  });

  it('signing in place gives the same members and a valid signature for .tar, .tgz and .tar.zst', async () => {
    for (const [ext, compress] of [
      ['.tar', null],
      ['.tgz', 'gzip'],
      ['.tar.zst', 'zstd'],
    ] as const) {
      const p = path(`model${ext}`);
      writeFileSync(
        p,
        compress === null
          ? readFileSync(LARGE)
          : spawnSync(compress, ['-c'], { input: readFileSync(LARGE), maxBuffer: 1 << 30 }).stdout,
      );
      const r = await signArchive(p, { key });
      expect(r.output).toBe(p);
      expect((await verifyArchive(p, { publicKey: `${key}.pub` })).valid, ext).toBe(true);
      const plain = path('plain.tar');
      writeFileSync(
        plain,
        compress === null ? readFileSync(p) : spawnSync(compress, ['-dc', p], { maxBuffer: 1 << 30 }).stdout,
      );
      const before = tarFiles(LARGE);
      const after = tarFiles(plain);
      expect([...after.keys()].sort()).toEqual([...before.keys(), SIGNATURE_MEMBER].sort());
      for (const [m, data] of before) expect(Buffer.from(after.get(m)!).equals(data), `${ext} ${m}`).toBe(true);
    }
  });

  it('a member that changes between hashing and writing abandons the signed archive (E011), leaving nothing', async () => {
    const files = new Map(SMALL);
    const contents = await openArchive(bytesSource(packFiles(files)));
    const manifest = await computeManifest(contents, { hashMember });
    const [victim] = Object.keys(manifest.members);
    const original = contents.members.get(victim!)!;
    const altered = await original.read();
    contents.members.set(victim!, { path: victim!, size: original.size, read: async () => altered.map((b) => b ^ 1) });
    const dest = path('signed.tar');
    await expect(
      writeSigned(contents, manifest, new Uint8Array([123, 125]), dest, { force: false }),
    ).rejects.toMatchObject({ code: 'MLF-E011', member: victim });
    expect(existsSync(dest)).toBe(false);
    expect(readdirSync(work).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    // Unchanged, the same call writes the archive.
    contents.members.set(victim!, original);
    await writeSigned(contents, manifest, new Uint8Array([123, 125]), dest, { force: false });
    expect(Buffer.from(tarFiles(dest).get(SIGNATURE_MEMBER)!).toString()).toBe('{}');
  });
});

describe('manifest format', () => {
  it('is canonical JSON that Python reproduces byte for byte', async () => {
    const files = new Map(SMALL);
    files.set('__proto__', new Uint8Array([1]));
    files.set('src/caf\u00e9 \u{1f600}.txt', new Uint8Array(0));
    const manifest = await computeManifest(await openArchive(bytesSource(packFiles(files))));
    expect(Object.keys(manifest.members)).toContain('__proto__');
    const bytes = encodeManifest(manifest);
    const py = spawnSync(
      'python3',
      [
        '-c',
        'import json,sys; m=json.load(sys.stdin); sys.stdout.buffer.write(json.dumps(m, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))',
      ],
      { input: bytes },
    );
    expect(py.status).toBe(0);
    expect(Buffer.from(py.stdout).equals(Buffer.from(bytes))).toBe(true);
    expect(parseManifest(JSON.parse(new TextDecoder().decode(bytes)))).toEqual(manifest);
    expect(new TextDecoder().decode(bytes)).toMatch(
      /^\{"algorithm":"sha256","format":"mlf-manifest\/1","members":\{"__proto__":\{"sha256":"4bf5122f344554c53bde2ebb8cd2b7e3d1600ad631c385a5d7cce23c7785459a","size":1\},/,
    );
  });
});

describe('CLI', () => {
  const cli = async (...argv: string[]) => {
    let out = '';
    let err = '';
    const code = await runCli(argv, { out: (t) => void (out += t), err: (t) => void (err += t) });
    return { code, out, err };
  };

  it('keygen, sign, verify, manifest round trip; tampering and a wrong key exit 1', async () => {
    const k = path('cli-key');
    expect((await cli('keygen', '-o', k)).code).toBe(0);
    expect(statSync(k).mode & 0o777).toBe(0o600);
    expect(statSync(`${k}.pub`).mode & 0o777).toBe(0o644);
    expect(readFileSync(k, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(readFileSync(`${k}.pub`, 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    const again = await cli('keygen', '-o', k);
    expect([again.code, again.err]).toEqual([1, expect.stringContaining('MLF-E904')]);
    expect((await cli('keygen', '-o', k, '--force')).code).toBe(0);

    const a = path('cli.tar');
    writeFileSync(a, readFileSync(GRAPH_TAR));
    const manifest = await cli('manifest', a, '--json');
    expect(manifest.out.trimEnd()).toBe(
      new TextDecoder().decode(
        encodeManifest(await computeManifest(await openArchive(bytesSource(new Uint8Array(readFileSync(a)))))),
      ),
    );
    expect((await cli('manifest', a)).out).toMatch(/^[0-9a-f]{64} +3339 +codegen\/host\/src\/default_lib0.c$/m);

    expect((await cli('sign', a, '--key', k)).code).toBe(0);
    const ok = await cli('verify', a, '--pubkey', `${k}.pub`);
    expect([ok.code, ok.out]).toEqual([0, expect.stringContaining('signature valid')]);
    expect((await cli('manifest', a, '--json')).out).toBe(manifest.out); // the signature is not part of it

    const wrong = await cli('verify', a, '--pubkey', `${otherKey}.pub`);
    expect([wrong.code, wrong.err]).toEqual([1, expect.stringContaining('MLF-E602')]);
    expect(wrong.err).not.toMatch(/\n\s+at .+:\d+:\d+/);

    const bytes = new Uint8Array(readFileSync(a));
    const [, start] = dataRanges(a).find(([m]) => m === 'parameters/default.params')!;
    bytes[start + 100]! ^= 1;
    writeFileSync(a, bytes);
    const tampered = await cli('verify', a, '--pubkey', `${k}.pub`);
    expect([tampered.code, tampered.err]).toEqual([1, expect.stringContaining('MLF-E603')]);
    expect(tampered.err).toContain('changed 1: parameters/default.params');
    const json = await cli('verify', a, '--pubkey', `${k}.pub`, '--json');
    expect([json.code, JSON.parse(json.out).changed]).toEqual([1, ['parameters/default.params']]);

    const d = path('detached.tar');
    writeFileSync(d, readFileSync(GRAPH_TAR));
    expect((await cli('sign', d, '--key', k, '--detached')).code).toBe(0);
    expect((await cli('verify', d, '--pubkey', `${k}.pub`)).out).toContain(`${d}.sig`);
    expect((await cli('sign', d, '--key', k, '--detached')).code).toBe(1); // the .sig exists
    const unsigned = path('unsigned.tar');
    writeFileSync(unsigned, readFileSync(GRAPH_TAR));
    expect((await cli('verify', unsigned, '--pubkey', `${k}.pub`)).err).toContain('MLF-E601');
    expect((await cli('sign', work, '--key', k)).code).toBe(2); // a folder needs -o or --detached
  });
});
