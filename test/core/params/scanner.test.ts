/**
 * Streaming param decode on examples: the scanner refuses short and long input and reads a range
 * reader in order; the Node file scanner and hashers agree with independent hashes. Every chunking,
 * every truncation, corrupt fields and random dicts: scanner.system.test.ts.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createParamsScanner, scanParams } from '../../../src/core/params/scanner.js';
import { decodeParams } from '../../../src/core/params/codec.js';
import { hashParams, hashParamsFile, scanParamsFile } from '../../../src/node/read/params-hash.js';
import { outcome } from '../../helpers/common.js';
import { fixtureParams, scannerDict } from '../../helpers/params.js';

const tmp = mkdtempSync(join(tmpdir(), 'mlf-params-stream-'));

const samples = fixtureParams();
const synthetic = scannerDict();

describe('createParamsScanner', () => {
  it("finds the fixtures' param dicts", () => expect(samples.length).toBeGreaterThan(10));

  it('refuses an input shorter than declared (E002) and bytes beyond it (E208)', () => {
    const short = createParamsScanner(synthetic.byteLength);
    short.push(synthetic.subarray(0, synthetic.byteLength - 3));
    expect(() => short.end()).toThrow(expect.objectContaining({ code: 'MLF-E002' }));
    const long = createParamsScanner(10);
    expect(() => long.push(synthetic)).toThrow(expect.objectContaining({ code: 'MLF-E208' }));
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
