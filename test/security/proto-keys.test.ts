/**
 * Names chosen by an archive must stay plain keys: a module, input or param named `__proto__`,
 * `constructor` or `prototype` is listed, measured, diffed and reported like any other (in a
 * plain `{}` the first rewired the prototype and vanished from inspect, report and check). The
 * built CLI on them: proto-keys.system.test.ts.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openArchive, readMlf } from '../../src/core/archive/archive.js';
import { inspectArchive } from '../../src/core/archive/inspect.js';
import { validateArchive } from '../../src/core/archive/validate.js';
import { bytesSource } from '../../src/core/common/source.js';
import { decodeParams } from '../../src/core/params/codec.js';
import { encodeParams } from '../../src/core/params/encode.js';
import { MEMORY_MEASURES, measureModules } from '../../src/core/report/budget.js';
import { diffArchives } from '../../src/core/report/diff.js';
import { buildSnapshot } from '../../src/core/report/view-data.js';
import { packFiles, tarFiles, text, TVM } from '../helpers/archive.js';
import { PROTO_NAMES, renamedModule } from '../helpers/hostile.js';

const dec = new TextDecoder();

/** graph-cnn with its input named `name` and its param `p0` named `${name}_p`. */
function renamedTensors(name: string): Uint8Array {
  const files = tarFiles(join(TVM, 'graph-cnn/model.tar'));
  const graph = JSON.parse(dec.decode(files.get('executor-config/graph/default.graph')));
  graph.nodes[0].name = name; // the input arg node
  const p0 = graph.nodes.find((n: { name: string }) => n.name === 'p0');
  p0.name = `${name}_p`;
  files.set('executor-config/graph/default.graph', text(JSON.stringify(graph)));
  const md = JSON.parse(dec.decode(files.get('metadata.json')));
  const main = md.modules.default.memory.functions.main[0];
  main.inputs = { [name]: main.inputs.input };
  files.set('metadata.json', text(JSON.stringify(md)));
  const params = decodeParams(files.get('parameters/default.params')!);
  const tensors = params.tensors.map((t) => ({ ...t, name: t.name === 'p0' ? `${name}_p` : t.name }));
  files.set('parameters/default.params', encodeParams({ reserved: params.reserved, tensors }));
  return packFiles(files);
}

const open = async (bytes: Uint8Array) => readMlf(await openArchive(bytesSource(bytes)));

describe.each(PROTO_NAMES)('a module named %s', (name) => {
  const bytes = renamedModule(name);

  it('is listed by inspect, measured by check and kept in the viewer snapshot', async () => {
    const archive = await open(bytes);
    expect(archive.modules.map((m) => m.name)).toEqual([name, 'mod2']);
    const report = await inspectArchive(archive);
    expect(Object.keys(report.modules)).toEqual([name, 'mod2']);
    expect(JSON.parse(JSON.stringify(report)).modules[name].executors).toEqual(['graph']);
    const measured = await measureModules(archive, report.modules, MEMORY_MEASURES);
    expect(Object.keys(measured)).toEqual([name, 'mod2']);
    expect(Object.hasOwn(measured, name)).toBe(true);
    const snapshot = await buildSnapshot(archive, 'm.tar');
    expect(Object.keys(snapshot.modules)).toEqual([name, 'mod2']);
    expect((await validateArchive(archive)).errors).toBe(0);
  });
});

describe.each(PROTO_NAMES)('an input and a param named after %s', (name) => {
  it('keep their facts in inspect and diff', async () => {
    const a = await open(renamedTensors(name));
    const report = await inspectArchive(a);
    const mod = report.modules.default!;
    expect(Object.keys(mod.inputs!)).toEqual([name]);
    expect(mod.inputs![name]).toEqual({ dtype: 'float32', shape: [1, 3, 16, 16], bytes: 3072 });
    expect(Object.keys(mod.params!)).toContain(`${name}_p`);
    // Against the original: the input was renamed (one removed, one added), nothing inherited.
    const b = await open(packFiles(tarFiles(join(TVM, 'graph-cnn/model.tar'))));
    const diff = await diffArchives(b, a);
    const inputs = diff.modules[0]!.interface.filter((c) => c.kind === 'input');
    expect(inputs.map((c) => [c.change, c.key])).toEqual([
      ['removed', 'input'],
      ['added', name],
    ]);
  });
});
