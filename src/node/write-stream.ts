import { randomBytes } from 'node:crypto';
import { lstat, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { ArchiveMember } from '../core/archive.js';
import { MlfError } from '../core/errors.js';
import type { TarPlan } from '../core/tar-write.js';

/** Bytes read from a member per call when it supports `readRange`. */
export const STREAM_CHUNK = 8 * 1024 * 1024;

/** Headers and padding are gathered up to this size before one write. */
const SMALL_WRITE = 1024 * 1024;

/** Where each planned file's bytes come from: `readRange` in chunks when present, else `read()`. */
export type MemberSource = Pick<ArchiveMember, 'read' | 'readRange'>;

/** Options of `writeTarPlanAtomic`. */
export interface StreamWriteOptions {
  /** Replace an existing destination. @default false */
  force?: boolean;
  /** Bytes per `readRange` call. @default STREAM_CHUNK */
  chunkSize?: number;
}

/**
 * Writes a planned tar (see `planTar`/`planCanonical`) to `dest` without holding it in memory:
 * into a temporary sibling opened with `wx`, member data copied in chunks, fsync, then a rename —
 * the destination is either the complete archive or untouched (same rules as `writeFileAtomic`).
 * @throws MlfError E904 when the destination exists (without `force`) or cannot be written, E009
 *   when a member's bytes do not match its planned size; errors of the members' readers as they are.
 */
export async function writeTarPlanAtomic(dest: string, plan: TarPlan, member: (path: string) => MemberSource, options: StreamWriteOptions = {}): Promise<void> {
  if (!options.force && (await exists(dest))) throw new MlfError('MLF-E904', `${dest} already exists; use --force to replace it`);
  const chunk = options.chunkSize ?? STREAM_CHUNK;
  const tmp = join(dirname(dest), `.${basename(dest)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(tmp, 'wx', 0o644);
    const fh = handle;
    let pending: Uint8Array[] = [];
    let pendingBytes = 0;
    const writeAll = async (buf: Uint8Array) => {
      let done = 0;
      while (done < buf.byteLength) done += (await fh.write(buf, done, buf.byteLength - done)).bytesWritten;
    };
    const flush = async () => {
      if (pendingBytes === 0) return;
      const buf = pending.length === 1 ? (pending[0] as Uint8Array) : Buffer.concat(pending, pendingBytes);
      pending = [];
      pendingBytes = 0;
      await writeAll(buf);
    };
    const queue = async (buf: Uint8Array) => {
      if (buf.byteLength === 0) return;
      pending.push(buf);
      pendingBytes += buf.byteLength;
      if (pendingBytes >= SMALL_WRITE) await flush();
    };
    for (const entry of plan.entries) {
      await queue(entry.header);
      if (entry.path !== undefined) {
        const path = entry.path;
        const src = member(path);
        let copied = 0;
        const take = async (bytes: Uint8Array) => {
          if (copied + bytes.byteLength > entry.size) throw sizeError(path, entry.size);
          copied += bytes.byteLength;
          if (bytes.byteLength < SMALL_WRITE) await queue(bytes.slice());
          else {
            await flush();
            await writeAll(bytes);
          }
        };
        if (src.readRange !== undefined) {
          while (copied < entry.size) {
            const bytes = await src.readRange(copied, Math.min(chunk, entry.size - copied));
            if (bytes.byteLength === 0) break;
            await take(bytes);
          }
        } else await take(await src.read());
        if (copied !== entry.size) throw sizeError(path, entry.size);
      }
      if (entry.pad > 0) await queue(new Uint8Array(entry.pad));
    }
    await queue(plan.trailer);
    await flush();
    await fh.sync();
    await fh.close();
    handle = undefined;
    await rename(tmp, dest);
  } catch (e) {
    await handle?.close().catch(() => undefined);
    await rm(tmp, { force: true });
    if (e instanceof MlfError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === undefined) throw e;
    throw new MlfError('MLF-E904', `cannot write ${dest}: ${code}`);
  }
}

function sizeError(path: string, size: number): MlfError {
  return new MlfError('MLF-E009', `pack: ${path} changed while it was written (expected ${size} bytes)`, { member: path });
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}
