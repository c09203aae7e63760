import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { lstat, readFile } from 'node:fs/promises';
import type { ArchiveContents } from '../../core/archive/archive.js';
import { MlfError } from '../../core/errors/errors.js';
import { SIGNATURE_MEMBER } from '../../core/metadata/layout.js';
import { DEFAULT_LIMITS } from '../../core/common/limits.js';
import { computeManifest, diffManifests, type ManifestDiff } from '../../core/integrity/manifest.js';
import { encodeSignedTail, signatureTarTail } from '../../core/integrity/signed-tail.js';
import {
  type ByteDigest,
  encodeSignature,
  type MlfSignature,
  parseSignature,
  SIGNATURE_FORMAT,
  type SignedStatement,
  signedBytes,
} from '../../core/integrity/signature.js';

import { digestRange, endsWith, isFolder, openTrustArchive, type TrustArchive } from './archive-bytes.js';
import type { Compression } from '../write/compress.js';
import { hashMember } from '../read/member-chunks.js';
import { openArchivePath } from '../read/open.js';
import { writeSigned } from './sign-write.js';
import { writeFileAtomic } from '../write/atomic.js';
import { checkFileDestination } from '../write/destination.js';
import { fsError } from '../fs-error.js';

const isPem = (head: Uint8Array) => new TextDecoder().decode(head.subarray(0, 10)) === '-----BEGIN';
const isJson = (head: Uint8Array) => /^\s*\{/.test(new TextDecoder().decode(head.subarray(0, 64)));

/**
 * Ed25519 signatures that bind an archive's bytes (docs/security.md): the signed document holds the
 * manifest and digests of the exact file and decoded tar bytes, embedded in the archive as its
 * last member `.mlf/signature.json` or written beside it as `<archive>.sig`.
 */

/** Options of `signArchive`. */
export interface SignOptions {
  /** Path of the PKCS#8 PEM private key. */
  key: string;
  /** Write `<archive>.sig` (or `output`) instead of re-packing the archive. @default false */
  detached?: boolean;
  /** Destination; default: the input itself (embedded) or `<input>.sig` (detached). */
  output?: string;
  /** Replace an existing `output` (signing in place needs no force). @default false */
  force?: boolean;
}

/** What `signArchive` wrote. */
export interface SignResult {
  output: string;
  keyId: string;
  members: number;
}

/** Options of `verifyArchive`. */
export interface VerifyOptions {
  /** Path of the SPKI PEM public key (a private key file works too). */
  publicKey: string;
  /** Detached signature file; default: the embedded one, else `<archive>.sig`. */
  signature?: string;
}

/** The verdict of `verifyArchive`; `valid` when the archive is exactly what was signed. */
export interface VerifyResult extends ManifestDiff {
  valid: boolean;
  /** Format of the signature document (`mlf-signature/2`). */
  format: MlfSignature['format'];
  keyId: string;
  /** `embedded` or the path of the detached file used. */
  source: string;
  /**
   * What the signature binds: `tar`, `gzip` or `zstd` (the file's exact bytes and its decoded tar),
   * or `folder` (a detached signature of an extracted folder: its files' bytes only).
   */
  container: MlfSignature['container'];
  /** Members in the signed manifest. */
  members: number;
}

/**
 * Writes a new Ed25519 key pair: `path` (PKCS#8 PEM, mode 0600) and `path.pub` (SPKI PEM).
 * @throws MlfError E904 when either exists (without `force`) or cannot be written.
 */
export async function writeSigningKeys(path: string, options: { force?: boolean } = {}): Promise<{ keyId: string }> {
  const force = options.force ?? false;
  const rules = { force, accepts: isPem, kindName: 'a PEM key file' };
  for (const p of [path, `${path}.pub`]) await checkFileDestination(p, rules);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  await writeFileAtomic(path, privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, { ...rules, mode: 0o600 });
  await writeFileAtomic(`${path}.pub`, publicKey.export({ type: 'spki', format: 'pem' }) as string, rules);
  return { keyId: keyIdOf(publicKey) };
}

/**
 * Reads an Ed25519 key from a PEM file: `private` needs PKCS#8, `public` takes SPKI (or derives
 * it from a private key).
 * @throws MlfError E902 when unreadable, E604 when not an Ed25519 key of that kind.
 */
export async function loadSigningKey(path: string, kind: 'private' | 'public'): Promise<KeyObject> {
  const pem = new TextDecoder().decode(await readSmallFile(path, 'key'));
  let key: KeyObject;
  try {
    key =
      kind === 'private' ? createPrivateKey({ key: pem, format: 'pem' }) : createPublicKey({ key: pem, format: 'pem' });
  } catch (e) {
    throw new MlfError(
      'MLF-E604',
      `${path} is not a PEM ${kind === 'private' ? 'PKCS#8 private' : 'SPKI public'} key (${errText(e)})`,
    );
  }
  if (key.asymmetricKeyType !== 'ed25519')
    throw new MlfError('MLF-E604', `${path} holds a ${key.asymmetricKeyType ?? 'symmetric'} key, not Ed25519`);
  return key;
}

/** `sha256:<hex>` of a key's public half (SPKI DER): names the signer without trusting it. */
export function keyIdOf(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return `sha256:${createHash('sha256')
    .update(pub.export({ type: 'spki', format: 'der' }))
    .digest('hex')}`;
}

/** Signs a statement with an Ed25519 private key. */
export function signStatement(statement: SignedStatement, privateKey: KeyObject): MlfSignature {
  const unsigned: Omit<MlfSignature, 'signature'> = {
    format: SIGNATURE_FORMAT,
    algorithm: 'ed25519' as const,
    keyId: keyIdOf(privateKey),
    mode: statement.mode,
    container: statement.container,
    archive: statement.archive,
    tar: statement.tar,
    mtime: statement.mtime,
    manifest: statement.manifest,
  };
  return { ...unsigned, signature: sign(null, signedBytes(unsigned), privateKey).toString('base64') };
}

/**
 * Checks a signature document against a public key: the key id it names and the Ed25519
 * signature over its signed fields. @throws MlfError E602 when either does not match.
 */
export function checkSignature(sig: MlfSignature, publicKey: KeyObject): void {
  const ours = keyIdOf(publicKey);
  const { signature, ...unsigned } = sig;
  const ok = verify(null, signedBytes(unsigned), publicKey, Buffer.from(signature, 'base64'));
  if (!ok) {
    const other =
      sig.keyId === ours
        ? 'the signed fields or the signature were altered'
        : `it names key ${sig.keyId}, and this public key is ${ours}`;
    throw new MlfError('MLF-E602', `the signature does not verify under this public key: ${other}`);
  }
  if (sig.keyId !== ours) throw new MlfError('MLF-E602', `the signature names key ${sig.keyId}, not this key ${ours}`);
}

/**
 * Signs an archive (or folder). Embedded (default): re-packs it canonically (member bytes
 * unchanged, an old signature replaced, compression kept when signing in place) with
 * `.mlf/signature.json` as its last member. Detached: writes `<input>.sig` over the file as it is.
 * @throws MlfError E604 for a bad key, E901 for an embedded signature of a folder without
 *   `output`, E904 when the destination exists (without `force`), E002 for a detached signature of
 *   an archive without its end marker, any reader code for the input.
 */
export async function signArchive(input: string, options: SignOptions): Promise<SignResult> {
  const privateKey = await loadSigningKey(options.key, 'private');
  const detached = options.detached ?? false;
  if (detached) {
    const doc = signStatement(await describeForDetached(input), privateKey);
    const output = options.output ?? `${input}.sig`;
    await writeFileAtomic(output, encodeSignature(doc), {
      force: options.force ?? false,
      inputs: [input],
      accepts: isJson,
      kindName: 'a signature file',
    });
    return { output, keyId: doc.keyId, members: Object.keys(doc.manifest.members).length };
  }
  const contents = await openArchivePath(input);
  try {
    if (contents.container === 'folder' && options.output === undefined) {
      throw new MlfError('MLF-E901', `${input} is a folder: give -o ARCHIVE for the signed archive, or --detached`);
    }
    const manifest = await computeManifest(contents, { hashMember });
    const output = options.output ?? input;
    const doc = await writeSigned(
      contents,
      manifest,
      (statement) => signStatement(statement, privateKey),
      output,
      options.output === undefined
        ? { force: true, compression: containerCompression(contents) } // in place: replaces the input by design
        : { force: options.force ?? false, inputs: [input] },
    );
    return { output, keyId: doc.keyId, members: Object.keys(manifest.members).length };
  } finally {
    await contents.close?.(); // after writing: signing in place renames the new archive over the one read
  }
}

function containerCompression(contents: ArchiveContents): Compression {
  return contents.container === 'gzip' ? 'gzip' : contents.container === 'zstd' ? 'zstd' : 'none';
}

/** The statement of a detached signature: every member, and for a file the digests of all its bytes. */
async function describeForDetached(input: string): Promise<SignedStatement> {
  if (await isFolder(input)) {
    const contents = await openArchivePath(input);
    const manifest = await computeManifest(contents, { hashMember, includeSignature: true });
    return { mode: 'detached', container: 'folder', archive: null, tar: null, mtime: null, manifest };
  }
  const a = await openTrustArchive(input);
  try {
    return {
      mode: 'detached',
      container: a.container,
      archive: await digestRange(a.file, a.file.byteLength),
      tar: a.tar === a.file ? await digestRange(a.file, a.file.byteLength) : await digestRange(a.tar, a.tar.byteLength),
      mtime: null,
      manifest: await computeManifest(a.contents, { hashMember, includeSignature: true }),
    };
  } finally {
    await a.close();
  }
}

/**
 * Verifies an archive against a public key: the signature, then that the archive is byte for byte
 * what was signed (docs/security.md, "What verify guarantees").
 * @throws MlfError E601 (no signature), E602 (signature invalid), E604 (bad key), E605 (malformed
 *   signature), E606 (old format), E607 (bytes differ outside the members), E002 (no end marker),
 *   or any reader code for the archive. Member changes are not thrown: they come back in the
 *   result with `valid: false`.
 */
export async function verifyArchive(input: string, options: VerifyOptions): Promise<VerifyResult> {
  const publicKey = await loadSigningKey(options.publicKey, 'public');
  if (await isFolder(input)) {
    const contents = await openArchivePath(input);
    const { bytes, source } = await findSignature(input, undefined, options.signature);
    const sig = parseSignature(bytes, source);
    checkSignature(sig, publicKey);
    if (sig.container !== 'folder')
      throw differs(input, `the signature is for a ${sig.container} file, and ${input} is a folder`);
    const diff = diffManifests(sig.manifest, await computeManifest(contents, { hashMember, includeSignature: true }));
    return result(sig, source, diff);
  }
  const a = await openTrustArchive(input);
  try {
    const { bytes, source } = await findSignature(input, a.contents, options.signature);
    const sig = parseSignature(bytes, source === 'embedded' ? SIGNATURE_MEMBER : source);
    checkSignature(sig, publicKey);
    const mode = source === 'embedded' ? 'embedded' : 'detached';
    if (sig.mode !== mode)
      throw differs(
        input,
        `the signature was made ${sig.mode}, and it was found ${source === 'embedded' ? 'embedded' : `in ${source}`}`,
      );
    if (sig.container !== a.container)
      throw differs(input, `the signature is for a ${sig.container} file, and ${input} is ${a.container}`);
    const actual = await computeManifest(a.contents, { hashMember, includeSignature: mode === 'detached' });
    const diff = diffManifests(sig.manifest, actual);
    const changed = diff.changed.length + diff.added.length + diff.removed.length > 0;
    const why = mode === 'embedded' ? await embeddedMismatch(a, sig, bytes) : await detachedMismatch(a, sig);
    if (!changed && why !== undefined) throw differs(input, why);
    return result(sig, source, diff);
  } finally {
    await a.close();
  }
}

function result(sig: MlfSignature, source: string, diff: ManifestDiff): VerifyResult {
  const valid = diff.changed.length + diff.added.length + diff.removed.length === 0;
  const members = Object.keys(sig.manifest.members).length;
  return { valid, format: sig.format, keyId: sig.keyId, source, container: sig.container, members, ...diff };
}

function differs(input: string, why: string): MlfError {
  return new MlfError('MLF-E607', `${input}: the signature is valid, but the archive is not what was signed: ${why}`);
}

const same = (a: ByteDigest | null, b: ByteDigest): boolean =>
  a !== null && a.bytes === b.bytes && a.sha256 === b.sha256;

/** Why a detached signature does not cover these exact bytes, or undefined when it does. */
async function detachedMismatch(a: TrustArchive, sig: MlfSignature): Promise<string | undefined> {
  if (!same(sig.archive, await digestRange(a.file, a.file.byteLength)))
    return `the file's ${a.file.byteLength} bytes differ from the ${sig.archive?.bytes ?? 0} bytes signed`;
  if (!same(sig.tar, await digestRange(a.tar, a.tar.byteLength))) return 'the decoded tar differs from the one signed';
  return undefined;
}

/**
 * Why an embedded signature does not cover these exact bytes, or undefined when it does: the
 * signature is the last member; the tar before its header and the file before its tail hash to
 * the signed digests; the rest of both is exactly the tail rebuilt from the document.
 */
async function embeddedMismatch(a: TrustArchive, sig: MlfSignature, doc: Uint8Array): Promise<string | undefined> {
  const last = a.index.entries[a.index.entries.length - 1];
  if (last === undefined || last.path !== SIGNATURE_MEMBER) return `${SIGNATURE_MEMBER} is not the last member`;
  const at = last.headerOffset;
  if (!same(sig.tar, await digestRange(a.tar, at)))
    return `the ${at} tar bytes before ${SIGNATURE_MEMBER} differ from the ${sig.tar?.bytes ?? 0} bytes signed`;
  const tail = signatureTarTail(doc, at, sig.mtime ?? 0);
  if (!(await endsWith(a.tar, at, tail)))
    return `what follows the tar at offset ${at} is not exactly ${SIGNATURE_MEMBER}, its padding and the end of the archive`;
  if (a.container === 'tar') return undefined; // the file is the tar
  // The gzip trailer holds the CRC-32 and length of the whole tar, which the decoder has checked:
  // one value is possible, so it is taken from the file.
  const trailer =
    a.container === 'gzip' && a.file.byteLength >= 8 ? await a.file.read(a.file.byteLength - 8, 8) : undefined;
  const encoded = encodeSignedTail(a.container, tail, trailer ?? new Uint8Array(8));
  const prefix = a.file.byteLength - encoded.byteLength;
  if (prefix < 0 || !same(sig.archive, await digestRange(a.file, prefix)))
    return `the ${a.container} bytes before the signature differ from the ${sig.archive?.bytes ?? 0} bytes signed`;
  if (!(await endsWith(a.file, prefix, encoded)))
    return `the file does not end with the signature exactly as ${a.container} stores it`;
  return undefined;
}

async function findSignature(
  input: string,
  contents: ArchiveContents | undefined,
  detached: string | undefined,
): Promise<{ bytes: Uint8Array; source: string }> {
  if (detached !== undefined) return { bytes: await readSmallFile(detached, 'signature'), source: detached };
  const member = contents?.members.get(SIGNATURE_MEMBER);
  if (member !== undefined) {
    if (member.size > DEFAULT_LIMITS.maxMetadataBytes)
      throw new MlfError('MLF-E605', `${SIGNATURE_MEMBER} has ${member.size} bytes, too many for a signature`);
    return { bytes: await member.read(), source: 'embedded' };
  }
  const beside = `${input}.sig`;
  if (await exists(beside)) return { bytes: await readSmallFile(beside, 'signature'), source: beside };
  throw new MlfError(
    'MLF-E601',
    `${input} has ${contents === undefined ? 'no signature: it is a folder,' : `no embedded ${SIGNATURE_MEMBER}`} and there is no ${beside}`,
  );
}

/** Reads a key or signature file, refusing anything larger than metadata may be. */
async function readSmallFile(path: string, what: string): Promise<Uint8Array> {
  try {
    const st = await lstat(path);
    if (!st.isFile()) throw new MlfError('MLF-E902', `${what} ${path} is not a regular file`);
    if (st.size > DEFAULT_LIMITS.maxMetadataBytes)
      throw new MlfError('MLF-E009', `${what} ${path} has ${st.size} bytes, more than maxMetadataBytes`);
    return new Uint8Array(await readFile(path));
  } catch (e) {
    throw fsError(e, path, 'read', what);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false; // ENOENT: nothing there
  }
}

function errText(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e));
}
