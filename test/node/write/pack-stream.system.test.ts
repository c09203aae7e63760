/**
 * Streaming `.tar` writes of a folder with a 20 MiB member and a >100-byte path give exactly
 * `packCanonical`'s bytes, at several chunk sizes (the rest: pack-stream.test.ts).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { both } from '../../helpers/compress-stream.js';

const tmp = mkdtempSync(join(tmpdir(), 'mlf-pack-stream-'));
let n = 0;
const out = (ext = '.tar') => join(tmp, `out${n++}${ext}`);

describe('streaming canonical tar', () => {
  it('handles a >100-byte path (PAX record) and a 20 MiB file in a folder', async () => {
    const root = join(tmp, 'folder');
    const deep = join(root, 'codegen', 'host', 'src', 'x'.repeat(60), 'y'.repeat(40));
    mkdirSync(deep, { recursive: true });
    writeFileSync(join(deep, 'long_name_file.c'), 'int x;\n');
    const big = new Uint8Array(20 * 1024 * 1024 + 123);
    for (let i = 0; i < big.byteLength; i += 4096) big[i] = (i / 4096) & 0xff;
    mkdirSync(join(root, 'parameters'));
    writeFileSync(join(root, 'parameters', 'big.params'), big);
    writeFileSync(join(root, 'metadata.json'), '{}');
    writeFileSync(join(root, 'é-non-ascii.txt'), 'x');
    for (const chunk of [undefined, 1 << 20, 4095]) {
      const [got, expected] = await both(root, out(), chunk);
      expect(Buffer.compare(got, expected)).toBe(0);
      expect(got.includes(Buffer.from('././@PaxHeader'))).toBe(true);
    }
  });
});
