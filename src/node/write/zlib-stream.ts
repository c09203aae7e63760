import { Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { crc32 } from '../../core/common/crc32.js';

/**
 * Pipes chunks through a node:zlib transform made on the first read (so an unread generator holds
 * no codec). Chunks reach the codec in order, one write each, so its output does not depend on
 * timing; the codec pauses while its output is unread, so a decompression bomb is produced only as
 * fast as the consumer counts it. Breaking out of the iteration destroys the codec.
 */
export async function* throughZlib(
  input: AsyncIterable<Uint8Array>,
  create: () => Transform,
): AsyncGenerator<Uint8Array> {
  const codec = create();
  pipeline(Readable.from(input), codec).catch(() => undefined); // its errors come out of the iteration below
  for await (const chunk of codec) yield chunk as Buffer;
}

/** CRC-32 by node:zlib where this Node has it (Node >= 20.15: many GB/s), else core's. */
export const crc32Fast: (bytes: Uint8Array, crc: number) => number =
  typeof zlib.crc32 === 'function' ? (bytes, crc) => zlib.crc32(bytes, crc) : crc32;
