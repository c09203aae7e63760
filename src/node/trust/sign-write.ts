import { createHash, type Hash } from 'node:crypto';
import zlib from 'node:zlib';
import type { ArchiveContents, ArchiveMember } from '../../core/archive/archive.js';
import { planCanonical } from '../../core/archive/canonical.js';
import { MlfError } from '../../core/errors/errors.js';
import type { MlfManifest } from '../../core/integrity/manifest.js';
import { encodeSignedTail, type SignedContainer, signatureTarTail } from '../../core/integrity/signed-tail.js';
import { GZIP_HEADER, gzipTrailer } from '../../core/compression/gzip-stored.js';
import { crc32Fast, throughZlib } from '../write/zlib-stream.js';
import { MEMBER_CHUNK } from '../read/member-chunks.js';
import type { Compression } from '../write/compress.js';
import { compressChunks } from '../write/compress-stream.js';
import { chooseCompression } from '../write/write-archive.js';
import { planChunks, writeChunksAtomic } from '../write/write-stream.js';
import type { WriteOptions } from '../write/destination.js';
import { sourceDateEpochFromEnv } from '../write/epoch.js';
import { encodeSignature, type MlfSignature, type SignedStatement } from '../../core/integrity/signature.js';
import { CANONICAL_MTIME } from '../../core/archive/canonical.js';

/**
 * The signed part of the file: the tar as is; zstd frames as `compressChunks` writes them (any
 * codec: they are hashed, not rebuilt); for gzip the opening of one member, its header and raw
 * deflate ending with a sync flush (byte-aligned, not final), which the tail's stored blocks and
 * trailer complete: one member, as browsers' DecompressionStream reads only one.
 */
async function* compressPrefix(
  chunks: AsyncIterable<Uint8Array>,
  compression: Compression,
): AsyncGenerator<Uint8Array> {
  if (compression !== 'gzip') {
    yield* compressChunks(chunks, compression);
    return;
  }
  yield GZIP_HEADER.slice();
  yield* throughZlib(chunks, () => zlib.createDeflateRaw({ level: 6, finishFlush: zlib.constants.Z_SYNC_FLUSH }));
}

/**
 * Writes an archive with an embedded signature, streaming: the canonical tar of the members named
 * in `manifest` (without the end marker) is compressed into complete gzip members or zstd frames
 * while its tar bytes and its file bytes are hashed; the statement with both digests is signed;
 * then the signature's tail (`signatureTarTail`, stored as `encodeSignedTail` does) ends the file.
 * The members are hashed again as they are written: one that changed since the manifest was
 * computed abandons the write (E011), so a signed archive always holds the bytes it claims.
 * Every mtime, the signature's included, is SOURCE_DATE_EPOCH when set (the document records it).
 * @returns the signature document written.
 */
export async function writeSigned(
  contents: ArchiveContents,
  manifest: MlfManifest,
  sign: (statement: SignedStatement) => MlfSignature,
  output: string,
  options: WriteOptions & { compression?: Compression },
): Promise<MlfSignature> {
  const compression = chooseCompression(output, options.compression);
  const container: SignedContainer = compression === 'none' ? 'tar' : compression;
  const hashes = new Map<string, Hash>();
  const mtime = sourceDateEpochFromEnv() ?? CANONICAL_MTIME;
  const plan = planCanonical(
    Object.entries(manifest.members).map(([path, e]) => ({ path, size: e.size })),
    { mtime },
  );
  const tarHash = createHash('sha256');
  let tarBytes = 0;
  let doc: MlfSignature | undefined;
  const tarChunks = async function* (): AsyncGenerator<Uint8Array> {
    const chunks = planChunks(
      { entries: plan.entries, trailer: new Uint8Array(0) }, // the signature's tail ends the archive
      (path) => contents.members.get(path) as ArchiveMember,
      MEMBER_CHUNK,
      (path, bytes) => {
        let h = hashes.get(path);
        if (h === undefined) hashes.set(path, (h = createHash('sha256')));
        h.update(bytes);
      },
    );
    for await (const chunk of chunks) {
      tarHash.update(chunk);
      tarBytes += chunk.byteLength;
      yield chunk;
    }
  };
  let crc = 0; // of the whole tar, for the gzip trailer
  const crcChunks = async function* (): AsyncGenerator<Uint8Array> {
    for await (const chunk of tarChunks()) {
      crc = crc32Fast(chunk, crc);
      yield chunk;
    }
  };
  const fileChunks = async function* (): AsyncGenerator<Uint8Array> {
    const fileHash = createHash('sha256');
    let fileBytes = 0;
    for await (const chunk of compressPrefix(compression === 'gzip' ? crcChunks() : tarChunks(), compression)) {
      fileHash.update(chunk);
      fileBytes += chunk.byteLength;
      yield chunk;
    }
    doc = sign({
      mode: 'embedded',
      container,
      archive: { bytes: fileBytes, sha256: fileHash.digest('hex') },
      tar: { bytes: tarBytes, sha256: tarHash.digest('hex') },
      mtime,
      manifest,
    });
    const tail = signatureTarTail(encodeSignature(doc), tarBytes, mtime);
    const trailer = compression === 'gzip' ? gzipTrailer(crc32Fast(tail, crc), tarBytes + tail.byteLength) : undefined;
    yield encodeSignedTail(container, tail, trailer);
  };
  await writeChunksAtomic(output, fileChunks(), {
    accepts: 'archive',
    ...options,
    compression: 'none',
    beforeCommit: () => {
      for (const [path, e] of Object.entries(manifest.members)) {
        const digest = hashes.get(path)?.digest('hex') ?? createHash('sha256').digest('hex');
        if (digest !== e.sha256)
          throw new MlfError(
            'MLF-E011',
            `sign: ${path} changed while the archive was written; nothing was written, sign again`,
            { member: path },
          );
      }
    },
  });
  return doc as MlfSignature;
}
