/**
 * The package as a user gets it: `npm pack` of a copy of the working tree (so `prepack` builds
 * from scratch, as on a fresh clone), installed into a new project; every public name imports
 * from ESM, `require` and strict TypeScript (nodenext and bundler); the browser entry bundles
 * with esbuild without Node built-ins, what a page loads up front within 90 KB (the AOT/Relay
 * readers and the zstd decoder in chunks of their own); `./node` bundles and loads; the bin
 * runs through `npx -p`; publint and are-the-types-wrong find nothing.
 */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as esbuild from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/common.js';

const SURFACE: Record<string, { values: string[]; types: string[] }> = JSON.parse(
  readFileSync(join(import.meta.dirname, 'exports.json'), 'utf8'),
);
const VERSION: string = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
const BIN = (name: string) => join(ROOT, 'node_modules', '.bin', name);
const BROWSER_LIMIT = 90_000; // bytes, minified

const work = mkdtempSync(join(tmpdir(), 'mlf-pack-'));
const app = join(work, 'app');
let tarball = '';

function sh(cmd: string, args: string[], options: SpawnSyncOptions = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26, ...options });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return String(r.stdout);
}

beforeAll(() => {
  // A copy of the files git would check out (tracked or new, not ignored), with the repository's
  // node_modules for the build tools: `npm pack` there runs prepack, which deletes dist/ and
  // builds, without touching the dist/ the other tests use.
  const src = join(work, 'src');
  const files = sh('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT })
    .split('\0')
    .filter((f) => f !== '');
  for (const f of files) {
    try {
      cpSync(join(ROOT, f), join(src, f));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e; // deleted, not yet committed
    }
  }
  symlinkSync(join(ROOT, 'node_modules'), join(src, 'node_modules'), 'dir');
  const out = sh('npm', ['pack', '--json', '--pack-destination', work], { cwd: src });
  tarball = join(work, JSON.parse(out.slice(out.indexOf('[')))[0].filename);

  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  sh('npm', ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund'], { cwd: app });
}, 600_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the tarball', () => {
  it('holds LICENSE, NOTICE, the built entries, the CLI bundle and nothing that does not run', () => {
    const files = sh('tar', ['tzf', tarball]).split('\n').filter(Boolean);
    for (const f of [
      'LICENSE',
      'NOTICE',
      'THIRD-PARTY-LICENSES.txt',
      'README.md',
      'package.json',
      'bin/mlf.js',
      'dist/core/index.js',
      'dist/core/index.d.ts',
      'dist/node/index.js',
      'dist/cli-bundle/main.js',
      'dist/viewer/index.html',
      'schemas/mlf-metadata-v7.schema.json',
      'templates/host/Makefile',
    ])
      expect(files, f).toContain(`package/${f}`);
    expect(files.filter((f) => /\.map$|\.tsbuildinfo$|^package\/(dist\/cli\/|src\/|test\/)/.test(f))).toEqual([]);
  });
});

describe('installed into a new project', () => {
  it('every public value imports from ESM, and from require() on this Node', () => {
    const script = Object.entries(SURFACE)
      .map(([entry, { values }], i) => {
        const spec = entry === '.' ? 'model-library-format' : `model-library-format/${entry.slice(2)}`;
        return `import * as m${i} from '${spec}';
const names${i} = ${JSON.stringify(values)};
if (JSON.stringify(Object.keys(m${i}).sort()) !== JSON.stringify(names${i})) throw new Error('${entry}: ' + Object.keys(m${i}));
for (const n of names${i}) if (m${i}[n] === undefined) throw new Error('${entry}: ' + n);
const r${i} = createRequire(import.meta.url)('${spec}');
for (const n of names${i}) if (r${i}[n] !== m${i}[n]) throw new Error('require ${entry}: ' + n);`;
      })
      .join('\n');
    writeFileSync(
      join(app, 'esm.mjs'),
      `import { createRequire } from 'node:module';\n${script}\nconsole.log('ok');\n`,
    );
    expect(sh(process.execPath, ['esm.mjs'], { cwd: app }).trim()).toBe('ok');
  });

  it.each(['nodenext', 'bundler'])('every public name type-checks in strict TypeScript (%s)', (resolution) => {
    const dir = join(app, `ts-${resolution}`);
    mkdirSync(dir, { recursive: true });
    // One file per entry (./node repeats the names of .), each importing every name by name.
    const files = Object.entries(SURFACE).map(([entry, { values, types }], i) => {
      const spec = entry === '.' ? 'model-library-format' : `model-library-format/${entry.slice(2)}`;
      const lines = [
        `import { ${[...values, ...types.map((t) => `type ${t}`)].join(', ')} } from '${spec}';`,
        `export const values = [${values.join(', ')}];`,
        `export type Types = [${types.join(', ')}];`,
        // A use, to see the types are real: what readMlf resolves to has modules.
        'export async function count(c: ArchiveContents): Promise<number> { return (await readMlf(c)).modules.length; }',
      ];
      writeFileSync(join(dir, `check${i}.ts`), `${lines.join('\n')}\n`);
      return `check${i}.ts`;
    });
    const compilerOptions = {
      strict: true,
      noEmit: true,
      target: 'ES2022',
      lib: ['ES2023', 'DOM'],
      module: resolution === 'nodenext' ? 'nodenext' : 'esnext',
      moduleResolution: resolution,
      typeRoots: [join(ROOT, 'node_modules', '@types')],
      types: ['node'],
    };
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files }));
    sh(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], { cwd: app });
  });

  // Split at dynamic imports, as browser bundlers do. What a page loads before reading any archive
  // is the entry chunk plus the chunks it imports statically (shared code esbuild splits out);
  // readers only some archives need (zstd, the AOT/Relay analysis) come as chunks loaded on demand.
  it(`the browser entry (read, validate, inspect, params) bundles without Node built-ins; what it loads up front <= ${BROWSER_LIMIT} bytes`, async () => {
    const entry = join(app, 'browser.mjs');
    writeFileSync(
      entry,
      "export { blobSource, inspectArchive, loadParams, openArchive, readMlf, tensorView, validateArchive } from 'model-library-format';\n",
    );
    const result = await esbuild.build({
      entryPoints: [entry],
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      splitting: true,
      outdir: join(work, 'browser-out'),
      write: false,
      metafile: true,
      logLevel: 'silent',
      absWorkingDir: app,
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((p) => p.startsWith('node:') || /^(fs|path|crypto|zlib|os|stream)$/.test(p))).toEqual([]);
    expect(inputs.some((p) => p.includes('node_modules/model-library-format/dist/core/'))).toBe(true);
    const outputs = new Map(Object.entries(result.metafile.outputs));
    const [entryName, main] = [...outputs].find(([, o]) => o.entryPoint !== undefined)!;
    // The chunks loaded up front: the entry's static imports, transitively.
    const upFront = new Set<string>();
    for (const queue = [entryName]; queue.length > 0;) {
      const name = queue.pop() as string;
      if (upFront.has(name)) continue;
      upFront.add(name);
      for (const i of outputs.get(name)?.imports ?? []) if (i.kind === 'import-statement') queue.push(i.path);
    }
    const initial = [...upFront].reduce((a, n) => a + (outputs.get(n)?.bytes ?? 0), 0);
    const total = [...outputs.values()].reduce((a, o) => a + o.bytes, 0);
    console.log(
      `browser entry chunk: ${main.bytes} bytes minified; loaded up front (entry + ${upFront.size - 1} shared chunks): ${initial} bytes; all ${outputs.size} chunks: ${total} bytes`,
    );
    // Neither the zstd decoder nor the AOT/Relay readers load up front.
    const loadedUpFront = [...upFront].flatMap((n) => Object.keys(outputs.get(n)?.inputs ?? {}));
    expect(loadedUpFront.filter((p) => /fzstd|\/graph\/(aot-main|aot-lex|relay-parse|relay-ops)\.js$/.test(p))).toEqual(
      [],
    );
    expect(inputs.filter((p) => /\/graph\/(aot-main|relay-parse)\.js$/.test(p))).toHaveLength(2); // bundled, on demand
    expect(initial).toBeLessThanOrEqual(BROWSER_LIMIT);
  });

  it('./node bundles into one file that loads away from the package folder', async () => {
    const out = join(work, 'elsewhere', 'bundle.mjs');
    await esbuild.build({
      stdin: {
        contents:
          "import * as m from 'model-library-format/node'; console.log(typeof m.generateProject, typeof m.readMlfPath);",
        resolveDir: app,
      },
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      outfile: out,
      logLevel: 'silent',
      banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    });
    expect(sh(process.execPath, [out], { cwd: dirname(out) }).trim()).toBe('function function');
  });

  it('npx -p <tarball> mlf --version prints the version', () => {
    const out = sh('npx', ['--yes', '--prefer-offline', '-p', tarball, 'mlf', '--version'], { cwd: work });
    expect(out.trim()).toBe(VERSION);
  });

  it('publint finds nothing to report', () => {
    const out = sh(BIN('publint'), ['run', tarball, '--strict']);
    expect(out).not.toMatch(/Suggestions?:|Warnings?:|Errors?:/);
  });

  it('are-the-types-wrong finds no problem for ESM and bundler resolution', () => {
    // The esm-only profile: CommonJS consumers use require(esm) (Node >= 20.19), which the
    // tool's TypeScript 5.6 does not model.
    // It exits non-zero on a problem (sh throws then); each entry resolves for ESM and bundlers.
    const out = sh(BIN('attw'), [tarball, '--profile', 'esm-only', '--format', 'ascii', '--no-color', '--no-emoji']);
    expect(out.match(/^(node16 \(from ESM\)|bundler): OK/gm)).toHaveLength(6);
  });

  it('ships only the files npm pack listed', () => {
    const installed = readdirSync(join(app, 'node_modules', 'model-library-format')).sort();
    expect(installed).toEqual(
      [
        'CHANGELOG.md',
        'LICENSE',
        'NOTICE',
        'README.md',
        'THIRD-PARTY-LICENSES.txt',
        'bin',
        'dist',
        'docs',
        'package.json',
        'schemas',
        'templates',
      ].sort(),
    );
  });
});
