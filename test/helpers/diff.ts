/**
 * Archives for the diff tests (test/core/report/diff*.test.ts): graph-cnn edited in memory, and
 * `diffArchives` of two archives given as paths or bytes.
 */
import { readFileSync } from 'node:fs';
import { openArchive, readMlf } from '../../src/core/archive/archive.js';
import { bytesSource } from '../../src/core/common/source.js';
import { decodeParams } from '../../src/core/params/codec.js';
import { type DiffReport, diffArchives } from '../../src/core/report/diff.js';
import { json, packFiles, TVM, tarFiles, text } from './archive.js';

export const GRAPH = `${TVM}/graph-cnn/model.tar`;
export const MULTI = `${TVM}/multi-graph/model.tar`;
export const MNIST = `${TVM}/mnist-graph/model.tar`;
/** The graph-cnn main workspace, from its metadata.json. */
export const WORKSPACE = json(tarFiles(GRAPH).get('metadata.json')).modules.default.memory.functions.main[0]
  .workspace_size_bytes as number;

const bytesOf = (a: string | Uint8Array) => (typeof a === 'string' ? new Uint8Array(readFileSync(a)) : a);
/** `diffArchives` of two archives (paths or bytes). */
export async function diff(a: string | Uint8Array, b: string | Uint8Array, module?: string): Promise<DiffReport> {
  const open = async (x: string | Uint8Array) => readMlf(await openArchive(bytesSource(bytesOf(x))));
  return diffArchives(await open(a), await open(b), module === undefined ? {} : { module });
}

/** graph-cnn with its files and metadata changed by `change`; returns the archive bytes. */
export function edited(change: (files: Map<string, Uint8Array>, meta: any) => void): Uint8Array {
  const files = tarFiles(GRAPH);
  const meta = json(files.get('metadata.json'));
  change(files, meta);
  files.set('metadata.json', text(JSON.stringify(meta)));
  return packFiles(files);
}
export const growWorkspace = (_f: Map<string, Uint8Array>, meta: any) =>
  (meta.modules.default.memory.functions.main[0].workspace_size_bytes += 1024);
export const renameOutput = (_f: Map<string, Uint8Array>, meta: any) => {
  const main = meta.modules.default.memory.functions.main[0];
  main.outputs = { logits: main.outputs.output };
};
/** Changes elements 0 and 5 of p0 (float32) and returns the values before and after, read with DataView. */
export function changeParam(files: Map<string, Uint8Array>): { before: number[]; after: number[] } {
  const params = (files.get('parameters/default.params') as Uint8Array).slice();
  const p0 = decodeParams(params).tensors.find((t) => t.name === 'p0')!;
  const view = new DataView(params.buffer, p0.dataOffset, p0.data.byteLength);
  const read = () => Array.from({ length: p0.data.byteLength / 4 }, (_, i) => view.getFloat32(i * 4, true));
  const before = read();
  view.setFloat32(0, before[0]! + 0.5, true);
  view.setFloat32(5 * 4, -3.25, true);
  files.set('parameters/default.params', params);
  return { before, after: read() };
}
