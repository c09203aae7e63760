import { lstat, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Diagnostic, diagnostic, MlfError } from '../../core/errors/errors.js';
import type { Assembled } from '../../core/archive/packages.js';
import type { ModuleBuild, OperatorBuild } from '../../core/archive/export.js';
import { compressionForPath } from '../../node/write/compress.js';
import { loadBuildManifest, loadModuleSpec, type ModuleSpec } from '../../node/write/build-manifest.js';
import {
  convertArchive,
  type Destination,
  exportModelLibraryFormat,
  mergeArchives,
  packArchive,
  parseRenames,
  withPackages,
  writePackages,
} from '../../node/write/pack.js';
import { unpackArchive } from '../../node/write/unpack.js';
import type { Written } from '../../node/write/atomic.js';
import { checkFileDestination } from '../../node/write/destination.js';
import { fsCall, fsError } from '../../node/fs-error.js';
import type { CliContext } from '../context.js';
import { formatBytes, plural, safeText } from '../format.js';
import { about } from './each.js';
import { reportWritten, stdoutTarget } from './output.js';

interface OutOpts {
  output: string;
  force?: boolean;
  json?: boolean;
}

function clashWarnings(a: Pick<Assembled, 'symbolClashes'>): Diagnostic[] {
  return a.symbolClashes.map((c) =>
    diagnostic('MLF-W109', `${c.symbol} is defined by modules ${c.modules.join(', ')}`, {}, 'warning'),
  );
}

/** An archive destination: standard output for `-`, else the path. */
const destination = (ctx: CliContext, output: string): Destination => (output === '-' ? stdoutTarget(ctx) : output);

/** Progress of an archive write on a TTY, and what was written. */
function writeHooks(ctx: CliContext, label: string) {
  const bar = ctx.progress(label);
  const written: Written[] = [];
  return {
    written,
    bar,
    hooks: {
      onProgress: (n: number, total: number) => bar.update(n, total),
      onWritten: (w: Written) => written.push(w),
    },
  };
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
  workspace?: string[];
}

/** `--workspace FUNC=BYTES` flags as TVM's operator function entries (device 1, the CPU). */
function parseWorkspaces(pairs: string[]): NonNullable<ModuleSpec['memory']>['operatorFunctions'] {
  return pairs.map((p) => {
    const m = /^([A-Za-z_]\w*)=(\d+)$/.exec(p);
    if (m === null) throw new MlfError('MLF-E901', `--workspace takes FUNCTION=BYTES, got ${JSON.stringify(p)}`);
    return { function_name: m[1] as string, workspace: [{ device: 1, workspace_size_bytes: Number(m[2]) }] };
  });
}

/** W110 for graph modules whose workspace the writer has to estimate (no operator workspaces, no memory.main). */
function workspaceEstimates(modules: (ModuleBuild | OperatorBuild)[]): Diagnostic[] {
  return modules.flatMap((m) =>
    'style' in m ||
    m.executor !== 'graph' ||
    m.memory?.main !== undefined ||
    (m.memory?.operatorFunctions?.length ?? 0) > 0
      ? []
      : [
          diagnostic(
            'MLF-W110',
            `module "${m.name}": no operator workspaces given, so its workspace is estimated from the storage plan alone (TVM adds the largest operator workspace)`,
            {},
            'warning',
          ),
        ],
  );
}

/** `mlf pack`: a folder (or archive) re-packed canonically, or loose build outputs to an archive. */
export async function runPack(ctx: CliContext, input: string | undefined, opts: PackFlags): Promise<number> {
  const force = opts.force ?? false;
  const moduleFlags = {
    '--name': opts.name,
    '--executor': opts.executor,
    '--target': opts.target,
    '--graph': opts.graph,
    '--params': opts.params,
    '--src': opts.src,
    '--obj': opts.obj,
    '--header': opts.header,
    '--relay': opts.relay,
    '--workspace': opts.workspace,
  };
  const flagged = Object.entries(moduleFlags).filter(([, v]) => v !== undefined);
  if (opts.manifest !== undefined && flagged.length > 0)
    throw new MlfError(
      'MLF-E901',
      `--manifest describes every module; ${flagged.map(([k]) => k).join(', ')} cannot be given with it`,
    );
  if (input !== undefined && (opts.manifest !== undefined || flagged.length > 0))
    throw new MlfError('MLF-E901', 'give either a folder to pack or --manifest/module flags, not both');
  const dest = destination(ctx, opts.output);
  const { written, bar, hooks } = writeHooks(ctx, 'packing');
  let warnings: Diagnostic[];
  try {
    if (opts.manifest !== undefined || flagged.length > 0) {
      let modules: (ModuleBuild | OperatorBuild)[];
      if (opts.manifest !== undefined) modules = await loadBuildManifest(opts.manifest);
      else {
        if (opts.name === undefined) throw new MlfError('MLF-E901', 'module flags need --name');
        if (opts.executor !== 'graph' && opts.executor !== 'aot')
          throw new MlfError('MLF-E901', '--executor must be graph or aot');
        const spec: ModuleSpec = {
          name: opts.name,
          executor: opts.executor,
          targets: opts.target ?? [],
          codegen: [...(opts.src ?? []), ...(opts.obj ?? []), ...(opts.header ?? [])],
          ...(opts.graph === undefined ? {} : { graph: opts.graph }),
          ...(opts.params === undefined ? {} : { params: opts.params }),
          ...(opts.relay === undefined ? {} : { relay: opts.relay }),
          ...(opts.workspace === undefined ? {} : { memory: { operatorFunctions: parseWorkspaces(opts.workspace) } }),
        };
        if (spec.targets.length === 0) throw new MlfError('MLF-E901', 'give at least one --target');
        if (spec.codegen.length === 0)
          throw new MlfError('MLF-E901', 'give the generated code with --src, --obj or --header');
        modules = [await loadModuleSpec(spec, process.cwd())];
      }
      const inputs = [...(opts.manifest === undefined ? [] : [opts.manifest])];
      const assembled = await exportModelLibraryFormat(modules, dest, { force, inputs, ...hooks });
      warnings = [...workspaceEstimates(modules), ...clashWarnings(assembled)];
    } else {
      if (input === undefined)
        throw new MlfError(
          'MLF-E901',
          'give a folder to pack, or --manifest build.json, or --name and the module flags',
        );
      const path = await ctx.input(input);
      warnings = await about(input, () => packArchive(path, dest, { force, ...hooks }));
    }
  } finally {
    bar.stop();
  }
  reportWritten(ctx, 'pack', written, warnings);
  return 0;
}

/** `mlf merge A B … -o C`. */
export async function runMerge(
  ctx: CliContext,
  inputs: string[],
  opts: OutOpts & { rename?: string[] },
): Promise<number> {
  const renames = parseRenames(opts.rename ?? []);
  const paths = await ctx.inputs(inputs);
  const { written, bar, hooks } = writeHooks(ctx, 'merging');
  let assembled;
  try {
    assembled = await mergeArchives(paths, destination(ctx, opts.output), {
      force: opts.force ?? false,
      rename: renames,
      ...hooks,
    });
  } finally {
    bar.stop();
  }
  reportWritten(ctx, 'merge', written, clashWarnings(assembled));
  return 0;
}

/** `--ext zst`, `.zst`, `tar.zst`, `.tar.zst` → `.tar.zst` (and the same for the others). */
export function normalizeExt(ext: string): string {
  const bare = ext.replace(/^\./, '').toLowerCase();
  const known: Record<string, string> = {
    tar: '.tar',
    'tar.gz': '.tar.gz',
    gz: '.tar.gz',
    gzip: '.tar.gz',
    tgz: '.tgz',
    'tar.zst': '.tar.zst',
    zst: '.tar.zst',
    zstd: '.tar.zst',
    tzst: '.tzst',
  };
  const out = known[bare];
  if (out === undefined)
    throw new MlfError(
      'MLF-E901',
      `--ext must be .tar, .tar.gz, .tgz or .tar.zst (or tar, gz, zst); got ${JSON.stringify(ext)}`,
    );
  return out;
}

/** `mlf split A -o FOLDER`: one archive per module, named `<module><ext>`; every name is checked before anything is written. */
export async function runSplit(ctx: CliContext, input: string, opts: OutOpts & { ext?: string }): Promise<number> {
  const ext = normalizeExt(opts.ext ?? '.tar');
  compressionForPath(`x${ext}`);
  const path = await ctx.input(input);
  const written: Written[] = [];
  await about(input, () =>
    withPackages([path], async ([packages = []]) => {
      const dests = packages.map((p) => join(opts.output, `${p.name}${ext}`));
      for (const [i, p] of packages.entries())
        if (Buffer.byteLength(`${p.name}${ext}`) > 255)
          throw fsError(
            Object.assign(new Error(), { code: 'ENAMETOOLONG' }),
            dests[i] as string,
            'write',
            `module "${safeText(p.name.slice(0, 40))}…": file`,
          );
      // The folder itself may be missing (it is created); its parent must exist, as for every writer.
      const st = await lstat(opts.output).catch(() => null);
      if (st === null) await fsCall(opts.output, 'write', () => mkdir(opts.output));
      else if (!st.isDirectory())
        throw new MlfError(
          'MLF-E904',
          `${opts.output} is not a folder; split writes one archive per module into a folder`,
          {},
          'Give a folder path (new or existing).',
        );
      const rules = { force: opts.force ?? false, inputs: [path] };
      for (const d of dests) await checkFileDestination(d, { ...rules, accepts: 'archive' });
      for (const [i, p] of packages.entries()) {
        await writePackages([p], dests[i] as string, 7, { ...rules, onWritten: (w) => written.push(w) });
      }
    }),
  );
  reportWritten(ctx, 'split', written);
  return 0;
}

/** `mlf extract-module A --module NAME -o B`. */
export async function runExtractModule(
  ctx: CliContext,
  input: string,
  opts: OutOpts & { module: string },
): Promise<number> {
  const path = await ctx.input(input);
  const written: Written[] = [];
  await about(input, () =>
    withPackages([path], async ([packages = []]) => {
      const p = packages.find((x) => x.name === opts.module);
      if (p === undefined)
        throw new MlfError(
          'MLF-E903',
          `no module named ${JSON.stringify(opts.module)}; the archive has ${packages.map((x) => JSON.stringify(x.name)).join(', ')}`,
        );
      await writePackages([p], destination(ctx, opts.output), 7, {
        force: opts.force ?? false,
        inputs: [path],
        onWritten: (w) => written.push(w),
      });
    }),
  );
  reportWritten(ctx, 'extract-module', written);
  return 0;
}

/** `mlf convert A --to-version 7|6 -o B`. */
export async function runConvert(
  ctx: CliContext,
  input: string,
  opts: OutOpts & { toVersion: string },
): Promise<number> {
  const version = Number(opts.toVersion);
  if (version !== 6 && version !== 7)
    throw new MlfError('MLF-E901', `--to-version must be 6 or 7, got ${JSON.stringify(opts.toVersion)}`);
  const path = await ctx.input(input);
  const { written, bar, hooks } = writeHooks(ctx, 'converting');
  let converted;
  try {
    converted = await about(input, () =>
      convertArchive(path, destination(ctx, opts.output), version, {
        force: opts.force ?? false,
        inputs: [path],
        ...hooks,
      }),
    );
  } finally {
    bar.stop();
  }
  for (const p of converted.kept) ctx.note(`kept ${safeText(p)} (not part of any module) at the same path`);
  for (const d of converted.dropped) ctx.note(`dropped ${safeText(d.path)}: ${d.reason}`);
  reportWritten(ctx, 'convert', written, clashWarnings(converted), {
    version,
    kept: converted.kept,
    dropped: converted.dropped,
  });
  return 0;
}

/** `mlf unpack A -o FOLDER`: safe, all-or-nothing extraction. */
export async function runUnpack(ctx: CliContext, input: string, opts: OutOpts): Promise<number> {
  if (opts.output === '-') throw new MlfError('MLF-E901', 'unpack writes a folder; it cannot go to standard output');
  const path = await ctx.input(input);
  const bar = ctx.progress('unpacking');
  let r;
  try {
    r = await about(input, () =>
      unpackArchive(path, opts.output, { force: opts.force ?? false, onProgress: (n, t) => bar.update(n, t) }),
    );
  } finally {
    bar.stop();
  }
  if (ctx.json) reportWritten(ctx, 'unpack', [{ path: opts.output, bytes: r.bytes, files: r.files }]);
  else ctx.note(`unpacked ${plural(r.files, 'file')} (${formatBytes(r.bytes)}) into ${safeText(opts.output)}`);
  return 0;
}
