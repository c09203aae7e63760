// The AOT and Relay analyses as the package exports them (loaded on demand): the public entry
// gives the calls of the AOT main (counted here by a line scan of the C) and the Relay outputs
// (the shape of TVM's reference output in expected.json).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyzeAotCodegen, analyzeAotModule, analyzeRelay } from '../../../src/core/index.js';
import { readMlfPath } from '../../../src/node/read/open.js';
import { tarFiles } from '../../helpers/archive.js';

const PATH = 'test/fixtures/tvm-0.18/mnist-aot-usmp/model.tar';
const decode = (b: Uint8Array | undefined) => new TextDecoder().decode(b);

describe('public AOT and Relay analyses', () => {
  it('analyzeAotModule and analyzeAotCodegen list the fused calls of the main in order', async () => {
    const files = tarFiles(PATH);
    const lines = [...files]
      .filter(([p]) => p.endsWith('.c'))
      .map(([, b]) => decode(b))
      .join('\n')
      .split('\n');
    const start = lines.findIndex((l) => l.includes('tvmgen_mnist___tvm_main__(') && l.trimEnd().endsWith('{'));
    const body = lines.slice(start + 1, lines.indexOf('}', start)).join('\n');
    const calls = [...body.matchAll(/\b(tvmgen_mnist_\w+)\(/g)].map((m) => m[1]);
    expect(calls.length).toBeGreaterThan(3);
    const archive = await readMlfPath(PATH);
    const a = await analyzeAotModule(archive, archive.modules[0]!);
    expect(a?.main.calls.map((c) => c.callee)).toEqual(calls);
    expect((await analyzeAotCodegen(archive)).main.calls.map((c) => c.callee)).toEqual(calls);
  });

  it('analyzeRelay types the outputs as TVM gave them', async () => {
    const files = tarFiles(PATH);
    const expected = JSON.parse(readFileSync('test/fixtures/tvm-0.18/mnist-aot-usmp/expected.json', 'utf8'));
    const r = await analyzeRelay(decode(files.get('src/mnist.relay')), { member: 'src/mnist.relay' });
    expect(r.outputs.map((t) => t?.shape)).toEqual(
      expected.modules.mnist.outputs.map((o: { shape: number[] }) => o.shape),
    );
  });
});
