#!/usr/bin/env node
// Writes the published JSON Schema files of metadata.json (schemas/<stem>.schema.json), one per
// format version and style, from the zod schemas in src/core/metadata/schema.ts.
// Run after `npm run build` (it reads dist/): `npm run schemas`.
// test/schemas.test.ts regenerates the same documents from src/ and fails when they drift.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as z from 'zod';
import { allMetadataSchemas } from '../dist/core/metadata/schema.js';

const ID_BASE = 'https://model-library-format.dev/schemas/';
const OUT = join(dirname(fileURLToPath(import.meta.url)), '..', 'schemas');

/** `mlf-metadata-v7` → "... version 7, full-model style"; `mlf-metadata-v5-operator` → "... operator style". */
function titleOf(stem) {
  const m = /^mlf-metadata-v(\d+)(-operator)?$/.exec(stem);
  if (m === null) throw new Error(`unexpected schema stem ${stem}`);
  return `Apache TVM Model Library Format metadata.json, version ${m[1]}, ${m[2] ? 'operator' : 'full-model'} style`;
}

/** The JSON Schema document of one stem: `$schema`, `$id` and `title` first, then the body. */
function schemaDocument(stem, schema) {
  const { $schema, ...body } = z.toJSONSchema(schema, { target: 'draft-2020-12' });
  return { $schema, $id: `${ID_BASE}${stem}.schema.json`, title: titleOf(stem), ...body };
}

mkdirSync(OUT, { recursive: true });
const schemas = allMetadataSchemas();
const files = Object.keys(schemas)
  .sort()
  .map((stem) => {
    const file = `${stem}.schema.json`;
    writeFileSync(join(OUT, file), `${JSON.stringify(schemaDocument(stem, schemas[stem]), null, 2)}\n`);
    return file;
  });
// Drop schema files of stems that no longer exist.
for (const file of readdirSync(OUT)) {
  if (file.endsWith('.schema.json') && !files.includes(file)) rmSync(join(OUT, file));
}
for (const file of files) console.log(`schemas/${file}`);
