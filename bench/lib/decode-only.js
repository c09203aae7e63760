// Child for bench/io.js: decodes a .params file without hashing and prints
// {"seconds": <in-process decode time>, "bytes": <payload bytes>, "tensors": n} on stdout.
// Mode "stream" (default): scanParamsFile, one pass through a reused 1 MiB buffer, payloads
// handed out as views. Mode "whole": readFile + decodeParams (zero-copy views of one buffer).
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { decodeParams } from '../../dist/core/params/codec.js';
import { scanParamsFile } from '../../dist/node/read/params-hash.js';

const [path, mode = 'stream'] = process.argv.slice(2);
const t0 = performance.now();
let bytes = 0;
let tensors;
if (mode === 'whole') {
  const dict = decodeParams(new Uint8Array(await readFile(path)));
  tensors = dict.tensors.length;
  for (const t of dict.tensors) bytes += t.data.byteLength;
} else {
  const index = await scanParamsFile(path, { onData: (chunk) => void (bytes += chunk.byteLength) });
  tensors = index.tensors.length;
}
const seconds = (performance.now() - t0) / 1000;
process.stdout.write(`${JSON.stringify({ seconds, bytes, tensors })}\n`);
