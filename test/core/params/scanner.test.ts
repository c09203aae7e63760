/**
 * Streaming param decode: any chunking of the input gives decodeParams' headers and payload
 * bytes, and the same errors; the Node file scanner and hashers agree with independent hashes.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { indexParamBytes } from '../../../src/core/params/tensor-index.js';
import { createParamsScanner, scanParams } from '../../../src/core/params/scanner.js';
import { decodeParams } from '../../../src/core/params/codec.js';
import { encodeParams, makeParamTensor } from '../../../src/core/params/encode.js';
import { hashParams, hashParamsFile, scanParamsFile } from '../../../src/node/read/params-hash.js';
import { tarFiles } from '../../helpers/archive.js';
import { FIXTURES, outcome } from '../../helpers/common.js';

const tmp = mkdtempSync(join(tmpdir(), 'mlf-params-stream-'));

function findFiles(dir: string, ext: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? findFiles(p, ext) : p.endsWith(ext) ? [p] : [];
  });
}

/** Every param dict of the fixtures: loose `.params` files and `.params` members of `.tar` archives. */
function fixtureParams(): { name: string; bytes: Uint8Array }[] {
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
function scanChunked(bytes: Uint8Array, size: number, declared = bytes.byteLength) {
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

const samples = fixtureParams();
const synthetic = encodeParams({
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

describe('createParamsScanner', () => {
  it("finds the fixtures' param dicts", () => expect(samples.length).toBeGreaterThan(10));

  for (const { name, bytes } of samples) {
    it(`gives decodeParams' headers and payloads for every chunking of ${name}`, async () => {
      const dict = decodeParams(bytes);
      const index = await indexParamBytes(bytes);
      for (const size of [1, 7, 61, 4096, 65536, bytes.byteLength]) {
        const r = scanChunked(bytes, size);
        expect(r.index).toEqual(index);
        expect(r.seen).toEqual(dict.tensors.map((t) => t.name));
        expect(r.payloads).toEqual(dict.tensors.map((t) => t.data));
      }
    });
  }

  it('gives the same error as decodeParams for every truncation prefix, pushed whole or byte by byte', async () => {
    for (let n = 0; n < synthetic.byteLength; n++) {
      const prefix = synthetic.subarray(0, n);
      const want = await outcome(() => decodeParams(prefix));
      expect(want).not.toBe('ok');
      expect(await outcome(() => scanChunked(prefix, Math.max(1, n)))).toBe(want);
      expect(await outcome(() => scanChunked(prefix, 1))).toBe(want);
    }
  });

  it('gives the same error as decodeParams for trailing bytes and corrupt fields', async () => {
    const cases: Uint8Array[] = [new Uint8Array([...synthetic, 0])];
    for (let at = 0; at < synthetic.byteLength; at += 3) {
      const c = synthetic.slice();
      c[at] = (c[at] ?? 0) ^ 0xff;
      cases.push(c);
    }
    for (const c of cases) {
      const want = await outcome(() => decodeParams(c));
      for (const size of [1, 5, c.byteLength]) expect(await outcome(() => scanChunked(c, size))).toBe(want);
    }
  });

  it('refuses an input shorter than declared (E002) and bytes beyond it (E208)', () => {
    const short = createParamsScanner(synthetic.byteLength);
    short.push(synthetic.subarray(0, synthetic.byteLength - 3));
    expect(() => short.end()).toThrow(expect.objectContaining({ code: 'MLF-E002' }));
    const long = createParamsScanner(10);
    expect(() => long.push(synthetic)).toThrow(expect.objectContaining({ code: 'MLF-E208' }));
  });

  it('matches decodeParams on random dicts split at random points (property)', () => {
    const dtypes = ['float32', 'int8', 'uint16', 'float64'] as const;
    const tensor = fc.record({
      name: fc.string({ minLength: 0, maxLength: 40 }),
      dtype: fc.constantFrom(...dtypes),
      shape: fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 3 }),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(tensor, { maxLength: 6, selector: (t) => t.name }),
        fc.integer({ min: 1, max: 300 }),
        (specs, size) => {
          const bytesPer = { float32: 4, int8: 1, uint16: 2, float64: 8 };
          const tensors = specs.map((s, i) => {
            const n = s.shape.reduce((a, b) => a * b, 1) * bytesPer[s.dtype];
            return makeParamTensor(
              s.name,
              s.dtype,
              s.shape,
              new Uint8Array(n).map((_, j) => (i * 31 + j) & 0xff),
            );
          });
          const bytes = encodeParams({ tensors });
          const r = scanChunked(bytes, size);
          expect(r.payloads).toEqual(decodeParams(bytes).tensors.map((t) => t.data));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('scanParams reads a range reader in sequential chunks of the asked size', async () => {
    const reads: [number, number][] = [];
    const index = await scanParams(
      async (o, n) => (reads.push([o, n]), synthetic.subarray(o, o + n)),
      synthetic.byteLength,
      {},
      { chunkSize: 16 },
    );
    expect(index.tensors.map((t) => t.name)).toEqual(['w', 'b', 'e', 's']);
    expect(reads.every(([o], i) => o === i * 16)).toBe(true);
  });
});

describe('Node file scanning and hashing', () => {
  const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

  samples.forEach(({ name, bytes }, k) => {
    it(`hashes every tensor of ${name} as an independent sha256 of decodeParams' views`, async () => {
      const file = join(tmp, `${k}.params`);
      writeFileSync(file, bytes);
      const want = decodeParams(bytes).tensors.map((t) => sha(t.data));
      for (const chunkSize of [3, 1000]) {
        const payloads: Uint8Array[][] = [];
        await scanParamsFile(
          file,
          { onTensor: (_t, i) => void (payloads[i] = []), onData: (c, _t, i) => void payloads[i]?.push(c.slice()) },
          { chunkSize },
        );
        expect(payloads.map((p) => sha(Buffer.concat(p)))).toEqual(want);
      }
      expect((await hashParamsFile(file)).hashes).toEqual(want);
      expect((await hashParams(async (o, n) => bytes.subarray(o, o + n), bytes.byteLength)).hashes).toEqual(want);
    });
  });

  it('reports a truncated file with its code and a missing file as E902', async () => {
    const cut = join(tmp, 'cut.params');
    writeFileSync(cut, synthetic.subarray(0, 70));
    expect(await outcome(() => hashParamsFile(cut))).toBe(await outcome(() => decodeParams(synthetic.subarray(0, 70))));
    expect(await outcome(() => scanParamsFile(join(tmp, 'missing.params')))).toMatch(/^MLF-E902 /);
  });
});
