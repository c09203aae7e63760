import { createHash } from 'node:crypto';
import { lstat } from 'node:fs/promises';
import { type ArchiveContents, openTar } from '../../core/archive/archive.js';
import { detectContainer } from '../../core/compression/compression.js';
import { MlfError } from '../../core/errors/errors.js';
import type { ByteSource } from '../../core/common/source.js';
import type { SignedContainer } from '../../core/integrity/signed-tail.js';
import { readTarIndex, type TarIndex } from '../../core/tar/read.js';
import { inflateToSource } from '../read/inflate.js';
import { type ClosableSource, fileSource } from '../read/source.js';

/**
 * An archive file opened for signing or verifying: the file bytes, the decoded tar (the same
 * source for a `.tar`), its header index and its members. Reading is as strict as every reader's
 * (a container or tar construct read differently elsewhere is refused); on top, the tar must end
 * with its end-of-archive marker (MLF-E002), which a signature must cover.
 */
export interface TrustArchive {
  container: SignedContainer;
  file: ByteSource;
  tar: ByteSource;
  index: TarIndex;
  contents: ArchiveContents;
  close(): Promise<void>;
}

/** Whether `path` is a folder (signed as files only, detached). @throws MlfError E902. */
export async function isFolder(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isDirectory();
  } catch (e) {
    throw new MlfError('MLF-E902', `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

/** Opens an archive file for trust decisions. @throws MlfError E002 without end marker; any reader code. */
export async function openTrustArchive(path: string): Promise<TrustArchive> {
  let file: ClosableSource;
  try {
    file = await fileSource(path);
  } catch (e) {
    throw new MlfError('MLF-E902', `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  let tar: ClosableSource = file;
  try {
    const kind = detectContainer(await file.read(0, Math.min(file.byteLength, 512)));
    if (kind === 'unknown') throw new MlfError('MLF-E010', `${path}: not a tar, gzip or zstd file`, { offset: 0 });
    if (kind !== 'tar') tar = await inflateToSource(file, kind);
    const index = await readTarIndex(tar);
    if (!index.endMarker) {
      throw new MlfError(
        'MLF-E002',
        `${path}: the tar has no complete end-of-archive marker (two zero blocks) at offset ${index.byteLength}; a signature covers whole archives only`,
        { offset: index.byteLength },
      );
    }
    const contents = await openTar(tar, { container: kind });
    const close = async () => {
      await file.close();
      if (tar !== file) await tar.close();
    };
    return { container: kind, file, tar, index, contents, close };
  } catch (e) {
    await file.close().catch(() => undefined);
    if (tar !== file) await tar.close().catch(() => undefined);
    throw e;
  }
}

const CHUNK = 8 * 1024 * 1024;

/** `{bytes, sha256}` of `[0, length)` of a source, read in chunks. */
export async function digestRange(source: ByteSource, length: number): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  for (let at = 0; at < length; at += CHUNK) hash.update(await source.read(at, Math.min(CHUNK, length - at)));
  return { bytes: length, sha256: hash.digest('hex') };
}

/** Whether `[offset, offset + expected.length)` of a source is exactly `expected` and the source ends there. */
export async function endsWith(source: ByteSource, offset: number, expected: Uint8Array): Promise<boolean> {
  if (offset < 0 || source.byteLength !== offset + expected.byteLength) return false;
  for (let at = 0; at < expected.byteLength; at += CHUNK) {
    const want = expected.subarray(at, at + CHUNK);
    const got = await source.read(offset + at, want.byteLength);
    if (Buffer.compare(got, want) !== 0) return false;
  }
  return true;
}
