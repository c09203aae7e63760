/**
 * The public API by name: the values and types each package entry exports (a snapshot, so a
 * change to the surface is deliberate: update it with `npx vitest run test/package/exports.test.ts -u`),
 * every name the README and CHANGELOG document is among them, and package.json points at them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/common.js';

const ENTRIES = { '.': 'src/core/index.ts', './node': 'src/node/index.ts' } as const;

/** The exported names of each entry, values and types apart, as the compiler sees them. */
function surface(): Record<string, { values: string[]; types: string[] }> {
  const files = Object.values(ENTRIES).map((f) => join(ROOT, f));
  const program = ts.createProgram(files, {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    types: ['node'],
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const out: Record<string, { values: string[]; types: string[] }> = {};
  for (const [entry, file] of Object.entries(ENTRIES)) {
    const source = program.getSourceFile(join(ROOT, file));
    const moduleSymbol = source && checker.getSymbolAtLocation(source);
    if (moduleSymbol === undefined) throw new Error(`no module symbol for ${file}`);
    const values: string[] = [];
    const types: string[] = [];
    for (const s of checker.getExportsOfModule(moduleSymbol)) {
      const target = s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s;
      (target.flags & ts.SymbolFlags.Value ? values : types).push(s.name);
    }
    out[entry] = { values: values.sort(), types: types.sort() };
  }
  return out;
}

const SURFACE = surface();

/** Every name some module under src/ exports (public or not). */
function declaredNames(): Set<string> {
  const names = new Set<string>();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.ts'))
        for (const m of readFileSync(p, 'utf8').matchAll(
          /^export (?:async )?(?:function\*?|const|class|interface|type) ([A-Za-z_]\w*)/gm,
        ))
          names.add(m[1] as string);
    }
  };
  walk(join(ROOT, 'src/core'));
  walk(join(ROOT, 'src/node'));
  return names;
}

describe('public API', () => {
  it('matches the committed list of names per entry', async () => {
    await expect(`${JSON.stringify(SURFACE, null, 2)}\n`).toMatchFileSnapshot('./exports.json');
  });

  it('./node re-exports every name of the browser-safe entry', () => {
    for (const kind of ['values', 'types'] as const)
      for (const name of SURFACE['.']![kind]) expect(SURFACE['./node']![kind], name).toContain(name);
  });

  it('keeps parser internals, renderer helpers, cache internals and schema shapes private', () => {
    const all = [...SURFACE['./node']!.values, ...SURFACE['./node']!.types];
    for (const name of [
      'ByteReader',
      'readParamName',
      'checkParamsEnd',
      'escapeGithubMessage',
      'budgetFlag',
      'cacheRoot',
      'cachedEntry',
      'entryShapes',
      'metadataShapeFor',
      'TEMPLATES_DIR',
      'writeFileAtomic',
    ])
      expect(all, name).not.toContain(name);
  });

  it('every library name the README and CHANGELOG mention in code spans is exported', () => {
    const declared = declaredNames();
    const publicNames = new Set([...SURFACE['./node']!.values, ...SURFACE['./node']!.types]);
    const docs = ['README.md', 'CHANGELOG.md'].map((f) => readFileSync(join(ROOT, f), 'utf8')).join('\n');
    const mentioned = [...docs.matchAll(/`([A-Za-z_]\w*)(?:\([^`]*\))?`/g)].map((m) => m[1] as string);
    // `jsonPath` is also a field of MlfError, which is what the README means by it.
    const fields = new Set(['jsonPath']);
    const documented = [...new Set(mentioned)].filter((n) => declared.has(n) && !fields.has(n));
    expect(documented.length).toBeGreaterThan(20);
    expect(documented.filter((n) => !publicNames.has(n))).toEqual([]);
  });
});

describe('package.json', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

  it('is ESM for Node >= 20 with the bin mlf and an exports map of the two entries', () => {
    expect(pkg.type).toBe('module');
    expect(pkg.engines.node).toBe('>=20');
    expect(pkg.bin).toEqual({ mlf: 'bin/mlf.js' });
    expect(Object.keys(pkg.exports)).toEqual(['.', './node', './schemas/*', './package.json']);
    for (const [entry, src] of Object.entries(ENTRIES)) {
      const dist = src.replace(/^src\//, './dist/').replace(/\.ts$/, '');
      expect(pkg.exports[entry]).toEqual({ types: `${dist}.d.ts`, default: `${dist}.js` });
    }
  });

  it('builds before packing and ships no source maps, build info or the unbundled CLI', () => {
    expect(pkg.scripts.prepack).toMatch(/npm run build$/);
    expect(pkg.files).toContain('!dist/**/*.map');
    expect(pkg.files).toContain('!dist/**/*.tsbuildinfo');
    expect(pkg.files.filter((f: string) => f.startsWith('dist/'))).toEqual([
      'dist/core/',
      'dist/node/',
      'dist/cli-bundle/',
      'dist/viewer/',
    ]);
    expect(Object.keys(pkg.dependencies)).not.toContain('zod');
    expect(pkg.files).toEqual(expect.arrayContaining(['NOTICE', 'THIRD-PARTY-LICENSES.txt']));
  });

  it('THIRD-PARTY-LICENSES.txt is up to date (node scripts/third-party-licenses.js)', async () => {
    const { thirdPartyLicenses } = await import('../../scripts/third-party-licenses.js');
    expect(readFileSync(join(ROOT, 'THIRD-PARTY-LICENSES.txt'), 'utf8')).toBe(thirdPartyLicenses());
  });
});
