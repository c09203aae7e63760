/**
 * Compressed fixtures and chunked streams for test/node/read/inflate-stream*.test.ts.
 */
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import zlib from 'node:zlib';
import { afterAll } from 'vitest';
import { FIXTURES, runBytes as cli, sh } from './common.js';

/** The TVM 0.18 fixture tars: paths, bytes, and all of them concatenated. */
export const fixtureTars = (readdirSync(FIXTURES, { recursive: true }) as string[])
  .filter((p) => p.startsWith('tvm-0.18') && p.endsWith('model.tar'))
  .sort()
  .map((p) => join(FIXTURES, p));
export const tars = fixtureTars.map((p) => new Uint8Array(readFileSync(p)));
export const all = new Uint8Array(Buffer.concat(tars));

/** A compressed input and the tar it decodes to. */
export interface Compressed {
  name: string;
  kind: 'gzip' | 'zstd';
  bytes: Uint8Array;
  tar: Uint8Array;
}

/** Every fixture as gzip (CLI, node:zlib) and zstd (CLI at several levels), plus multi-member/multi-frame inputs. */
export const compressedInputs = (): Compressed[] => [
  ...tars.flatMap((t, i) => [
    { name: `${i} gzip -6`, kind: 'gzip' as const, bytes: cli('gzip', ['-c', '-6'], t), tar: t },
    { name: `${i} gzipSync`, kind: 'gzip' as const, bytes: new Uint8Array(zlib.gzipSync(t)), tar: t },
    { name: `${i} zstd -3`, kind: 'zstd' as const, bytes: cli('zstd', ['-c', '-q', '-3'], t), tar: t },
    {
      name: `${i} zstd -19 --check`,
      kind: 'zstd' as const,
      bytes: cli('zstd', ['-c', '-q', '-19', '--check'], t),
      tar: t,
    },
  ]),
  {
    name: 'multi-member gzip',
    kind: 'gzip',
    bytes: new Uint8Array(Buffer.concat(tars.map((t) => zlib.gzipSync(t)))),
    tar: all,
  },
  {
    name: 'multi-frame zstd',
    kind: 'zstd',
    bytes: new Uint8Array(Buffer.concat(tars.map((t) => cli('zstd', ['-c', '-q'], t)))),
    tar: all,
  },
  {
    name: 'zstd of two frames, one with a checksum',
    kind: 'zstd',
    bytes: new Uint8Array(
      Buffer.concat([cli('zstd', ['-c', '-q', '--check'], tars[0]!), cli('zstd', ['-c', '-q'], tars[1]!)]),
    ),
    tar: new Uint8Array(Buffer.concat([tars[0]!, tars[1]!])),
  },
  {
    name: 'piped zstd (no content size)',
    kind: 'zstd',
    bytes: new Uint8Array(sh(`cat ${fixtureTars.map((p) => `'${p}'`).join(' ')} | zstd -c -q`)),
    tar: all,
  },
];

/** `bytes` cut at the given offsets (any order, duplicates allowed: empty chunks are fed too). */
export async function* cutAt(bytes: Uint8Array, cuts: number[]): AsyncGenerator<Uint8Array> {
  let from = 0;
  for (const c of [...cuts].sort((a, b) => a - b)) {
    yield bytes.slice(from, c);
    from = c;
  }
  yield bytes.slice(from);
}

/** The chunks, concatenated. */
export async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of chunks) parts.push(c);
  return new Uint8Array(Buffer.concat(parts));
}

/**
 * A scratch folder for one test file, removed after it, and fresh empty folders in it for temporary
 * files (so that what is left in one is ours alone). Call at the top level of the test file.
 */
export function inflateScratch(prefix: string): { work: string; freshTempDir: () => string } {
  const work = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  return { work, freshTempDir: () => mkdtempSync(join(work, 'tmp-')) };
}

/** This process's open files that live in `dir` (Linux: /proc/self/fd), with readlink's view of them. */
export function openFilesIn(dir: string): { fd: string; target: string }[] {
  return readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      return target.startsWith(`${dir}/`) ? [{ fd: `/proc/self/fd/${fd}`, target }] : [];
    } catch {
      return []; // the fd readdir itself used, closed by now
    }
  });
}
