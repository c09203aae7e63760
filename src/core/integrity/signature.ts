import { encodeUtf8 } from '../common/bytes.js';
import { isRecord, parseJsonText } from '../common/json.js';
import { MlfError } from '../errors/errors.js';
import { canonicalJson, type MlfManifest, parseManifest } from './manifest.js';
import type { SignedContainer } from './signed-tail.js';

/**
 * Signature documents (docs/security.md): their fields, canonical bytes and strict parsing.
 * Browser-safe; signing and checking with keys live in the Node side (src/node/trust/sign.ts).
 */

/** Format tag of a signature document. */
export const SIGNATURE_FORMAT = 'mlf-signature/2';

/** Length and lower-case hex SHA-256 of a byte range. */
export interface ByteDigest {
  bytes: number;
  sha256: string;
}

/**
 * A signature document. The Ed25519 signature is over the canonical JSON of every other field
 * (the document without `signature`), so the key id, mode, container and digests are signed too.
 */
export interface MlfSignature {
  format: typeof SIGNATURE_FORMAT;
  algorithm: 'ed25519';
  /** `sha256:` + hex SHA-256 of the signer's public key (SPKI DER). */
  keyId: string;
  /** `embedded`: the last member of the archive; `detached`: a file of its own. */
  mode: 'embedded' | 'detached';
  /** What the signed file is; `folder` only for detached signatures of an extracted folder. */
  container: SignedContainer | 'folder';
  /**
   * File bytes: embedded, those before the signature's tail (see `encodeSignedTail`); detached, the
   * whole file. Null for a folder.
   */
  archive: ByteDigest | null;
  /** Decoded tar bytes: embedded, those before the signature member's header; detached, all. Null for a folder. */
  tar: ByteDigest | null;
  /**
   * Embedded: the mtime (seconds) in the header of `.mlf/signature.json`, which a verifier rebuilds
   * (SOURCE_DATE_EPOCH when signed with it, else 499162500). Detached: null.
   */
  mtime: number | null;
  /** Every member (embedded: but the signature itself), for naming what changed. */
  manifest: MlfManifest;
  /** Base64 Ed25519 signature. */
  signature: string;
}

/** The signed fields of a document. */
export type SignedStatement = Omit<MlfSignature, 'format' | 'algorithm' | 'keyId' | 'signature'>;

/** The bytes an Ed25519 signature of a document covers: the canonical JSON of all but `signature`. */
export function signedBytes(doc: Omit<MlfSignature, 'signature'>): Uint8Array {
  return encodeUtf8(canonicalJson({ ...doc }));
}

/** A signature document as bytes: its canonical JSON (sorted keys, no whitespace, no newline). */
export function encodeSignature(sig: MlfSignature): Uint8Array {
  return encodeUtf8(canonicalJson(sig));
}

const KEYS = 'algorithm,archive,container,format,keyId,manifest,mode,mtime,signature,tar';

/**
 * Parses a signature document strictly: exactly its keys, a valid manifest and digests, a 64-byte
 * base64 signature, and bytes that are exactly its canonical form (so no byte can change unnoticed).
 * @throws MlfError E606 for an `mlf-signature/1` document, E605 for anything else malformed.
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
  if (raw.format === 'mlf-signature/1') {
    throw new MlfError(
      'MLF-E606',
      `signature ${where} is an mlf-signature/1 document, which covered member bytes only; sign the archive again with mlf sign`,
    );
  }
  if (raw.format !== SIGNATURE_FORMAT) bad(`format is ${JSON.stringify(raw.format)}, expected "${SIGNATURE_FORMAT}"`);
  const keys = Object.keys(raw).sort().join(',');
  if (keys !== KEYS) bad(`keys are {${keys}}, expected {${KEYS}}`);
  if (raw.algorithm !== 'ed25519') bad(`algorithm is ${JSON.stringify(raw.algorithm)}, expected "ed25519"`);
  if (typeof raw.keyId !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(raw.keyId))
    bad('keyId is not "sha256:" and 64 hex digits');
  if (raw.mode !== 'embedded' && raw.mode !== 'detached') bad('mode is not "embedded" or "detached"');
  const containers = raw.mode === 'embedded' ? ['tar', 'gzip', 'zstd'] : ['tar', 'gzip', 'zstd', 'folder'];
  if (typeof raw.container !== 'string' || !containers.includes(raw.container))
    bad(`container is not one of ${containers.join(', ')} for a ${String(raw.mode)} signature`);
  const folder = raw.container === 'folder';
  const digest = (v: unknown, name: string): ByteDigest | null => {
    if (folder) return v === null ? null : bad(`${name} must be null for a folder`);
    if (!isRecord(v) || Object.keys(v).sort().join(',') !== 'bytes,sha256')
      return bad(`${name} needs exactly bytes and sha256`);
    if (typeof v.bytes !== 'number' || !Number.isSafeInteger(v.bytes) || v.bytes < 0)
      bad(`${name}.bytes is not a non-negative integer`);
    if (typeof v.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(v.sha256)) bad(`${name}.sha256 is not 64 hex digits`);
    return { bytes: v.bytes as number, sha256: v.sha256 as string };
  };
  const mtime =
    raw.mode === 'detached'
      ? raw.mtime === null
        ? null
        : bad('mtime must be null for a detached signature')
      : typeof raw.mtime === 'number' && Number.isSafeInteger(raw.mtime) && raw.mtime >= 0 && raw.mtime <= 0o77777777777
        ? raw.mtime
        : bad('mtime is not a whole number of seconds that fits a tar header');
  if (typeof raw.signature !== 'string' || !/^[A-Za-z0-9+/]{86}==$/.test(raw.signature))
    bad('signature is not 64 bytes of base64');
  const sig: MlfSignature = {
    format: SIGNATURE_FORMAT,
    algorithm: 'ed25519',
    keyId: raw.keyId as string,
    mode: raw.mode as MlfSignature['mode'],
    container: raw.container as MlfSignature['container'],
    archive: digest(raw.archive, 'archive'),
    tar: digest(raw.tar, 'tar'),
    mtime,
    manifest: parseManifest(raw.manifest),
    signature: raw.signature as string,
  };
  if (canonicalJson(sig) !== text) bad('is not in canonical form (sorted keys, no whitespace)');
  return sig;
}
