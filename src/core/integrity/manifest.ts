import type { ArchiveContents, ArchiveMember } from '../archive/archive.js';
import { encodeUtf8 } from '../common/bytes.js';
import { MlfError } from '../errors/errors.js';
import { sha256Hex } from '../archive/inspect.js';
import { isRecord } from '../common/json.js';
import { isSignatureMember } from '../metadata/layout.js';

/**
 * Integrity manifests: the SHA-256 and size of every member of an archive, in one canonical JSON
 * text that anyone can recompute and sign (docs/security.md). Browser-safe: WebCrypto only.
 */

/** Format tag of a manifest. A new tag, never a changed meaning, if the format ever changes. */
export const MANIFEST_FORMAT = 'mlf-manifest/1';

/** Digest of one member. */
export interface ManifestEntry {
  /** Lower-case hex SHA-256 of the member bytes. */
  sha256: string;
  size: number;
}

/** `{"algorithm":"sha256","format":"mlf-manifest/1","members":{path:{sha256,size}}}`. */
export interface MlfManifest {
  format: typeof MANIFEST_FORMAT;
  algorithm: 'sha256';
  /** Keyed by normalised member path (no `./`); a null-prototype object, so `__proto__` is a path. */
  members: Record<string, ManifestEntry>;
}

/** Members of a signed manifest that differ from the archive. */
export interface ManifestDiff {
  /** In both, with other bytes. */
  changed: string[];
  /** In the archive only. */
  added: string[];
  /** In the manifest only. */
  removed: string[];
}

/** Options of `computeManifest`. */
export interface ManifestOptions {
  /**
   * SHA-256 (hex) of one member's bytes, checking they match its size. Node passes a hasher that
   * reads members in chunks (`hashMember`); without it each member is read whole and hashed with
   * WebCrypto, which has no incremental API.
   */
  hashMember?: (member: ArchiveMember) => Promise<string>;
}

/**
 * The manifest of every regular file of an archive or folder, except the embedded signature
 * (`.mlf/signature.json`). Directories, modes, owners and mtimes are not part of it.
 * @throws MlfError E009 when a member's bytes do not match its size; the members' reader codes.
 */
export async function computeManifest(contents: ArchiveContents, options: ManifestOptions = {}): Promise<MlfManifest> {
  const hash = options.hashMember ?? hashWhole;
  const members: Record<string, ManifestEntry> = Object.create(null);
  for (const path of [...contents.members.keys()].sort()) {
    if (isSignatureMember(path)) continue;
    const member = contents.members.get(path) as ArchiveMember;
    members[path] = { sha256: await hash(member), size: member.size };
  }
  return { format: MANIFEST_FORMAT, algorithm: 'sha256', members };
}

async function hashWhole(member: ArchiveMember): Promise<string> {
  const data = await member.read();
  if (data.byteLength !== member.size) throw sizeChanged(member.path, data.byteLength, member.size);
  return sha256Hex(data);
}

/** E011 for a member whose bytes did not match its size while being read (a file changed): hashing, packing. */
export function sizeChanged(path: string, read: number, size: number): MlfError {
  return new MlfError('MLF-E011', `${path}: ${read} bytes read, ${size} expected; it changed while being read`, {
    member: path,
  });
}

/**
 * RFC 8785 (JCS) serialisation of JSON data: object keys sorted by UTF-16 code units, no
 * whitespace, strings and numbers as `JSON.stringify` writes them. Integers only: a fraction or
 * a non-finite number has no single spelling across languages, so it is refused.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new MlfError('MLF-E605', `canonical JSON: ${value} is not a safe integer`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isRecord(value)) {
    const keys = Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  throw new MlfError('MLF-E605', `canonical JSON: cannot serialise a ${typeof value}`);
}

/** The canonical bytes of a manifest: UTF-8 of `canonicalJson(manifest)`. These are what is signed. */
export function encodeManifest(manifest: MlfManifest): Uint8Array {
  return encodeUtf8(canonicalJson(manifest));
}

/**
 * Checks parsed JSON strictly as a manifest: exactly the keys `format`, `algorithm`, `members`;
 * each member exactly `sha256` (64 lower-case hex digits) and `size` (a non-negative integer).
 * @throws MlfError E605 naming the first problem.
 */
export function parseManifest(value: unknown): MlfManifest {
  const bad = (why: string): never => {
    throw new MlfError('MLF-E605', `manifest: ${why}`);
  };
  if (!isRecord(value) || !sameKeys(value, ['algorithm', 'format', 'members']))
    return bad('expected exactly "format", "algorithm" and "members"');
  if (value.format !== MANIFEST_FORMAT) bad(`format is ${JSON.stringify(value.format)}, expected "${MANIFEST_FORMAT}"`);
  if (value.algorithm !== 'sha256') bad(`algorithm is ${JSON.stringify(value.algorithm)}, expected "sha256"`);
  if (!isRecord(value.members)) return bad('"members" must be an object');
  const members: Record<string, ManifestEntry> = Object.create(null);
  for (const [path, e] of Object.entries(value.members)) {
    if (!isRecord(e) || !sameKeys(e, ['sha256', 'size']))
      return bad(`member ${JSON.stringify(path)} needs exactly "sha256" and "size"`);
    if (typeof e.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(e.sha256))
      bad(`member ${JSON.stringify(path)}: sha256 must be 64 lower-case hex digits`);
    if (typeof e.size !== 'number' || !Number.isSafeInteger(e.size) || e.size < 0)
      bad(`member ${JSON.stringify(path)}: size must be a non-negative integer`);
    members[path] = { sha256: e.sha256 as string, size: e.size as number };
  }
  return { format: MANIFEST_FORMAT, algorithm: 'sha256', members };
}

/** What differs between a signed manifest and the one of the archive now; each list sorted. */
export function diffManifests(signed: MlfManifest, actual: MlfManifest): ManifestDiff {
  const changed: string[] = [];
  const removed: string[] = [];
  for (const [path, e] of Object.entries(signed.members)) {
    const now = Object.hasOwn(actual.members, path) ? actual.members[path] : undefined;
    if (now === undefined) removed.push(path);
    else if (now.sha256 !== e.sha256 || now.size !== e.size) changed.push(path);
  }
  const added = Object.keys(actual.members).filter((p) => !Object.hasOwn(signed.members, p));
  return { changed: changed.sort(), added: added.sort(), removed: removed.sort() };
}

function sameKeys(o: Record<string, unknown>, keys: string[]): boolean {
  const own = Object.keys(o).sort();
  return own.length === keys.length && own.every((k, i) => k === keys[i]);
}
