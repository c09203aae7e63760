/** Test helpers: read a fixture tar into a file map, change it, pack it again, validate it. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openArchive } from '../../src/core/archive/archive.js';
import { bytesSource } from '../../src/core/common/source.js';
import { packTar } from '../../src/core/tar/write.js';
import { readTarIndexSync, tarEntryData } from '../../src/core/tar/read.js';
import { type ValidationReport, validateContents } from '../../src/core/archive/validate.js';
import type { CSource } from '../../src/core/graph/aot-scan.js';
import { FIXTURES } from './common.js';

export const TVM = 'test/fixtures/tvm-0.18';
export const TVM_FIXTURES = ['aot-mlp', 'graph-cnn', 'mnist-graph', 'multi-graph', 'operator-add-i8'];

/** Every regular file of a tar, by normalised path, in archive order. */
export function tarFiles(path: string): Map<string, Uint8Array> {
  const bytes = new Uint8Array(readFileSync(path));
  const files = new Map<string, Uint8Array>();
  for (const e of readTarIndexSync(bytes).entries) if (e.type === 'file') files.set(e.path, tarEntryData(bytes, e));
  return files;
}

/** Packs a file map (sorted) the way TVM does: `./` names, root entry first. */
export function packFiles(files: Map<string, Uint8Array>): Uint8Array {
  return packTar(
    [...files.keys()].sort().map((path) => ({ path, type: 'file' as const, data: files.get(path) as Uint8Array })),
  );
}

/** A copy of a fixture tar with its files changed by `change`, packed again. */
export function broken(fixture: string, change: (files: Map<string, Uint8Array>) => void): Uint8Array {
  const files = tarFiles(fixture);
  change(files);
  return packFiles(files);
}

export const text = (s: string) => new TextEncoder().encode(s);
export const json = (b: Uint8Array | undefined) => JSON.parse(new TextDecoder().decode(b));

/** Validates archive bytes the way `mlf validate` does. */
export function validateBytes(bytes: Uint8Array): Promise<ValidationReport> {
  return validateContents(() => openArchive(bytesSource(bytes)));
}

/** Error codes of a report. */
export const errorCodes = (r: ValidationReport) => [
  ...new Set(r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code)),
];

/** The C sources of a fixture (a tar or a folder), by path. */
export function sourcesOf(fixture: string): CSource[] {
  const path = join(FIXTURES, fixture);
  if (path.endsWith('.tar')) {
    const files = tarFiles(path);
    return [...files]
      .filter(([p]) => /^codegen\/host\/src\/.*\.c$/.test(p))
      .map(([p, b]) => ({ path: p, text: new TextDecoder().decode(b) }));
  }
  const dir = join(path, 'codegen/host/src');
  return readdirSync(dir).map((f) => ({ path: `codegen/host/src/${f}`, text: readFileSync(join(dir, f), 'utf8') }));
}

/** Every `.tar` under test/fixtures, sorted by path. */
export function fixtureTarPaths(): string[] {
  return (readdirSync(FIXTURES, { recursive: true }) as string[])
    .filter((p) => p.endsWith('.tar'))
    .sort()
    .map((p) => join(FIXTURES, p));
}
