/**
 * Builders for hostile archives (test/security/malicious*.test.ts, hardening*.test.ts): a real MLF
 * (graph-cnn) as raw tar entries to prepend to crafted ones, edits of its params and JSON
 * members, and a sandbox that snapshots a folder tree before and after `mlf unpack`.
 */
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { decodeParams } from '../../src/core/params/codec.js';
import { packFiles, TVM, tarFiles, text } from './archive.js';
import * as b from './tar-builder.js';

export const GRAPH_TAR = `${TVM}/graph-cnn/model.tar`;
export const META = 'metadata.json';
export const GRAPH = 'executor-config/graph/default.graph';
export const PARAMS = 'parameters/default.params';

/** The files of graph-cnn, fresh each call. */
export const mlfFiles = (): Map<string, Uint8Array> =>
  new Map([...tarFiles(GRAPH_TAR)].map(([k, v]) => [k, new Uint8Array(v)]));

/** A version 7 metadata.json of one graph module whose `memory.sids` is the JSON text `sids`. */
export const metadataWithSids = (sids: string): string =>
  `{"modules":{"default":{"executors":["graph"],"export_datetime":"2024-01-01 00:00:00Z","memory":{"functions":{"main":[],"operator_functions":[]},"sids":${sids}},"model_name":"default","style":"full-model","target":["c"]}},"version":7}`;

/** graph-cnn as raw `./`-prefixed file entries (no end marker), to prepend to crafted entries. */
export function mlfEntries(files = mlfFiles()): Uint8Array[] {
  return [...files].map(([path, data]) => b.file(`./${path}`, data));
}

/** graph-cnn plus crafted raw entries, with end marker. */
export const withMlf = (...parts: Uint8Array[]): Uint8Array => b.tar([...mlfEntries(), ...parts]);

/** graph-cnn with its files edited, packed the way TVM does. */
export function editedMlf(edit: (files: Map<string, Uint8Array>) => void): Uint8Array {
  const files = mlfFiles();
  edit(files);
  return packFiles(files);
}

/** Edits a JSON member in place (written back indented, as TVM does). */
export function editJson(files: Map<string, Uint8Array>, path: string, edit: (j: any) => void): void {
  const j = JSON.parse(new TextDecoder().decode(files.get(path)));
  edit(j);
  files.set(path, text(JSON.stringify(j, null, 2)));
}

/** Patches the params member: `patch(bytes, view, tensors)` where tensors give record offsets. */
export function editParams(
  files: Map<string, Uint8Array>,
  patch: (
    bytes: Uint8Array,
    view: DataView,
    tensors: { headerOffset: number; dataOffset: number }[],
  ) => Uint8Array | void,
): void {
  const bytes = new Uint8Array(files.get(PARAMS)!);
  const tensors = decodeParams(bytes).tensors.map((t) => ({ headerOffset: t.headerOffset, dataOffset: t.dataOffset }));
  files.set(PARAMS, patch(bytes, new DataView(bytes.buffer), tensors) ?? bytes);
}

/** Every path under `root` (root itself as `.`) with kind, size, mode and mtime; never follows links. */
export function snapshot(root: string, skip?: string): string[] {
  const out: string[] = [];
  const visit = (abs: string): void => {
    const rel = relative(root, abs) || '.';
    if (skip !== undefined && (rel === skip || rel.startsWith(`${skip}/`))) return;
    const st = lstatSync(abs);
    const kind = st.isSymbolicLink()
      ? `link->${readlinkSync(abs)}`
      : st.isDirectory()
        ? 'dir'
        : st.isFile()
          ? 'file'
          : 'other';
    // A folder's own size and mtime change when an entry is added: compare those only when nothing may be added.
    const meta = skip !== undefined && rel === '.' ? '' : ` ${st.size} ${st.mtimeMs}`;
    out.push(`${rel} ${kind} ${st.mode.toString(8)}${meta}`);
    if (st.isDirectory()) for (const name of readdirSync(abs).sort()) visit(join(abs, name));
  };
  visit(root);
  return out;
}

/** A fresh folder under `work` holding bystander files and folders. */
export function sandboxParent(work: string): string {
  const parent = mkdtempSync(join(work, 'box-'));
  for (const [p, kind] of [
    ['keep', 'dir'],
    ['keep/file.txt', 'file'],
    ['x', 'file'],
  ] as const) {
    if (kind === 'dir') mkdirSync(join(parent, p));
    else writeFileSync(join(parent, p), `bystander ${p}`);
  }
  return parent;
}

export { b };

/** Names that are special on a plain object: a module, input or param may be called this. */
export const PROTO_NAMES = ['__proto__', 'constructor', 'prototype', 'toString'];

/** multi-graph with module `mod1` renamed everywhere (paths, metadata, C symbols, Relay). */
export function renamedModule(name: string): Uint8Array {
  const out = new Map<string, Uint8Array>();
  for (const [path, data] of tarFiles(join(TVM, 'multi-graph/model.tar'))) {
    const textual = /\.(json|c|h|graph|relay)$/.test(path);
    out.set(
      path.replaceAll('mod1', name),
      textual ? text(new TextDecoder().decode(data).replaceAll('mod1', name)) : data,
    );
  }
  return packFiles(out);
}
