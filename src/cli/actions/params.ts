import { lstat, open, readdir } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { MlfArchive, MlfModule } from '../../core/archive/archive.js';
import { selectModule } from '../../core/archive/select.js';
import { MlfError } from '../../core/errors/errors.js';
import { loadParamIndex, withParamsMember } from '../../core/params/tensor-index.js';
import { withMlfPath } from '../../node/read/open.js';
import { type HashedParams, hashParams, hashParamsFile } from '../../node/read/params-hash.js';
import { fileSource } from '../../node/read/source.js';
import { sourceMember } from '../../node/read/range-chunks.js';
import {
  openParamsInput,
  type ParamsInput,
  writeParamsFromNumpy,
  writeParamsNpyFolder,
  writeParamsNpz,
} from '../../node/write/npz-stream.js';
import { fsCall } from '../../node/fs-error.js';
import type { CliContext } from '../context.js';
import { formatTable, plural, safeText } from '../format.js';
import { aliased, chooseFormat } from '../options.js';
import { about } from './each.js';
import { reportWritten, stdoutTarget } from './output.js';

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
    const withParams = (m: MlfModule) => m.files.params !== null;
    // Empty param dicts (AOT modules keep their constants in the C) do not make the choice ambiguous.
    const holding = new Set<MlfModule>();
    if (module === undefined && archive.modules.filter(withParams).length > 1)
      for (const m of archive.modules.filter(withParams)) {
        const index = await loadParamIndex(archive, m).catch(() => null);
        if (index === null || index.tensors.length > 0) holding.add(m);
      }
    const mod =
      selectModule(archive, {
        name: module,
        having: { test: holding.size > 0 ? (m) => holding.has(m) : withParams, what: 'with params' },
      }) ?? undefined;
    const result = mod === undefined ? null : await fromModule(archive, mod);
    if (mod === undefined || result === null)
      throw new MlfError('MLF-E401', `${input}: no params file${module ? ` for module "${module}"` : ''}`);
    return { ...result, source: `${input}:${mod.files.params}` };
  });
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
export async function runParams(
  ctx: CliContext,
  input: string,
  opts: { module?: string; json?: boolean; format?: string },
): Promise<number> {
  const json = chooseFormat(opts, ['text', 'json'], 'text') === 'json';
  const path = await ctx.input(input);
  const { index, hashes, source } = await about(input, () => hashedIndex(path, opts.module));
  const shownSource = ctx.relabel(source);
  const rows = index.tensors.map((t, i) => ({
    name: t.name,
    dtype: t.dtypeName,
    shape: t.shape,
    bytes: t.byteLength,
    sha256: hashes[i] as string,
  }));
  if (json) ctx.printJson({ source: shownSource, params: rows });
  else {
    ctx.print(
      `${safeText(shownSource)}: ${plural(rows.length, 'tensor')}, ${rows.reduce((a, r) => a + r.bytes, 0)} bytes`,
    );
    if (rows.length > 0) {
      ctx.print(
        formatTable([
          ['name', 'dtype', 'shape', 'bytes', 'sha256'],
          ...rows.map((r) => [
            safeText(r.name),
            safeText(r.dtype),
            `[${r.shape.join(', ')}]`,
            String(r.bytes),
            r.sha256,
          ]),
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

const NPZ_MAGIC = (h: Uint8Array) => h[0] === 0x50 && h[1] === 0x4b;
const PARAMS_HEAD = (h: Uint8Array) => PARAMS_MAGIC.every((b, i) => h[i] === b);

/** Where `params export` writes: `.npz` (or `-`) a file, a path without extension a folder. */
function exportFormat(dest: string, format: string | undefined): 'npz' | 'folder' {
  const implied =
    dest === '-' || dest.endsWith('.npz') ? 'npz' : extname(dest.replace(/\/+$/, '')) === '' ? 'folder' : undefined;
  if (format !== undefined) {
    if (implied !== undefined && implied !== format)
      throw new MlfError('MLF-E901', `--format ${format} contradicts the output ${JSON.stringify(dest)}`);
    if (dest === '-' && format === 'folder') throw new MlfError('MLF-E901', 'a folder cannot go to standard output');
    return format as 'npz' | 'folder';
  }
  if (implied === undefined)
    throw new MlfError(
      'MLF-E901',
      `params export writes a .npz file or a folder of .npy files; ${JSON.stringify(dest)} is neither`,
      {},
      'Give a path ending in .npz, a folder path without an extension, or --format npz|folder.',
    );
  return implied;
}

/**
 * Runs `f` on the params of `input` (a `.params` file, or the module of an archive with params),
 * indexed header-only with the payloads readable in chunks while `f` runs; errors name the member.
 */
async function withParamsInput<T>(
  input: string,
  module: string | undefined,
  f: (params: ParamsInput, source: string) => Promise<T>,
): Promise<T> {
  if (await isParamsFile(input)) {
    const source = await fsCall(input, 'read', () => fileSource(input));
    try {
      const params = await openParamsInput(sourceMember(source)).catch((e: unknown) => {
        throw e instanceof MlfError ? e.inMember(input) : e;
      });
      return await f(params, input);
    } finally {
      await source.close();
    }
  }
  return withMlfPath(input, async (archive) => {
    const mod = selectModule(archive, {
      name: module,
      having: { test: (m) => m.files.params !== null, what: 'with params' },
    });
    const path = mod?.files.params ?? null;
    const member = path === null ? undefined : archive.contents.members.get(path);
    if (path === null || member === undefined)
      throw new MlfError('MLF-E401', `${input}: no params file${module ? ` for module "${module}"` : ''}`);
    const params = await openParamsInput(member).catch((e: unknown) => {
      throw e instanceof MlfError ? e.inMember(path) : e;
    });
    return f(params, `${input}:${path}`);
  });
}

/** `mlf params export`: all tensors to one `.npz` (or stdout) or to a folder of `.npy` files (atomic), streamed. */
export async function runParamsExport(
  ctx: CliContext,
  input: string,
  opts: { module?: string; output?: string; to?: string; format?: string; force?: boolean; json?: boolean },
): Promise<number> {
  const dest = aliased(opts.output, opts.to, '-o/--output and --to');
  if (dest === undefined)
    throw new MlfError('MLF-E901', 'give the destination with -o/--output (a .npz file or a folder)');
  const format = exportFormat(dest, opts.format);
  const path = await ctx.input(input);
  const rules = { force: opts.force ?? false, inputs: [path] };
  const { written, tensors, source } = await about(input, () =>
    withParamsInput(path, opts.module, async (params, source) => {
      const written =
        format === 'npz'
          ? await writeParamsNpz(dest === '-' ? stdoutTarget(ctx) : dest, params, {
              ...rules,
              accepts: NPZ_MAGIC,
              kindName: 'a .npz file',
            })
          : await writeParamsNpyFolder(dest, params, npyFileName, rules);
      return { written, tensors: params.index.tensors.length, source };
    }),
  );
  reportWritten(ctx, 'params export', [written], [], { tensors, source: ctx.relabel(source) });
  return 0;
}

/** A `.npy` file name back to its tensor name (the reverse of {@link npyFileName}). */
function tensorNameOf(file: string, folder: string): string {
  try {
    return decodeURIComponent(file.slice(0, -4));
  } catch {
    throw new MlfError(
      'MLF-E911',
      `${join(folder, file)}: the file name is not a tensor name mlf export writes (a bad %-escape)`,
      {},
      'Rename the file: tensor names are the file name without .npy, with %XX escapes for other bytes.',
    );
  }
}

/** `mlf params import <file.npz | folder of .npy> -o out.params`, streamed array by array. */
export async function runParamsImport(
  ctx: CliContext,
  input: string,
  opts: { output: string; force?: boolean; json?: boolean },
): Promise<number> {
  const st = await fsCall(input, 'read', () => lstat(input));
  let from: Parameters<typeof writeParamsFromNumpy>[1];
  if (!st.isDirectory()) {
    if (!input.endsWith('.npz') && !st.isFile())
      throw new MlfError('MLF-E902', `${input} is neither a .npz file nor a folder of .npy files`);
    from = { npz: input };
  } else {
    const names = (await fsCall(input, 'read', () => readdir(input))).filter((f) => f.endsWith('.npy')).sort();
    if (names.length === 0) throw new MlfError('MLF-E902', `${input} holds no .npy files`);
    from = { files: names.map((f) => [tensorNameOf(f, input), join(input, f)] as const) };
  }
  const { written, tensors } = await writeParamsFromNumpy(opts.output === '-' ? stdoutTarget(ctx) : opts.output, from, {
    force: opts.force ?? false,
    inputs: [input],
    accepts: PARAMS_HEAD,
    kindName: 'a .params file',
  });
  reportWritten(ctx, 'params import', [written], [], { tensors });
  return 0;
}
