/** The metadata shapes against the committed JSON Schemas (test/core/metadata/schemas*.test.ts). */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { checkShape } from '../../src/core/common/shape.js';
import { metadataShapeFor } from '../../src/core/metadata/schema.js';
import { readTarIndexSync, tarEntryData } from '../../src/core/tar/read.js';
import { FIXTURES, ROOT } from './common.js';

/** Whether `value` has the metadata shape of this version and style (our checker). */
export const conforms = (version: number, style: 'full-model' | 'operator', value: unknown) =>
  checkShape(metadataShapeFor(version, style), value).count === 0;
/** zod reads the committed JSON Schema files: an implementation independent of ours. */
export const zodOf = (schema: Record<string, unknown>) =>
  z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);

/** The file stem of the schema of a version and style. */
export const stemOf = (version: number, style: string) =>
  `mlf-metadata-v${version}${style === 'operator' ? '-operator' : ''}`;
/** A committed JSON Schema of schemas/. */
export const committed = (stem: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(ROOT, 'schemas', `${stem}.schema.json`), 'utf8'));

/** metadata.json of every fixture: from the tars (project tar reader) plus the extracted linaro folder. */
export function fixtureMetadata(): [string, string][] {
  const out: [string, string][] = [];
  const tars = (readdirSync(FIXTURES, { recursive: true }) as string[]).filter((p) => p.endsWith('.tar')).sort();
  for (const tar of tars) {
    const bytes = new Uint8Array(readFileSync(join(FIXTURES, tar)));
    const entry = readTarIndexSync(bytes).entries.find((e) => e.path === 'metadata.json');
    if (entry !== undefined) out.push([tar, new TextDecoder().decode(tarEntryData(bytes, entry))]);
  }
  const linaro = 'wild/linaro-sine-aot-v5-extdeps/metadata.json';
  out.push([linaro, readFileSync(join(FIXTURES, linaro), 'utf8')]);
  return out;
}
