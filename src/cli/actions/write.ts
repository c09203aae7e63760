import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MlfError } from '../../core/errors/errors.js';
import { npyToParam, decodeNpy } from '../../core/params/npy.js';
import { decodeNpz } from '../../core/params/npz.js';
import { encodeParams, type ParamTensorInput } from '../../core/params/codec.js';
import type { Assembled } from '../../core/archive/packages.js';
import { type Compression, compressionForPath } from '../../node/write/compress.js';
import { loadBuildManifest, loadModuleSpec, type ModuleSpec } from '../../node/write/build-manifest.js';
import {
  convertArchive,
  exportModelLibraryFormat,
  mergeArchives,
  packArchive,
  parseRenames,
  withPackages,
  writePackages,
} from '../../node/write/pack.js';
import { unpackArchive } from '../../node/write/unpack.js';
import { writeFileAtomic } from '../../node/write/atomic.js';
import { formatDiagnostic } from '../format.js';
import type { CliIo } from '../io.js';

interface OutOpts {
  output: string;
  force?: boolean;
}

function reportClashes(a: Pick<Assembled, 'symbolClashes'>, io: CliIo): void {
  for (const c of a.symbolClashes) {
    io.err(
      formatDiagnostic({
        code: 'MLF-W109',
        severity: 'warning',
        message: `${c.symbol} is defined by modules ${c.modules.join(', ')}`,
        hint: 'Link such modules into separate images, or rebuild with distinct module names.',
      }),
    );
  }
}

/** Flags of `mlf pack` for one module. */
export interface PackFlags extends OutOpts {
  manifest?: string;
  name?: string;
  executor?: string;
  target?: string[];
  graph?: string;
  params?: string;
  src?: string[];
  obj?: string[];
  header?: string[];
  relay?: string;
}

/** `mlf pack`: a folder (or archive) re-packed canonically, or loose build outputs to an archive. */
export async function runPack(input: string | undefined, opts: PackFlags, io: CliIo): Promise<number> {
  const force = opts.force ?? false;
  if (opts.manifest !== undefined || opts.name !== undefined) {
    if (input !== undefined)
      throw new MlfError('MLF-E901', 'give either a folder to pack or --manifest/--name flags, not both');
    let modules;
    if (opts.manifest !== undefined) modules = await loadBuildManifest(opts.manifest);
    else {
      if (opts.executor !== 'graph' && opts.executor !== 'aot')
        throw new MlfError('MLF-E901', '--executor must be graph or aot');
      const spec: ModuleSpec = {
        name: opts.name as string,
        executor: opts.executor,
        targets: opts.target ?? [],
        codegen: [...(opts.src ?? []), ...(opts.obj ?? []), ...(opts.header ?? [])],
        ...(opts.graph === undefined ? {} : { graph: opts.graph }),
        ...(opts.params === undefined ? {} : { params: opts.params }),
        ...(opts.relay === undefined ? {} : { relay: opts.relay }),
      };
      if (spec.targets.length === 0) throw new MlfError('MLF-E901', 'give at least one --target');
      if (spec.codegen.length === 0)
        throw new MlfError('MLF-E901', 'give the generated code with --src, --obj or --header');
      modules = [await loadModuleSpec(spec, process.cwd())];
    }
    reportClashes(await exportModelLibraryFormat(modules, opts.output, { force }), io);
  } else {
    if (input === undefined)
      throw new MlfError('MLF-E901', 'give a folder to pack, or --manifest build.json, or --name and the module flags');
    const warnings = await packArchive(input, opts.output, { force });
    for (const d of warnings) io.err(formatDiagnostic(d));
  }
  io.err(`wrote ${opts.output}`);
  return 0;
}

/** `mlf merge A B … -o C`. */
export async function runMerge(inputs: string[], opts: OutOpts & { rename?: string[] }, io: CliIo): Promise<number> {
  const assembled = await mergeArchives(inputs, opts.output, {
    force: opts.force ?? false,
    rename: parseRenames(opts.rename ?? []),
  });
  reportClashes(assembled, io);
  io.err(`wrote ${opts.output}`);
  return 0;
}

/** `mlf split A -o FOLDER`: one archive per module, named `<module><ext>`. */
export async function runSplit(input: string, opts: OutOpts & { ext?: string }, io: CliIo): Promise<number> {
  const ext = opts.ext ?? '.tar';
  compressionForPath(`x${ext}`); // refuse unknown extensions before writing anything
  await withPackages([input], async ([packages = []]) => {
    await mkdir(opts.output, { recursive: true });
    for (const p of packages) {
      const dest = join(opts.output, `${p.name}${ext}`);
      await writePackages([p], dest, 7, { force: opts.force ?? false });
      io.err(`wrote ${dest}`);
    }
  });
  return 0;
}

/** `mlf extract-module A --module NAME -o B`. */
export async function runExtractModule(input: string, opts: OutOpts & { module: string }, io: CliIo): Promise<number> {
  await withPackages([input], async ([packages = []]) => {
    const p = packages.find((x) => x.name === opts.module);
    if (p === undefined)
      throw new MlfError(
        'MLF-E903',
        `no module named ${JSON.stringify(opts.module)}; the archive has ${packages.map((x) => JSON.stringify(x.name)).join(', ')}`,
      );
    await writePackages([p], opts.output, 7, { force: opts.force ?? false });
  });
  io.err(`wrote ${opts.output}`);
  return 0;
}

/** `mlf convert A --to-version 7|6 -o B`. */
export async function runConvert(input: string, opts: OutOpts & { toVersion: string }, io: CliIo): Promise<number> {
  const version = Number(opts.toVersion);
  if (version !== 6 && version !== 7)
    throw new MlfError('MLF-E901', `--to-version must be 6 or 7, got ${JSON.stringify(opts.toVersion)}`);
  const converted = await convertArchive(input, opts.output, version, { force: opts.force ?? false });
  reportClashes(converted, io);
  for (const p of converted.kept) io.err(`kept ${p} (not part of any module) at the same path`);
  for (const d of converted.dropped) io.err(`dropped ${d.path}: ${d.reason}`);
  io.err(`wrote ${opts.output} (version ${version})`);
  return 0;
}

/** `mlf unpack A -o FOLDER`: safe, all-or-nothing extraction. */
export async function runUnpack(input: string, opts: OutOpts, io: CliIo): Promise<number> {
  const r = await unpackArchive(input, opts.output, { force: opts.force ?? false });
  io.err(`unpacked ${r.files} files (${r.bytes} bytes) into ${opts.output}`);
  return 0;
}

/** `mlf params import <file.npz | folder of .npy> -o out.params`. */
export async function runParamsImport(input: string, opts: OutOpts, io: CliIo): Promise<number> {
  let tensors: ParamTensorInput[];
  if (input.endsWith('.npz')) {
    tensors = Object.entries(decodeNpz(new Uint8Array(await readFile(input)))).map(([n, a]) => npyToParam(n, a));
  } else {
    let names: string[];
    try {
      names = (await readdir(input)).filter((f) => f.endsWith('.npy')).sort();
    } catch (e) {
      throw new MlfError('MLF-E902', `cannot read ${input}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
    if (names.length === 0) throw new MlfError('MLF-E902', `${input} holds no .npy files`);
    tensors = [];
    for (const f of names) {
      const name = decodeURIComponent(f.slice(0, -4));
      tensors.push(npyToParam(name, decodeNpy(new Uint8Array(await readFile(join(input, f))))));
    }
  }
  await writeFileAtomic(opts.output, encodeParams({ tensors }), { force: opts.force ?? false });
  io.err(`wrote ${tensors.length} tensors to ${opts.output}`);
  return 0;
}

export type { Compression };
