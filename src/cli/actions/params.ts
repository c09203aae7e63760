import { open, readFile } from 'node:fs/promises';
import { findModule, loadParams, type MlfArchive, type MlfModule } from '../../core/archive/archive.js';
import { MlfError } from '../../core/errors/errors.js';
import { loadParamIndex, withParamsMember } from '../../core/params/tensor-index.js';
import { encodeNpy, paramToNpy } from '../../core/params/npy.js';
import { encodeNpz } from '../../core/params/npz.js';
import { decodeParams, type ParamDict } from '../../core/params/codec.js';
import { withMlfPath } from '../../node/read/open.js';
import { type HashedParams, hashParams, hashParamsFile } from '../../node/read/params-hash.js';
import { writeFileAtomic, writeFolderAtomic } from '../../node/write/atomic.js';
import { formatTable } from '../format.js';
import { type CliIo, toJson } from '../io.js';

const PARAMS_MAGIC = [0xb7, 0x9c, 0x04, 0x05, 0x4f, 0x8d, 0xe5, 0xf7];

/** True when `input` is a file that starts with the param-dict magic (reads 8 bytes only). */
async function isParamsFile(input: string): Promise<boolean> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(input, 'r');
    const head = new Uint8Array(8);
    const { bytesRead } = await handle.read(head, 0, 8, 0);
    return bytesRead === 8 && PARAMS_MAGIC.every((b, i) => head[i] === b);
  } catch {
    return false; // a folder, or unreadable: let the archive reader report it
  } finally {
    await handle?.close();
  }
}

/**
 * Reads params from a `.params` file (by magic) or from a module of an archive/folder (the only
 * one with params, or `module`), through `fromFile` or `fromModule`; errors name the input.
 */
async function readParamsInput<T>(
  input: string,
  module: string | undefined,
  fromFile: (path: string) => Promise<T>,
  fromModule: (archive: MlfArchive, mod: MlfModule) => Promise<T | null>,
): Promise<T & { source: string }> {
  if (await isParamsFile(input)) {
    try {
      return { ...(await fromFile(input)), source: input };
    } catch (e) {
      throw e instanceof MlfError ? e.inMember(input) : e;
    }
  }
  return withMlfPath(input, async (archive) => {
    let candidates = archive.modules.filter((m) => m.files.params !== null);
    if (module === undefined && candidates.length > 1) {
      // Empty param dicts (AOT modules keep their constants in the C) do not make the choice ambiguous.
      const holding: MlfModule[] = [];
      for (const m of candidates) {
        const index = await loadParamIndex(archive, m).catch(() => null);
        if (index === null || index.tensors.length > 0) holding.push(m);
      }
      if (holding.length > 0) candidates = holding;
    }
    const mod = module === undefined ? candidates[0] : findModule(archive, module);
    if (module === undefined && candidates.length > 1) {
      throw new MlfError(
        'MLF-E901',
        `the archive has several modules with params (${candidates.map((m) => m.name).join(', ')}); choose one with --module`,
      );
    }
    const result = mod === undefined ? null : await fromModule(archive, mod);
    if (mod === undefined || result === null)
      throw new MlfError('MLF-E401', `${input}: no params file${module ? ` for module "${module}"` : ''}`);
    return { ...result, source: `${input}:${mod.files.params}` };
  });
}

/** Decodes params whole (tensor views point into the member bytes, valid after the file is closed). */
function loadInput(input: string, module: string | undefined): Promise<{ dict: ParamDict; source: string }> {
  return readParamsInput(
    input,
    module,
    async (path) => ({ dict: decodeParams(new Uint8Array(await readFile(path))) }),
    async (archive, mod) => {
      const dict = await loadParams(archive, mod);
      return dict === null ? null : { dict };
    },
  );
}

/** Indexes params and hashes the payloads in one sequential pass, without holding the file in memory. */
function hashedIndex(input: string, module: string | undefined): Promise<HashedParams & { source: string }> {
  return readParamsInput(
    input,
    module,
    (path) => hashParamsFile(path),
    (archive, mod) => withParamsMember(archive, mod, hashParams),
  );
}

/** `mlf params`: one row per tensor with dtype, shape, bytes and SHA-256 of its raw bytes. */
export async function runParams(input: string, opts: { module?: string; json?: boolean }, io: CliIo): Promise<number> {
  const { index, hashes, source } = await hashedIndex(input, opts.module);
  const rows = index.tensors.map((t, i) => ({
    name: t.name,
    dtype: t.dtypeName,
    shape: t.shape,
    bytes: t.byteLength,
    sha256: hashes[i] as string,
  }));
  if (opts.json) io.out(toJson({ source, params: rows }));
  else {
    io.out(`${source}: ${rows.length} tensors, ${rows.reduce((a, r) => a + r.bytes, 0)} bytes`);
    if (rows.length > 0) {
      io.out(
        formatTable([
          ['name', 'dtype', 'shape', 'bytes', 'sha256'],
          ...rows.map((r) => [r.name, r.dtype, `[${r.shape.join(', ')}]`, String(r.bytes), r.sha256]),
        ]),
      );
    }
  }
  return 0;
}

/** Tensor name → file name; names that are not one plain segment are percent-encoded. */
export function npyFileName(name: string): string {
  const plain = /^[A-Za-z0-9_.-]+$/.test(name) && name !== '.' && name !== '..';
  return `${plain ? name : encodeURIComponent(name).replace(/\./g, '%2E')}.npy`;
}

/** `mlf params export`: all tensors to one `.npz` or to a folder of `.npy` files (atomic). */
export async function runParamsExport(
  input: string,
  opts: { module?: string; to: string; force?: boolean },
  io: CliIo,
): Promise<number> {
  const { dict, source } = await loadInput(input, opts.module);
  const arrays = dict.tensors.map((t) => [t.name, paramToNpy(t)] as const);
  if (opts.to.endsWith('.npz')) {
    await writeFileAtomic(opts.to, encodeNpz(Object.fromEntries(arrays)), { force: opts.force ?? false });
  } else {
    const files = new Map(arrays.map(([name, arr]) => [npyFileName(name), encodeNpy(arr)]));
    if (files.size !== arrays.length)
      throw new MlfError('MLF-E904', 'two tensor names map to the same file name; export to .npz instead');
    await writeFolderAtomic(opts.to, files, { force: opts.force ?? false });
  }
  io.err(`wrote ${arrays.length} tensors from ${source} to ${opts.to}`);
  return 0;
}
