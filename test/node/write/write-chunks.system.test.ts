// writeChunksAtomic writes a gathered (owned) batch in the background while the producer goes on,
// but a large chunk passed through as it is may be a reused read buffer: it must be on disk (or
// flushed by the stream) before the producer is resumed.
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { writeChunksAtomic } from '../../../src/node/write/write-stream.js';

const MiB = 1024 * 1024;
const dir = mkdtempSync(join(tmpdir(), 'mlf-write-chunks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** 40 chunks: large ones in one reused buffer refilled on resume, small fresh ones between. */
async function* producer(): AsyncGenerator<Uint8Array> {
  const reused = new Uint8Array(2 * MiB);
  for (let i = 0; i < 40; i++) {
    if (i % 3 === 2) yield new Uint8Array(100_000).fill(200 + (i % 50));
    else {
      reused.fill(i);
      yield reused;
    }
  }
}

async function expected(): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of producer()) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

describe('writeChunksAtomic', () => {
  it('writes every chunk of a producer that reuses its buffer, to a file', async () => {
    const want = await expected();
    const dest = join(dir, 'out.bin');
    const w = await writeChunksAtomic(dest, producer());
    const got = readFileSync(dest);
    expect(got.equals(want)).toBe(true);
    expect(w).toMatchObject({ bytes: want.byteLength, sha256: createHash('sha256').update(want).digest('hex') });
  });

  it('writes every chunk of a producer that reuses its buffer, to a slow stream', async () => {
    const want = await expected();
    const got: Buffer[] = [];
    const stream = new Writable({
      highWaterMark: 64 * MiB, // write() says "go on" at once: only the callback says the bytes are taken
      write(chunk: Buffer, _enc, done) {
        setTimeout(() => {
          got.push(Buffer.from(chunk)); // looked at later, as a socket or pipe would
          done();
        }, 2);
      },
    });
    const w = await writeChunksAtomic({ stream, name: '-' }, producer());
    await new Promise<void>((r) => stream.end(r));
    expect(Buffer.concat(got).equals(want)).toBe(true);
    expect(w.bytes).toBe(want.byteLength);
  });

  it('leaves no file when the producer fails, with a write and a flush in flight', async () => {
    const dest = join(dir, 'failed.bin');
    async function* failing(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < 300; i++) yield new Uint8Array(MiB).fill(i); // past one early flush (256 MiB)
      throw new Error('producer failed');
    }
    await expect(writeChunksAtomic(dest, failing())).rejects.toThrow('producer failed');
    expect(readdirSync(dir).filter((f) => f.includes('failed'))).toEqual([]);
  });
});
