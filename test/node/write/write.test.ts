/**
 * Export from build outputs in process: `buildModelLibraryFormat` against what TVM wrote (the
 * writers through the built CLI: write.system.test.ts).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildModelLibraryFormat } from '../../../src/core/archive/export.js';
import { json, TVM, tarFiles } from '../../helpers/archive.js';

describe('export from build outputs', () => {
  /** The parts of a TVM-made module, as a build would hand them over. */
  function parts(fixture: string, module: string) {
    const files = tarFiles(join(TVM, fixture, 'model.tar'));
    const meta = json(files.get('metadata.json')).modules[module];
    const codegen = [...files.keys()]
      .filter((p) => p.startsWith(`codegen/host/src/${module}_lib`))
      .sort()
      .map((p) => ({ name: p.split('/').pop()!, data: files.get(p)! }));
    return { files, meta, codegen };
  }

  it.each([
    ['graph-cnn', 'default'],
    ['multi-graph', 'mod1'],
    ['multi-graph', 'mod2'],
  ])('%s/%s: metadata computed from graph and params equals what TVM wrote', (fixture, module) => {
    const { files, meta, codegen } = parts(fixture, module);
    const built = buildModelLibraryFormat([
      {
        name: module,
        executor: 'graph',
        targets: meta.target,
        graph: new TextDecoder().decode(files.get(`executor-config/graph/${module}.graph`)),
        params: files.get(`parameters/${module}.params`)!,
        codegen,
        relay: new TextDecoder().decode(files.get(`src/${module}.relay`)),
        memory: { operatorFunctions: meta.memory.functions.operator_functions },
        exportDatetime: meta.export_datetime,
      },
    ]);
    expect(json(built.files.get('metadata.json')).modules[module]).toEqual(meta);
    for (const [p, d] of built.files)
      if (p !== 'metadata.json') expect(Buffer.from(d).equals(Buffer.from(files.get(p)!)), p).toBe(true);
  });

  it('mnist: everything but main workspace matches; workspace is within 32 bytes (estimate, documented)', () => {
    const { files, meta, codegen } = parts('mnist-graph', 'mnist');
    const built = buildModelLibraryFormat([
      {
        name: 'mnist',
        executor: 'graph',
        targets: meta.target,
        graph: new TextDecoder().decode(files.get('executor-config/graph/mnist.graph')),
        params: files.get('parameters/mnist.params')!,
        codegen,
        memory: { operatorFunctions: meta.memory.functions.operator_functions },
        exportDatetime: meta.export_datetime,
      },
    ]);
    const got = json(built.files.get('metadata.json')).modules.mnist;
    const ws = got.memory.functions.main[0].workspace_size_bytes;
    expect(Math.abs(ws - meta.memory.functions.main[0].workspace_size_bytes)).toBeLessThanOrEqual(32);
    got.memory.functions.main[0].workspace_size_bytes = meta.memory.functions.main[0].workspace_size_bytes;
    expect(got).toEqual(meta);
  });

  it('refuses codegen it cannot place (MLF-E410) and AOT without memory figures (MLF-E414)', () => {
    expect(() =>
      buildModelLibraryFormat([
        { name: 'm', executor: 'graph', targets: ['c'], graph: '{}', codegen: [{ name: 'kernel.ptx', data: '' }] },
      ]),
    ).toThrow(expect.objectContaining({ code: 'MLF-E410' }));
    expect(() =>
      buildModelLibraryFormat([{ name: 'm', executor: 'aot', targets: ['c'], codegen: [{ name: 'a.c', data: '' }] }]),
    ).toThrow(expect.objectContaining({ code: 'MLF-E414' }));
  });
});
