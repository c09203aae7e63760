// checkGraph never throws, whatever is done to a valid graph (fast-check mutations of the add
// graph and of kws-v4); the examples: graph.test.ts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkGraph, type GraphJson } from '../../../src/core/graph/graph.js';
import {
  computeSids,
  computeStoragePools,
  countStorageIds,
  graphInputs,
  graphOperators,
  graphOutputs,
} from '../../../src/core/graph/facts.js';
import { ADD_GRAPH_TEXT, fixtureGraphs } from '../../helpers/graphs.js';

const GRAPHS = fixtureGraphs();

// biome-ignore lint/suspicious/noExplicitAny: test graphs are mutated freely
type Mutable = any;

type Path = (string | number)[];

function pathsOf(v: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  if (prefix.length > 0) out.push(prefix);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) pathsOf(v[i], [...prefix, i], out);
  } else if (v !== null && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) pathsOf(x, [...prefix, k], out);
  return out;
}

interface Mutation {
  pick: number;
  kind: 'delete' | 'number' | 'shorten' | 'replace';
  n: number;
  value: unknown;
}

function applyMutation(root: Mutable, m: Mutation): void {
  const paths = pathsOf(root);
  if (paths.length === 0) return;
  const path = paths[m.pick % paths.length]!;
  const parent = path.slice(0, -1).reduce((o: Mutable, k) => o[k], root);
  const key = path[path.length - 1]!;
  const target = parent[key];
  switch (m.kind) {
    case 'delete':
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key];
      break;
    case 'number':
      parent[key] = typeof target === 'number' ? target + m.n : m.n;
      break;
    case 'shorten':
      if (Array.isArray(target))
        target.length = Math.min(target.length, Math.floor(Math.abs(m.n)) % (target.length + 1));
      else parent[key] = structuredClone(m.value);
      break;
    case 'replace':
      parent[key] = structuredClone(m.value);
      break;
  }
}

const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  pick: fc.nat(),
  kind: fc.constantFrom('delete', 'number', 'shorten', 'replace'),
  n: fc.oneof(fc.integer({ min: -3, max: 12 }), fc.constantFrom(0.5, -0.5, 1e300, Number.MAX_SAFE_INTEGER + 2)),
  value: fc.oneof(
    fc.constantFrom(
      null,
      true,
      '',
      'null',
      'tvm_op',
      'floaty',
      'list_int',
      'list_shape',
      'list_str',
      '1',
      '0',
      [],
      {},
      [0, 0, 0],
      [9, 0, 0],
      [[1, 2]],
    ),
    fc.integer({ min: -2, max: 10 }),
    fc.jsonValue({ maxDepth: 2 }),
  ),
});

describe('checkGraph property', () => {
  const bases: [string, string][] = [
    ['add', ADD_GRAPH_TEXT],
    ['kws-v4', GRAPHS.find((g) => g.label.includes('kws-v4'))!.text],
  ];
  for (const [label, text] of bases) {
    it(`random mutations of the ${label} graph never make checkGraph throw`, () => {
      fc.assert(
        fc.property(fc.array(mutationArb, { minLength: 1, maxLength: 5 }), (mutations) => {
          const g = JSON.parse(text);
          for (const m of mutations) applyMutation(g, m);
          const r = checkGraph(g, { member: 'm.graph' });
          expect(Array.isArray(r.diagnostics)).toBe(true);
          for (const d of r.diagnostics) {
            expect(d.code).toMatch(/^MLF-[EW]\d{3}$/);
            expect(d.jsonPath?.startsWith('$')).toBe(true);
            expect(d.member).toBe('m.graph');
          }
          const hasError = r.diagnostics.some((d) => d.severity === 'error');
          expect(r.graph === undefined).toBe(hasError);
          if (r.graph !== undefined) {
            // A graph that passes the check is safe for every fact function.
            const graph = r.graph as GraphJson;
            computeSids(graph);
            computeStoragePools(graph);
            graphOutputs(graph);
            graphInputs(graph, new Set(['p0']));
            graphOperators(graph);
            countStorageIds(graph);
          }
        }),
        { numRuns: 400 },
      );
    });
  }
});
