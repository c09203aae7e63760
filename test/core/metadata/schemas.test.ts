/**
 * The metadata shapes and the committed JSON Schemas (schemas/): in sync with src, fixture metadata
 * validates, and the shapes agree with the schemas (read by zod) on samples (random mutations:
 * schemas.system.test.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { parseMetadata } from '../../../src/core/metadata/metadata.js';
import type { Infer } from '../../../src/core/common/shape.js';
import {
  type entryShapes,
  type ExternalDependency,
  type MainEntry,
  metadataJsonSchemas,
  type OperatorBuffer,
  type OperatorFunctionEntry,
  type SidEntry,
} from '../../../src/core/metadata/schema.js';
import { ROOT } from '../../helpers/common.js';
import { committed, conforms, fixtureMetadata, stemOf, zodOf } from '../../helpers/schemas.js';

const SCHEMAS = join(ROOT, 'schemas');
const ID_BASE = 'https://model-library-format.dev/schemas/';
const allMetadataSchemas = metadataJsonSchemas;
const METADATA = fixtureMetadata();

describe('committed JSON Schemas are in sync with src/core/metadata/schema.ts', () => {
  it('each entry shape describes its public interface', () => {
    expectTypeOf<Infer<typeof entryShapes.sidEntry>>().toEqualTypeOf<SidEntry>();
    expectTypeOf<Infer<typeof entryShapes.mainEntry>>().toEqualTypeOf<MainEntry>();
    expectTypeOf<Infer<typeof entryShapes.operatorFunction>>().toEqualTypeOf<OperatorFunctionEntry>();
    expectTypeOf<Infer<typeof entryShapes.externalDependency>>().toEqualTypeOf<ExternalDependency>();
    expectTypeOf<Infer<typeof entryShapes.operatorBuffer>>().toEqualTypeOf<OperatorBuffer>();
  });

  const schemas = allMetadataSchemas();
  const stems = Object.keys(schemas).sort();

  it('has one schema per version (1-7) and per operator version (4-7)', () => {
    expect(stems).toEqual([
      'mlf-metadata-v1',
      'mlf-metadata-v2',
      'mlf-metadata-v3',
      'mlf-metadata-v4',
      'mlf-metadata-v4-operator',
      'mlf-metadata-v5',
      'mlf-metadata-v5-operator',
      'mlf-metadata-v6',
      'mlf-metadata-v6-operator',
      'mlf-metadata-v7',
      'mlf-metadata-v7-operator',
    ]);
  });

  it('schemas/ holds exactly those files', () => {
    const files = readdirSync(SCHEMAS)
      .filter((f) => f.endsWith('.json'))
      .sort();
    expect(files).toEqual(stems.map((s) => `${s}.schema.json`).sort());
  });

  for (const stem of Object.keys(allMetadataSchemas()).sort()) {
    it(`${stem}.schema.json equals the regenerated schema (run \`npm run schemas\` if not)`, () => {
      const text = readFileSync(join(SCHEMAS, `${stem}.schema.json`), 'utf8');
      expect(text).toBe(`${JSON.stringify(schemas[stem], null, 2)}\n`);
      const doc = JSON.parse(text);
      expect(doc.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
      expect(doc.$id).toBe(`${ID_BASE}${stem}.schema.json`);
      expect(doc.title).toMatch(
        /^Apache TVM Model Library Format metadata\.json, version [1-7], (full-model|operator) style$/,
      );
      expect(doc.type).toBe('object');
      // Loose objects: unknown keys are allowed at the top level.
      expect(doc.additionalProperties).toEqual({});
    });
  }
});

describe('fixture metadata validates against the committed schema of its version and style', () => {
  it('covers 13 metadata files', () => {
    expect(METADATA).toHaveLength(13);
  });

  for (const [label, text] of METADATA) {
    it(label, () => {
      const md = parseMetadata(text);
      const stem = stemOf(md.version, md.style);
      expect(Object.keys(allMetadataSchemas())).toContain(stem);
      const result = zodOf(committed(stem)).safeParse(JSON.parse(text));
      expect(result.success, result.error?.message).toBe(true);
      // ... and against no other full-model version (the version literal pins it).
      for (const other of Object.keys(allMetadataSchemas())) {
        if (other === stem) continue;
        expect(zodOf(committed(other)).safeParse(JSON.parse(text)).success, other).toBe(false);
      }
    });
  }
});

describe('the shapes and the committed JSON Schemas (read by zod) agree', () => {
  const DT = '2021-03-10 10:00:00Z';
  const memory = {
    sids: [{ storage_id: 0, size_bytes: 8, input_binding: 'a' }],
    functions: { main: [{ device: 1, workspace_size_bytes: 0 }], operator_functions: [] },
  };
  const mod = {
    model_name: 'm',
    export_datetime: DT,
    executors: ['graph'],
    style: 'full-model',
    target: ['c'],
    memory,
  };
  const samples: [number, 'full-model' | 'operator', unknown][] = [
    [
      1,
      'full-model',
      {
        version: 1,
        model_name: 'm',
        export_datetime: DT,
        memory: memory.sids,
        target: { '1': 'c' },
        runtimes: ['graph'],
      },
    ],
    [
      1,
      'full-model',
      {
        version: 1,
        model_name: 'm',
        export_datetime: DT,
        memory: [{ storage_id: -1, size_bytes: 8 }],
        target: { '1': 'c' },
        runtimes: ['graph'],
      },
    ],
    [
      3,
      'full-model',
      { version: 3, model_name: 'm', export_datetime: DT, memory, target: { '1': 'c' }, runtimes: ['aot'], extra: 1 },
    ],
    [3, 'full-model', { version: 3, model_name: 'm', export_datetime: DT, memory, target: ['c'], runtimes: ['aot'] }],
    [
      6,
      'full-model',
      {
        version: 6,
        model_name: 'm',
        export_datetime: DT,
        memory,
        target: ['c'],
        executors: ['graph'],
        style: 'full-model',
      },
    ],
    [
      6,
      'full-model',
      {
        version: 6,
        model_name: 'm',
        export_datetime: DT,
        memory,
        target: ['c'],
        runtimes: ['graph'],
        style: 'full-model',
      },
    ],
    [7, 'full-model', { version: 7, modules: { m: mod } }],
    [
      7,
      'full-model',
      {
        version: 7,
        modules: { m: { ...mod, memory: { sids: [{ storage_id: 0, size_bytes: '8' }], functions: memory.functions } } },
      },
    ],
    [7, 'full-model', { version: 7, modules: { m: { ...mod, style: 'operator' } } }],
    [
      5,
      'operator',
      {
        version: 5,
        model_name: 'add',
        export_datetime: DT,
        memory: { add: [{ size_bytes: 2, shape: [2], dtype: 'int8', input_binding: null }] },
        target: { '1': 'c' },
        executors: [],
        style: 'operator',
      },
    ],
    [
      7,
      'operator',
      {
        version: 7,
        model_name: 'add',
        export_datetime: DT,
        memory: { add: [{ size_bytes: 2, shape: [2], dtype: 'int8' }] },
        target: ['c'],
        executors: [],
        style: 'operator',
      },
    ],
    [
      7,
      'operator',
      {
        version: 7,
        model_name: 'add',
        export_datetime: DT,
        memory: { add: [{ size_bytes: 2, shape: [2.5], dtype: 'int8' }] },
        target: ['c'],
        executors: [],
        style: 'operator',
      },
    ],
  ];
  samples.forEach(([version, style, sample], k) => {
    it(`sample ${k} (v${version} ${style}): the JSON Schema and the shape agree`, () => {
      const jsonOk = zodOf(committed(stemOf(version, style))).safeParse(sample).success;
      expect(jsonOk).toBe(conforms(version, style, sample));
    });
  });

  it('the samples include both accepted and rejected documents', () => {
    const verdicts = samples.map(([v, s, sample]) => conforms(v, s, sample));
    expect(verdicts).toEqual([true, false, true, false, true, false, true, false, false, true, true, false]);
  });
});
