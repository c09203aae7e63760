#!/usr/bin/env node
// Writes the published JSON Schema files of metadata.json (schemas/<stem>.schema.json), one per
// format version and style, from the shapes in src/core/metadata/schema.ts.
// Run after `npm run build` (it reads dist/): `npm run schemas`.
// test/core/metadata/schemas.test.ts regenerates the same documents from src/ and fails when they drift.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { metadataJsonSchemas } from '../dist/core/metadata/schema.js';

const OUT = join(dirname(fileURLToPath(import.meta.url)), '..', 'schemas');

mkdirSync(OUT, { recursive: true });
const schemas = metadataJsonSchemas();
const files = Object.keys(schemas)
  .sort()
  .map((stem) => {
    const file = `${stem}.schema.json`;
    writeFileSync(join(OUT, file), `${JSON.stringify(schemas[stem], null, 2)}\n`);
    return file;
  });
// Drop schema files of stems that no longer exist.
for (const file of readdirSync(OUT)) {
  if (file.endsWith('.schema.json') && !files.includes(file)) rmSync(join(OUT, file));
}
for (const file of files) console.log(`schemas/${file}`);
