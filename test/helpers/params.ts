/** Param files for the tests of test/core/params/. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { encodeParams, makeParamTensor } from '../../src/core/params/encode.js';
import { createParamsScanner } from '../../src/core/params/scanner.js';
import { tarFiles } from './archive.js';
import { FIXTURES } from './common.js';

/** Bytes from hex text (whitespace ignored). */
export const fromHex = (s: string): Uint8Array =>
  Uint8Array.from(s.replace(/\s+/g, '').match(/../g) ?? [], (h) => Number.parseInt(h, 16));
/** float32 values as little-endian bytes. */
export const f32 = (...xs: number[]): Uint8Array => new Uint8Array(Float32Array.from(xs).buffer);
/** The empty dict: magic, reserved, zero names, zero arrays. */
export const EMPTY = fromHex(`b79c04054f8de5f7${'00'.repeat(24)}`);

/** A 3-tensor file used by the sweeps. */
export function threeTensors(): Uint8Array {
  return encodeParams({
    tensors: [
      makeParamTensor('weight', 'float32', [2, 3], f32(1, 2, 3, 4, 5, 6)),
      makeParamTensor('b', 'int8', [4], Uint8Array.of(1, 2, 0xff, 0)),
      makeParamTensor('s', 'float16', [], Uint8Array.of(0x00, 0x3c)),
    ],
  });
}

/** A small dict: a float32 matrix, an int8 vector and an empty float16 tensor. */
export function smallDict(): Uint8Array {
  return encodeParams({
    tensors: [
      makeParamTensor('w', 'float32', [3, 5], new Uint8Array(60).fill(7)),
      makeParamTensor('b', 'int8', [7], new Uint8Array(7).fill(1)),
      makeParamTensor('e', 'float16', [0], new Uint8Array(0)),
    ],
  });
}

/** A small dict with a scalar: a float32 matrix, an int8 vector, an empty float16 and an int32 scalar. */
export function scannerDict(): Uint8Array {
  return encodeParams({
    tensors: [
      makeParamTensor(
        'w',
        'float32',
        [3, 5],
        new Uint8Array(60).map((_, i) => i),
      ),
      makeParamTensor('b', 'int8', [7], new Uint8Array(7).fill(1)),
      makeParamTensor('e', 'float16', [0], new Uint8Array(0)),
      makeParamTensor('s', 'int32', [], new Uint8Array([1, 2, 3, 4])),
    ],
  });
}

function findFiles(dir: string, ext: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? findFiles(p, ext) : p.endsWith(ext) ? [p] : [];
  });
}

/** Every param dict of the fixtures: loose `.params` files and `.params` members of `.tar` archives. */
export function fixtureParams(): { name: string; bytes: Uint8Array }[] {
  const loose = findFiles(FIXTURES, '.params').map((f) => ({
    name: f.slice(FIXTURES.length + 1),
    bytes: new Uint8Array(readFileSync(f)),
  }));
  const members = findFiles(FIXTURES, '.tar').flatMap((t) =>
    [...tarFiles(t)]
      .filter(([p]) => p.endsWith('.params'))
      .map(([p, bytes]) => ({ name: `${t.slice(FIXTURES.length + 1)}:${p}`, bytes })),
  );
  return [...loose, ...members];
}

/**
 * Pushes `bytes` in chunks of `size` through one reused buffer (overwritten after each push, as
 * the file scanner does) and returns the index and each tensor's payload, reassembled.
 */
export function scanChunked(bytes: Uint8Array, size: number, declared = bytes.byteLength) {
  const payloads: number[][] = [];
  const seen: string[] = [];
  const scanner = createParamsScanner(declared, {
    onTensor: (t, i) => {
      seen.push(t.name);
      payloads[i] = [];
    },
    onData: (chunk, _t, i) => void payloads[i]?.push(...chunk),
  });
  const buf = new Uint8Array(size);
  for (let pos = 0; pos < bytes.byteLength; pos += size) {
    const part = bytes.subarray(pos, pos + size);
    buf.set(part);
    scanner.push(buf.subarray(0, part.byteLength));
    buf.fill(0xee); // a caller reusing its buffer must not change what the scanner saw
  }
  const index = scanner.end();
  return { index, payloads: payloads.map((p) => new Uint8Array(p)), seen };
}

/** A range reader over bytes. */
export const bytesReader = (bytes: Uint8Array) => async (o: number, n: number) => bytes.subarray(o, o + n);
