/**
 * Integrity manifests and Ed25519 signatures: tampering with the manifest or the signature
 * (embedded and detached) is detected, the CLI round trip works, and a wrong key fails. Every byte
 * flip of a signed archive's members (all of a small one, a sample of a large one):
 * signing.system.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { openArchive } from '../../../src/core/archive/archive.js';
import { SIGNATURE_MEMBER } from '../../../src/core/metadata/layout.js';
import { canonicalJson, computeManifest, encodeManifest, parseManifest } from '../../../src/core/integrity/manifest.js';
import { bytesSource } from '../../../src/core/common/source.js';
import { readTarIndexSync } from '../../../src/core/tar/read.js';
import { run as runCli } from '../../../src/cli/main.js';
import { hashMember } from '../../../src/node/read/member-chunks.js';
import { openArchivePath } from '../../../src/node/read/open.js';
import { writeSigned } from '../../../src/node/trust/sign-write.js';
import { signArchive, signStatement, verifyArchive } from '../../../src/node/trust/sign.js';
import { parseSignature, type SignedStatement } from '../../../src/core/integrity/signature.js';
import { packFiles, tarFiles, validateBytes } from '../../helpers/archive.js';
import { codeOf, FIXTURES, pythonPath } from '../../helpers/common.js';
import { GRAPH_TAR } from '../../helpers/hostile.js';
import { dataRanges, signingScratch, SMALL } from '../../helpers/signed.js';

const { work, path, key, otherKey, signedCopy } = signingScratch('mlf-signing-');
const LARGE = join(FIXTURES, 'wild/guberti-arduino-ic-v2-graph-linkparams/output.tar');

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
    // mtime (of the signature's own header) is signed, and must be whole seconds a tar header holds.
    expect(await codeOf(repack(canonicalJson({ ...doc, mtime: doc.mtime + 1 })))).toBe('MLF-E602');
    for (const mtime of [null, -1, 2 ** 33, '499162500'])
      expect(await codeOf(repack(canonicalJson({ ...doc, mtime })))).toBe('MLF-E605');
    const fraction = canonicalJson(doc).replace(`"mtime":${doc.mtime}`, `"mtime":${doc.mtime}.5`);
    expect(await codeOf(repack(fraction))).toBe('MLF-E605');
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
    // Another base64 letter: a fixed 'B' left the signature unchanged for 1 key in 64 (a flaky pass).
    const flip = (c: string) => (c === 'B' ? 'C' : 'B');
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
        check(
          canonicalJson({
            ...doc,
            signature: `${doc.signature.slice(0, 10)}${flip(doc.signature[10])}${doc.signature.slice(11)}`,
          }),
        ),
      ),
    ).toBe('MLF-E602');
    expect(await codeOf(check(canonicalJson({ ...doc, mtime: 499162500 })))).toBe('MLF-E605'); // null when detached
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
    const key = generateKeyPairSync('ed25519').privateKey;
    const signer = (statement: SignedStatement) => signStatement(statement, key);
    await expect(writeSigned(contents, manifest, signer, dest, { force: false })).rejects.toMatchObject({
      code: 'MLF-E011',
      member: victim,
    });
    expect(existsSync(dest)).toBe(false);
    expect(readdirSync(work).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    // Unchanged, the same call writes the archive.
    contents.members.set(victim!, original);
    const doc = await writeSigned(contents, manifest, signer, dest, { force: false });
    expect(parseSignature(tarFiles(dest).get(SIGNATURE_MEMBER)!, 'test')).toEqual(doc);
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
      pythonPath(),
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

  it('verify of several archives: what each signature binds, one summary, errors per archive in --json', async () => {
    const tgz = path('a.tgz');
    writeFileSync(tgz, gzipSync(readFileSync(GRAPH_TAR)));
    expect((await cli('sign', tgz, '--key', key)).code).toBe(0);
    const appended = path('appended.tgz');
    writeFileSync(appended, Buffer.concat([readFileSync(tgz), Buffer.alloc(1)])); // gzip(1) ignores it
    const detached = path('d.tar');
    writeFileSync(detached, readFileSync(GRAPH_TAR));
    expect((await cli('sign', detached, '--key', key, '--detached')).code).toBe(0);

    const text = await cli('verify', tgz, appended, detached, '--pubkey', `${key}.pub`);
    expect(text.code).toBe(1);
    expect(text.out).toContain(`${tgz}: signature valid (every byte of the gzip file, `);
    expect(text.out).toContain(`${detached}: signature valid (every byte of the tar file, `);
    expect(text.out).toContain('3 archives: 2 valid, 1 not valid');
    expect(text.err).toMatch(new RegExp(`^error MLF-E012 .*${appended}`, 'm'));

    const json = await cli('verify', tgz, appended, detached, '--pubkey', `${key}.pub`, '--json');
    const doc = JSON.parse(json.out);
    expect([json.code, doc.valid, doc.invalid]).toEqual([1, 2, 1]);
    expect(doc.archives[0]).toMatchObject({ path: tgz, valid: true, format: 'mlf-signature/2', container: 'gzip' });
    expect(doc.archives[1]).toMatchObject({ path: appended, error: { code: 'MLF-E012' } });
    expect(doc.archives[2]).toMatchObject({ container: 'tar', source: `${detached}.sig` });
  });
});
