// Child for bench/io.js: reads a .params file and decodes it (zero-copy views), no hashing.
import { readFile } from 'node:fs/promises';
import { decodeParams } from '../../dist/core/params.js';

const dict = decodeParams(new Uint8Array(await readFile(process.argv[2])));
process.stdout.write(`${dict.tensors.length}\n`);
