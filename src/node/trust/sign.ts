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
import { encodeUtf8 } from '../../core/common/bytes.js';
import { MlfError } from '../../core/errors/errors.js';
import { isRecord, parseJsonText } from '../../core/common/json.js';
import { SIGNATURE_MEMBER } from '../../core/metadata/layout.js';
import { DEFAULT_LIMITS } from '../../core/common/limits.js';
import {
  canonicalJson,
  computeManifest,
  diffManifests,
  encodeManifest,
  type ManifestDiff,
  type MlfManifest,
  parseManifest,
} from '../../core/integrity/manifest.js';
import type { Compression } from '../write/compress.js';
import { hashMember } from '../read/member-chunks.js';
import { openArchivePath } from '../read/open.js';
import { writeSigned } from './sign-write.js';
import { checkFileDestination, writeFileAtomic } from '../write/atomic.js';
import { fsError } from '../fs-error.js';

const isPem = (head: Uint8Array) => new TextDecoder().decode(head.subarray(0, 10)) === '-----BEGIN';
const isJson = (head: Uint8Array) => /^\s*\{/.test(new TextDecoder().decode(head.subarray(0, 64)));

/**
 * Ed25519 signatures over the canonical manifest (src/core/integrity/manifest.ts), embedded in the archive
 * as `.mlf/signature.json` or written beside it as `<archive>.sig`. Format in docs/security.md.
 */

/** Format tag of a signature document. */
export const SIGNATURE_FORMAT = 'mlf-signature/1';

/** A signature document: the signed manifest travels with its signature, so changes can be named. */
export interface MlfSignature {
  format: typeof SIGNATURE_FORMAT;
  algorithm: 'ed25519';
  /** `sha256:` + hex SHA-256 of the signer's public key (SPKI DER). */
  keyId: string;
  manifest: MlfManifest;
  /** Base64 Ed25519 signature of `encodeManifest(manifest)`. */
  signature: string;
}

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
  keyId: string;
  /** `embedded` or the path of the detached file used. */
  source: string;
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

/** Signs the canonical bytes of a manifest with an Ed25519 private key. */
export function signManifest(manifest: MlfManifest, privateKey: KeyObject): MlfSignature {
  const signature = sign(null, encodeManifest(manifest), privateKey).toString('base64');
  return { format: SIGNATURE_FORMAT, algorithm: 'ed25519', keyId: keyIdOf(privateKey), manifest, signature };
}

/** A signature document as bytes: its canonical JSON (sorted keys, no whitespace, no newline). */
export function encodeSignature(sig: MlfSignature): Uint8Array {
  return encodeUtf8(canonicalJson(sig));
}

/**
 * Parses a signature document strictly: exactly its five keys, a valid manifest, a 64-byte base64
 * signature, and bytes that are exactly its canonical form (so no byte can change unnoticed).
 * @throws MlfError E605.
 */
export function parseSignature(bytes: Uint8Array, where: string): MlfSignature {
  const text = new TextDecoder().decode(bytes);
  let raw: unknown;
  try {
    raw = parseJsonText(text, 'signature', 'MLF-E605', where);
  } catch (e) {
    throw e instanceof MlfError && e.code === 'MLF-E009' ? new MlfError('MLF-E605', e.message, { member: where }) : e;
  }
  const bad = (why: string): never => {
    throw new MlfError('MLF-E605', `signature ${where}: ${why}`);
  };
  if (!isRecord(raw)) return bad('not a JSON object');
  const keys = Object.keys(raw).sort().join(',');
  if (keys !== 'algorithm,format,keyId,manifest,signature')
    bad(`keys are {${keys}}, expected algorithm, format, keyId, manifest, signature`);
  if (raw.format !== SIGNATURE_FORMAT) bad(`format is ${JSON.stringify(raw.format)}, expected "${SIGNATURE_FORMAT}"`);
  if (raw.algorithm !== 'ed25519') bad(`algorithm is ${JSON.stringify(raw.algorithm)}, expected "ed25519"`);
  if (typeof raw.keyId !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(raw.keyId))
    bad('keyId is not "sha256:" and 64 hex digits');
  if (typeof raw.signature !== 'string' || !/^[A-Za-z0-9+/]{86}==$/.test(raw.signature))
    bad('signature is not 64 bytes of base64');
  const sig: MlfSignature = {
    format: SIGNATURE_FORMAT,
    algorithm: 'ed25519',
    keyId: raw.keyId as string,
    manifest: parseManifest(raw.manifest),
    signature: raw.signature as string,
  };
  if (canonicalJson(sig) !== text) bad('is not in canonical form (sorted keys, no whitespace)');
  return sig;
}

/**
 * Checks a signature document against a public key: the key id it names and the Ed25519
 * signature over its manifest. @throws MlfError E602 when either does not match.
 */
export function checkSignature(sig: MlfSignature, publicKey: KeyObject): void {
  const ours = keyIdOf(publicKey);
  const ok = verify(null, encodeManifest(sig.manifest), publicKey, Buffer.from(sig.signature, 'base64'));
  if (!ok) {
    const other =
      sig.keyId === ours
        ? 'the manifest or the signature was altered'
        : `it names key ${sig.keyId}, and this public key is ${ours}`;
    throw new MlfError('MLF-E602', `the signature does not verify under this public key: ${other}`);
  }
  if (sig.keyId !== ours)
    throw new MlfError(
      'MLF-E602',
      `the signature verifies, but its keyId ${sig.keyId} was altered (the key is ${ours})`,
    );
}

/**
 * Signs an archive (or folder): embedded by default, re-packing it canonically with
 * `.mlf/signature.json` added (member bytes unchanged; an old signature is replaced), or detached.
 * @throws MlfError E604 for a bad key, E901 for an embedded signature of a folder without
 *   `output`, E904 when the destination exists (without `force`), any reader code for the input.
 */
export async function signArchive(input: string, options: SignOptions): Promise<SignResult> {
  const privateKey = await loadSigningKey(options.key, 'private');
  const detached = options.detached ?? false;
  const contents = await openArchivePath(input);
  try {
    if (!detached && contents.container === 'folder' && options.output === undefined) {
      throw new MlfError('MLF-E901', `${input} is a folder: give -o ARCHIVE for the signed archive, or --detached`);
    }
    const manifest = await computeManifest(contents, { hashMember });
    const sig = signManifest(manifest, privateKey);
    const members = Object.keys(manifest.members).length;
    const output = options.output ?? (detached ? `${input}.sig` : input);
    const rules = { force: options.force ?? false, inputs: [input] };
    if (detached)
      await writeFileAtomic(output, encodeSignature(sig), { ...rules, accepts: isJson, kindName: 'a signature file' });
    else
      await writeSigned(
        contents,
        manifest,
        encodeSignature(sig),
        output,
        options.output === undefined
          ? { force: true, compression: containerCompression(contents) } // in place: replaces the input by design
          : rules,
      );
    return { output, keyId: sig.keyId, members };
  } finally {
    await contents.close?.(); // after writing: signing in place renames the new archive over the one read
  }
}

function containerCompression(contents: ArchiveContents): Compression {
  return contents.container === 'gzip' ? 'gzip' : contents.container === 'zstd' ? 'zstd' : 'none';
}

/**
 * Verifies an archive against a public key and names what changed since signing.
 * @throws MlfError E601 (no signature), E602 (signature invalid), E604 (bad key), E605
 *   (malformed signature), or any reader code for the archive. Member changes are not thrown:
 *   they come back in the result with `valid: false`.
 */
export async function verifyArchive(input: string, options: VerifyOptions): Promise<VerifyResult> {
  const publicKey = await loadSigningKey(options.publicKey, 'public');
  const contents = await openArchivePath(input);
  try {
    const { bytes, source } = await findSignature(input, contents, options.signature);
    const sig = parseSignature(bytes, source === 'embedded' ? SIGNATURE_MEMBER : source);
    checkSignature(sig, publicKey);
    const diff = diffManifests(sig.manifest, await computeManifest(contents, { hashMember }));
    const valid = diff.changed.length + diff.added.length + diff.removed.length === 0;
    return { valid, keyId: sig.keyId, source, members: Object.keys(sig.manifest.members).length, ...diff };
  } finally {
    await contents.close?.();
  }
}

async function findSignature(
  input: string,
  contents: ArchiveContents,
  detached: string | undefined,
): Promise<{ bytes: Uint8Array; source: string }> {
  if (detached !== undefined) return { bytes: await readSmallFile(detached, 'signature'), source: detached };
  const member = contents.members.get(SIGNATURE_MEMBER);
  if (member !== undefined) {
    if (member.size > DEFAULT_LIMITS.maxMetadataBytes)
      throw new MlfError('MLF-E605', `${SIGNATURE_MEMBER} has ${member.size} bytes, too many for a signature`);
    return { bytes: await member.read(), source: 'embedded' };
  }
  const beside = `${input}.sig`;
  if (await exists(beside)) return { bytes: await readSmallFile(beside, 'signature'), source: beside };
  throw new MlfError('MLF-E601', `${input} has no embedded ${SIGNATURE_MEMBER} and there is no ${beside}`);
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
