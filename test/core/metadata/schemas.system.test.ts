/**
 * The metadata shapes and the committed JSON Schemas (read by zod) agree on 300 random mutations of
 * the fixtures' metadata (the rest: schemas.test.ts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseMetadata } from '../../../src/core/metadata/metadata.js';
import { committed, conforms, fixtureMetadata, stemOf, zodOf } from '../../helpers/schemas.js';

const METADATA = fixtureMetadata();

describe('on mutated fixture metadata, the shape and the committed JSON Schema give the same verdict', () => {
  const docs = METADATA.map(([, text]) => {
    const md = parseMetadata(text);
    return { stem: stemOf(md.version, md.style), version: md.version, style: md.style, json: JSON.parse(text) };
  });
  // Every [container, key] pair of a document, so a mutation can hit any depth.
  const slots = (root: unknown): [Record<string, unknown> | unknown[], string | number][] => {
    const out: [Record<string, unknown> | unknown[], string | number][] = [];
    const walk = (v: unknown) => {
      if (Array.isArray(v)) {
        v.forEach((x, i) => {
          out.push([v, i]);
          walk(x);
        });
      } else if (typeof v === 'object' && v !== null) {
        for (const [k, x] of Object.entries(v)) {
          out.push([v as Record<string, unknown>, k]);
          walk(x);
        }
      }
    };
    walk(root);
    return out;
  };
  const replacements: unknown[] = [
    -1,
    1.5,
    '8',
    null,
    [],
    {},
    2 ** 60,
    0,
    'full-model',
    'operator',
    ['c'],
    { '1': 'c' },
  ];

  it('agrees on 300 random single and double mutations', () => {
    fc.assert(
      fc.property(
        fc.nat(docs.length - 1),
        fc.array(fc.tuple(fc.nat(), fc.nat(replacements.length)), { minLength: 1, maxLength: 2 }),
        (d, edits) => {
          const { version, style, stem, json } = docs[d]!;
          const doc = structuredClone(json);
          for (const [at, r] of edits) {
            const all = slots(doc);
            const [container, key] = all[at % all.length]!;
            if (r === replacements.length) {
              if (Array.isArray(container)) container.splice(key as number, 1);
              else delete container[key as string];
            } else (container as Record<string | number, unknown>)[key] = structuredClone(replacements[r]);
          }
          expect(conforms(version, style, doc)).toBe(zodOf(committed(stem)).safeParse(doc).success);
        },
      ),
      { numRuns: 300, seed: 15 },
    );
  });
});
