#!/usr/bin/env node
// Writes THIRD-PARTY-LICENSES.txt: the license texts of the packages bundled into the CLI
// (dist/cli-bundle: the runtime dependencies) and the viewer page (dist/viewer: the packages
// viewer/src imports), with their dependencies. `node scripts/third-party-licenses.js`;
// test/package/exports.test.ts fails when the committed file is out of date.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkgJson = (name) => JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8'));

/** Bare package names imported by the viewer's sources. */
function viewerImports() {
  const names = new Set();
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|tsx)$/.test(p))
        for (const m of readFileSync(p, 'utf8').matchAll(/from '((?:@[\w.-]+\/)?\w[\w.-]*)[^']*'/g)) names.add(m[1]);
    }
  };
  walk(join(ROOT, 'viewer', 'src'));
  return [...names];
}

/** The license text of the bundled packages, sorted by name. */
export function thirdPartyLicenses() {
  const own = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const todo = [...Object.keys(own.dependencies ?? {}), ...viewerImports()];
  const seen = new Set();
  while (todo.length > 0) {
    const name = todo.pop();
    if (seen.has(name)) continue;
    seen.add(name);
    todo.push(...Object.keys(pkgJson(name).dependencies ?? {}));
  }
  const parts = [...seen].sort().map((name) => {
    const { version, license } = pkgJson(name);
    const dir = join(ROOT, 'node_modules', name);
    const file = readdirSync(dir).find((f) => /^(licen[cs]e|copying)/i.test(f));
    const text =
      file === undefined ? `(no license file; package.json says ${license})` : readFileSync(join(dir, file), 'utf8');
    return `${name} ${version} (${license})\n\n${text.trim()}\n`;
  });
  return `Third-party software bundled in dist/cli-bundle/ and dist/viewer/\n\n${parts.join(`\n${'-'.repeat(72)}\n\n`)}`;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(join(ROOT, 'THIRD-PARTY-LICENSES.txt'), thirdPartyLicenses());
}
