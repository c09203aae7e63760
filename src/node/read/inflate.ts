import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, statSync } from 'node:fs';
import { type FileHandle, open, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { concatBytes } from '../../core/common/bytes.js';
import { inflateChunks } from '../../core/compression/compression.js';
import { MlfError } from '../../core/errors/errors.js';
import type { Limits } from '../../core/common/limits.js';
import { bytesSource, type ByteSource } from '../../core/common/source.js';
import { type ClosableSource, handleSource } from './source.js';
import { throughZlib } from '../write/zlib-stream.js';

/**
 * Streaming decompression of archive files into something seekable. The compressed file is read
 * in chunks and decoded by node:zlib (gzip; zstd on Node >= 22.15) or fzstd; the tar stays in
 * memory while small and otherwise goes to an unlinked temporary file, so memory stays bounded
 * whatever the archive's size and the tar reader keeps its header-only, random-access path.
 */

/** Options of `inflateToSource`. */
export interface InflateFileOptions {
  limits?: Partial<Limits>;
  /** Output up to this many bytes stays in memory; past it, it goes to a temporary file (default 32 MiB). */
  spillBytes?: number;
  /** Folder for the temporary file (default `os.tmpdir()`). */
  tempDir?: string;
}

const MiB = 1024 * 1024;
const SPILL_BYTES = 32 * MiB;
const READ_BYTES = 1 * MiB;
const OUT_CHUNK = 256 * 1024;
const WRITES_IN_FLIGHT = 8 * MiB;

/**
 * Decompresses a gzip or zstd archive read from `source` into a random-access source over the
 * tar; `close()` it when done (that closes the temporary file, which is already unlinked).
 * @throws MlfError E008 (corrupt), E009 (limits, as `inflateChunks`), E904 (temporary file).
 */
export async function inflateToSource(
  source: ByteSource,
  container: 'gzip' | 'zstd',
  options: InflateFileOptions = {},
): Promise<ClosableSource> {
  const spillAt = options.spillBytes ?? SPILL_BYTES;
  const chunks = inflateChunks(readChunks(source), container, {
    limits: options.limits,
    inputBytes: source.byteLength,
    decoder: nativeDecoder(container),
  });
  let held: Uint8Array[] = [];
  let heldBytes = 0;
  let temp: TempFile | undefined;
  try {
    for await (const chunk of chunks) {
      if (temp !== undefined) {
        await temp.append(chunk);
        continue;
      }
      held.push(chunk);
      heldBytes += chunk.byteLength;
      if (heldBytes <= spillAt) continue;
      temp = await createTempFile(options.tempDir ?? tmpdir());
      for (const c of held) await temp.append(c);
      held = [];
    }
    if (temp === undefined) return { ...bytesSource(concatBytes(held)), close: async () => undefined };
    return await temp.finish();
  } catch (e) {
    await temp?.discard();
    throw e;
  }
}

/** The source in chunks, the next one read while the current one decodes. */
async function* readChunks(source: ByteSource): AsyncGenerator<Uint8Array> {
  const readAt = (at: number) => {
    const p = source.read(at, READ_BYTES);
    p.catch(() => undefined); // awaited below, unless decoding stopped first
    return p;
  };
  let next = readAt(0);
  for (let at = 0; at < source.byteLength; at += READ_BYTES) {
    const chunk = await next;
    if (at + READ_BYTES < source.byteLength) next = readAt(at + READ_BYTES);
    yield chunk;
  }
}

type ZlibFactory = (options: zlib.ZlibOptions) => Transform;

/** node:zlib's zstd (Node >= 22.15; not in @types/node 20). */
const createZstdDecompress = (zlib as unknown as { createZstdDecompress?: ZlibFactory }).createZstdDecompress;

/**
 * The native decoder for `container`: node:zlib's (gzip; zstd on Node >= 22.15), else the
 * system `zstd` when it is on PATH (fzstd, core's pure-JS decoder, runs at ~65 MB/s here against
 * the CLI's ~600 MB/s; decoding has no reproducibility concern), else undefined: core's own.
 */
function nativeDecoder(
  container: 'gzip' | 'zstd',
): ((input: AsyncIterable<Uint8Array>) => AsyncIterable<Uint8Array>) | undefined {
  const make = container === 'gzip' ? zlib.createGunzip : createZstdDecompress;
  if (make !== undefined) return (input) => throughZlibToEnd(input, container, () => make({ chunkSize: OUT_CHUNK }));
  const cli = container === 'zstd' ? findZstdCli() : undefined;
  return cli === undefined ? undefined : (input) => throughProcess(input, cli, ['-d', '-c', '-q']);
}

/**
 * node:zlib, then a check that it consumed the whole input: its gunzip ends quietly at a zero byte
 * after a member (where Python's gzip skips zeros and reads a further member) and ignores what
 * follows. `bytesWritten` counts the input bytes the codec consumed.
 */
async function* throughZlibToEnd(
  input: AsyncIterable<Uint8Array>,
  container: 'gzip' | 'zstd',
  create: () => Transform,
): AsyncGenerator<Uint8Array> {
  let fed = 0;
  let first = -1;
  let codec: Transform | undefined;
  const counted = async function* (): AsyncGenerator<Uint8Array> {
    for await (const chunk of input) {
      if (fed === 0 && chunk.byteLength >= 2) first = ((chunk[0] as number) << 8) | (chunk[1] as number);
      fed += chunk.byteLength;
      yield chunk;
    }
  };
  try {
    yield* throughZlib(counted(), () => (codec = create()));
  } catch (e) {
    // zlib says this only of bytes that do not start with the gzip magic: with a good first
    // member, that is junk after a member.
    if (first === 0x1f8b && container === 'gzip' && /incorrect header check/.test(String((e as Error).message)))
      throw new MlfError('MLF-E012', `gzip: bytes that are not a gzip member follow a member of this input`);
    throw e;
  }
  const used = (codec as unknown as { bytesWritten: number } | undefined)?.bytesWritten ?? fed;
  if (used < fed)
    throw new MlfError(
      'MLF-E012',
      `${container}: ${fed - used} bytes follow the last ${container === 'gzip' ? 'gzip member' : 'zstd frame'}, at offset ${used}`,
      { offset: used },
    );
}

let zstdCli: string | null | undefined;

/** The `zstd` executable on PATH (looked up once), unless MLF_ZSTD_CLI=0 asks for the built-in decoder. */
export function findZstdCli(): string | undefined {
  if (process.env.MLF_ZSTD_CLI === '0') return undefined;
  zstdCli ??=
    (process.env.PATH ?? '')
      .split(delimiter)
      .filter((dir) => dir !== '')
      .map((dir) => join(dir, process.platform === 'win32' ? 'zstd.exe' : 'zstd'))
      .find((file) => {
        try {
          accessSync(file, constants.X_OK);
          return statSync(file).isFile();
        } catch {
          return false;
        }
      }) ?? null;
  return zstdCli ?? undefined;
}

/**
 * Pipes chunks through a decoding process (no shell). Its output is read only as fast as it is
 * counted, so a bomb stops at the budget; the process is killed whenever reading stops early, and
 * a non-zero exit becomes an error carrying what it printed.
 */
async function* throughProcess(
  input: AsyncIterable<Uint8Array>,
  command: string,
  args: string[],
): AsyncGenerator<Uint8Array> {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    if (stderr.length < 4096) stderr += d.toString();
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  });
  exited.catch(() => undefined); // awaited below, unless reading stopped first
  pipeline(Readable.from(input), child.stdin).catch(() => undefined); // input errors are reported by inflateChunks; EPIPE when the decoder quits
  try {
    for await (const chunk of child.stdout) yield chunk as Buffer;
    const code = await exited;
    if (code !== 0) throw new Error(`${command} exited with ${code}: ${stderr.trim().replace(/\s+/g, ' ')}`);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill();
  }
}

interface TempFile {
  append(chunk: Uint8Array): Promise<void>;
  /** Writes what is pending and hands the file over as a source. */
  finish(): Promise<ClosableSource>;
  discard(): Promise<void>;
}

/**
 * A new file in `dir` with an unguessable name, created exclusively (never an existing file or a
 * planted link) with mode 0600 and unlinked at once where the platform allows it (POSIX), so
 * nothing is left behind even if the process is killed; elsewhere it is removed on close.
 * Writes are positional, so several go out at once while decoding goes on, up to a few MiB.
 */
async function createTempFile(dir: string): Promise<TempFile> {
  const path = join(dir, `mlf-inflate-${randomBytes(16).toString('hex')}.tar`);
  const handle = await tempCall(dir, () => open(path, 'wx+', 0o600));
  const linked = await unlink(path).then(
    () => false,
    () => true,
  );
  const release = async () => {
    await handle.close();
    if (linked) await rm(path, { force: true });
  };
  let size = 0;
  const inFlight: { done: Promise<void>; bytes: number }[] = [];
  let inFlightBytes = 0;
  let failure: { error: unknown } | undefined;
  const settle = async (upTo: number) => {
    while (inFlightBytes > upTo) {
      const oldest = inFlight.shift()!;
      await oldest.done;
      inFlightBytes -= oldest.bytes;
    }
    if (failure !== undefined) throw failure.error;
  };
  return {
    async append(chunk) {
      const at = size;
      const done = tempCall(dir, () => writeAll(handle, chunk, at)).catch((e: unknown) => {
        failure ??= { error: e };
      });
      inFlight.push({ done, bytes: chunk.byteLength });
      inFlightBytes += chunk.byteLength;
      size += chunk.byteLength;
      await settle(WRITES_IN_FLIGHT);
    },
    async finish() {
      await settle(0);
      return handleSource(handle, size, release);
    },
    async discard() {
      await settle(0).catch(() => undefined);
      await release().catch(() => undefined); // the error that brought us here is the one to report
    },
  };
}

async function writeAll(handle: FileHandle, chunk: Uint8Array, position: number): Promise<void> {
  for (let done = 0; done < chunk.byteLength;) {
    const n = (await handle.write(chunk, done, chunk.byteLength - done, position + done)).bytesWritten;
    if (n === 0) throw Object.assign(new Error('short write'), { code: 'ENOSPC' });
    done += n;
  }
}

/** Temporary-file errors as MLF-E904, never raw. */
async function tempCall<T>(dir: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new MlfError(
      'MLF-E904',
      `cannot write the decompressed archive to a temporary file in ${dir}: ${code} (set TMPDIR to a folder with room)`,
    );
  }
}
